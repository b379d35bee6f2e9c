"""``balance``: 年末 = 年初 + 收入 − 支出 (a carried-forward balance).

Either per row of a table — ``table``, ``end``, ``start``, ``plus``, ``minus`` as column keys
(08: 年末结转和结余 = 年初 + 本年收入 − 本年支出小计 on every row) — or for single cells when
``end`` is a reference (04: 年末财政拨款结转和结余 一般公共预算 = 年初 + 收入 − 支出).

    - {id: R04-08-balance, type: balance, table: "08", end: end, start: begin, plus: [income], minus: [exp_sub]}
"""

from __future__ import annotations

from juesuan.intervals import compare_sum
from juesuan.report import Finding
from juesuan.rules import RELATION_MESSAGES, register
from juesuan.rules.base import Context, Rule, RuleError, judge, parse_ref
from juesuan.rules.row_sum import check_rows


def _list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise RuleError("plus/minus 应为列表 / plus and minus must be lists")


@register("balance", RELATION_MESSAGES)
def check(rule: Rule, ctx: Context) -> list[Finding]:
    end, start = str(rule.param("end")), str(rule.param("start"))
    plus, minus = _list(rule.param("plus", [])), _list(rule.param("minus", []))
    if "table" in rule.params:
        items = [(1, start), *((1, c) for c in plus), *((-1, c) for c in minus)]
        return check_rows(rule, ctx, str(rule.params["table"]), end, items)
    end_cell = ctx.cell(parse_ref(end))
    parts = [ctx.cell(parse_ref(start))]
    parts += [ctx.cell(parse_ref(r)) for r in plus]
    for r in minus:
        c = ctx.cell(parse_ref(r))
        c.sign = -c.sign
        parts.append(c)
    verdict = compare_sum(end_cell.value, [(c.sign, c.value) for c in parts], half_width=ctx.half_width, tolerance=rule.tolerance,
                          exact_duplicate=True)
    finding = judge(rule, verdict, [end_cell, *parts], end_cell.table, where=end_cell.label)
    return [finding] if finding else []
