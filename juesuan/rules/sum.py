"""``sum``: a cell equals the signed sum of other cells.

Parameters: ``total`` (a reference), ``items`` (signed references; a level selector such as
``+01.类.amount`` stands for every class row), optional ``columns`` (the rule is checked once
per column for references written without a column, e.g. 04 总计 = 本年支出合计 + 年末 for
合计/一般公共预算/政府性基金).

    - {id: R01-income-total, type: sum, total: 01.inc_total.amount,
       items: [+01.inc_gp.amount, +01.inc_gf.amount, ...]}
"""

from __future__ import annotations

from juesuan.intervals import compare_sum
from juesuan.report import Finding
from juesuan.rules import RELATION_MESSAGES, register
from juesuan.rules.base import Context, Rule, RuleError, judge, parse_ref, parse_refs


@register("sum", RELATION_MESSAGES)
def check(rule: Rule, ctx: Context) -> list[Finding]:
    total_ref = parse_ref(rule.param("total"))
    item_refs = parse_refs(rule.param("items"))
    columns = rule.param("columns", None) or [None]
    if not isinstance(columns, list):
        raise RuleError("columns 应为列表 / columns must be a list")
    out: list[Finding] = []
    for col in columns:
        total = ctx.cell(total_ref, col)
        items = [c for ref in item_refs for c in ctx.cells(ref, col)]
        verdict = compare_sum(total.value, [(c.sign, c.value) for c in items], half_width=ctx.half_width, tolerance=rule.tolerance,
                              exact_duplicate=True)
        finding = judge(rule, verdict, [total, *items], total.table, where=total.label)
        if finding:
            out.append(finding)
    return out
