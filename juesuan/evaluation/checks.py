"""Checks of the self-evaluations and their summary, as plain finding dicts with the fields
of the check JSON (``rule, severity, message, cells[{sheet,cell}], expected, actual,
difference``). :mod:`juesuan.rules.eval_rules` registers them as Validate rule kinds.

Kinds: ``eval-rate`` (执行率 shown = B/A), ``eval-score`` (each 得分 = its computation),
``eval-total`` (总分 = Σ 得分, within rounding), ``eval-grade`` (等级 matches 总分),
``eval-budget-sum`` (年度资金总额 = Σ sources), ``eval-summary`` (summary = each sheet),
``eval-cost`` (成本指标 actual ≤ 全年执行数), ``eval-weights`` (Σ 分值 = 100),
``eval-qualitative`` (0 ≤ 定性得分 ≤ 分值), ``eval-unscored`` (an indicator with a 分值 has a score).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from juesuan.evaluation import scoring, units
from juesuan.evaluation.layout import read_summary
from juesuan.evaluation.model import (
    AMBIGUOUS,
    NA,
    PERCENT,
    EvalConfig,
    Evaluation,
    amount,
    config,
    not_applicable,
    read_percent,
    unscored,
)
from juesuan.evaluation.steps import read_evaluations
from juesuan.intervals import compare_sum
from juesuan.money import CENT
from juesuan.port import WorkbookPort
from juesuan.report import CellRef, Finding
from juesuan.spec.model import TemplateSpec

ZERO = Decimal(0)


def _rounded(v: Decimal | None, places: int) -> Decimal | None:
    return None if v is None else v.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def finding(kind: str, message: str, sheet: str, cells: list[str], expected: Decimal | None = None,
            actual: Decimal | None = None, severity: str = "error", places: int = 2) -> Finding:
    """A finding of the one report model (:class:`juesuan.report.Finding`), its ``rule`` the
    evaluation check kind until the rule catalogue names it; amounts shown with ``places``."""
    expected, actual = _rounded(expected, places), _rounded(actual, places)
    diff = actual - expected if expected is not None and actual is not None else None
    return Finding(kind, severity, message, [CellRef(sheet, c) for c in cells if c], expected, actual, diff,
                   kind="rounding" if severity == "info" else "finding", decimals=places)


def _places(number: Decimal) -> int:
    exp = number.as_tuple().exponent
    return int(-exp) if isinstance(exp, int) and exp < 0 else 0


def _shown_rate(value: Any, cfg: EvalConfig | None = None) -> tuple[str, Decimal | None, int]:
    """A shown 执行率 read in its printed unit: (kind, fraction, decimals of the fraction).
    Text is percent points (“100”, “95.50%”); a number stored in a % cell is the fraction."""
    kind, fraction = read_percent(value, cfg)
    if fraction is None:
        return kind, None, 0
    if isinstance(value, str) and kind == PERCENT:
        printed = amount(value.strip().replace("％", "%").rstrip("%"))
        return kind, fraction, (_places(printed) if printed is not None else 0) + 2
    return kind, fraction, _places(fraction)


def _blank(value: Any, cfg: EvalConfig | None = None) -> bool:
    return value is None or str(value).strip() in ("", "—", "-", "－") or not_applicable(cfg, value)


def check_rate(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    out = []
    for line in ev.budget:
        cell = line.cells.get("rate")
        if line.rate is None:
            if not _blank(line.shown_rate, cfg) and amount(line.budget) == 0:
                out.append(finding("eval-rate", f"{ev.sheet}“{line.label}”全年预算数为0，执行率无法计算，应显示“—”",
                                   ev.sheet, [cell]))
            continue
        kind, shown, places = _shown_rate(line.shown_rate, cfg)
        if kind == AMBIGUOUS or (kind == NA and line.key != "total"):
            continue  # the unit is reported by eval-percent-unit; a 其中 line printed 无 is not scored
        if shown is None:
            out.append(finding("eval-rate", f"{ev.sheet}“{line.label}”执行率未填写（应为 B/A）", ev.sheet, [cell],
                               line.rate * 100, None))
            continue
        places = max(places, 0)
        expected = line.rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        if shown != expected:
            out.append(finding("eval-rate", f"{ev.sheet}“{line.label}”执行率显示 {shown * 100:.2f}%，"
                               f"而全年执行数÷全年预算数 = {line.rate * 100:.2f}%", ev.sheet,
                               [cell, line.cells.get("budget"), line.cells.get("spent")],
                               line.rate * 100, shown * 100))
    return out


def check_score(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    out = []
    total = ev.line("total")
    rows: list[tuple[str, Any, Decimal | None, str | None]] = []
    if total is not None:
        rows.append(("预算执行率", total.shown_score, total.score, total.cells.get("score")))
    for ind in ev.indicators:
        if not ind.is_qualitative and ind.effective_direction is not None and not percent_mismatch(ind, cfg) \
                and not units_differ(ind):
            rows.append((str(ind.level3 or ind.level2 or ""), ind.entered, ind.score, ind.cells.get("score")))
    for label, shown_raw, score, cell in rows:
        if score is None:
            continue
        expected = scoring.publish(score)
        shown = amount(shown_raw)
        if shown is None or not abs(shown - score) < CENT:  # the floor or the ceiling, as any rounding prints
            out.append(finding("eval-score", f"{ev.sheet}“{label}”得分应为 {expected}，实为 "
                               f"{'空白' if shown is None else shown}", ev.sheet, [cell], expected, shown))
    return out


def _shown_parts(ev: Evaluation) -> list[tuple[int, Decimal | None]]:
    parts: list[tuple[int, Decimal | None]] = []
    total = ev.line("total")
    if total is not None:
        parts.append((1, amount(total.shown_score)))
    parts += [(1, amount(ind.entered)) for ind in ev.indicators]
    return parts


def check_total(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    shown = amount(ev.shown_total)
    cell = ev.total_cells.get("total")
    if shown is None:
        return [finding("eval-total", f"{ev.sheet}总分未填写", ev.sheet, [cell], ev.total, None)]
    verdict = compare_sum(shown, _shown_parts(ev))
    if verdict.status == "error":
        return [finding("eval-total", f"{ev.sheet}总分 {shown} 不等于各项得分之和 {verdict.expected}", ev.sheet, [cell],
                        verdict.expected, shown)]
    if verdict.status == "rounding":
        return [finding("eval-total", f"舍入差异：{ev.sheet}总分 {shown} 与各项得分之和 {verdict.expected} 相差"
                        f" {verdict.difference}，在舍入误差范围内", ev.sheet, [cell], verdict.expected, shown,
                        severity="info")]
    return []


def check_grade(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    shown_total = amount(ev.shown_total)
    if shown_total is None or "grade" not in ev.total_cells:
        return []  # a layout without a 自评等级 line (the 2019 市级 table prints 总分 only)
    expected = scoring.grade_of(shown_total, cfg.grades)
    shown = str(ev.shown_grade or "").strip()
    if shown != expected:
        return [finding("eval-grade", f"{ev.sheet}总分 {shown_total} 对应等级“{expected}”，实为“{shown or '空白'}”",
                        ev.sheet, [ev.total_cells.get("grade"), ev.total_cells.get("total")])]
    return []


def check_budget_sum(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    out = []
    total = ev.line("total")
    if total is None:
        return out
    parts = [b for b in ev.budget if b.key != "total"]
    for key, label in (("initial", "年初预算数"), ("budget", "全年预算数"), ("spent", "全年执行数")):
        shown = amount(getattr(total, key))
        items = [(1, amount(getattr(b, key))) for b in parts]
        if all(v is None for _, v in items):
            continue  # no 其中 figure printed (blank or 无): nothing to add up
        verdict = compare_sum(shown, items)
        if verdict.status != "ok":
            severity = "info" if verdict.status == "rounding" else "error"
            out.append(finding("eval-budget-sum", f"{ev.sheet}年度资金总额“{label}” {verdict.actual} 不等于各资金来源之和"
                               f" {verdict.expected}", ev.sheet, [total.cells.get(key)] + [b.cells.get(key) for b in parts],
                               verdict.expected, verdict.actual, severity=severity))
    return out


def check_cost(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    """A cost indicator in 万元 (the unit of 全年执行数) can't exceed 全年执行数; one in 元, a
    per-person cost, or one without a money unit is not comparable and not checked."""
    total = ev.line("total")
    spent = amount(total.spent) if total else None
    if spent is None:
        return []
    money_unit = str(cfg.raw.get("money_unit", "万元"))
    out = []
    for ind in ev.indicators:
        if str(ind.level2 or "").strip() != cfg.cost_level2 or ind.is_qualitative or units.is_per_unit(ind.level3):
            continue
        if units.indicator_unit(ind.level3, ind.actual) != money_unit:
            continue
        actual, _ = scoring.parse_measure(ind.actual)
        if actual is not None and actual > spent:
            out.append(finding("eval-cost", f"{ev.sheet}成本指标“{ind.level3 or ''}”实际完成值 {actual} 超过全年执行数"
                               f" {spent}", ev.sheet, [ind.cells.get("actual"), total.cells.get("spent")], spent, actual,
                               severity="warning"))
    return out


def percent_mismatch(ind: Any, cfg: EvalConfig | None = None) -> bool:
    """A percent quantity printed in two units: one value with % (or the indicator named as a
    rate: 完成率, 满意度 …) and the other a bare fraction (≥95% against 0.98): ambiguous."""
    t, a = str(ind.target or "").replace("％", "%"), str(ind.actual or "").replace("％", "%")
    ta, _ = scoring.parse_measure(ind.target)
    aa, _ = scoring.parse_measure(ind.actual)
    if ta is None or aa is None:
        return False
    if ("%" in t) != ("%" in a):
        bare, other = (aa, ta) if "%" in t else (ta, aa)
        return 0 < bare <= 1 < other
    words = [str(w) for w in ((cfg.raw.get("percent_columns") if cfg is not None else None) or [])]
    if "%" not in t and any(w in str(ind.level3 or "") for w in words):
        low, high = sorted((ta, aa))
        return 0 < low <= 1 < high
    return False


def units_differ(ind: Any) -> bool:
    return not units.comparable(units.indicator_unit(ind.level3, ind.target), units.indicator_unit(ind.level3, ind.actual))


def check_units(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    """Values whose unit can't be told (a fraction under a % header) or that compare unlike
    quantities (人 against 元): reported, never guessed (their rate or score is not checked)."""
    out = []
    for line in ev.budget:
        kind, fraction, _ = _shown_rate(line.shown_rate, cfg)
        if kind != AMBIGUOUS or fraction is None:
            continue
        reading = ""
        if line.rate is not None:
            agrees = fraction.quantize(Decimal("0.0001")) == line.rate.quantize(Decimal("0.0001"))
            reading = (f"；按 {fraction * 100:.2f}% 读，与全年执行数÷全年预算数 {line.rate * 100:.2f}%"
                       f"{'相符' if agrees else '不符'}")
        out.append(finding("eval-percent-unit", f"{ev.sheet}“{line.label}”执行率印为“{line.shown_rate}”：小数而表头为百分数，"
                           f"单位不明（{fraction * 100:.2f}% 还是 {fraction:.2f}%？）{reading}", ev.sheet,
                           [line.cells.get("rate")], severity="warning"))
    for ind in ev.indicators:
        if percent_mismatch(ind, cfg):
            out.append(finding("eval-percent-unit", f"{ev.sheet}指标“{ind.level3 or ''}”年度指标值“{ind.target}”与实际完成值"
                               f"“{ind.actual}”一为百分数一为小数，单位不明，未按其计分", ev.sheet,
                               [ind.cells.get("target"), ind.cells.get("actual")], severity="warning"))
        elif units_differ(ind):
            out.append(finding("eval-percent-unit", f"{ev.sheet}指标“{ind.level3 or ''}”年度指标值“{ind.target}”与实际完成值"
                               f"“{ind.actual}”单位不同，不能比较，未按其计分", ev.sheet,
                               [ind.cells.get("target"), ind.cells.get("actual")], severity="warning"))
    return out


def check_weights(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    if ev.weights != cfg.total_weight:
        return [finding("eval-weights", f"{ev.sheet}分值合计为 {ev.weights}，应为 {cfg.total_weight}", ev.sheet,
                        [ev.total_cells.get("weights")], cfg.total_weight, ev.weights)]
    return []


def check_qualitative(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    out = []
    for ind in ev.indicators:
        if not ind.is_qualitative:
            continue
        score, weight = amount(ind.entered), amount(ind.weight)
        if score is None:
            out.append(finding("eval-qualitative", f"{ev.sheet}定性指标“{ind.level3 or ''}”未填写得分", ev.sheet,
                               [ind.cells.get("score")]))
        elif score < 0 or (weight is not None and score > weight):
            out.append(finding("eval-qualitative", f"{ev.sheet}定性指标“{ind.level3 or ''}”得分 {score} 应在 0 与分值"
                               f" {weight} 之间", ev.sheet, [ind.cells.get("score"), ind.cells.get("weight")], weight, score))
    return out


def check_unscored(ev: Evaluation, cfg: EvalConfig) -> list[Finding]:
    """An indicator with a 分值 and no score: the 总分 lacks its points, silently (a blank
    实际完成值 used to drop a grade and pass every other rule)."""
    return [finding("eval-unscored", f"{ev.sheet}指标“{ind.level3 or ind.level2 or ''}”有分值 "
                    f"{format(amount(ind.weight).normalize(), 'f')}，但没有得分：{why}", ev.sheet,
                    [ind.cells.get(k) for k in ("score", "target", "actual") if ind.cells.get(k)][:1] or [])
            for ind, why, _en in unscored(ev)
            # a 定性 one: eval-qualitative says it; a score the sheet shows (a published evaluation
            # whose 实际完成值 reads 达标): the evaluator's judgement, as printed
            if not ind.is_qualitative and amount(ind.entered) is None]


PER_SHEET: dict[str, Callable[[Evaluation, EvalConfig], list[Finding]]] = {
    "eval-rate": check_rate, "eval-score": check_score, "eval-total": check_total, "eval-grade": check_grade,
    "eval-budget-sum": check_budget_sum, "eval-cost": check_cost, "eval-weights": check_weights,
    "eval-qualitative": check_qualitative, "eval-percent-unit": check_units, "eval-unscored": check_unscored,
}


def check_summary(evals: list[Evaluation], cfg: EvalConfig, port: WorkbookPort) -> list[Finding]:
    sheet = cfg.summary_sheet
    if sheet not in port.sheet_names():
        if evals:
            return [finding("eval-summary", f"缺少“{sheet}”表，而工作簿有 {len(evals)} 张绩效自评表", sheet, [])]
        return []
    rows = read_summary(port.read_sheet(sheet))
    by_name: dict[str, list[Evaluation]] = {}
    for ev in evals:  # two sheets may evaluate projects of the same name: pair them in order
        by_name.setdefault(ev.project, []).append(ev)
    out = []
    listed: set[int] = set()
    for row in rows:
        queue = by_name.get(row["project"]) or []
        ev = queue.pop(0) if queue else None
        if ev is not None:
            listed.add(id(ev))
        if ev is None:
            out.append(finding("eval-summary", f"汇总表所列项目“{row['project']}”没有对应的绩效自评表", sheet,
                               [row["cells"]["project"]]))
            continue
        shown, expected = amount(row["score"]), amount(ev.shown_total)
        if shown != expected:
            out.append(finding("eval-summary", f"汇总表“{row['project']}”自评得分为 {shown}，而其自评表总分为 {expected}",
                               sheet, [row["cells"]["score"], ev.total_cells.get("total")], expected, shown))
        sheet_grade = str(ev.shown_grade or "").strip()
        if not row["grade"]:
            continue  # a summary that prints no 自评等级 (scores only)
        if "grade" not in ev.total_cells:  # the sheet prints no 自评等级: judge the summary's by the score
            if not row["grade"] or expected is None:
                continue
            sheet_grade = scoring.grade_of(expected, cfg.grades) or ""
        if row["grade"] != sheet_grade:
            out.append(finding("eval-summary", f"汇总表“{row['project']}”自评等级为“{row['grade']}”，而其自评表为"
                               f"“{sheet_grade}”", sheet, [row["cells"]["grade"], ev.total_cells.get("grade")]))
    for ev in evals:
        if id(ev) not in listed:
            out.append(finding("eval-summary", f"项目“{ev.project}”的绩效自评表未列入汇总表", sheet, []))
    return out


def evaluation_findings(spec: TemplateSpec, port: WorkbookPort, kinds: list[str] | None = None,
                        evals: list[Evaluation] | None = None) -> list[Finding]:
    """All findings of the given kinds (default: every kind) on the workbook's self-evaluations."""
    cfg = config(spec)
    if cfg is None:
        return []
    evals = read_evaluations(spec, port) if evals is None else evals
    wanted = kinds or [*PER_SHEET, "eval-summary"]
    out: list[Finding] = []
    for kind in wanted:
        if kind == "eval-summary":
            out += check_summary(evals, cfg, port)
        elif kind in PER_SHEET:
            for ev in evals:
                out += PER_SHEET[kind](ev, cfg)
    return out
