"""填充 in Excel keeps what the accountant added around a table (a footer under it with its
fonts, date format and formula, a note beside it, column widths), as ``juesuan fill`` does on
files — when the table keeps its length, grows or shrinks. Run through xlwings' remote
engine: the recorded actions are carried out on the real .xlsx (tests/remote_payload.py)
and the outcome compared with the CLI's fill of the same workbook."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import run_cli
from remote_payload import action_counts, apply_actions, payload_from_xlsx, remote_available

from juesuan.io.files import write_new
from juesuan.sample import sample_inputs
from juesuan.spec import load_spec

REASON = remote_available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

TABLE = "公开02表"  # income by 功能分类: its length follows the ledger's codes
FOOTER = "单位负责人：张三  制表人：李四"
BESIDE = "备注：数据已核对"
SIGNED = dt.datetime(2026, 3, 31)


def _note_row(ws: Any) -> int:
    return max(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("注："))


@pytest.fixture(scope="module")
def footed(tmp_path_factory) -> tuple[Path, str]:
    """:func:`_filled_with_footer` made once for the module (copy it before changing it)."""
    return _filled_with_footer(tmp_path_factory.mktemp("footer"))


def _filled_with_footer(tmp_path: Path) -> tuple[Path, str]:
    """The sample department filled by the CLI, then a footer typed under 公开02表 (bold text,
    a date formatted as a date, a formula on the date) and a note beside the table."""
    spec = load_spec("2019")
    src = write_new(tmp_path / "typed.xlsx", spec, inputs=sample_inputs(2019))
    run_cli("fill", str(src), "-o", str(tmp_path / "filled.xlsx"), check=True)
    wb = openpyxl.load_workbook(tmp_path / "filled.xlsx")
    ws = wb[TABLE]
    row = _note_row(ws) + 2
    beside = openpyxl.utils.get_column_letter(ws.max_column + 2)
    ws[f"A{row}"] = FOOTER
    ws[f"A{row}"].font = openpyxl.styles.Font(bold=True, size=12)
    ws[f"C{row}"] = SIGNED
    ws[f"C{row}"].number_format = "yyyy-mm-dd"
    ws[f"D{row}"] = f"=C{row}+1"
    ws[f"{beside}3"] = BESIDE
    ws.column_dimensions[beside].width = 31
    wb.save(tmp_path / "footer.xlsx")
    return tmp_path / "footer.xlsx", beside


def _change_ledger(path: Path, change: str) -> None:
    """Grow 公开02表 (income of a 功能分类 not there yet) or shrink it (no income of 20805)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["收入明细"]
    if change == "grow":
        last = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value)
        for i, (code, amount) in enumerate([("2010101", 1000.5), ("2130101", 220.25)], start=1):
            ws.cell(last + i, 1).value = code
            ws.cell(last + i, 1).number_format = "@"
            ws.cell(last + i, 3).value = "一般公共预算财政拨款收入"
            ws.cell(last + i, 4).value = amount
    elif change == "shrink":
        doomed = [r for r in range(3, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("20805")]
        assert doomed
        for r in reversed(doomed):
            ws.delete_rows(r)
    wb.save(path)


def _live_fill(path: Path, out: Path) -> tuple[list[dict], int]:
    import xlwings as xw

    from juesuan.excel import macros

    book = xw.Book(json=payload_from_xlsx(path))
    book.set_mock_caller()
    result = macros.on_ribbon("js_fill")
    assert result is not None
    actions = book.json()["actions"]
    apply_actions(path, actions, out)
    return actions, len(result.pictures)


def _values(ws: Any, upto_col: int) -> list[list[Any]]:
    return [[ws.cell(r, c).value for c in range(1, upto_col + 1)] for r in range(1, ws.max_row + 1)]


@pytest.mark.parametrize("change", ["same", "grow", "shrink"])
def test_live_fill_keeps_the_footer_where_the_cli_puts_it(footed, tmp_path, change) -> None:
    src, beside = Path(shutil.copy2(footed[0], tmp_path / footed[0].name)), footed[1]
    _change_ledger(src, change)
    old_row = _note_row(openpyxl.load_workbook(src)[TABLE]) + 2

    run_cli("fill", str(src), "-o", str(tmp_path / "cli.xlsx"), check=True)
    actions, written = _live_fill(src, tmp_path / "xl.xlsx")
    cli, xl = openpyxl.load_workbook(tmp_path / "cli.xlsx")[TABLE], openpyxl.load_workbook(tmp_path / "xl.xlsx")[TABLE]

    row = _note_row(cli) + 2  # where the CLI carried the footer
    assert (row > old_row, row < old_row) == (change == "grow", change == "shrink")
    assert _note_row(xl) + 2 == row
    width = openpyxl.utils.column_index_from_string(beside)
    mine, theirs = _values(xl, width)[:row], _values(cli, width)[:row]
    mine[row - 1][2] = theirs[row - 1][2] = None  # the date: files lost its format (a known gap of the CLI)
    assert mine == theirs  # the table and the footer, cell by cell
    assert xl[f"A{row}"].value == FOOTER and xl[f"D{row}"].value == f"=C{row}+1" == cli[f"D{row}"].value
    assert xl[f"C{row}"].value == SIGNED and xl[f"C{row}"].number_format == "yyyy-mm-dd"  # still a date
    assert xl[f"A{row}"].font.b and xl[f"A{row}"].font.sz == 12  # its own font
    assert xl[f"{beside}3"].value == BESIDE and xl.column_dimensions[beside].width == 31
    assert xl.max_row == row
    counts = action_counts(actions)
    assert counts["sheetClear"] == written - 1 and counts["rangeClear"] == 1  # only 公开02表 is cleared in part
    assert counts["rangeInsert" if change == "grow" else "rangeDelete"] == (change != "same")


def test_a_table_without_anything_around_it_is_cleared_whole(tmp_path) -> None:
    spec = load_spec("2019")
    src = write_new(tmp_path / "typed.xlsx", spec, inputs=sample_inputs(2019))
    actions, written = _live_fill(src, tmp_path / "xl.xlsx")
    counts = action_counts(actions)
    assert counts["sheetClear"] == written and not counts["rangeClear"]


def test_live_fill_keeps_the_column_widths_the_accountant_set(tmp_path) -> None:
    """A column made wider, another hidden, nothing typed around the tables: 填充 leaves both."""
    spec = load_spec("2019")
    src = write_new(tmp_path / "typed.xlsx", spec, inputs=sample_inputs(2019))
    wb = openpyxl.load_workbook(src)
    template_width = wb["公开01表"].column_dimensions["C"].width
    wb["公开01表"].column_dimensions["B"].width = 41
    wb["公开01表"].column_dimensions["D"].hidden = True
    wb.save(src)
    _live_fill(src, tmp_path / "xl.xlsx")
    out = openpyxl.load_workbook(tmp_path / "xl.xlsx")["公开01表"]
    assert out.column_dimensions["B"].width == 41 and out.column_dimensions["D"].hidden
    assert out.column_dimensions["C"].width == template_width


@pytest.fixture(scope="module")
def merged_footer(tmp_path_factory) -> tuple[Path, int, int]:
    """A 2020 workbook filled by the CLI with a footer under 2收入决算表 merged from A to three
    columns past the table: (the workbook, the footer's row, the table's width). Made once
    for the module (copy it before changing it)."""
    tmp_path = tmp_path_factory.mktemp("merged")
    spec = load_spec("2020")
    src = write_new(tmp_path / "typed.xlsx", spec, inputs=sample_inputs(2020, spec=spec))
    run_cli("fill", str(src), "-o", str(tmp_path / "filled.xlsx"), check=True)
    wb = openpyxl.load_workbook(tmp_path / "filled.xlsx")
    ws = wb["2收入决算表"]
    row, width = _note_row(ws) + 2, ws.max_column
    ws.cell(row, 1).value = FOOTER
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width + 3)
    wb.save(src)
    return src, row, width


@pytest.mark.parametrize("change", ["grow", "shrink"])
def test_a_footer_merged_wider_than_the_table_moves_with_it(merged_footer, tmp_path, change) -> None:
    """A 2020 workbook whose footer is merged across the printed page, wider than the table
    (A to three columns past it): Excel refuses to shift only part of a merged cell ("不能对合并
    单元格执行此操作"), so 填充 must move the whole width Excel's used range covers. The footer
    lands where the CLI puts it, still merged; no error box, nothing half-written."""
    table = "2收入决算表"
    src, row, width = tmp_path / "typed.xlsx", merged_footer[1], merged_footer[2]
    shutil.copy2(merged_footer[0], src)
    _change_ledger(src, change)

    run_cli("fill", str(src), "-o", str(tmp_path / "cli.xlsx"), check=True)
    moved = _note_row(openpyxl.load_workbook(tmp_path / "cli.xlsx")[table]) + 2
    assert moved != row
    actions, _written = _live_fill(src, tmp_path / "xl.xlsx")  # raises where Excel would refuse
    assert not [a for a in actions if a["func"] == "alert" and a["args"][3] == "critical"]
    xl = openpyxl.load_workbook(tmp_path / "xl.xlsx")[table]
    assert _note_row(xl) + 2 == moved and xl.cell(moved, 1).value == FOOTER
    assert f"A{moved}:{openpyxl.utils.get_column_letter(width + 3)}{moved}" in {str(m) for m in xl.merged_cells.ranges}
