"""CalamineBook's handling of a large sheet: its rows are read once and kept out of the
cyclic collector's walks while the book holds them (juesuan.gcpause.freeze_for), given back
when the book closes; its grids are dropped then."""

from __future__ import annotations

import gc

import openpyxl

import juesuan.io.xlsx as xlsx
from juesuan.io.xlsx import CalamineBook


def _workbook(path, rows: int):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "明细"
    for r in range(rows):
        ws.append([f"20101{r % 10:02d}", "", 1.5 * r, None, "项目"])
    wb.save(path)
    return path


def test_a_large_sheet_is_kept_out_of_collections_until_the_book_closes(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "FREEZE_ROWS", 50)
    assert gc.get_freeze_count() == 0
    small, large = _workbook(tmp_path / "small.xlsx", 10), _workbook(tmp_path / "large.xlsx", 60)
    first, second, third = CalamineBook(small), CalamineBook(large), CalamineBook(large)
    try:
        first.read_sheet("明细")
        assert gc.get_freeze_count() == 0  # a small sheet: nothing held
        raw = second.read_sheet_raw("明细")
        assert raw[0][1] == "" and gc.get_freeze_count() > 0
        grid = second.read_sheet("明细")  # the same rows, blanks None
        assert grid[0][1] is None and grid[0][2] == 0 and len(grid) == 60
        third.read_sheet("明细")
        second.close()
        assert gc.get_freeze_count() > 0  # the third book still holds its rows
        third.close()
        assert gc.get_freeze_count() == 0
        assert second._cache == {} and second._raw == {}  # noqa: SLF001 - the grids let go
    finally:
        for book in (first, second, third):
            book.close()
    assert gc.get_freeze_count() == 0


def _ledger_outcome(spec, port):
    from juesuan.errors import InputError
    from juesuan.ledger import read_ledger

    try:
        ledger = read_ledger(spec, port)
    except InputError as exc:
        return [(p.code, p.sheet, p.cell) for p in exc.problems]
    return ledger.lines, ledger.typed_names, ledger.typed_units


def test_detail_sheets_read_as_calamine_gives_them_read_the_same(tmp_path):
    """The detail sheets are read column by column from python-calamine's rows as they come
    (blank cells ""): the same lines as from the sheets with blanks None — and, where a cell
    needs the row-by-row reading (a blank amount), the same problem at the same cell."""
    from juesuan.io.files import write_new
    from juesuan.port import MemoryWorkbook
    from juesuan.sample import synthetic_inputs
    from juesuan.spec import load_spec

    spec = load_spec("2019")
    path = tmp_path / "dept.xlsx"
    write_new(path, spec, inputs=synthetic_inputs(300, spec=spec))
    for edit in (None, "blank-amount"):
        if edit:
            wb = openpyxl.load_workbook(path)
            ws = wb["支出明细"]
            ws["E7"] = None
            ws["G9"] = "   "  # a cell of spaces: blank text
            wb.save(path)
        book = CalamineBook(path)
        try:
            assert any(v == "" for row in book.read_sheet_raw("支出明细")[2:] for v in row)
            fast = _ledger_outcome(spec, book)
            plain = MemoryWorkbook({name: book.read_sheet(name) for name in book.sheet_names()})
            assert _ledger_outcome(spec, plain) == fast
            assert (fast[0][1:] == ("支出明细", "E7")) if edit else len(fast[0]) > 300
        finally:
            book.close()
