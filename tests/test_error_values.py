"""An error value a cell holds without a formula (``<c t="e"><v>#N/A</v></c>``: pasted as a
value from another workbook, or typed) is no formula's result: the reports said "公式的计算结果为错误值"
/ "the formula evaluates to the error" and sent the accountant looking for a formula that is
not there. Now such a cell is reported as holding the error value ("单元格的值为错误值 #N/A" /
"the cell holds the error value #N/A"), and a formula's error value as before — by check and
by Fill, at a ledger amount, a table figure and a 基本信息 cell, whichever way the sheet is
spelt (the guard's quick search and its exact parse) and whichever reader Fill uses
(openpyxl's values, or python-calamine's for a sheet holding formulas)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_cli
from test_guard_errors import (
    FORMULA_E3,
    LEDGER,
    LEDGER_CELL,
    TABLE,
    TABLE_CELL,
    _prefixed,
    _rewrite,
    _set_cell,
    _sheet_part,
    filled,  # noqa: F401 - the module's fixture: a small department written and filled by juesuan
)

from juesuan.io import guard
from juesuan.io.xlsx import CalamineBook, LoadedBook, load_for_write
from juesuan.port import CellError

PASTED_ZH, PASTED_EN = "单元格的值为错误值", "holds the error value"
FORMULA_ZH, FORMULA_EN = "公式的计算结果为错误值", "evaluates to the error"
CELLS = {  # (the cell's XML, whether a formula calculated its value)
    "pasted": ('<c r="{cell}" t="e"><v>{error}</v></c>', False),
    "formula": ('<c r="{cell}" t="e"><f>1/0</f><v>{error}</v></c>', True),
    "shared-follower": ('<c r="{cell}" t="e"><f t="shared" si="0"/><v>{error}</v></c>', True),
}
SPELLINGS = {"canonical": lambda xml: xml, "prefixed": _prefixed}  # the quick search; the exact parse


def _cell(kind: str, cell: str, error: str) -> bytes:
    return CELLS[kind][0].format(cell=cell, error=error).encode()


def _book(source: Path, tmp_path: Path, changes: dict[str, tuple[str, bytes]], spelling: str = "canonical",
          ledger_formula: bool = False) -> Path:
    """``source`` with each sheet's cell set (sheet → (cell, XML)); the ledger's E3 a formula if asked."""
    path = Path(shutil.copy(source, tmp_path / "in.xlsx"))
    respell = SPELLINGS[spelling]

    def change(sheet: str, cell: str, xml: bytes):
        extra = (lambda x: _set_cell(x, "E3", FORMULA_E3)) if ledger_formula and sheet == LEDGER else (lambda x: x)
        return lambda data: respell(extra(_set_cell(data, cell, xml)))

    _rewrite(path, {_sheet_part(path, sheet): change(sheet, cell, xml) for sheet, (cell, xml) in changes.items()})
    guard._SCANS.clear()  # noqa: SLF001 - this file's scan, as a new process makes it
    return path


def _worded(text: str, formula: bool, error: str) -> None:
    text = " ".join(text.split())
    zh, en = (FORMULA_ZH, FORMULA_EN) if formula else (PASTED_ZH, PASTED_EN)
    other_zh, other_en = (PASTED_ZH, PASTED_EN) if formula else (FORMULA_ZH, FORMULA_EN)
    assert f"{zh} {error}" in text and en in text, text
    assert other_zh not in text and other_en not in text, text


@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize("kind", list(CELLS))
def test_check_words_an_error_value_by_whether_a_formula_calculated_it(kind, spelling, filled, tmp_path):  # noqa: F811
    formula = CELLS[kind][1]
    path = _book(filled, tmp_path, {LEDGER: (LEDGER_CELL, _cell(kind, LEDGER_CELL, "#N/A")),
                                    TABLE: (TABLE_CELL, _cell(kind, TABLE_CELL, "#DIV/0!"))}, spelling)
    book = CalamineBook(path)
    try:
        for sheet, (r, c) in ((LEDGER, (3, 4)), (TABLE, (6, 2))):
            value = book.read_sheet(sheet)[r][c]
            assert type(value) is CellError and value.formula is formula, (sheet, value)
    finally:
        book.close()
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    at_ledger = [f["message"] for f in findings if {"sheet": LEDGER, "cell": LEDGER_CELL} in f["cells"]]
    at_table = [f["message"] for f in findings if f["cells"] == [{"sheet": TABLE, "cell": TABLE_CELL}]]
    assert at_ledger and at_table, findings
    zh = FORMULA_ZH if formula else PASTED_ZH
    assert any(f"{zh} #N/A" in m for m in at_ledger) and any(f"{zh} #DIV/0!" in m for m in at_table), findings
    other = PASTED_ZH if formula else FORMULA_ZH
    assert not any(other in m for m in at_ledger + at_table), findings


def test_a_pasted_error_value_beside_formulas_is_worded_as_pasted(filled, tmp_path):  # noqa: F811
    """The ledger holds formulas (E3) and a pasted #N/A (E4): the cell, not the sheet, decides."""
    path = _book(filled, tmp_path, {LEDGER: (LEDGER_CELL, _cell("pasted", LEDGER_CELL, "#N/A"))}, ledger_formula=True)
    assert _sheet_part(path, LEDGER) in guard.scan_workbook(path).formula_parts
    assert guard.error_cells(path, LEDGER)[(3, 4)].formula is False
    proc = run_cli("check", str(path))
    assert proc.returncode == 1 and f"{PASTED_ZH} #N/A" in proc.stdout, proc.stdout + proc.stderr
    assert FORMULA_ZH not in proc.stdout


@pytest.mark.parametrize("ledger_formula", [False, True], ids=["openpyxl-values", "calamine-values"])
@pytest.mark.parametrize("kind", ["pasted", "formula"])
def test_fill_words_an_error_value_in_a_ledger_amount(kind, ledger_formula, filled, tmp_path):  # noqa: F811
    path = _book(filled, tmp_path, {LEDGER: (LEDGER_CELL, _cell(kind, LEDGER_CELL, "#N/A"))},
                 ledger_formula=ledger_formula)
    book = LoadedBook(load_for_write(path), path)
    try:
        value = book.read_sheet(LEDGER)[3][4]
        formulas = ledger_formula or CELLS[kind][1]  # (a sheet with formulas is read by python-calamine)
        assert (book._calamine is not None) == formulas  # noqa: SLF001 - the reader under test
    finally:
        book.close()
    assert type(value) is CellError and value.formula is CELLS[kind][1]
    out = tmp_path / "out.xlsx"
    proc = run_cli("fill", str(path), "-o", str(out))
    assert proc.returncode == 2 and f"{LEDGER}!{LEDGER_CELL}" in proc.stderr, proc.stdout + proc.stderr
    _worded(proc.stderr, CELLS[kind][1], "#N/A")
    assert not out.exists()


@pytest.mark.parametrize("kind", ["pasted", "formula"])
def test_an_error_value_in_the_basic_information_is_worded_by_its_kind(kind, filled, tmp_path):  # noqa: F811
    path = _book(filled, tmp_path, {"基本信息": ("B3", _cell(kind, "B3", "#REF!"))})
    formula = CELLS[kind][1]
    proc = run_cli("check", str(path), "--format", "json")
    findings = json.loads(proc.stdout)["findings"]
    said = [f["message"] for f in findings if {"sheet": "基本信息", "cell": "B3"} in f["cells"]]
    assert said and all(((FORMULA_ZH if formula else PASTED_ZH) + " #REF!") in m for m in said), findings
    fill = run_cli("fill", str(path), "-o", str(tmp_path / "out.xlsx"))
    assert fill.returncode == 2 and "基本信息!B3" in fill.stderr, fill.stdout + fill.stderr
    _worded(fill.stderr, formula, "#REF!")
