"""Fill's careful path (a workbook holding formulas whose package the patch does not handle —
here a chart on a table sheet — written by openpyxl, the formulas' cached values put back)
reuses the computation Fill has already made: the engine runs once, not twice, and the
result is the one a second computation through openpyxl's reading gave (the old way)."""

from __future__ import annotations

import copy
import re
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli
from test_guard_errors import FORMULA_E3, INPUTS, LEDGER, _rewrite, _set_cell, _sheet_part

from juesuan.io import files
from juesuan.spec import load_spec

NOTE_SHEET = "备注"  # a sheet of the accountant's own, with a formula Fill never reads
NOTE_CELL = b'<c r="B2"><f>A2*3</f><v>21</v></c>'


@pytest.fixture(scope="module")
def charted(tmp_path_factory) -> Path:
    """A 2019 department whose 01 table carries a chart (parts the patch leaves to openpyxl),
    whose ledger holds a formula amount with its cached value (E3 = 25000*2 → 50,000), and
    with a sheet of its own holding a formula and its value."""
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    path = files.write_new(tmp_path_factory.mktemp("careful") / "in.xlsx", load_spec("2019"),
                           inputs=copy.deepcopy(INPUTS))
    wb = openpyxl.load_workbook(path)
    table = wb["公开01表"]
    chart = BarChart()
    chart.add_data(Reference(table, min_col=3, min_row=6, max_row=8))
    table.add_chart(chart, "H2")
    notes = wb.create_sheet(NOTE_SHEET)
    notes["A2"], notes["B2"] = 7, "=A2*3"
    wb.save(path)  # (openpyxl drops the cached values: they are written below, as Excel stores them)
    _rewrite(path, {_sheet_part(path, LEDGER): lambda xml: _set_cell(xml, "E3", FORMULA_E3),
                    _sheet_part(path, NOTE_SHEET): lambda xml: _set_cell(xml, "B2", NOTE_CELL)})
    return path


def _picture(pic) -> tuple:
    return pic.name, sorted(pic.cells.items()), sorted(pic.comments.items())


def test_the_careful_path_computes_once_with_the_same_result(charted, tmp_path, monkeypatch):
    from juesuan.io.xlsx import LoadedBook, load_for_write
    from juesuan.jobs import fill_workbook

    calls, patched, real_plan = [], [], files.plan_patch

    def counting(*args, **kwargs):
        calls.append(type(args[1]).__name__)
        return fill_workbook(*args, **kwargs)

    def plan(*args, **kwargs):
        patched.append(real_plan(*args, **kwargs))
        return patched[-1]

    monkeypatch.setattr(files, "fill_workbook", counting)
    monkeypatch.setattr(files, "plan_patch", plan)
    out = tmp_path / "out.xlsx"
    result, written, _ = files.fill_file(charted, out)
    assert patched == [None]  # the package is one the patch leaves to openpyxl: the careful path ran
    assert written == out and len(calls) == 1, calls  # one computation

    # the result a second computation through openpyxl's reading gives (what the careful path did)
    book = LoadedBook(load_for_write(charted), charted)
    try:
        again = fill_workbook(load_spec("2019"), book)
    finally:
        book.close()
    assert [_picture(p) for p in result.pictures] == [_picture(p) for p in again.pictures]
    assert result.notes == again.notes

    with zipfile.ZipFile(out) as z:
        ledger, notes = (z.read(_sheet_part(out, name)) for name in (LEDGER, NOTE_SHEET))
    assert re.search(rb'<c r="E3"[^>]*><f>25000\*2</f><v>50000</v></c>', ledger), ledger[-2000:]
    assert re.search(rb'<c r="B2"[^>]*><f>A2\*3</f><v>21</v></c>', notes), notes  # kept though Fill never read it
    proc = run_cli("check", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_fill_on_the_careful_path_fills_again_and_checks_clean(charted, tmp_path):
    out = tmp_path / "out.xlsx"
    proc = run_cli("fill", str(charted), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert run_cli("check", str(out)).returncode == 0
    again = run_cli("fill", str(out))
    assert again.returncode == 0, again.stdout + again.stderr
