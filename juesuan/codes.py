"""Classification codes (功能分类 / 经济分类): normalising typed codes and walking their hierarchy.

Codes are text. A spreadsheet may hand us ``2150510`` as a number or ``2150510.0`` as a
float; both become ``"2150510"``. Full-width digits are read as ASCII ones; any other digit
(Arabic-Indic, superscripts …) makes a malformed code. 功能分类: 类 3, 款 5, 项 7 digits; 经济分类: 类 3, 款 5.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import NamedTuple

from juesuan.lazy_re import lazy

FUNC_LEVELS = (3, 5, 7)
ECON_LEVELS = (3, 5)
LEVEL_NAMES = {3: "类", 5: "款", 7: "项"}

_DIGITS = lazy(r"^[0-9]+$")  # ASCII only: ٢٠٨ or ²⁰⁸ are not codes
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


class BadCode(ValueError):
    """A code that is not digits of an allowed length."""


def normalise_code(value: object) -> str | None:
    """Typed code → text (``2150510.0`` → ``"2150510"``); blank → None; raises BadCode on letters."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadCode(str(value))
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise BadCode(repr(value))
        return str(int(value))
    if isinstance(value, (int, Decimal)):
        if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
            raise BadCode(str(value))
        return str(int(value))
    text = str(value).translate(_FULLWIDTH_DIGITS).strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if text.endswith(".0") and _DIGITS.match(text[:-2]):
        text = text[:-2]
    if not _DIGITS.match(text):
        raise BadCode(str(value))
    return text


# A code cell of a ledger export that carries the name too: "[2080505]机关…", "【2080505】…",
# "2080505 机关…", "2080505-机关…", "2080505：机关…" (full-width digits already made ASCII).
_CODE_WITH_NAME = lazy(
    r"^\s*(?:[\[【［〔(（]\s*(?P<inner>[0-9][0-9 ]*?)\s*[\]】］〕)）]|(?P<bare>[0-9]+))"
    r"[\s\-－—–_:：、,，.．|/]*(?P<name>.*?)\s*$", re.S)
_CJK = lazy(r"[\u3400-\u9fff]")


class CodeWithName(NamedTuple):
    """A code cell that also held the subject's name (``2080505 机关事业单位…``)."""

    code: str
    name: str


def split_code_name(value: str) -> CodeWithName | None:
    """The code and name of a cell a ledger export wrote as code + name, or None when the text
    isn't that shape. The name must be text (a Chinese name): ``2080505.5`` or ``2080505 01``
    are not a code with a name. The code's length is the caller's to check."""
    m = _CODE_WITH_NAME.match(str(value).translate(_FULLWIDTH_DIGITS).replace("\u00a0", " "))
    if m is None:
        return None
    name = m.group("name")
    if m.group("bare") is not None and (not name or not _CJK.search(name) or name[0].isdigit()):
        return None
    if name and (name[0].isdigit() or not _CJK.search(name)):
        return None
    code = (m.group("inner") or m.group("bare")).replace(" ", "")
    return CodeWithName(code, name)


def check_length(code: str, levels: tuple[int, ...]) -> None:
    if len(code) not in levels:
        raise BadCode(code)


def ancestors(code: str, levels: tuple[int, ...] = FUNC_LEVELS) -> list[str]:
    """All prefixes of ``code`` at the hierarchy's levels, itself included: 2150510 → [215, 21505, 2150510]."""
    return [code[:n] for n in levels if n <= len(code)]


def level_of(code: str) -> str:
    return LEVEL_NAMES.get(len(code), "?")


def parent(code: str, levels: tuple[int, ...] = FUNC_LEVELS) -> str | None:
    shorter = [n for n in levels if n < len(code)]
    return code[: shorter[-1]] if shorter else None


_NUMERALS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 24 → 二十四 (the 一、二、… numbering of printed lines)."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[ones] if ones else "")


_NUMBERING = lazy(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）])\s*")


def strip_numbering(label: str) -> str:
    """A printed label without its leading 一、/（一） numbering: ``二、教育支出`` → ``教育支出``."""
    return _NUMBERING.sub("", label, count=1)
