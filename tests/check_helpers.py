"""Shared helpers for the Validate tests: a filled demo workbook, its export to the import
CSV format, modified copies written with openpyxl, and checking with chosen rules."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl

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


def modified(src: Path, dst: Path, changes: dict[tuple[str, str], object]) -> Path:
    """A copy of ``src`` with cells changed (openpyxl), e.g. {("公开01表", "C7"): 1.5}."""
    shutil.copy(src, dst)
    wb = openpyxl.load_workbook(dst)
    for (sheet, cell), value in changes.items():
        wb[sheet][cell].value = value
    wb.save(dst)
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
