"""``readable``: every figure of the tables is a number and every code is digits.

Parameters: ``tables`` (default: all). Reports what :func:`juesuan.reading.read_table` could
not read (text in an amount cell, a malformed code) at its cell.
"""

from __future__ import annotations

from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Rule, plain

REASONS = {"not-a-number": "{sheet}!{cell} 的“{value}”不是数字", "bad-code": "{sheet}!{cell} 的编码“{value}”格式不正确"}


@register("readable")
def check(rule: Rule, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for tid in [str(t) for t in rule.param("tables", None) or [t.id for t in ctx.spec.tables]]:
        ctx.table(tid)
        for p in ctx.read_problems.get(tid, []):
            template = REASONS.get(p.reason, "{sheet}!{cell}：{value}")
            out.append(plain(rule, [CellRef(p.sheet, p.cell)], tid, template, sheet=p.sheet, cell=p.cell,
                             value=p.value))
    return out
