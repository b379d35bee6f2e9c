"""The evaluation steps of the jobs: Fill re-pictures every self-evaluation sheet (inputs
exactly as read, 执行率/得分/总分/等级 recomputed) and the 绩效自评情况汇总表; a fresh
template carries an empty summary sheet; ``eval add`` pictures a new blank sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from juesuan.errors import InputError, Problem, error_value_code
from juesuan.evaluation.layout import (
    is_evaluation_grid,
    new_evaluation,
    read_evaluation,
    render_evaluation,
    render_summary,
)
from juesuan.evaluation.model import EvalConfig, Evaluation, config, score, sheet_name_for, unscored
from juesuan.ledger import info_value
from juesuan.port import NO_CACHED_VALUE, CellError, SheetPicture, WorkbookPort, a1
from juesuan.spec.model import TemplateSpec

if TYPE_CHECKING:
    from juesuan.results import FillResult, Progress


def evaluation_sheets(port: WorkbookPort, cfg: EvalConfig) -> list[str]:
    """The self-evaluation sheets of a workbook, in workbook order."""
    return [s for s in port.sheet_names() if s.startswith(cfg.prefix)]


def read_evaluations(spec: TemplateSpec, port: WorkbookPort) -> list[Evaluation]:
    """Every self-evaluation of the workbook, read and scored (empty without an evaluation spec)."""
    cfg = config(spec)
    if cfg is None:
        return []
    out = []
    problems: list[Problem] = []
    for name in evaluation_sheets(port, cfg):
        grid = port.read_sheet(name)
        if is_evaluation_grid(grid, cfg):
            problems += _formula_problems(name, grid)
            out.append(score(read_evaluation(name, grid, cfg), cfg))
    if problems:
        raise InputError(problems)
    return out


def _formula_problems(sheet: str, grid: list[list[Any]]) -> list[Problem]:
    """Formula cells of a self-evaluation sheet without a usable value (never computed, or
    an error value such as #DIV/0!): reported at their cells, never scored."""
    problems = []
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value is NO_CACHED_VALUE:
                problems.append(Problem("formula-no-value", {}, sheet, a1(r, c)))
            elif type(value) is CellError:
                problems.append(Problem(error_value_code(value), {"value": str(value)}, sheet, a1(r, c)))
    return problems


def fill_step(spec: TemplateSpec, port: WorkbookPort, result: FillResult, progress: Progress) -> None:
    """Fill step: recompute the self-evaluations and the summary."""
    cfg = config(spec)
    if cfg is None:
        return
    progress("绩效自评 / self-evaluations")
    evals = read_evaluations(spec, port)
    result.extras["evaluations"] = evals  # shared with the 说明 step: the sheets are read once
    year = result.accounts.year or info_value(spec, port, "year")
    for ev in evals:
        result.pictures.append(render_evaluation(ev, cfg, year))
    result.pictures.append(render_summary(evals, cfg, result.accounts.dept))
    if evals:
        grades = "、".join(f"{ev.project or ev.sheet} {ev.total}分（{ev.grade}）" for ev in evals)
        result.notes.append(f"绩效自评 / self-evaluations: {len(evals)} 个项目：{grades}")
        for ev in evals:
            missing = unscored(ev)
            if missing:
                names = "、".join(f"“{ind.level3 or ind.level2 or ''}”{zh}" for ind, zh, _en in missing)
                result.notes.append(f"绩效自评未完成 / incomplete self-evaluation: {ev.project or ev.sheet} 有 {len(missing)} 项"
                                    f"指标没有得分，总分不含其分值：{names} / {len(missing)} indicator(s) without a score: "
                                    f"{'; '.join(en for _i, _zh, en in missing)}")


def template_step(spec: TemplateSpec, inputs: dict[str, list[list[Any]]]) -> list[SheetPicture]:
    """Template step: the empty 绩效自评情况汇总表."""
    cfg = config(spec)
    if cfg is None:
        return []
    label = spec.info_label("dept")
    dept = next((str(r[1]) for r in inputs.get("info") or [] if len(r) > 1 and r[0] == label and r[1]), "")
    return [render_summary([], cfg, dept, computed=False)]


def new_sheet(spec: TemplateSpec, port: WorkbookPort, project: str, unit: str = "",
              dept: str = "") -> SheetPicture:
    """The picture of a new blank self-evaluation sheet for ``project`` (name made unique)."""
    cfg = config(spec)
    if cfg is None:
        raise ValueError("规范中没有绩效自评表定义 / the spec defines no self-evaluations")
    dept = dept or info_value(spec, port, "dept")
    name = sheet_name_for(cfg.prefix, project, port.sheet_names())
    ev = new_evaluation(cfg, name, project, dept, unit)
    return render_evaluation(ev, cfg, info_value(spec, port, "year"), computed=False)
