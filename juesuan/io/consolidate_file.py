"""The consolidation job on .xlsx files (CLI and Excel macro): read every unit's workbook
with python-calamine, consolidate, write the department workbook from the official template.

Nothing is written unless every unit is usable, every elimination balances (or the caller
allows the differences) and the output does not exist (or ``force``); the file appears
atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from juesuan.consolidate.engine import Consolidation, consolidate, department_name, pick_parent
from juesuan.consolidate.units import located, read_units
from juesuan.errors import InputError, Problem
from juesuan.port import WorkbookPort
from juesuan.records import record


def unit_files(paths: Iterable[str | Path], exclude: Path | None = None) -> list[Path]:
    """The unit workbooks: each file as given, a folder's .xlsx/.xlsm files (sorted, no Office
    lock files), never ``exclude`` (the department workbook being written)."""
    out: list[Path] = []
    skip = exclude.resolve() if exclude is not None else None
    for p in map(Path, paths):
        found = sorted(f for f in p.iterdir() if f.suffix.lower() in (".xlsx", ".xlsm")
                       and not f.name.startswith(("~$", ".~"))) if p.is_dir() else [p]
        out += [f for f in found if skip is None or f.resolve() != skip]
    return out


def _label(path: Path, paths: list[Path]) -> str:
    """A unit's name in messages: its file name, or its path when two units share a name."""
    return path.name if sum(1 for p in paths if p.name == path.name) == 1 else str(path)


def open_units(paths: Iterable[str | Path], exclude: str | Path | None = None,
               problems: list[Problem] | None = None) -> list[tuple[str, Any]]:
    """Open every unit workbook (python-calamine) as (label, book). A unit that can't be
    opened is added to ``problems``; without that list, :class:`InputError` is raised with
    every such unit (nothing left open then)."""
    from juesuan.io.xlsx import CalamineBook

    files = unit_files(paths, exclude=Path(exclude) if exclude is not None else None)
    if not files:
        raise InputError([Problem("no-units")])
    books: list[tuple[str, Any]] = []
    found: list[Problem] = []
    for path in files:
        label = _label(path, files)
        try:
            books.append((label, CalamineBook(path)))
        except InputError as exc:
            found += [located(label, p) for p in exc.problems]
    if problems is not None:
        problems += found
    elif found:
        for _, book in books:
            book.close()
        raise InputError(found)
    return books


@record
class Outcome:
    """What ``juesuan consolidate`` did: the consolidation, the file written, the findings let through."""

    consolidation: Consolidation
    written: Path
    findings: list[Problem] = field(default_factory=list)  # unbalanced eliminations allowed through


def consolidate_books(books: list[tuple[str, WorkbookPort]], dept: str | None = None, fmt: str | None = None,
                      parent: str | None = None, allow_unbalanced: bool = False) -> tuple[Consolidation, list[Problem]]:
    """Consolidate opened units; raise :class:`InputError` (every problem at once) unless the
    result can be written. Returns the consolidation and the findings to record."""
    spec, units = read_units(books, fmt)
    chosen = pick_parent(units, parent, dept)
    if parent and chosen is None:
        raise InputError([Problem("unit-parent", {"name": parent, "known": "、".join(u.name for u in units)})])
    if chosen is not None:
        chosen.parent = True
    name = dept or department_name(chosen)
    if not name:
        raise InputError([Problem("dept-needed")])
    years = [str(u.ledger.info.get("year") or "") for u in units]
    year = next((y for y in years if y), "")
    result = consolidate(spec, units, name, year)
    findings = [imb.problem("warning" if allow_unbalanced else "error") for imb in result.imbalances]
    if findings and not allow_unbalanced:
        raise InputError(findings)
    return result, findings


def consolidate_paths(paths: Iterable[str | Path], exclude: str | Path | None = None, dept: str | None = None,
                      fmt: str | None = None, parent: str | None = None,
                      allow_unbalanced: bool = False) -> tuple[Consolidation, list[Problem]]:
    """Read and consolidate the unit workbooks at ``paths`` (files or folders; never
    ``exclude``); :class:`InputError` with every unit's problems at once."""
    problems: list[Problem] = []
    books = open_units(paths, exclude=exclude, problems=problems)
    try:
        try:
            result, findings = consolidate_books(list(books), dept, fmt, parent, allow_unbalanced)
        except InputError as exc:
            if not books:  # nothing opened: the unusable files say it all
                raise InputError(problems) from None
            raise InputError(problems + exc.problems) from None
        if problems:
            raise InputError(problems)
    finally:
        for _, book in books:
            book.close()
    return result, findings


def write_department(result: Consolidation, target: str | Path) -> Path:
    """The department workbook: the official template with the consolidated detail sheets
    and 单位构成 (atomic; Fill computes the tables). Its parts are written directly
    (:func:`juesuan.io.template_file.save_new_workbook`, as openpyxl would save them; openpyxl
    itself only for a picture that writer leaves to it), and the detail rows streamed into
    the sheets (:mod:`juesuan.io.bulk_rows`): a department has hundreds of thousands of them."""
    from juesuan.io.template_file import save_new_workbook
    from juesuan.jobs import template_pictures

    spec = result.spec
    rows = result.input_rows()
    bulk = {s.id: s.sheet for s in spec.inputs if s.kind == "list" and s.ledger and rows.get(s.id)}
    prototypes = {**rows, **{i: rows[i][:1] for i in bulk}}  # one styled row each: the rest is streamed
    streamed = {sheet: rows[i] for i, sheet in bulk.items()}
    return save_new_workbook(spec, lambda: template_pictures(spec, result.dept, result.year, prototypes), target,
                             streamed)


def consolidate_files(paths: Iterable[str | Path], out: str | Path, dept: str | None = None, fmt: str | None = None,
                      parent: str | None = None, allow_unbalanced: bool = False, force: bool = False) -> Outcome:
    """Consolidate the unit workbooks at ``paths`` (files or folders) into ``out``."""
    from juesuan.gcpause import gc_paused
    from juesuan.io.safe_write import check_new_output

    target = check_new_output(out, force=force, suffixes=(".xlsx",), what="部门汇总工作簿 / a department workbook")
    with gc_paused():  # every unit's lines are long-lived objects: no collector walks them meanwhile
        result, findings = consolidate_paths(paths, target, dept, fmt, parent, allow_unbalanced)
        return Outcome(result, write_department(result, target), findings)
