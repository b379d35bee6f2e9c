"""Rule kinds of the self-evaluations (项目支出绩效自评表 and 绩效自评情况汇总表), checked
by :mod:`juesuan.evaluation.checks` and declared in the spec's ``evaluation_rules`` section
(``workbooks/evaluation-<year>.yaml``):

    - {id: E01-rate, type: eval-rate, title: 执行率 = 全年执行数 ÷ 全年预算数}

Kinds: ``eval-rate``, ``eval-score``, ``eval-total``, ``eval-grade``, ``eval-budget-sum``,
``eval-summary``, ``eval-cost``, ``eval-weights``, ``eval-qualitative``. The rule's
``severity`` applies to violations (rounding notes stay ``info``); its ``title`` prefixes
each message. The sheets are read once per check run (shared through ``ctx.cache``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from juesuan.evaluation.checks import PER_SHEET, evaluation_findings
from juesuan.evaluation.steps import read_evaluations
from juesuan.report import Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Rule


def _findings(kind: str) -> Callable[[Rule, Context], list[Finding]]:
    def check(rule: Rule, ctx: Context) -> list[Finding]:
        evals = ctx.cache.get("evaluations")
        if evals is None:
            evals = ctx.cache["evaluations"] = read_evaluations(ctx.spec, ctx.port)
        out = []
        for f in evaluation_findings(ctx.spec, ctx.port, [kind], evals):
            severity = f.severity if f.severity == "info" else rule.severity
            message = f"{rule.title}：{f.message}" if rule.title else f.message
            out.append(dataclasses.replace(f, rule=rule.id, severity=severity, message=message))
        return out

    return check


for _kind in [*PER_SHEET, "eval-summary"]:
    register(_kind)(_findings(_kind))
