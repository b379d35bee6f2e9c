"""Reading a 说明 as text: normalising how figures are written (full-width digits, ％, ( ),
spaces, quotes), splitting into paragraphs, sentences and clauses, and finding the
statements in a sentence (an amount with its unit, a percentage, a share without %, a
count, “无年初预算数”, “持平”)."""

from __future__ import annotations

from decimal import Decimal

from juesuan.lazy_re import lazy
from juesuan.records import record

_TRANS = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "％": "%", "(": "（", ")": "）",
                        "﹪": "%", "，": "，", ",": ",", "；": "；", ";": "；", ":": "：", "﹔": "；"})
_DROP = lazy(r"[\s\u3000\u00a0“”\"‘’'「」『』《》]")
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"


def _num(name: str) -> str:
    return rf"(?<![\d.,])(?P<{name}>{_DIGITS})"


TOKEN = lazy(
    rf"(?P<amount>{_num('anum')}(?P<unit>亿元|万元|元))"
    rf"|(?P<percent>{_num('pnum')}%)"
    r"|(?P<nobudget>无年初预算)"
    r"|(?P<flat>持平)"
    rf"|(?P<count>{_num('cnum')}(?P<cunit>个|辆|人次|批次|台（套）|台|套|家))"
    r"|(?P<bare>占[^，；。%\d]{0,16}?(?P<bnum>\d+(?:\.\d+)?)(?![\d.%]|万元|元|亿元|个|辆|人|批|台|套|家|项))"
)
HEADING = lazy(r"^\s*(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+部分)")
SENTENCE = lazy(r"[^。！？!?]+[。！？!?]?")
CLAUSE_BREAK = lazy(r"[，；：、,]")


def normalise(text: str) -> str:
    """One way of writing: ASCII digits and %, full-width brackets, no spaces or quotes."""
    return _DROP.sub("", text.translate(_TRANS))


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def decimals_of(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@record
class Sentence:
    """One sentence of a 说明 as written and normalised, with its paragraph."""

    original: str  # as written (quoted in findings)
    text: str  # normalised
    paragraph: int
    line: str  # the whole paragraph, normalised


def paragraphs(text: str) -> list[str]:
    return [p for p in (line.strip() for line in text.splitlines()) if p]


def sentences(paragraph: str, index: int) -> list[Sentence]:
    line = normalise(paragraph)
    out = []
    for m in SENTENCE.finditer(paragraph):
        original = m.group(0).strip()
        if original:
            out.append(Sentence(original, normalise(original), index, line))
    return out


def last_break(text: str) -> int:
    """Where the clause of a statement starts: after the last clause break in ``text``."""
    found = -1
    for m in CLAUSE_BREAK.finditer(text):
        found = m.end()
    return max(found, 0)
