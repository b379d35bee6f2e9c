"""``codes``: every code is known to the year's code list, at a valid level, and its printed
name matches the list; class lines of 01/04 name a known 类.

Parameters: ``tables`` (ids), ``scheme``: ``functional`` (default) or ``economic``.
Message fields: ``{where}``, ``{code}``, ``{name}``, ``{expected}``, ``{year}``.

    - {id: R17-codes-functional, type: codes, severity: warning, tables: ["01", "02", "03", "04", "05", "08"]}
"""

from __future__ import annotations

from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, strip_numbering
from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Message, Rule, RuleError, plain

UNKNOWN = Message("{table}编码 {code}（{name}）不在 {year} 年科目表中",
                  "{table}: code {code} ({name}) is not in the {year} code list")
BAD_LEVEL = Message("{table}编码 {code} 位数不正确（应为 {levels} 位）",
                    "{table}: code {code} has a wrong number of digits (should be {levels})")
NAME = Message("{table}编码 {code} 的科目名称应为“{expected}”，表中为“{name}”",
               "{table}: the name of code {code} should be “{expected}”, the table says “{name}”")
BLANK_NAME = Message("{table}编码 {code} 的科目名称为空（应为“{expected}”）",
                     "{table}: the name of code {code} is blank (should be “{expected}”)")
UNKNOWN_CLASS = Message("{table}“{name}”不是 {year} 年科目表中的类级科目名称",
                        "{table}: “{name}” is not the name of a class in the {year} code list")


def _norm(text: str) -> str:
    return strip_numbering("".join(text.split())).replace("(", "（").replace(")", "）")


@register("codes", {"unknown": UNKNOWN, "bad-level": BAD_LEVEL, "name": NAME, "blank-name": BLANK_NAME,
                   "unknown-class": UNKNOWN_CLASS})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    scheme = rule.param("scheme", "functional")
    if scheme not in ("functional", "economic"):
        raise RuleError("scheme 应为 functional 或 economic / scheme must be functional or economic")
    known = ctx.spec.codes.scheme(scheme)
    levels = FUNC_LEVELS if scheme == "functional" else ECON_LEVELS
    year = ctx.spec.format
    out: list[Finding] = []
    for tid in [str(t) for t in rule.param("tables")]:
        sheet = ctx.sheet(tid)
        for row in ctx.table(tid).rows():
            if row.role in ("spare", "total", "footer"):
                continue
            anchor = row.cells.get("code") or row.cells.get("label") or row.cells.get("name")
            cells = [CellRef(sheet, anchor)] if anchor else []
            if row.key.startswith("?"):
                out.append(plain(rule, cells, tid, UNKNOWN_CLASS, table=ctx.table_spec(tid).display, name=row.label, year=year))
                continue
            code = row.code
            if not code:
                continue
            if len(code) not in levels:
                out.append(plain(rule, cells, tid, BAD_LEVEL, table=ctx.table_spec(tid).display, code=code,
                                 levels="/".join(map(str, levels))))
                continue
            expected = known.get(code)
            if expected is None:
                out.append(plain(rule, cells, tid, UNKNOWN, table=ctx.table_spec(tid).display, code=code, name=row.label, year=year))
            elif not (row.label or "").strip() and row.cells.get("name"):
                out.append(plain(rule, [CellRef(sheet, row.cells["name"])], tid, BLANK_NAME,
                                 table=ctx.table_spec(tid).display, code=code, expected=expected))
            elif row.label and _norm(row.label) != _norm(expected):
                name_at = row.cells.get("name") or anchor
                out.append(plain(rule, [CellRef(sheet, name_at)] if name_at else cells, tid, NAME, table=ctx.table_spec(tid).display,
                                 code=code, name=row.label, expected=expected))
    return out
