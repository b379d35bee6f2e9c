"""``required``: cells that must hold a figure (a blank 本年收入合计 is an omission, not a zero).

Parameters: ``cells`` (references). Message fields: ``{where}``.

    - {id: R00-required, type: required, cells: [01.inc_total.amount, 01.exp_total.amount]}
"""

from __future__ import annotations

from juesuan.report import Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Message, Rule, parse_refs, plain, refs_of

MESSAGE = Message("{where}不能为空（无数据请填 0）", "{where} must not be blank (enter 0 when there is no figure)")


@register("required", {"message": MESSAGE})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for ref in parse_refs(rule.param("cells")):
        for cell in ctx.cells(ref):
            if cell.value is None:
                out.append(plain(rule, refs_of([cell]), cell.table, rule.template(MESSAGE), where=cell.label))
    return out
