"""The jobs on .xlsx files: new workbook, template build, Fill in place or to a new file.

Everything is computed before anything is written; the output appears atomically, so a
failure leaves no half-written file and the input untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.gcpause import gc_paused
from juesuan.io.xlsx import (
    LoadedBook,
    check_workbook_file,
    load_for_write,
    new_workbook,
    replace_sheets,
    save_atomic,
)
from juesuan.jobs import FillResult, Progress, _quiet, fill_workbook, template_pictures
from juesuan.ledger import form_value
from juesuan.port import WorkbookPort
from juesuan.spec import TemplateSpec, available_formats, load_spec


def detect_format(book: WorkbookPort) -> str:
    """The template format recorded on the workbook's 基本信息 form (模板格式). Where that form
    and label are is read from the newest format's spec (every shipped format shares them)."""
    newest = load_spec()
    sheet, label = newest.info.sheet, newest.info_label("format")
    if sheet not in book.sheet_names():
        raise fail("not-a-template")
    fmt = form_value(book.read_sheet(sheet), label)
    if not fmt:
        raise fail("not-a-template")
    if fmt not in available_formats():
        raise fail("template-version", sheet=sheet, found=fmt, expected="/".join(available_formats()))
    return fmt


def spec_for(book: WorkbookPort, fmt: str | None) -> TemplateSpec:
    found = detect_format(book)
    spec = load_spec(found)
    if fmt and fmt != found:
        raise fail("template-version", sheet=spec.info.sheet, found=found, expected=fmt)
    return spec


def write_new(out: str | Path, spec: TemplateSpec, dept: str = "", year: str = "",
              inputs: dict[str, list[list[Any]]] | None = None) -> Path:
    wb = new_workbook(template_pictures(spec, dept, year, inputs))
    wb.active = 0
    save_atomic(wb, out)
    return Path(out)


def fill_file(path: str | Path, out: str | Path | None = None, fmt: str | None = None,
              progress: Progress = _quiet, extras: dict[str, Any] | None = None) -> tuple[FillResult, Path, Path | None]:
    """Fill ``path``; write to ``out`` or replace ``path`` keeping a backup. Returns
    (result, written path, backup path)."""
    progress("打开工作簿 / opening the workbook")
    source = check_workbook_file(path)
    with gc_paused():  # the loaded workbook is hundreds of thousands of long-lived objects
        book = LoadedBook(load_for_write(source), source)
        try:
            spec = spec_for(book, fmt)
            result = fill_workbook(spec, book, progress, extras)
            progress("写入公开表 / writing the tables")
            replace_sheets(book.wb, result.pictures)
            target = Path(out) if out else book.path
            progress("保存 / saving")
            backup = save_atomic(book.wb, target, backup=out is None)
        finally:
            book.close()
    return result, target, backup
