"""Rule kinds of the self-evaluations (项目支出绩效自评表 and 绩效自评情况汇总表), checked
by :mod:`juesuan.evaluation.checks` and declared in the spec's ``evaluation_rules`` section
(``workbooks/evaluation-<year>.yaml``):

    - {id: E01-rate, type: eval-rate, title: 执行率 = 全年执行数 ÷ 全年预算数}

Kinds: ``eval-rate``, ``eval-score``, ``eval-total``, ``eval-grade``, ``eval-budget-sum``,
``eval-summary``, ``eval-cost``, ``eval-weights``, ``eval-qualitative``, ``eval-unscored``. The rule's
``severity`` applies to violations (rounding notes stay ``info``); its ``title`` prefixes
each message. The sheets are read once per check run (shared through ``ctx.cache``); when
they can't be scored (a formula without a calculated value, an error value), the first rule
reports each problem at its cell and the others say nothing more (the rest of the check runs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from juesuan.errors import InputError
from juesuan.evaluation.checks import PER_SHEET, evaluation_findings
from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Rule, plain

UNREADABLE = "绩效自评表有误，无法评分核对：{problem}"


def _findings(kind: str) -> Callable[[Rule, Context], list[Finding]]:
    def check(rule: Rule, ctx: Context) -> list[Finding]:
        try:
            evals = ctx.evaluations()
        except InputError as exc:  # a formula without value, an error value …: each at its cell,
            if ctx.cache.get("evaluations-reported"):  # by the first of these rules only
                return []
            ctx.cache["evaluations-reported"] = True
            return [plain(rule, [CellRef(p.sheet, p.cell)] if p.sheet and p.cell else [], None, UNREADABLE,
                          problem=p.message_zh) for p in exc.problems]
        out = []
        for f in evaluation_findings(ctx.spec, ctx.port, [kind], evals):
            severity = f.severity if f.severity == "info" else rule.severity
            message = f"{rule.title}：{f.message}" if rule.title else f.message
            out.append(dataclasses.replace(f, rule=rule.id, severity=severity, message=message))
        return out

    return check


for _kind in [*PER_SHEET, "eval-summary"]:
    register(_kind)(_findings(_kind))
