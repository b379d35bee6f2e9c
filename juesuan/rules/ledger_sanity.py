"""Rule kinds on the department's own data (:mod:`juesuan.sanity`), located at the detail cells:

* ``ledger-info``: 部门名称 and 年度 given (not required of a disclosure imported or typed as
  printed, without a ledger); a 年度 within the format's ``years``;
* ``ledger-empty``: the detail sheets hold income or expenditure lines — unless the tables
  hold figures or the workbook holds self-evaluations (a disclosure typed by hand or
  imported, checked as published);
* ``ledger-names``: every code the tables would print has a name (code list, 科目表 sheet or
  the typed 科目名称); every 类 has a class line in this format;
* ``ledger-plausible``: warnings on figures that read but are unlikely — a ledger typed in
  万元 (10,000 times too small), a 功能分类 whose expenditure adds up to a negative.

    - {id: R19-info, type: ledger-info, severity: error, title: 基本信息}

Detail rows that cannot be read are reported by the ``detail`` rule, not here.
"""

from __future__ import annotations

from juesuan.errors import InputError, Problem
from juesuan.ledger import Ledger
from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Message, Rule, render
from juesuan.sanity import code_problems, empty_problems, info_problems, plausibility_problems

# the problems' own texts are the error catalogue's (juesuan.errors), in Chinese and English
TITLED = Message("{title}：{problem}", "{title}: {problem}")
MESSAGES = {"titled": TITLED}


def _ledger(ctx: Context) -> Ledger | None:
    """The ledger the detail rule read (None when a detail sheet is missing or unreadable)."""
    if any(s.sheet not in ctx.sheet_names for s in ctx.spec.inputs if not s.optional):
        return None
    try:
        return ctx.ledger()
    except InputError:
        return None


def _findings(rule: Rule, problems: list[Problem]) -> list[Finding]:
    out = []
    for p in problems:
        severity = rule.severity if p.severity == "error" else p.severity
        if rule.title:
            message = render(TITLED.zh, title=rule.title, problem=p.message_zh)
            message_en = render(TITLED.en, title=rule.title_en or rule.title, problem=p.message_en)
        else:
            message, message_en = p.message_zh, p.message_en
        out.append(Finding(rule.id, severity, message, [CellRef(p.sheet, p.cell)] if p.sheet and p.cell else [],
                           message_en=message_en))
    return out


def _published_without_ledger(ctx: Context) -> bool:
    """The workbook holds published figures or self-evaluations typed or imported as printed."""
    from juesuan.errors import InputError

    try:
        if ctx.evaluations():
            return True
    except InputError:  # self-evaluation sheets are there, if not readable
        return True
    for t in ctx.spec.tables:
        if t.sheet not in ctx.sheet_names:
            continue
        for row in ctx.table(t.id).rows():
            if any(v for v in row.values.values()):
                return True
    return False


@register("ledger-info", MESSAGES)
def check_info(rule: Rule, ctx: Context) -> list[Finding]:
    ledger = _ledger(ctx)
    if ledger is None:
        return []
    found = info_problems(ctx.spec, ledger)
    if any(p.code == "info-required" for p in found) and not ledger.line_count and _published_without_ledger(ctx):
        # a disclosure imported or typed as printed is checked as published: a blank 部门名称/年度
        # (``import`` without --dept/--year) is no error of it; a 年度 the format is not for still is
        found = [p for p in found if p.code != "info-required"]
    return _findings(rule, found)


@register("ledger-empty", MESSAGES)
def check_empty(rule: Rule, ctx: Context) -> list[Finding]:
    ledger = _ledger(ctx)
    if ledger is None:
        return []
    found = empty_problems(ctx.spec, ledger)
    if found and _published_without_ledger(ctx):
        return []
    return _findings(rule, found)


@register("ledger-names", MESSAGES)
def check_names(rule: Rule, ctx: Context) -> list[Finding]:
    ledger = _ledger(ctx)
    return [] if ledger is None else _findings(rule, code_problems(ctx.spec, ledger))


@register("ledger-plausible", MESSAGES)
def check_plausible(rule: Rule, ctx: Context) -> list[Finding]:
    ledger = _ledger(ctx)
    return [] if ledger is None else _findings(rule, plausibility_problems(ctx.spec, ledger))
