"""The evaluation layout settings (from ``spec.raw["evaluation"]``) and a self-evaluation
as plain data: what the sheet shows, each value with its cell address, and its scores."""

from __future__ import annotations

from dataclasses import field
from decimal import Decimal
from typing import Any

from juesuan.evaluation import scoring, units
from juesuan.money import NotANumber, parse_amount
from juesuan.records import record
from juesuan.spec.model import TemplateSpec

INVALID_SHEET_CHARS = set('[]:*?/\\')
MAX_SHEET = 31


@record(frozen=True)
class EvalConfig:
    """What ``evaluation-<year>.yaml`` says (see that file for the meaning of each key)."""

    raw: dict[str, Any]

    @property
    def prefix(self) -> str:
        return str(self.raw.get("sheet_prefix", "绩效自评-"))

    @property
    def summary_sheet(self) -> str:
        return str(self.raw["summary"]["sheet"])

    @property
    def budget_rows(self) -> list[dict[str, str]]:
        return list(self.raw["budget"]["rows"])

    @property
    def budget_weight(self) -> Decimal:
        return Decimal(str(self.raw["budget"].get("weight", 10)))

    @property
    def zero_budget_score(self) -> Decimal:
        return Decimal(str(self.raw["budget"].get("zero_budget_score", 0)))

    @property
    def grades(self) -> list[tuple[str, Decimal]]:
        return [(str(g["grade"]), Decimal(str(g["min"]))) for g in self.raw["grades"]]

    @property
    def total_weight(self) -> Decimal:
        return Decimal(str(self.raw.get("total_weight", 100)))

    @property
    def cost_level2(self) -> str:
        return str(self.raw["indicators"].get("cost_level2", "成本指标"))

    @property
    def header_fields(self) -> list[list[tuple[str, str]]]:
        return [[(str(label), str(key)) for label, key in row] for row in self.raw["header_fields"]]


@record(frozen=True)
class Variant:
    """One published layout of the 自评表 (``variants`` in ``evaluation-<year>.yaml``)."""

    id: str
    title: str | None = None
    grade: bool = True  # a 自评等级 line under 总分
    reason: bool = True  # a 偏差原因分析及改进措施 column
    rated_lines: tuple[str, ...] = ("total", "current", "carried", "other")  # budget lines with a 执行率


STANDARD = Variant("standard")


def variants(cfg: EvalConfig) -> list[Variant]:
    out = []
    for v in cfg.raw.get("variants") or []:
        out.append(Variant(str(v["id"]), v.get("title"), bool(v.get("grade", True)), bool(v.get("reason", True)),
                           tuple(str(x) for x in v.get("rated_lines", STANDARD.rated_lines))))
    return out or [STANDARD]


def variant_named(cfg: EvalConfig, name: str | None) -> Variant | None:
    return next((v for v in variants(cfg) if v.id == name), None) if name else None


def not_applicable(cfg: EvalConfig | None, value: Any) -> bool:
    """“无”, “—”, “/” … : the table says the cell does not apply (not a blank, not a zero)."""
    if not isinstance(value, str):
        return False
    marks = (cfg.raw.get("not_applicable") if cfg is not None else None) or ["无", "—", "——", "－", "-", "/", "／", "不适用"]
    return "".join(value.split()) in {str(m) for m in marks}


PERCENT, NA, AMBIGUOUS, TEXT, BLANK = "percent", "n/a", "ambiguous", "text", "blank"


def read_percent(value: Any, cfg: EvalConfig | None = None, stored_fraction: bool = True) -> tuple[str, Decimal | None]:
    """A value under a percent header (执行率, 完成率, 满意度 …) in the unit it is printed in.

    Returns (kind, fraction): ``"100"``, ``"100%"``, ``"95.5"``, ``"95.50%"`` are percent
    points (→ 1, 0.955); a bare number in (0, 1] written as text is ``ambiguous`` (fraction or
    percent?) and its fraction reading is returned; “无”/“—”/“/” → ``n/a``. A number stored in
    a cell (not text) is the fraction a % cell format shows, when ``stored_fraction``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return BLANK, None
    if not_applicable(cfg, value):
        return NA, None
    if not isinstance(value, str):
        number = amount(value)
        if number is None:
            return TEXT, None
        return PERCENT, number if stored_fraction else number / 100
    text = value.strip().replace("％", "%")
    if text.endswith("%"):
        number = amount(text[:-1])
        return (PERCENT, number / 100) if number is not None else (TEXT, None)
    number = amount(text)
    if number is None:
        return TEXT, None
    if 0 < number <= 1:
        return AMBIGUOUS, number
    return PERCENT, number / 100


def config(spec: TemplateSpec) -> EvalConfig | None:
    """The spec's evaluation settings, or None for a spec without self-evaluations."""
    raw = spec.raw.get("evaluation")
    return EvalConfig(raw) if isinstance(raw, dict) else None


def sheet_name_for(prefix: str, project: str, existing: list[str]) -> str:
    """``绩效自评-<项目名称>``: characters Excel forbids replaced, at most 31 characters,
    unique among ``existing`` (case-insensitively, as Excel compares sheet names)."""
    clean = "".join("_" if ch in INVALID_SHEET_CHARS else ch for ch in project.strip()).strip("'") or "项目"
    taken = {s.casefold() for s in existing}
    base = (prefix + clean)[:MAX_SHEET]
    if base.casefold() not in taken:
        return base
    n = 2
    while True:
        suffix = f"({n})"
        name = (prefix + clean)[: MAX_SHEET - len(suffix)] + suffix
        if name.casefold() not in taken:
            return name
        n += 1


def amount(value: Any) -> Decimal | None:
    """A typed figure as Decimal; text that is not a number → None."""
    try:
        return parse_amount(value)
    except NotANumber:
        return None


@record
class BudgetLine:
    """One line of a self-evaluation's budget block (年初预算数, 全年预算数, 全年执行数 …)."""

    key: str
    label: str
    initial: Any = None  # 年初预算数 (as typed)
    budget: Any = None  # 全年预算数 (A)
    spent: Any = None  # 全年执行数 (B)
    weight: Any = None  # 分值 (年度资金总额 only)
    shown_rate: Any = None
    shown_score: Any = None
    cells: dict[str, str] = field(default_factory=dict)  # initial/budget/spent/weight/rate/score → A1
    rate: Decimal | None = None  # computed, unrounded
    score: Decimal | None = None
    published: Decimal | None = None  # the 得分 Fill prints (:func:`scoring.publish_parts`)


@record
class Indicator:
    """One performance indicator of a self-evaluation (一级/二级/三级指标, 指标值, 实际完成值 …)."""

    level1: Any = None
    level2: Any = None
    level3: Any = None
    target: Any = None  # 年度指标值 (A), as typed
    actual: Any = None  # 实际完成值 (B), as typed
    direction: Any = None
    weight: Any = None
    entered: Any = None  # the 得分 cell as read (the score of a 定性 indicator)
    reason: Any = None
    cells: dict[str, str] = field(default_factory=dict)
    score: Decimal | None = None  # computed, unrounded
    published: Decimal | None = None  # the 得分 Fill prints (:func:`scoring.publish_parts`)

    @property
    def effective_direction(self) -> str | None:
        """The direction column, or the hint in the target (``≥95%``), or ≥ for two plain numbers."""
        d = scoring.normalise_direction(self.direction)
        if d is not None:
            return d
        a, hint = scoring.parse_measure(self.target)
        b, _ = scoring.parse_measure(self.actual)
        if hint is not None:
            return hint
        if a is not None and b is not None:
            return scoring.GE
        return None

    @property
    def is_qualitative(self) -> bool:
        return self.effective_direction == scoring.QUAL

    @property
    def is_blank(self) -> bool:
        return all(v is None or str(v).strip() == "" for v in
                   (self.level3, self.target, self.actual, self.weight, self.entered, self.reason))


@record
class Evaluation:
    """One self-evaluation sheet, read or new."""

    sheet: str
    header: dict[str, Any] = field(default_factory=dict)  # project, dept, unit, phone
    header_cells: dict[str, str] = field(default_factory=dict)
    budget: list[BudgetLine] = field(default_factory=list)
    goal_plan: Any = None
    goal_done: Any = None
    goal_cells: dict[str, str] = field(default_factory=dict)  # plan/done → A1
    indicators: list[Indicator] = field(default_factory=list)
    shown_weights: Any = None
    shown_total: Any = None
    shown_grade: Any = None
    variant: str | None = None  # the published layout (Variant.id) an imported sheet follows
    total_cells: dict[str, str] = field(default_factory=dict)  # weights/total/grade → A1
    total: Decimal | None = None  # computed, rounded
    total_exact: Decimal = Decimal(0)
    grade: str | None = None
    weights: Decimal = Decimal(0)

    @property
    def project(self) -> str:
        return str(self.header.get("project") or "").strip()

    def line(self, key: str) -> BudgetLine | None:
        return next((b for b in self.budget if b.key == key), None)


def unscored(ev: Evaluation) -> list[tuple[Indicator, str, str]]:
    """The indicators of a scored ``ev`` that carry a 分值 but no score (the 总分 lacks their
    points), each with why in Chinese and English."""
    out = []
    for ind in ev.indicators:
        weight = amount(ind.weight)
        if ind.score is not None or not weight:
            continue
        if ind.is_qualitative or ind.effective_direction is None:
            out.append((ind, "未填写得分（定性指标或未标明方向的指标由评价人打分）",
                        "no score entered (a qualitative indicator, or one without a direction, is scored by hand)"))
        else:
            out.append((ind, "缺少年度指标值或实际完成值，或不是数值", "the target or the actual value is missing or not a number"))
    return out


def score(ev: Evaluation, cfg: EvalConfig) -> Evaluation:
    """Compute every rate and score of ``ev`` in place (from its input values only)."""
    parts: list[Decimal | None] = []
    scored: list[BudgetLine | Indicator] = []  # the owner of each part
    weights = Decimal(0)
    for line in ev.budget:
        a, b = amount(line.budget), amount(line.spent)
        line.rate = scoring.execution_rate(a, b)
        line.score = None
        if line.key == "total":
            w = amount(line.weight)
            line.score = scoring.budget_score(w, a, b, cfg.zero_budget_score)
            weights += w or 0
            parts.append(line.score)
            scored.append(line)
    for ind in ev.indicators:
        direction = ind.effective_direction
        a, _ = scoring.parse_measure(ind.target)
        b, _ = scoring.parse_measure(ind.actual)
        if a is not None and b is not None:  # 0.06万元 against ≤600元: the same money, in the target's unit
            b = units.to_unit(b, units.indicator_unit(ind.level3, ind.actual), units.indicator_unit(ind.level3, ind.target))
        w = amount(ind.weight)
        ind.score = scoring.indicator_score(direction, w, a, b, amount(ind.entered))
        if direction is None:  # no direction to compute by (按月公开 / 已公开): scored as the evaluator entered,
            ind.score = amount(ind.entered)  # and printed so — the 总分 adds what the sheet shows
        weights += w or 0
        parts.append(ind.score)
        scored.append(ind)
    movable = [not (isinstance(o, Indicator) and (o.is_qualitative or o.effective_direction is None)) for o in scored]
    for owner, printed in zip(scored, scoring.publish_parts(parts, movable), strict=True):
        owner.published = printed
    ev.total_exact = sum((p for p in parts if p is not None), Decimal(0))
    ev.total = scoring.total_score(parts)
    ev.grade = scoring.grade_of(ev.total, cfg.grades)
    ev.weights = weights
    return ev
