"""``compare``: cross-table equality or inequality between cells (or signed sums of cells).

Parameters: ``left`` and ``right`` (a reference or a list of signed references, level
selectors allowed), ``op``: ``eq`` (=, default), ``le`` (≤) or ``ge`` (≥). ``expected`` in
the finding is the right side, ``actual`` the left side.

    - {id: R08-income-total, type: compare, left: 01.inc_total.amount, right: 02.total.total}
    - {id: R10-begin, type: compare, left: 04.fin_begin.amount, op: le, right: 01.begin.amount}
"""

from __future__ import annotations

from juesuan.intervals import compare
from juesuan.report import Finding
from juesuan.rules import RELATION_MESSAGES, register
from juesuan.rules.base import Context, Rule, RuleError, judge, parse_refs

OPS = {"eq": "=", "le": "≤", "ge": "≥"}


@register("compare", RELATION_MESSAGES)
def check(rule: Rule, ctx: Context) -> list[Finding]:
    op = str(rule.param("op", "eq"))
    if op not in OPS:
        raise RuleError(f"op 应为 {list(OPS)} 之一 / op must be one of {list(OPS)}")
    left = [c for ref in parse_refs(rule.param("left")) for c in ctx.cells(ref)]
    right = [c for ref in parse_refs(rule.param("right")) for c in ctx.cells(ref)]
    verdict = compare([(c.sign, c.value) for c in left], [(c.sign, c.value) for c in right], op,
                      half_width=ctx.half_width, tolerance=rule.tolerance, exact_duplicate=True)
    if not left:
        raise RuleError("left 没有指向任何单元格 / left names no cell")
    where = left[0].label if len(left) == 1 else "、".join(c.label for c in left)
    finding = judge(rule, verdict, [*left, *right], left[0].table, where=where, op=OPS[op],
                    other="、".join(c.label for c in right))
    return [finding] if finding else []
