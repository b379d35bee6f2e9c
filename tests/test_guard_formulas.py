"""Formulas the read guard must note (``Scan.formula_parts``), however they are spelt: a sheet
whose only formula is a self-closing ``f`` element (a What-If data table's
``<f t="dataTable" …/>``, a lone shared-formula follower an odd writer leaves, a prefixed
``<x:f …/>``) read a formula without a cached value as a blank, so check passed a missing
ledger amount and Fill published a table without it. Now such a cell reads as
NO_CACHED_VALUE and both ``juesuan check`` and ``juesuan fill`` name it; with its cached
value it reads as that value (no false alarm).

The workbooks are real (written and filled by juesuan), their ledger's XML then rewritten."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import run_cli
from test_guard_errors import (  # noqa: F401 - filled: the module's fixture, a small department filled by juesuan
    LEDGER,
    LEDGER_CELL,
    _prefixed,
    _rewrite,
    _set_cell,
    _sheet_part,
    filled,
)

from juesuan.io import guard
from juesuan.io.xlsx import CalamineBook
from juesuan.port import NO_CACHED_VALUE

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DATA_TABLE = 'ref="E4" dt2D="0" dtr="0" r1="A1"'
# the ledger amount E4 (the second line's 20,000) as a formula element of its own, without cells
# elsewhere in the sheet holding a formula: the cell's whole XML, or a respelling of the sheet
FORMULAS = {
    "data-table": f'<c r="E4"><f t="dataTable" {DATA_TABLE}/></c>',
    "data-table-attributes-reordered": f'<c r="E4"><f {DATA_TABLE} t="dataTable"/></c>',
    "single-quotes": f"<c r='E4'><f t='dataTable' {DATA_TABLE.replace(chr(34), chr(39))}/></c>",
    "line-break-in-tag": f'<c r="E4"><f\r\n\tt="dataTable" {DATA_TABLE}/></c>',
    "lone-shared-follower": '<c r="E4"><f t="shared" si="0"/></c>',
    "prefixed-formula": f'<c r="E4"><x:f xmlns:x="{NS}" t="dataTable" {DATA_TABLE}/></c>',
    "prefixed-sheet": f'<c r="E4"><f t="dataTable" {DATA_TABLE}/></c>',  # then every element prefixed
}


def _with_formula(source: Path, tmp_path: Path, case: str, value: str = "") -> Path:
    path = Path(shutil.copy(source, tmp_path / "in.xlsx"))
    cell = FORMULAS[case]
    if value:
        cell = re.sub(r"(/>)(</(?:x:)?c>)$", rf"\1<v>{value}</v>\2", cell)
    respell = _prefixed if case == "prefixed-sheet" else (lambda xml: xml)
    _rewrite(path, {_sheet_part(path, LEDGER): lambda xml: respell(_set_cell(xml, LEDGER_CELL, cell.encode()))})
    with zipfile.ZipFile(path) as z:
        xml = z.read(_sheet_part(path, LEDGER))
    assert b"</f>" not in xml and b":f>" not in xml  # no formula with an end tag: only the self-closing one
    guard._SCANS.clear()  # noqa: SLF001 - the scan of this file, as a new process makes it
    return path


@pytest.mark.parametrize("case", list(FORMULAS))
def test_a_self_closing_formula_without_its_value_is_named(case, filled, tmp_path):  # noqa: F811
    path = _with_formula(filled, tmp_path, case)
    part = _sheet_part(path, LEDGER)
    assert part in guard.scan_workbook(path).formula_parts
    book = CalamineBook(path)
    try:
        assert book.read_sheet(LEDGER)[3][4] is NO_CACHED_VALUE
    finally:
        book.close()
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert any({"sheet": LEDGER, "cell": LEDGER_CELL} in f["cells"] and "没有缓存的计算结果" in f["message"]
               for f in findings), findings
    out = tmp_path / "out.xlsx"
    fill = run_cli("fill", str(path), "-o", str(out))
    said = " ".join((fill.stdout + fill.stderr).split())
    assert fill.returncode == 2 and f"{LEDGER}!{LEDGER_CELL}" in said and "no cached value" in said, said
    assert not out.exists()


@pytest.mark.parametrize("case", ["data-table", "prefixed-sheet"])
def test_a_self_closing_formula_with_its_value_reads_as_that_value(case, filled, tmp_path):  # noqa: F811
    """The same cells with the value Excel stored: read as that value, check passes, Fill fills."""
    path = _with_formula(filled, tmp_path, case, value="20000")
    assert _sheet_part(path, LEDGER) in guard.scan_workbook(path).formula_parts
    book = CalamineBook(path)
    try:
        assert book.read_sheet(LEDGER)[3][4] == 20000
    finally:
        book.close()
    proc = run_cli("check", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    fill = run_cli("fill", str(path), "-o", str(tmp_path / "out.xlsx"))
    assert fill.returncode == 0, fill.stdout + fill.stderr
    assert run_cli("check", str(tmp_path / "out.xlsx")).returncode == 0


def test_formulas_of_data_validations_are_no_cell_formulas(filled, tmp_path):  # noqa: F811
    """``<formula1>`` of a data validation and the ``<xm:f>`` of an Excel 2010 one are no cell
    formulas: a sheet holding only them is not noted (its reading costs nothing more)."""
    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    validations = (b'<dataValidations count="1"><dataValidation type="list" sqref="D2:D9">'
                   b'<formula1>"a,b"</formula1></dataValidation></dataValidations>')
    ext = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations '
           b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" count="1"><x14:dataValidation type="list">'
           b"<x14:formula1><xm:f>Sheet2!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>C2:C9</xm:sqref>"
           b"</x14:dataValidation></x14:dataValidations></ext></extLst>")

    def add(xml: bytes) -> bytes:
        xml = re.sub(rb"<dataValidations\b.*?</dataValidations>", b"", xml, flags=re.S)
        xml = xml.replace(b"</sheetData>", b"</sheetData>" + validations, 1)
        return xml.replace(b"</worksheet>", ext + b"</worksheet>", 1)

    _rewrite(path, {_sheet_part(path, LEDGER): add})
    guard._SCANS.clear()  # noqa: SLF001
    assert _sheet_part(path, LEDGER) not in guard.scan_workbook(path).formula_parts
