"""填充 in Excel keeps the formulas typed into the entries of the self-evaluation and 说明
sheets, as ``juesuan fill`` does on files: the same text at the same entry, text that merely
starts with "=" stays text, and what can't be carried stops 填充 before anything is written.

Run through xlwings' remote engine, which can't read formulas synchronously: the tests give
its ranges the two things Excel's object model answers — ``Range.formula`` (here: what the
.xlsx holds, as Excel returns it, constants as their text) and ``has_array`` — and carry the
recorded actions out on the real file (tests/remote_payload.py). Without them (the engine as
it is) 填充 keeps the values, as before."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import demo_of, run_cli
from remote_payload import apply_actions, payload_from_xlsx, remote_available
from test_fill_keeps_input_formulas import EVAL, TEXT, _add_formulas, _convert, _row

REASON = remote_available()
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [pytest.mark.skipif(REASON is not None, reason=REASON or ""),
              pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")]


@pytest.fixture(scope="module")
def calculated(tmp_path_factory) -> tuple[Path, dict[tuple[str, str], str]]:
    """The 2019 demo with formulas typed into entries, calculated and saved by LibreOffice
    (as Excel would hold them: formulas with their values)."""
    tmp = tmp_path_factory.mktemp("live-formulas")
    demo_of("2019", tmp / "demo")
    wb = openpyxl.load_workbook(tmp / "demo" / "示例部门决算-2019.xlsx")
    formulas = _add_formulas(wb)
    wb.save(tmp / "typed.xlsx")
    (path,) = _convert([tmp / "typed.xlsx"], tmp / "lo", tmp / "profile")
    return path, formulas


@pytest.fixture()
def excel_formulas(monkeypatch):
    """Give the remote engine's ranges Excel's ``formula`` read and ``has_array``, from ``book``."""
    from xlwings.pro import _xlremote

    state: dict[str, Any] = {}

    def formula(self) -> Any:
        ws = state["book"][self.sheet.name]
        rows, cols = self.shape
        grid = [[_as_excel(ws.cell(self.row + i, self.column + j).value) for j in range(cols)] for i in range(rows)]
        return grid[0][0] if (rows, cols) == (1, 1) else grid

    monkeypatch.setattr(_xlremote.Range, "formula", property(formula), raising=True)
    monkeypatch.setattr(_xlremote.Range, "has_array", property(lambda self: False), raising=True)
    return state


def _as_excel(value: Any) -> str:
    """What Excel's ``Range.Formula`` returns for a cell: its formula, or its constant as text."""
    return "" if value is None else str(value)


def _live_fill(path: Path, out: Path) -> tuple[Any, list[dict]]:
    import xlwings as xw

    from juesuan.excel import macros

    book = xw.Book(json=payload_from_xlsx(path))
    book.set_mock_caller()
    result = macros.on_ribbon("js_fill")
    actions = book.json()["actions"]
    apply_actions(path, actions, out)
    return result, actions


def test_live_fill_keeps_formulas_typed_into_entries(calculated, excel_formulas, tmp_path) -> None:
    path, formulas = calculated
    excel_formulas["book"] = openpyxl.load_workbook(path)
    result, _ = _live_fill(path, tmp_path / "xl.xlsx")
    assert result is not None
    out = openpyxl.load_workbook(tmp_path / "xl.xlsx")
    assert {key: out[key[0]][key[1]].value for key in formulas} == formulas  # the same text at the same cell
    goal = f"G{_row(out[EVAL], 2, '年初预期目标') + 1}"
    assert out[EVAL][goal].value == TEXT and out[EVAL][goal].data_type == "s"  # text stays text

    run_cli("fill", str(path), "-o", str(tmp_path / "cli.xlsx"), check=True)  # where the CLI puts them
    cli = openpyxl.load_workbook(tmp_path / "cli.xlsx")
    for sheet in {s for s, _ in formulas}:
        live = {c.coordinate: c.value for row in out[sheet].iter_rows() for c in row if str(c.value).startswith("=")}
        files = {c.coordinate: c.value for row in cli[sheet].iter_rows() for c in row if str(c.value).startswith("=")}
        assert live == files, sheet


def test_a_formula_that_cant_be_carried_stops_fill_before_writing(calculated, excel_formulas, tmp_path) -> None:
    """An array formula Excel can't name the range of is refused at its cell; nothing is written."""
    from xlwings.pro import _xlremote

    path, formulas = calculated
    excel_formulas["book"] = openpyxl.load_workbook(path)
    (sheet, cell), _ = next(iter(formulas.items()))
    row, col = openpyxl.utils.cell.coordinate_to_tuple(cell)
    _xlremote.Range.has_array = property(lambda self: (self.row, self.column) == (row, col))
    result, actions = _live_fill(path, tmp_path / "xl.xlsx")
    assert result is None
    writes = [a for a in actions if a["func"] not in ("alert", "setScreenUpdating", "setStatusBar")]
    assert not writes, {a["func"] for a in writes}
    ((prompt, *_),) = [a["args"] for a in actions if a["func"] == "alert"]
    assert sheet in prompt and cell in prompt


def test_an_engine_that_cant_read_formulas_keeps_the_values(calculated, tmp_path) -> None:
    """xlwings' remote engine as it is (no synchronous formula read): 填充 works as before,
    each entry keeps its value."""
    path, formulas = calculated
    result, _ = _live_fill(path, tmp_path / "xl.xlsx")
    assert result is not None
    out = openpyxl.load_workbook(tmp_path / "xl.xlsx")
    assert all(not str(out[s][c].value).startswith("=") and out[s][c].value not in (None, "") for s, c in formulas)
