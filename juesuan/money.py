"""Money as ``Decimal``: parsing typed amounts, 元 → 万元 conversion, half-up rounding.

Amounts are never floats. Published figures are 万元 with two decimals (one cent of 万元
is 100 元); rounding is half-up and always explicit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from juesuan.lazy_re import lazy

CENT = Decimal("0.01")
TOO_LARGE = Decimal(10) ** 18  # no department's figure comes near: such a cell is not an amount
YUAN_PER_WAN = Decimal(10000)

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋　", "0123456789.,-+ ")
_NUMBER = lazy(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = lazy(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


# what a published table prints for an empty figure, like a blank cell: a dash or “无”
NIL_MARKS = frozenset({"-", "－", "—", "——", "–", "--", "无"})


class NotANumber(ValueError):
    """The text is not an amount (e.g. ``abc``)."""


def parse_amount(value: object) -> Decimal | None:
    """Read a typed amount: numbers, ``1,234.50``, full-width digits, ``(12.30)``; blank → None.

    Floats coming from a spreadsheet are converted through their shortest repr, so
    ``0.1`` stays ``0.1`` and not the binary expansion. Non-finite or absurdly large
    values (≥ 10^18) are not amounts.
    """
    if type(value) is float and -1e15 < value < 1e15:  # the usual cell: finite, far below TOO_LARGE
        return Decimal(repr(value))
    number = _parse_amount(value)
    if number is not None and abs(number) >= TOO_LARGE:
        raise NotANumber(str(value))
    return number


def _parse_amount(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotANumber(str(value))
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotANumber(str(value))
        return Decimal(repr(value))
    text = str(value).translate(_FULLWIDTH).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    for suffix in ("元", "¥", "￥"):
        text = text.replace(suffix, "")
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        raise NotANumber(str(value))
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
        raise NotANumber(str(value)) from exc
    return -number if negative else number


def round_cents(value: Decimal) -> Decimal:
    """Half-up to 0.01."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def yuan_to_wan(yuan: Decimal) -> Decimal:
    """Exact conversion 元 → 万元 (no rounding)."""
    return yuan / YUAN_PER_WAN


def wan(yuan: Decimal) -> Decimal:
    """元 → 万元, half-up to 0.01 万元."""
    return round_cents(yuan_to_wan(yuan))


def format_wan(value: Decimal | None) -> str:
    """``1234.5`` → ``1,234.50`` (blank for None)."""
    if value is None:
        return ""
    return f"{round_cents(value):,.2f}"
