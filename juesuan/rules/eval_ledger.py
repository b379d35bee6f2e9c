"""``eval-ledger``: a self-evaluation's 全年执行数 against the ledger lines of its project.

The 年度资金总额 全年执行数 (万元) of the 项目支出绩效自评表 for 项目名称 P must equal, within
the rounding of its two printed decimals, the expenditure lines of the 支出明细 whose 项目名称
is P (元 → 万元). A project with no ledger line at all gets a note (it may be paid by another
unit); a workbook whose detail sheets are empty (an imported disclosure) is not checked.

    - {id: E11-ledger, type: eval-ledger, severity: error, title: 全年执行数应与明细表该项目支出一致}
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from juesuan.errors import InputError
from juesuan.evaluation.model import amount
from juesuan.intervals import compare_sum
from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Message, Rule, render
from juesuan.rules.ledger_sanity import _ledger

WAN = Decimal(10000)
NO_LINES = Message("{prefix}{sheet}项目“{project}”在支出明细中没有“项目名称”相同的行，全年执行数 {shown} 万元未与明细核对",
                   "{prefix}{sheet}: project “{project}” has no line of the same 项目名称 on 支出明细; 全年执行数"
                   " {shown} 万元 is not checked against the details")
DIFFERS = Message("{prefix}{sheet}全年执行数 {shown} 万元，而支出明细中项目“{project}”合计 {ledger} 万元",
                  "{prefix}{sheet}: 全年执行数 is {shown} 万元, but the lines of project “{project}” on 支出明细 add up"
                  " to {ledger} 万元")


def _key(name: object) -> str:
    return "".join(str(name or "").split())


@register("eval-ledger", {"no-lines": NO_LINES, "differs": DIFFERS})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    ledger = _ledger(ctx)
    if ledger is None or not ledger.line_count:
        return []
    try:
        evals = ctx.evaluations()
    except InputError:  # unscored: the self-evaluation rules report why, at the cells
        return []
    if not evals:  # (nothing to compare: a large ledger's lines are not built)
        return []
    spent_by_project: dict[str, Decimal] = defaultdict(Decimal)
    for line in ledger.lines:
        if line.ledger == "expense" and line.project:
            spent_by_project[_key(line.project)] += line.amount
    prefix = f"{rule.title}：" if rule.title else ""
    prefix_en = f"{rule.title_en or rule.title}: " if rule.title else ""
    out: list[Finding] = []
    for ev in evals:
        total = ev.line("total")
        shown = amount(total.spent) if total is not None else None
        if shown is None or not ev.project:
            continue
        cells = [CellRef(ev.sheet, total.cells["spent"])] if total.cells.get("spent") else []
        key = _key(ev.project)
        if key not in spent_by_project:
            values = {"sheet": ev.sheet, "project": ev.project, "shown": shown}
            out.append(Finding(rule.id, "info", render(NO_LINES.zh, prefix=prefix, **values), cells,
                               message_en=render(NO_LINES.en, prefix=prefix_en, **values)))
            continue
        exact = spent_by_project[key] / WAN
        verdict = compare_sum(shown, [(1, exact)], half_width=Decimal("0.005"))
        if verdict.status == "error" or abs(shown - exact) > Decimal("0.005"):
            ledger_total = exact.quantize(Decimal("0.01"))
            values = {"sheet": ev.sheet, "project": ev.project, "shown": shown, "ledger": ledger_total}
            out.append(Finding(rule.id, rule.severity, render(DIFFERS.zh, prefix=prefix, **values), cells, ledger_total,
                               shown, shown - ledger_total,
                               message_en=render(DIFFERS.en, prefix=prefix_en, **values)))
    return out
