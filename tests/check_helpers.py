"""Shared helpers for the Validate tests: a filled demo workbook, its export to the import
CSV format, modified copies written with openpyxl, and checking with chosen rules."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import coordinate_to_tuple

from juesuan.io.files import fill_file, write_new
from juesuan.io.xlsx import CalamineBook
from juesuan.reading import read_table
from juesuan.report import Report
from juesuan.rules import parse_rules
from juesuan.sample import sample_inputs
from juesuan.spec import TemplateSpec, load_spec
from juesuan.validate import check_workbook


def filled_demo(folder: Path) -> Path:
    spec = load_spec("2019")
    path = folder / "demo.xlsx"
    write_new(path, spec, inputs=sample_inputs(2019))
    fill_file(path, path)
    return path


def tables_of(path: Path, spec: TemplateSpec | None = None):
    spec = spec or load_spec("2019")
    book = CalamineBook(path)
    try:
        return {t.id: read_table(spec, t, book.read_sheet(t.sheet)) for t in spec.tables}
    finally:
        book.close()


def export_csv_rows(path: Path) -> list[list[str]]:
    """The figures of a workbook as import CSV rows [table, row, column, value]."""
    spec = load_spec("2019")
    rows: list[list[str]] = []
    for tid, values in tables_of(path, spec).items():
        table = spec.table(tid)
        lanci = {c.key: c.lanci or "" for p in table.panels for c in p.columns}
        for row in values.rows():
            if row.role == "spare" or not row.values:
                continue
            if row.key == "total":
                ident = "合计"
            elif row.code:
                ident = row.code
            elif row.line is not None:
                ident = str(row.line)
            elif row.role == "footer":
                ident = row.label or "公用经费合计"
            else:
                ident = ""
            for col, value in row.values.items():
                if value is not None:
                    column = "" if len(row.values) == 1 else lanci[col]
                    rows.append([tid, ident, column, f"{value:.2f}"])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["table", "row", "column", "value"])
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


_LOADED: dict[tuple, openpyxl.Workbook] = {}  # the few workbooks modified() loaded last, by file identity


def modified(src: Path, dst: Path, changes: dict[tuple[str, str], object]) -> Path:
    """A copy of ``src`` with cells changed (openpyxl), e.g. {("公开01表", "C7"): 1.5}.

    ``src`` is loaded once for all copies of it (while the file stays as it was): the cells
    are changed in the loaded workbook, saved to ``dst``, and put back as they were, so each
    copy is what loading ``src`` afresh, changing the cells and saving would write."""
    src, dst = Path(src), Path(dst)
    if dst.resolve() == src.resolve():
        wb = openpyxl.load_workbook(src)
        for (sheet, cell), value in changes.items():
            wb[sheet][cell].value = value
        wb.save(dst)
        return dst
    stat = src.stat()
    key = (str(src.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    wb = _LOADED.pop(key, None) or openpyxl.load_workbook(src)
    _LOADED[key] = wb
    while len(_LOADED) > 3:
        del _LOADED[next(iter(_LOADED))]
    kept = []
    try:
        for (sheet, cell), value in changes.items():
            ws = wb[sheet]
            existed = coordinate_to_tuple(cell) in ws._cells  # (ws[cell] makes a missing cell)
            c = ws[cell]
            kept.append((ws, c, existed, c._value, c.data_type, copy.copy(c._style), c._hyperlink, c._comment))
            c.value = value
        for ws in wb.worksheets:  # (a save leaves the column outline it computed: as loaded again)
            ws.column_dimensions.max_outline = None
        wb.save(dst)
    finally:
        for ws, c, existed, value, data_type, style, link, comment in reversed(kept):
            c._value, c.data_type, c._style, c._hyperlink, c._comment = value, data_type, style, link, comment
            if not existed:
                del ws._cells[(c.row, c.column)]
    return dst


def check(path: Path, rules: list[dict] | None = None) -> Report:
    """Check ``path`` with the bundled catalogue, or only with ``rules``."""
    spec = load_spec("2019")
    if rules is not None:
        spec = dataclasses.replace(spec, rules=tuple(parse_rules(rules)))
    book = CalamineBook(path)
    try:
        return check_workbook(spec, book)
    finally:
        book.close()


def cell_of(path: Path, tid: str, key: str, col: str) -> tuple[str, str, Decimal | None]:
    """(sheet, address, value) of a figure, found through the layout reader."""
    spec = load_spec("2019")
    values = tables_of(path, spec)[tid]
    row = next(r for r in values.rows() if r.key == key and col in r.values)
    return spec.table(tid).sheet, row.cells[col], row.values[col]
