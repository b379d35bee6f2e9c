"""Where everything sits on a 项目支出绩效自评表 sheet and on the 绩效自评情况汇总表 sheet.

:func:`render_evaluation` pictures a self-evaluation (new from the template, or re-rendered
by Fill with the input values exactly as read and the computed cells recomputed);
:func:`read_evaluation` finds the blocks again by their labels, so rows inserted into the
indicator block are read too. Columns A–J:

    A section | B–C labels / 一级 二级 | D… figures (see the spec for the headers)
"""

from __future__ import annotations

from typing import Any

from juesuan.evaluation import scoring
from juesuan.evaluation.model import STANDARD, BudgetLine, EvalConfig, Evaluation, Indicator, Variant
from juesuan.port import Grid, SheetPicture, a1, cell_at
from juesuan.spec.model import norm_year

WIDTH = 10  # columns A..J
DASH = "—"
# indicator columns (0-based): B 一级 … J 偏差原因
IND_COLS = {"level1": 1, "level2": 2, "level3": 3, "target": 4, "actual": 5, "direction": 6,
            "weight": 7, "score": 8, "reason": 9}
# budget columns: B:C label, D 年初, E A, F B, G 分值, H 执行率, I:J 得分
BUD_COLS = {"initial": 3, "budget": 4, "spent": 5, "weight": 6, "rate": 7, "score": 8}
HEAD_ROWS = 2  # header-field rows start at row 2
WIDTHS = {0: 10.0, 1: 12.0, 2: 14.0, 3: 22.0, 4: 14.0, 5: 14.0, 6: 10.0, 7: 10.0, 8: 10.0, 9: 30.0}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def new_evaluation(cfg: EvalConfig, sheet: str, project: str, dept: str = "", unit: str = "") -> Evaluation:
    """A blank self-evaluation from the template rows of the spec."""
    ev = Evaluation(sheet=sheet, header={"project": project, "dept": dept, "unit": unit or dept, "phone": None})
    for row in cfg.budget_rows:
        ev.budget.append(BudgetLine(key=row["key"], label=row["label"],
                                    weight=float(cfg.budget_weight) if row["key"] == "total" else None))
    for level in cfg.raw["indicators"]["template"]:
        for level2, count in level["level2"]:
            for _ in range(int(count)):
                ev.indicators.append(Indicator(level1=level["level1"], level2=level2))
    return ev


# -- rendering -------------------------------------------------------------------------
def render_evaluation(ev: Evaluation, cfg: EvalConfig, year: str = "", computed: bool = True,
                      shown: bool = False, variant: Variant | None = None) -> SheetPicture:
    """The whole sheet. Input cells carry their values as given; computed cells (执行率,
    得分, 总分, 等级) are filled from ``ev``'s scores when ``computed`` (else left blank), or
    with the values ``ev`` says were shown when ``shown`` (an imported disclosure). ``variant``
    is the published layout (title, 自评等级 line, 偏差原因 column, rated budget lines)."""
    raw = cfg.raw
    variant = variant or STANDARD
    pic = SheetPicture(name=ev.sheet, kind="input", protect=True, landscape=True)
    last = WIDTH - 1
    pic.put(0, 0, variant.title or raw.get("title", "项目支出绩效自评表"), "title", merge_to=(0, last))
    pic.row_heights[0] = 30.0
    pic.put(1, 0, str(raw.get("subtitle", "")).format_map({"year": norm_year(year) or "    "}), "dept",
            merge_to=(1, 7))
    pic.put(1, 8, raw.get("unit_note", "单位：万元"), "unit", merge_to=(1, 9))
    r = HEAD_ROWS
    for fields in cfg.header_fields:
        for k, (label, key) in enumerate(fields):
            c = 0 if k == 0 else 5
            pic.put(r, c, label, "header")
            end = 4 if k == 0 else last
            pic.put(r, c + 1, ev.header.get(key), "eval-input", merge_to=(r, end))
            _origin(pic, r, c + 1, ev.header_cells.get(key))
            for cc in range(c + 2, end + 1):
                pic.put(r, cc, None, "eval-input")
        r += 1
    r = _render_budget(pic, ev, cfg, r, computed, shown, variant)
    r = _render_goals(pic, ev, cfg, r)
    r = _render_indicators(pic, ev, cfg, r, computed, shown, variant)
    pic.put(r, 0, raw.get("note", ""), "note", merge_to=(r, last))
    pic.row_heights[r] = 42.0
    pic.column_widths.update(WIDTHS)
    pic.print_title_rows = (0, 1)
    return pic


def _origin(pic: SheetPicture, r: int, c: int, address: str | None) -> None:
    """Record that the picture's cell (r, c) shows the input read at ``address`` (a formula
    typed there is carried by the file adapter); nothing for a sheet not read (new, imported)."""
    if address:
        pic.origins[(r, c)] = address


def _render_budget(pic: SheetPicture, ev: Evaluation, cfg: EvalConfig, r: int, computed: bool,
                   shown: bool = False, variant: Variant = STANDARD) -> int:
    block = cfg.raw["budget"]
    n = len(ev.budget)
    pic.put(r, 0, block.get("section_label", "项目资金（万元）"), "header", merge_to=(r + n, 0))
    for rr in range(r + 1, r + n + 1):
        pic.put(rr, 0, None, "header")
    pic.put(r, 1, None, "header", merge_to=(r, 2))
    pic.put(r, 2, None, "header")
    for k, title in enumerate(block["columns"]):
        c = 3 + k
        pic.put(r, c, title, "header", merge_to=(r, 9) if c == 8 else None)
    pic.put(r, 9, None, "header")
    for i, line in enumerate(ev.budget):
        rr = r + 1 + i
        pic.put(rr, 1, line.label, "body-label", merge_to=(rr, 2))
        pic.put(rr, 2, None, "body-label")
        for key in ("initial", "budget", "spent"):
            pic.put(rr, BUD_COLS[key], getattr(line, key), "eval-input-money")
            _origin(pic, rr, BUD_COLS[key], line.cells.get(key))
        if line.key == "total":
            pic.put(rr, BUD_COLS["weight"], line.weight, "eval-input-money")
            _origin(pic, rr, BUD_COLS["weight"], line.cells.get("weight"))
            score = line.shown_score if shown else line.published if computed else None
            pic.put(rr, BUD_COLS["score"], score, "amount", merge_to=(rr, 9))
        else:
            pic.put(rr, BUD_COLS["weight"], DASH, "body-line")
            pic.put(rr, BUD_COLS["score"], DASH, "body-line", merge_to=(rr, 9))
        pic.put(rr, 9, None, "amount")
        if shown:
            rated = line.key in variant.rated_lines or line.shown_rate not in (None, "")
            pic.put(rr, BUD_COLS["rate"], line.shown_rate if rated else DASH, "percent" if rated else "body-line")
        elif computed:
            rate = scoring.publish_rate(line.rate)
            pic.put(rr, BUD_COLS["rate"], rate if rate is not None else DASH,
                    "percent" if rate is not None else "body-line")
        else:
            pic.put(rr, BUD_COLS["rate"], None, "percent")
    return r + n + 1


def _render_goals(pic: SheetPicture, ev: Evaluation, cfg: EvalConfig, r: int) -> int:
    block = cfg.raw["goals"]
    pic.put(r, 0, block.get("section_label", "年度总体目标"), "header", merge_to=(r + 1, 0))
    pic.put(r + 1, 0, None, "header")
    plan, done = block["columns"]
    pic.put(r, 1, plan, "header", merge_to=(r, 5))
    pic.put(r, 6, done, "header", merge_to=(r, 9))
    for c in (2, 3, 4, 5, 7, 8, 9):
        pic.put(r, c, None, "header")
    pic.put(r + 1, 1, ev.goal_plan, "eval-input", merge_to=(r + 1, 5))
    pic.put(r + 1, 6, ev.goal_done, "eval-input", merge_to=(r + 1, 9))
    _origin(pic, r + 1, 1, ev.goal_cells.get("plan"))
    _origin(pic, r + 1, 6, ev.goal_cells.get("done"))
    for c in (2, 3, 4, 5, 7, 8, 9):
        pic.put(r + 1, c, None, "eval-input")
    pic.row_heights[r + 1] = 90.0
    return r + 2


def _runs(values: list[str]) -> list[tuple[int, int]]:
    """Index ranges [i, j] of consecutive equal non-blank values."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i] and values[i]:
            j += 1
        out.append((i, j))
        i = j + 1
    return out


def _render_indicators(pic: SheetPicture, ev: Evaluation, cfg: EvalConfig, r: int, computed: bool,
                       shown: bool = False, variant: Variant = STANDARD) -> int:
    block = cfg.raw["indicators"]
    head = r
    for k, title in enumerate(block["columns"]):
        pic.put(head, 1 + k, title if variant.reason or k < len(block["columns"]) - 1 else None, "header")
    first = head + 1
    inds = ev.indicators
    l1 = [_text(i.level1) for i in inds]
    l2 = [f"{_text(i.level1)}\x00{_text(i.level2)}" if _text(i.level2) else "" for i in inds]
    for i, j in _runs(l1):
        pic.put(first + i, 1, inds[i].level1, "eval-input", merge_to=(first + j, 1) if j > i else None)
        _origin(pic, first + i, 1, inds[i].cells.get("level1"))
        for k in range(i + 1, j + 1):
            pic.put(first + k, 1, None, "eval-input")
    for i, j in _runs(l2):
        pic.put(first + i, 2, inds[i].level2, "eval-input", merge_to=(first + j, 2) if j > i else None)
        _origin(pic, first + i, 2, inds[i].cells.get("level2"))
        for k in range(i + 1, j + 1):
            pic.put(first + k, 2, None, "eval-input")
    for n, ind in enumerate(inds):
        rr = first + n
        pic.put(rr, 3, ind.level3, "eval-input")
        pic.put(rr, 4, ind.target, "eval-input")
        pic.put(rr, 5, ind.actual, "eval-input")
        pic.put(rr, 6, ind.direction, "eval-input")
        pic.put(rr, 7, ind.weight, "eval-input-money")
        if ind.is_qualitative or ind.effective_direction is None or shown:
            pic.put(rr, 8, ind.entered, "eval-input-money")  # entered by the evaluator
            _origin(pic, rr, 8, ind.cells.get("score"))
        else:
            pic.put(rr, 8, ind.published if computed else None, "amount")
        pic.put(rr, 9, ind.reason, "eval-input")
        for key, c in (("level3", 3), ("target", 4), ("actual", 5), ("direction", 6), ("weight", 7), ("reason", 9)):
            _origin(pic, rr, c, ind.cells.get(key))
    end = first + len(inds)
    if inds:
        pic.validations.append((f"G{first + 1}:G{end}", tuple(block.get("directions", ("≥", "≤", "定性")))))
    total_r = end
    grade_r = end + 1 if variant.grade else end  # a layout without a 自评等级 line ends at 总分
    pic.put(head, 0, block.get("section_label", "绩效指标"), "header", merge_to=(grade_r, 0))
    for rr in range(head + 1, grade_r + 1):
        pic.put(rr, 0, None, "header")
    pic.put(total_r, 1, cfg.raw.get("total_label", "总分"), "total-label", merge_to=(total_r, 6))
    for c in range(2, 7):
        pic.put(total_r, c, None, "total-label")
    pic.put(total_r, 7, ev.shown_weights if shown else scoring.publish(ev.weights) if computed else None,
            "total-amount")
    pic.put(total_r, 8, ev.shown_total if shown else ev.total if computed else None, "total-amount")
    pic.put(total_r, 9, None, "total-amount")
    if variant.grade:
        pic.put(grade_r, 1, cfg.raw.get("grade_label", "自评等级"), "total-label", merge_to=(grade_r, 7))
        for c in range(2, 8):
            pic.put(grade_r, c, None, "total-label")
        pic.put(grade_r, 8, ev.shown_grade if shown else ev.grade if computed else None, "total-label",
                merge_to=(grade_r, 9))
        pic.put(grade_r, 9, None, "total-label")
    return grade_r + 1


# -- reading ---------------------------------------------------------------------------
def _find(grid: Grid, col: int, label: str, start: int = 0) -> int | None:
    for r in range(start, len(grid)):
        if _text(cell_at(grid, r, col)).replace(" ", "") == label.replace(" ", ""):
            return r
    return None


def is_evaluation_grid(grid: Grid, cfg: EvalConfig) -> bool:
    return _find(grid, 1, cfg.raw["budget"]["rows"][0]["label"]) is not None and \
        _find(grid, 1, cfg.raw["indicators"]["columns"][0]) is not None


def read_evaluation(sheet: str, grid: Grid, cfg: EvalConfig) -> Evaluation:
    """A self-evaluation as its sheet shows it (values as typed, each with its address)."""
    ev = Evaluation(sheet=sheet)
    for fields in cfg.header_fields:
        for label, key in fields:
            for c in (0, 5):
                r = _find(grid, c, label)
                if r is not None:
                    ev.header[key] = cell_at(grid, r, c + 1)
                    ev.header_cells[key] = a1(r, c + 1)
                    break
    for row in cfg.budget_rows:
        r = _find(grid, 1, row["label"])
        line = BudgetLine(key=row["key"], label=row["label"])
        if r is not None:
            for key, c in BUD_COLS.items():
                value = cell_at(grid, r, c)
                line.cells[key] = a1(r, c)
                if key == "rate":
                    line.shown_rate = value
                elif key == "score":
                    line.shown_score = value
                elif key == "weight" and row["key"] != "total":
                    continue
                else:
                    setattr(line, key, value)
        ev.budget.append(line)
    goals = cfg.raw["goals"]["columns"]
    r = _find(grid, 1, goals[0])
    if r is not None:
        ev.goal_plan, ev.goal_done = cell_at(grid, r + 1, 1), cell_at(grid, r + 1, 6)
        ev.goal_cells.update({"plan": a1(r + 1, 1), "done": a1(r + 1, 6)})
    head = _find(grid, 1, cfg.raw["indicators"]["columns"][0])
    total_label = cfg.raw.get("total_label", "总分")
    if head is not None:
        r = head + 1
        level1 = level2 = None
        while r < len(grid) and _text(cell_at(grid, r, 1)) != total_label:
            ind = Indicator()
            for key, c in IND_COLS.items():
                value = cell_at(grid, r, c)
                ind.cells[key] = a1(r, c)
                if key == "score":
                    ind.entered = value
                else:
                    setattr(ind, key, value)
            if _text(ind.level1):  # merged cells keep their value in the top cell only
                level1, level2 = ind.level1, None
            else:
                ind.level1 = level1
            if _text(ind.level2):
                level2 = ind.level2
            else:
                ind.level2 = level2
            ev.indicators.append(ind)
            r += 1
        if r < len(grid):
            ev.shown_weights, ev.shown_total = cell_at(grid, r, 7), cell_at(grid, r, 8)
            ev.total_cells.update({"weights": a1(r, 7), "total": a1(r, 8)})
            g = _find(grid, 1, cfg.raw.get("grade_label", "自评等级"), r)
            if g is not None:
                ev.shown_grade = cell_at(grid, g, 8)
                ev.total_cells["grade"] = a1(g, 8)
    return ev


# -- the summary -------------------------------------------------------------------------
def render_summary(evals: list[Evaluation], cfg: EvalConfig, dept: str = "", computed: bool = True) -> SheetPicture:
    """绩效自评情况汇总表: 序号 | 项目名称 | 资金使用单位 | 自评得分 | 自评等级 (all computed)."""
    s = cfg.raw["summary"]
    pic = SheetPicture(name=s["sheet"], kind="table", protect=True, landscape=False)
    cols = s["columns"]
    last = len(cols) - 1
    pic.put(0, 0, s["title"], "title", merge_to=(0, last))
    pic.row_heights[0] = 30.0
    pic.put(1, 0, f"部门：{dept}", "dept", merge_to=(1, 2))
    pic.put(1, last, "单位：分", "unit")
    for c, title in enumerate(cols):
        pic.put(2, c, title, "header")
    rows = evals if computed else []
    for i, ev in enumerate(rows):
        r = 3 + i
        pic.put(r, 0, i + 1, "body-line")
        pic.put(r, 1, ev.project or ev.sheet, "body-label")
        pic.put(r, 2, _text(ev.header.get("unit")) or None, "body-label")
        pic.put(r, 3, ev.total, "amount")
        pic.put(r, 4, ev.grade, "body-line")
    r = 3 + len(rows)
    pic.put(r, 0, s["note"] if rows else s.get("empty_note", s["note"]), "note", merge_to=(r, last))
    pic.row_heights[r] = 30.0
    pic.column_widths.update({0: 6.0, 1: 36.0, 2: 28.0, 3: 12.0, 4: 10.0})
    pic.print_title_rows = (2, 2)
    return pic


def read_summary(grid: Grid) -> list[dict[str, Any]]:
    """The summary's rows: 序号, project, unit, score, grade, and their addresses."""
    out = []
    r = 3
    while r < len(grid):
        lead = cell_at(grid, r, 0)
        if lead is None or _text(lead).startswith("注"):
            break
        out.append({"no": lead, "project": _text(cell_at(grid, r, 1)), "unit": cell_at(grid, r, 2),
                    "score": cell_at(grid, r, 3), "grade": _text(cell_at(grid, r, 4)),
                    "cells": {"project": a1(r, 1), "score": a1(r, 3), "grade": a1(r, 4)}})
        r += 1
    return out



