"""The jobs on .xlsx files: a new workbook, and Fill in place or to a new file, each written
through :func:`juesuan.io.safe_write.atomic_write` (everything is computed before anything is
written; a failure leaves the input untouched and no half-written file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.gcpause import gc_paused
from juesuan.io.fresh_package import fresh_parts
from juesuan.io.kept_extras import carry_extras, table_ends
from juesuan.io.kept_extras import describe as describe_kept
from juesuan.io.kept_formulas import cached_values, carry_formulas
from juesuan.io.patch import plan_patch
from juesuan.io.safe_write import atomic_write, check_in_place, check_new_output, workbook_suffix
from juesuan.io.xlsx import (
    CalamineBook,
    LoadedBook,
    check_workbook_file,
    load_for_write,
    new_workbook,
    replace_sheets,
    save_atomic,
)
from juesuan.jobs import FillResult, Progress, _quiet, fill_workbook, template_pictures
from juesuan.spec import TemplateSpec
from juesuan.workbook_format import spec_for


def write_new(out: str | Path, spec: TemplateSpec, dept: str = "", year: str = "",
              inputs: dict[str, list[list[Any]]] | None = None) -> Path:
    """A new workbook from the official template of ``spec`` at ``out`` (.xlsx), atomically;
    ``inputs``: input id → rows typed on that input sheet
    (:func:`juesuan.io.template_file.save_new_workbook`: no openpyxl unless a picture needs it)."""
    from juesuan.io.template_file import save_new_workbook

    return save_new_workbook(spec, lambda: template_pictures(spec, dept, year, inputs), out)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def fill_file(path: str | Path, out: str | Path | None = None, fmt: str | None = None,
              progress: Progress = _quiet, extras: dict[str, Any] | None = None,
              force: bool = False) -> tuple[FillResult, Path, Path | None]:
    """Fill ``path``; write to ``out`` (an existing ``out`` only with ``force``) or replace
    ``path`` keeping a backup; ``extras`` go to the steps (e.g. last year's figures). Returns
    (result, written path, backup path)."""
    progress("打开工作簿 / opening the workbook")
    source = check_workbook_file(path)
    in_place = out is None or _same_file(Path(out), source)
    if in_place:
        check_in_place(source)
    else:
        suffix, why = workbook_suffix(source)
        check_new_output(out, force=force, suffixes=(suffix,), what="工作簿 / a workbook", why=why)
    with gc_paused():  # the loaded workbook is hundreds of thousands of long-lived objects
        calamine = CalamineBook(source)
        try:
            spec = spec_for(calamine, fmt)
        except BaseException:
            calamine.close()
            raise
        computed = {t.sheet for t in spec.tables}
        # formulas outside the tables: their cached values are read like any value
        # (NO_CACHED_VALUE where there is none); the detail sheets stay untouched in the patched
        # package and Excel recalculates on opening. The self-evaluation and 说明 sheets are
        # pictured anew, their entries as read: a formula typed into an entry is carried into
        # the picture (kept_formulas) and written again with its cached value, on both paths.
        formula_sheets = calamine.formula_sheets()
        formulas = bool(formula_sheets - computed)
        names = set(calamine.sheet_names())
        try:
            result = fill_workbook(spec, calamine, progress, extras)
        finally:
            calamine.close()
        carry_formulas(source, result.pictures, formula_sheets)
        kept = carry_extras(source, result.pictures, table_ends(spec))  # typed outside the tables
        if kept:
            result.notes.append(describe_kept(kept))
        formulas = formulas or any(p.formulas for p in result.pictures if p.name in computed)
        progress("写入公开表 / writing the tables")
        fresh = fresh_parts(result.pictures)  # (None: a picture only openpyxl draws)
        written: Any = plan_patch(source, result.pictures, fresh if fresh is not None else new_workbook(result.pictures),
                                  recalculate=formulas)
        if written is None and not formulas:  # a package the patch does not handle: openpyxl writes it
            written = load_for_write(source, skip={p.name for p in result.pictures} & names)
            replace_sheets(written, result.pictures)
        if written is not None:
            target = Path(out) if out else source
            progress("保存 / saving")
            return result, target, save_atomic(written, target, backup=out is None)
        # formulas in a package the patch does not handle: openpyxl's careful path, which keeps
        # the formulas' cached values on saving (the computation above is reused: only the
        # sheets holding formulas are read again, for those values)
        progress("保留公式 / keeping the formulas")
        pictured = {p.name for p in result.pictures}
        book = LoadedBook(load_for_write(source, skip=pictured & names), source)  # (replaced whole: not parsed)
        try:
            for name in sorted(formula_sheets - pictured):
                book.read_sheet(name)  # python-calamine's values, which save_workbook puts back
            replace_sheets(book.wb, result.pictures)
            target = Path(out) if out else book.path
            progress("保存 / saving")
            kept = {p.name: cached_values(p) for p in result.pictures if p.formulas}
            backup = save_workbook(book, target, backup=out is None, kept=kept)
        finally:
            book.close()
    return result, target, backup


def save_workbook(book: LoadedBook, target: Path, backup: bool = False,
                  kept: dict[str, dict[tuple[int, int], Any]] | None = None) -> Path | None:
    """Save a workbook Fill has changed, keeping the cached values of the formulas it read on
    the detail sheets (so the filled file checks clean and fills again), and of the formulas
    ``kept`` in the entries of the sheets it pictured anew (sheet → 0-based cell → value)."""
    cached = book.formula_values()
    cached.update(kept or {})
    if not cached:
        return save_atomic(book.wb, target, backup=backup)
    from juesuan.io.cached import restore_cached_values

    def write(tmp: Path) -> None:
        book.wb.save(tmp)
        restore_cached_values(tmp, cached)

    expected = ".xlsm" if getattr(book.wb, "vba_archive", None) is not None else ".xlsx"
    if target.suffix.lower() != expected:
        raise fail("output-type", path=str(target), expected=expected,
                   reason="须与工作簿的类型一致 / it must match the workbook's type")
    return atomic_write(target, write, backup=backup)
