"""Units of a self-evaluation's indicator values: which quantities may be compared.

An indicator's unit is what its value text ends with (``≤600元``, ``98%``, ``500人``) or,
failing that, what its name says in brackets (``人均培训成本（元）``). Values are compared only
with like quantities: 元 with 元 (or 万元 after ×10000), % with %, 人 with 人. A cost
indicator is compared with the 全年执行数 (万元) only when it is money in 万元 and not a
per-unit figure (人均, 每…, 单价 …).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from juesuan.lazy_re import lazy

MONEY = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
_SUFFIX = lazy(r"(亿元|万元|元|万人次|人次|万人|人|%|％|个|家|户|所|次|天|日|月|年|项|件|台|套|公里|千米|米|平方米|亩|吨|万吨|小时|分)\s*$")
_BRACKET = lazy(r"[（(]([^（）()]*)[）)]\s*$")
PER_UNIT_WORDS = ("人均", "每", "单价", "单位", "平均", "次均", "户均", "/人", "／人", "/次", "生均")


def unit_of_value(value: Any) -> str | None:
    """The unit a value text ends with (``"≤600元"`` → ``元``); numbers carry none."""
    if not isinstance(value, str):
        return None
    text = value.strip().rstrip("以上下内").strip()
    m = _SUFFIX.search(text)
    return m.group(1).replace("％", "%") if m else None


def unit_of_name(name: Any) -> str | None:
    """The unit in an indicator name's closing brackets (``人均培训成本（元）`` → ``元``)."""
    m = _BRACKET.search(str(name or ""))
    if not m:
        return None
    inner = m.group(1).strip().replace("％", "%")
    return inner if _SUFFIX.fullmatch(inner) or inner in MONEY else None


def indicator_unit(name: Any, value: Any) -> str | None:
    return unit_of_value(value) or unit_of_name(name)


def is_per_unit(name: Any) -> bool:
    return any(w in str(name or "") for w in PER_UNIT_WORDS)


def comparable(unit_a: str | None, unit_b: str | None) -> bool:
    """Two units name like quantities (a missing unit takes the other's)."""
    if unit_a is None or unit_b is None or unit_a == unit_b:
        return True
    return unit_a in MONEY and unit_b in MONEY


def to_unit(number: Decimal, unit: str | None, target: str | None) -> Decimal:
    """``number`` in ``unit`` expressed in ``target`` (money units only; else unchanged)."""
    if unit in MONEY and target in MONEY and unit != target:
        return number * MONEY[unit] / MONEY[target]
    return number
