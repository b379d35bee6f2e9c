"""Import of the evaluation tables from the long CSV of ``juesuan import``
(``table,row,column,value``), rows and columns by label:

* ``table`` = ``绩效汇总``: one row per project (``row`` = 序号 or 项目名称), columns
  项目名称 | 资金使用单位 | 自评得分 | 自评等级.
* ``table`` = ``绩效自评:<项目名称>``: ``row`` = a header field (项目名称, 主管部门,
  项目实施单位, 联系电话; ``column`` blank), a budget line (年度资金总额, 当年财政拨款,
  上年结转资金, 其他资金) with columns 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分,
  年度总体目标 with columns 年初预期目标 | 目标实际完成情况, an indicator (its 三级指标) with
  columns 一级指标 | 二级指标 | 年度指标值 | 实际完成值 | 指标方向 | 分值 | 得分 | 偏差原因分析及改进措施,
  总分 or 自评等级 (``column`` blank).

The sheets show the values as given (the computed cells too: an imported disclosure is
checked as published). Unknown rows or columns are reported with their CSV line numbers.
Percent columns are read in the unit printed (``"100"`` and ``"100%"`` are both 100%); a bare
fraction is kept as printed (the check reports its unit as ambiguous); “无”, “—”, “/” are
kept as not applicable. The published layout (with or without 自评等级, 偏差原因, rated
其中 lines) is the spec's variant matching the rows present, or the one asked for.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from juesuan.errors import InputError, Problem
from juesuan.evaluation.layout import render_evaluation, render_summary
from juesuan.evaluation.model import (
    AMBIGUOUS,
    BLANK,
    PERCENT,
    BudgetLine,
    EvalConfig,
    Evaluation,
    Indicator,
    Variant,
    config,
    read_percent,
    sheet_name_for,
    variant_named,
    variants,
)
from juesuan.lazy_re import lazy
from juesuan.money import NotANumber, parse_amount
from juesuan.port import SheetPicture
from juesuan.spec.model import TemplateSpec

SUMMARY_TABLES = ("绩效汇总", "绩效自评汇总", "绩效自评情况汇总表")
SHEET_TABLE = lazy(r"^(?:绩效自评|项目支出绩效自评表)[:：](.+)$")
BUDGET_COLS = {"年初预算数": "initial", "全年预算数": "budget", "全年执行数": "spent", "分值": "weight",
               "执行率": "shown_rate", "得分": "shown_score"}
IND_COLS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "level3", "年度指标值": "target",
            "实际完成值": "actual", "实际完成指标值": "actual", "指标方向": "direction", "方向": "direction",
            "分值": "weight", "得分": "entered", "偏差原因分析及改进措施": "reason", "偏差原因": "reason"}
SUMMARY_COLS = {"项目名称": "project", "资金使用单位": "unit", "自评得分": "score", "自评等级": "grade"}
HEADER_ROWS = {"项目名称": "project", "主管部门": "dept", "项目实施单位": "unit", "联系电话": "phone"}
GOAL_COLS = {"年初预期目标": "goal_plan", "目标实际完成情况": "goal_done"}


def _norm(text: str) -> str:
    """Labels compare without spaces, the (A)/(B) marks and the 其中： prefix."""
    t = "".join(str(text).split()).replace("(", "（").replace(")", "）")
    t = re.sub(r"（[AB]）|（[AB]/[AB]）", "", t)
    return t.removeprefix("其中：").removeprefix("其中:")


def _value(text: str) -> Any:
    """A number where the text is one, else the text (blank → None)."""
    if not text.strip():
        return None
    try:
        number = parse_amount(text)
    except NotANumber:
        return text.strip()
    return number if number is not None else None


def _problem(code: str, r: Any, table: str, **params: Any) -> Problem:
    return Problem(code, {"line": r.line, "table": table, "hint": "", **params}, "CSV", f"第{r.line}行")


def _summary(rows: list, cfg: EvalConfig, problems: list[Problem]) -> SheetPicture:
    entries: dict[str, dict[str, Any]] = {}
    for r in rows:
        col = SUMMARY_COLS.get(_norm(r.column))
        if col is None:
            problems.append(_problem("import-column", r, r.table, row=r.row, column=r.column))
            continue
        entries.setdefault(r.row, {"project": r.row if not r.row.isdigit() else None})[col] = _value(r.value) \
            if col == "score" else (r.value.strip() or None)
    evals = []
    for key, e in entries.items():
        ev = Evaluation(sheet="", header={"project": e.get("project") or key, "unit": e.get("unit")})
        ev.total = e.get("score") if isinstance(e.get("score"), Decimal) else None
        ev.grade = e.get("grade")
        evals.append(ev)
    return render_summary(evals, cfg)


def _rate(text: str, cfg: EvalConfig) -> Any:
    """A printed 执行率 → the fraction a % cell holds; ambiguous or n/a text is kept as printed."""
    kind, fraction = read_percent(text, cfg)
    if kind == BLANK:
        return None
    return fraction if kind == PERCENT else text.strip()


def choose_variant(cfg: EvalConfig, has_grade: bool, has_reason: bool, rated_sublines: bool,
                   wanted: str | None = None) -> Variant:
    """The variant asked for, else the first whose features match the rows present."""
    named = variant_named(cfg, wanted)
    if named is not None:
        return named
    if wanted:
        raise InputError([Problem("import-variant", {"variant": wanted,
                                                     "known": "、".join(v.id for v in variants(cfg))})])
    candidates = [v for v in variants(cfg) if v.grade == has_grade
                  and (not rated_sublines or any(k != "total" for k in v.rated_lines))]
    exact = [v for v in candidates if v.reason == has_reason]
    return (exact or candidates or variants(cfg))[0]


def _sheet(project: str, rows: list, cfg: EvalConfig, names: list[str], problems: list[Problem],
           wanted: str | None = None) -> SheetPicture:
    name = sheet_name_for(cfg.prefix, project, names)
    names.append(name)
    ev = Evaluation(sheet=name, header={"project": project})
    lines = {_norm(b["label"]): BudgetLine(b["key"], b["label"]) for b in cfg.budget_rows}
    ev.budget = list(lines.values())
    indicators: dict[str, Indicator] = {}
    has_grade = has_reason = rated_sublines = False
    for r in rows:
        row, col = _norm(r.row), _norm(r.column)
        if row in HEADER_ROWS and not col:
            ev.header[HEADER_ROWS[row]] = r.value.strip() or None
        elif row in lines:
            attr = BUDGET_COLS.get(col)
            if attr is None:
                problems.append(_problem("import-column", r, r.table, row=r.row, column=r.column))
            else:
                if attr == "shown_rate":
                    value = _rate(r.value, cfg)
                    if lines[row].key != "total" and read_percent(r.value, cfg)[0] in (PERCENT, AMBIGUOUS):
                        rated_sublines = True
                else:
                    value = _value(r.value)
                setattr(lines[row], attr, value)
        elif row in ("年度总体目标", *GOAL_COLS) and (GOAL_COLS.get(col) or GOAL_COLS.get(row)):
            setattr(ev, GOAL_COLS.get(col) or GOAL_COLS[row], r.value.strip() or None)
        elif row == _norm(cfg.raw.get("total_label", "总分")) and col in ("", "得分", "总分"):
            ev.shown_total = _value(r.value)
        elif row == _norm(cfg.raw.get("total_label", "总分")) and col == "分值":
            ev.shown_weights = _value(r.value)
        elif row == _norm(cfg.raw.get("grade_label", "自评等级")) and not col or col == "自评等级":
            ev.shown_grade = r.value.strip() or None
            has_grade = True
        else:
            attr = IND_COLS.get(col)
            if attr is None:
                problems.append(_problem("import-column", r, r.table, row=r.row, column=r.column))
                continue
            has_reason = has_reason or attr == "reason"
            ind = indicators.setdefault(r.row, Indicator(level3=r.row))
            setattr(ind, attr, _value(r.value) if attr in ("target", "actual", "weight", "entered") else
                    (r.value.strip() or None))
    ev.indicators = list(indicators.values())
    variant = choose_variant(cfg, has_grade, has_reason, rated_sublines, wanted)
    ev.variant = variant.id
    return render_evaluation(ev, cfg, computed=False, shown=True, variant=variant)


def import_evaluation_rows(spec: TemplateSpec, rows: list, variant: str | None = None) -> list[SheetPicture]:
    """Sheets for the CSV rows of one evaluation table; :class:`LookupError` when the rows
    are not an evaluation table, :class:`InputError` for unknown rows or columns.
    ``variant`` names the published layout (default: chosen by the rows present)."""
    cfg = config(spec)
    if cfg is None or not rows:
        raise LookupError("not an evaluation table")
    table = rows[0].table.strip()
    problems: list[Problem] = []
    if table in SUMMARY_TABLES:
        pictures = [_summary(rows, cfg, problems)]
    else:
        m = SHEET_TABLE.match(table)
        if m is None:
            raise LookupError(table)
        pictures = [_sheet(m.group(1).strip(), rows, cfg, [], problems, variant)]
    if problems:
        raise InputError(problems)
    return pictures
