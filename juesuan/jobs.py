"""The jobs every front end runs, on plain data through the workbook port: build the
template's sheets, and Fill (read the detail sheets once, compute, picture each computed
sheet once). Front ends (CLI, ribbon macros) only choose where the workbook lives."""

from __future__ import annotations

from typing import Any

from juesuan.errors import InputError, Problem
from juesuan.fill import Computation, fill_accounts
from juesuan.handedits import describe as describe_replaced
from juesuan.handedits import describe_rewritten, replaced_figures, rewritten_paragraphs
from juesuan.layout import render_input, render_table
from juesuan.ledger import Ledger, read_ledger
from juesuan.narrative.steps import sheet_name as narrative_sheet
from juesuan.pipeline import steps
from juesuan.port import SheetPicture, WorkbookPort
from juesuan.results import FillResult, Progress, quiet
from juesuan.spec.model import TemplateSpec

_quiet = quiet  # the name front ends used before


def template_pictures(spec: TemplateSpec, dept: str = "", year: str = "",
                      inputs: dict[str, list[list[Any]]] | None = None) -> list[SheetPicture]:
    """Every sheet of a fresh workbook: detail sheets (optionally pre-filled) and blank tables."""

    inputs = dict(inputs or {})
    info_rows = inputs.get("info") or spec.info_rows(dept=dept, year=year)
    inputs["info"] = info_rows
    pictures = [render_input(s, inputs.get(s.id), spec) for s in spec.inputs]
    empty = fill_accounts(spec, Ledger(info={}, lines=[]))
    dept_label = spec.info_label("dept")
    dept_name = dept or next((str(r[1]) for r in info_rows if len(r) > 1 and r[0] == dept_label and r[1]), "")
    pictures += [render_table(t, empty.tables[t.id], dept_name, spec.unit, blank=True) for t in spec.tables]
    for step in steps(spec):
        pictures += step.template(spec, inputs)
    return pictures


def fill_workbook(spec: TemplateSpec, port: WorkbookPort, progress: Progress = quiet,
                  extras: dict[str, Any] | None = None) -> FillResult:
    """Read the detail sheets, compute every table, and picture the computed sheets."""
    progress("读取明细表 / reading detail sheets")
    ledger = read_ledger(spec, port)
    _refuse_unpublishable(spec, ledger)
    progress(f"计算 {ledger.line_count} 条明细 / computing {ledger.line_count} ledger lines")
    computation = Computation(spec, ledger)
    accounts = computation.accounts()
    progress("生成公开表 / laying out the tables")
    pictures = [render_table(t, accounts.tables[t.id], accounts.dept, spec.unit) for t in spec.tables]
    record = _rounding_record(spec, port, computation, bool(accounts.over_a_cent))
    result = FillResult(accounts, pictures, extras=dict(extras or {}))  # e.g. "previous": last year's figures
    replaced = describe_replaced(replaced_figures(spec, port, accounts))  # figures typed over by hand
    if replaced:
        result.notes.append(replaced)
    for step in steps(spec):
        step.fill(spec, port, result, progress)
    rewritten = describe_rewritten(rewritten_paragraphs(spec, port, result.pictures), narrative_sheet(spec))
    if rewritten:  # the 说明's generated text edited by hand: rewritten by design, but said
        result.notes.append(rewritten)
    present = set(port.sheet_names())
    missing = [p.name for p in result.pictures if p.name not in present and p.name in spec.sheet_names]
    if missing:  # a table sheet deleted or renamed: refuse rather than add a stray copy
        raise InputError([Problem("sheet-missing", {"sheet": s}, s) for s in missing])
    if record is not None:
        result.pictures.append(record)
    return result


def _rounding_record(spec: TemplateSpec, port: WorkbookPort, computation: Computation,
                     over_a_cent: bool) -> SheetPicture | None:
    """The record of this Fill's rounding a later check takes instead of rounding again
    (:mod:`juesuan.rounding_record`), where a check needs it or the workbook keeps one already."""
    from juesuan import rounding_record

    if not computation.rounded or not rounding_record.wanted(over_a_cent, port):
        return None
    return rounding_record.picture(spec, computation.leaves)


def _refuse_unpublishable(spec: TemplateSpec, ledger: Ledger) -> None:
    """部门名称/年度 missing, a code without a name: exit 2, nothing written. An empty ledger
    (a fresh template shows its blank tables) and a 年度 outside the format's years fill with a
    warning; Check reports both as errors."""
    from dataclasses import replace

    from juesuan.sanity import ledger_problems

    found = [replace(p, severity="warning") if p.code in ("ledger-empty", "year-format") else p for p in ledger_problems(spec, ledger)]
    errors = [p for p in found if p.severity == "error"]
    if errors:
        raise InputError(errors)
    ledger.warnings = [w for w in ledger.warnings if w.code != "info-missing"] + found


__all__ = ["FillResult", "Progress", "fill_workbook", "template_pictures"]
