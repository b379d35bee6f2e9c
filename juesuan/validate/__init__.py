"""Validate: run the spec's rule catalogue on a workbook and build the :class:`~juesuan.report.Report`.

``check_workbook(spec, port)`` reads each table sheet once through the port (file front
end: python-calamine via :class:`juesuan.io.xlsx.CalamineBook`; live Excel: xlwings) and
evaluates every rule of the format's catalogue (``spec.rules``, validated at load) on whatever the workbook holds — filled by
Fill, typed by hand or imported. A rule that cannot run becomes a rule-error finding; it
never crashes the check and never passes silently.
"""

from __future__ import annotations

from juesuan.gcpause import gc_paused
from juesuan.port import WorkbookPort
from juesuan.report import Finding, Report
from juesuan.rules import BadRule, Context, RuleError, load_kinds
from juesuan.rules.base import SheetMissing
from juesuan.spec.model import TemplateSpec

RULE_ERROR = "规则“{id}”无法执行（模板规范问题）：{reason}"
RULE_ERROR_EN = "Rule '{id}' cannot run (a problem of the template spec): {reason}"
SHEET_MISSING = "缺少工作表“{sheet}”（可能被删除或改名），{n} 条规则无法校验：{rules}"
SHEET_MISSING_EN = "Sheet '{sheet}' is missing (deleted or renamed?): {n} rules could not run: {rules}"


def check_workbook(spec: TemplateSpec, port: WorkbookPort,
                   units: list[tuple[str, WorkbookPort]] | None = None) -> Report:
    """Run every rule; ``units`` (label, port) are a department's unit workbooks, for the
    ``units`` rule (部门数 = 各单位数之和 − 内部抵销)."""
    rules = list(spec.rules)
    report = Report(template=spec.format, table_order=[t.id for t in spec.tables],
                    table_sheets={t.id: t.sheet if t.title in t.sheet else f"{t.sheet} {t.title}"
                                  for t in spec.tables})
    ctx = Context(spec, port)
    if units:
        ctx.cache["units"] = list(units)
    with gc_paused():
        _run(rules, ctx, report)
    return report


def _run(rules: list, ctx: Context, report: Report) -> None:
    kinds = load_kinds()  # the spec may come from the cache, which imported no kind module
    missing: dict[str, list[str]] = {}  # a table sheet the workbook lacks → the rules it stopped
    for rule in rules:
        report.rules_run += 1
        if isinstance(rule, BadRule):
            report.findings.append(_rule_error(rule.id, rule.reason))
            continue
        try:
            report.findings += kinds[rule.type](rule, ctx)
        except RuleError as exc:
            sheet = _missing_sheet(exc)
            if sheet is not None:
                missing.setdefault(sheet, []).append(rule.id)
            else:
                report.findings.append(_rule_error(rule.id, str(exc)))
    for sheet, stopped in missing.items():
        report.findings.append(Finding(
            "sheet-missing", "error", SHEET_MISSING.format(sheet=sheet, n=len(stopped), rules="、".join(stopped)),
            message_en=SHEET_MISSING_EN.format(sheet=sheet, n=len(stopped), rules=", ".join(stopped))))


def _missing_sheet(exc: BaseException) -> str | None:
    """The table sheet whose absence stopped a rule (also when a rule wrapped that error)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, SheetMissing):
            return cause.sheet
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _rule_error(rule_id: str, reason: str) -> Finding:
    return Finding(rule_id, "error", RULE_ERROR.format(id=rule_id, reason=reason), kind="rule-error",
                   message_en=RULE_ERROR_EN.format(id=rule_id, reason=reason.split(" / ", 1)[-1]))


__all__ = ["check_workbook"]
