"""Error values (``t="e"``: #N/A, #DIV/0! …) in every XML spelling python-calamine reads
(juesuan.io.guard, juesuan.io.xlsx). python-calamine reads an error cell as a blank; the read
guard notes where error values stand and the readers put them back. A blank in their place is
a silent miss: a ``#N/A`` in a ledger amount or a ``#DIV/0!`` in a published figure must be
reported at its cell, whichever way the sheet is spelt — namespace prefixes (.NET's OpenXML
SDK, some government systems), single quotes, line breaks and tabs inside tags, spaces around
``=``, cells and rows without an address (placed by order).

Each workbook is a real one (written and filled by juesuan), whose two sheets are then
rewritten by hand, part by part, in one spelling: python-calamine must read them exactly as
the canonical ones (checked first, so that a spelling it reads otherwise cannot pass for a
fix), and so must ``CalamineBook``, ``LoadedBook`` (Fill's reading), ``juesuan check`` and
``juesuan fill``."""

from __future__ import annotations

import copy
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli

from juesuan.io import guard
from juesuan.io.xlsx import CalamineBook, LoadedBook, load_for_write
from juesuan.port import CellError

LEDGER, TABLE = "支出明细", "公开01表"
GP, BASIC = "一般公共预算财政拨款", "基本支出"
INPUTS = {
    "info": [["部门名称", "测试部门"], ["年度", "2019"], ["模板格式", "2019"]],
    "income": [["2110101", "", "一般公共预算财政拨款收入", Decimal("100000.00")]],
    "expense": [["2110101", "30101", BASIC, GP, Decimal("50000.00"), "", ""],
                ["2110101", "30201", BASIC, GP, Decimal("20000.00"), "", ""]],
    "balance": [],
    "sangong_budget": [],
}
LEDGER_CELL, LEDGER_AT, LEDGER_ERROR = "E4", (3, 4), "#N/A"  # the second expenditure line's amount
TABLE_CELL, TABLE_AT, TABLE_ERROR = "C7", (6, 2), "#DIV/0!"  # 01表 一般公共预算财政拨款收入

_TAG = re.compile(rb"<[A-Za-z][^<>]*>")  # a start (or empty) tag: attributes are only there


def _in_tags(fn: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    return lambda xml: _TAG.sub(lambda m: fn(m.group(0)), xml)


def _prefixed(xml: bytes) -> bytes:
    """Every element of the main namespace written ``<x:…>`` (as .NET's OpenXML SDK writes)."""
    xml = xml.replace(b'<worksheet xmlns="', b'<worksheet xmlns:x="', 1)
    return re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", rb"<\1x:\2", xml)


_single_quoted = _in_tags(lambda tag: tag.replace(b'"', b"'"))
_broken_tags = _in_tags(lambda tag: re.sub(rb'(^<[\w:.-]+|")[ ]+(?=[\w:.-]+=)', b"\\1\r\n\t  ", tag))
_spaced_equals = _in_tags(lambda tag: re.sub(rb'([\w:.-]+)="', rb'\1 = "', tag))

_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(/>|>.*?</c>)', re.S)
_ROW = re.compile(rb'<row r="(\d+)"([^>]*?)(/>|>.*?</row>)', re.S)


def _cells_by_order(xml: bytes) -> bytes:
    """Cells without an ``r`` attribute: each takes the next column, gaps filled by ``<c/>``."""
    def row(m: re.Match[bytes]) -> bytes:
        if m.group(3) == b"/>":
            return m.group(0)
        out, col = [], 1
        for cell in _CELL.finditer(m.group(3)):
            at = guard.column_number(cell.group(1))
            out += [b"<c/>"] * (at - col) + [b"<c" + cell.group(3) + cell.group(4)]
            col = at + 1
        return b'<row r="' + m.group(1) + b'"' + m.group(2) + b">" + b"".join(out) + b"</row>"
    return _ROW.sub(row, xml)


def _rows_and_cells_by_order(xml: bytes) -> bytes:
    """Rows and cells without an address: gaps filled by ``<row/>`` and ``<c/>``."""
    xml = _cells_by_order(xml)
    line = 0

    def row(m: re.Match[bytes]) -> bytes:
        nonlocal line
        at = int(m.group(1))
        gap, line = b"<row/>" * (at - line - 1), at
        return gap + b"<row" + m.group(2) + m.group(3)
    return _ROW.sub(row, xml)


SPELLINGS: dict[str, Callable[[bytes], bytes]] = {
    "prefixed": _prefixed,
    "single-quoted": _single_quoted,
    "line-breaks-in-tags": _broken_tags,
    "spaces-around-equals": _spaced_equals,
    "cells-without-address": _cells_by_order,
    "rows-and-cells-without-address": _rows_and_cells_by_order,
}


def _set_cell(xml: bytes, ref: str, new: bytes) -> bytes:
    out, n = re.subn(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', new, xml, count=1, flags=re.S)
    assert n == 1, ref
    return out


def _sheet_part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as z:
        return guard.sheet_parts(z)[sheet]


def _rewrite(path: Path, changes: dict[str, Callable[[bytes], bytes]]) -> Path:
    """The package at ``path`` written again member by member, the named parts changed."""
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info)) for info in src.infolist()]
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in members:
            dst.writestr(name, changes[name](data) if name in changes else data)
    tmp.replace(path)
    return path


def _with_errors(path: Path, spelling: Callable[[bytes], bytes] | None, ledger_cell: bytes | None = None) -> Path:
    """``path`` with a #N/A in a ledger amount and a #DIV/0! in a table figure (written
    canonically, as Excel writes them), then both sheets respelt by ``spelling``."""
    ledger_cell = ledger_cell or f'<c r="{LEDGER_CELL}" t="e"><v>{LEDGER_ERROR}</v></c>'.encode()
    table_cell = f'<c r="{TABLE_CELL}" s="5" t="e"><f>C8/0</f><v>{TABLE_ERROR}</v></c>'.encode()
    same = spelling or (lambda xml: xml)
    return _rewrite(path, {
        _sheet_part(path, LEDGER): lambda xml: same(_set_cell(xml, LEDGER_CELL, ledger_cell)),
        _sheet_part(path, TABLE): lambda xml: same(_set_cell(xml, TABLE_CELL, table_cell)),
    })


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """A small 2019 department, written and filled by juesuan (tables computed)."""
    from juesuan.io.files import write_new
    from juesuan.spec import load_spec

    path = write_new(tmp_path_factory.mktemp("filled") / "in.xlsx", load_spec("2019"), inputs=copy.deepcopy(INPUTS))
    run_cli("fill", str(path), check=True)
    path.with_name("in.bak.xlsx").unlink()
    return path


@pytest.fixture(scope="module")
def canonical(filled, tmp_path_factory) -> Path:
    return _with_errors(Path(shutil.copy(filled, tmp_path_factory.mktemp("canonical") / "in.xlsx")), None)


def _grids(path: Path) -> dict[str, list]:
    """The two sheets as python-calamine reads them (errors as blanks) and as CalamineBook does."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    raw = {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in (LEDGER, TABLE)}
    guard._SCANS.clear()  # the guard's scan of this file, as a new process makes it
    book = CalamineBook(path)
    try:
        return {"raw": raw, "book": {name: book.read_sheet(name) for name in (LEDGER, TABLE)}}
    finally:
        book.close()


def _findings(path: Path) -> list[dict]:
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return json.loads(proc.stdout)["findings"]


def _assert_reported(findings: list[dict]) -> None:
    """The #N/A of the ledger and the #DIV/0! of the table, each reported at its cell."""
    at_ledger = [f for f in findings if {"sheet": LEDGER, "cell": LEDGER_CELL} in f["cells"]]
    assert any(f"错误值 {LEDGER_ERROR}" in f["message"] for f in at_ledger), findings
    at_table = [f for f in findings if f["cells"] == [{"sheet": TABLE, "cell": TABLE_CELL}]]
    assert any(f["rule"] == "R00-readable" and f"为错误值 {TABLE_ERROR}" in f["message"] for f in at_table), findings


def test_canonical_error_values_are_reported_at_their_cells(canonical, monkeypatch):
    def slow(*_args, **_kwargs):
        raise AssertionError("a canonical sheet took the exact path")

    monkeypatch.setattr(guard, "_parsed_bounds", slow)  # the quick path reads them, as fast as before
    grids = _grids(canonical)
    assert grids["raw"][LEDGER][3][4] == "" and grids["raw"][TABLE][6][2] == ""  # calamine: blanks
    ledger, table = grids["book"][LEDGER], grids["book"][TABLE]
    assert type(ledger[3][4]) is CellError and ledger[3][4] == LEDGER_ERROR
    assert type(table[6][2]) is CellError and table[6][2] == TABLE_ERROR
    _assert_reported(_findings(canonical))


@pytest.fixture(scope="module")
def canonical_findings(canonical) -> list[dict]:
    return _findings(canonical)


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_error_values_in_every_spelling_are_read_and_reported_at_their_cells(spelling, filled, canonical,
                                                                             canonical_findings, tmp_path):
    path = _with_errors(Path(shutil.copy(filled, tmp_path / "in.xlsx")), SPELLINGS[spelling])
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(canonical) as c:
        part = _sheet_part(path, TABLE)
        assert z.read(part) != c.read(part)  # respelt indeed
    odd, plain = _grids(path), _grids(canonical)
    assert odd["raw"] == plain["raw"]  # python-calamine reads the spelling as the canonical file
    assert odd["book"] == plain["book"]  # and so does CalamineBook, error values included
    assert type(odd["book"][LEDGER][3][4]) is CellError and type(odd["book"][TABLE][6][2]) is CellError
    scan = guard.scan_workbook(path)
    assert scan.errors[_sheet_part(path, LEDGER)] == {LEDGER_AT: LEDGER_ERROR}  # noted by the exact path
    assert scan.errors[_sheet_part(path, TABLE)] == {TABLE_AT: TABLE_ERROR}
    findings = _findings(path)
    _assert_reported(findings)
    assert findings == canonical_findings


# -- one odd cell in a canonical sheet: neither path may let it through ------------------------

ODD_CELLS = {
    "single-quoted-type": "<c r='E4' t='e'><v>#N/A</v></c>",
    "single-quoted-type-only": "<c r=\"E4\" t='e'><v>#N/A</v></c>",
    "spaces-around-equals": '<c r="E4" t = "e"><v>#N/A</v></c>',
    "space-before-equals": '<c r="E4" t ="e"><v>#N/A</v></c>',
    "space-after-equals": '<c r="E4" t= "e"><v>#N/A</v></c>',
    "line-break-before-type": '<c r="E4"\nt="e"><v>#N/A</v></c>',
    "line-breaks-around-equals": '<c r="E4" t\r\n=\r\n"e"><v>#N/A</v></c>',
    "type-before-address": '<c t="e" r="E4"><v>#N/A</v></c>',
    "no-address": None,  # the row's cells respelt without addresses, E4 among them
    "prefixed-cell": '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="E4" t="e">'
                     '<x:v>#N/A</x:v></x:c>',
    "prefixed-value": '<c r="E4" t="e"><x:v xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                      '#N/A</x:v></c>',
    "lower-case-address": '<c r="e4" t="e"><v>#N/A</v></c>',
    "formula-and-style": '<c r="E4" s="3" t="e"><f>1/0</f><v>#N/A</v></c>',
}


def _no_address_row(xml: bytes) -> bytes:
    xml = _set_cell(xml, LEDGER_CELL, f'<c r="{LEDGER_CELL}" t="e"><v>{LEDGER_ERROR}</v></c>'.encode())
    return re.sub(rb'<row r="4".*?</row>', lambda m: _cells_by_order(m.group(0)), xml, count=1, flags=re.S)


@pytest.mark.parametrize("case", list(ODD_CELLS))
def test_one_odd_error_cell_in_a_canonical_ledger_is_read(case, filled, tmp_path):
    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    cell = ODD_CELLS[case]
    if cell is None:
        _rewrite(path, {_sheet_part(path, LEDGER): _no_address_row})
    else:
        _rewrite(path, {_sheet_part(path, LEDGER): lambda xml: _set_cell(xml, LEDGER_CELL, cell.encode())})
    guard._SCANS.clear()
    assert guard.error_cells(path, LEDGER) == {LEDGER_AT: LEDGER_ERROR}
    book = CalamineBook(path)
    try:
        grid = book.read_sheet(LEDGER)
    finally:
        book.close()
    assert type(grid[3][4]) is CellError and grid[3][4] == LEDGER_ERROR
    assert grid[2][4] == 50000 and grid[3][:4] == ["2110101", "30201", BASIC, GP]  # placed, not shifted


def test_text_that_merely_looks_like_an_error_is_no_error(filled, tmp_path):
    """A string formula whose text is ``#N/A`` after a self-closing cell typed ``e`` without a
    value: the quick search must not lend the next cell's text to the empty one."""
    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    _rewrite(path, {_sheet_part(path, LEDGER): lambda xml: _set_cell(_set_cell(
        xml, "F4", b'<c r="F4" t="str"><f>"#N/A"</f><v>#N/A</v></c>'), LEDGER_CELL, b'<c r="E4" t="e"/>')})
    guard._SCANS.clear()
    assert guard.error_cells(path, LEDGER) == {}


# -- Fill's reading (LoadedBook): the same error values, the same report -------------------------

FORMULA_E3 = b'<c r="E3"><f>25000*2</f><v>50000</v></c>'  # a formula: LoadedBook reads this sheet with calamine


@pytest.mark.parametrize("formula", [False, True], ids=["openpyxl-values", "calamine-values"])
@pytest.mark.parametrize("spelling", ["canonical", *SPELLINGS])
def test_loaded_book_reads_error_values_in_every_spelling(spelling, formula, filled, tmp_path):
    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    respell = SPELLINGS.get(spelling)
    extra = (lambda xml: _set_cell(xml, "E3", FORMULA_E3)) if formula else (lambda xml: xml)
    _rewrite(path, {_sheet_part(path, LEDGER): lambda xml: (respell or (lambda x: x))(
        extra(_set_cell(xml, LEDGER_CELL, f'<c r="{LEDGER_CELL}" t="e"><v>{LEDGER_ERROR}</v></c>'.encode())))})
    guard._SCANS.clear()
    book = LoadedBook(load_for_write(path), path)
    try:
        grid = book.read_sheet(LEDGER)
        assert (book._calamine is not None) == formula  # noqa: SLF001 - the path under test
    finally:
        book.close()
    assert type(grid[3][4]) is CellError and grid[3][4] == LEDGER_ERROR
    assert grid[2][4] == 50000


@pytest.mark.parametrize("spelling", ["canonical", *SPELLINGS])
def test_fill_refuses_an_error_value_in_a_ledger_amount_at_its_cell(spelling, filled, tmp_path):
    """``juesuan fill`` on a ledger holding a formula (Fill's LoadedBook path) and a #N/A."""
    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    respell = SPELLINGS.get(spelling) or (lambda xml: xml)
    _rewrite(path, {_sheet_part(path, LEDGER): lambda xml: respell(_set_cell(_set_cell(
        xml, "E3", FORMULA_E3), LEDGER_CELL, f'<c r="{LEDGER_CELL}" t="e"><v>{LEDGER_ERROR}</v></c>'.encode()))})
    before = path.read_bytes()
    out = tmp_path / "out.xlsx"
    proc = run_cli("fill", str(path), "-o", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = proc.stdout + proc.stderr
    assert f"{LEDGER}!{LEDGER_CELL}" in text and f"错误值 {LEDGER_ERROR}" in text, text
    assert path.read_bytes() == before and not out.exists()


# -- the places of cells without an address: python-calamine's own, compared cell by cell -------

ORDERS = {
    "cell-address-below-its-row": '<row r="2"><c r="A5">{v}</c><c>{v}</c></row><row><c>{v}</c></row>',
    "rows-without-address": '<row><c r="B3">{v}</c></row><row><c>{v}</c><c/><c>{v}</c></row>',
    "empty-cells-and-rows": '<row r="4"><c/><c/><c>{v}</c></row><row/><row/><row><c r="D9">{v}</c><c>{v}</c></row>',
    "address-then-order": '<row r="3"><c>{v}</c><c r="E3">{v}</c><c>{v}</c></row>',
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_error_cells_without_address_take_the_places_calamine_gives(order, tmp_path):
    """The same rows twice: numbers (python-calamine shows where it puts them) and error
    values (the guard must note them at exactly those places)."""
    from guard_helpers import book
    from python_calamine import CalamineWorkbook

    numbers = book(tmp_path, ORDERS[order].format(v="<v>7</v>"), "numbers.xlsx")
    typed = ORDERS[order].replace("<c>", '<c t="e">').replace("<c r=", '<c t="e" r=')
    errors = book(tmp_path, typed.format(v="<v>#N/A</v>"), "errors.xlsx")
    grid = CalamineWorkbook.from_path(str(numbers)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    placed = {(r, c) for r, row in enumerate(grid) for c, value in enumerate(row) if value == 7}
    assert placed and len(placed) == ORDERS[order].count("{v}")
    sheet = CalamineWorkbook.from_path(str(errors)).sheet_names[0]
    assert guard.error_cells(errors, sheet) == {at: "#N/A" for at in placed}


def _named_at_the_ledger_cell(path: Path, error: str, tmp_path: Path) -> None:
    """check reports ``error`` at the ledger cell; Fill refuses naming that cell, never "corrupt"."""
    findings = _findings(path)
    at_ledger = [f for f in findings if {"sheet": LEDGER, "cell": LEDGER_CELL} in f["cells"]]
    assert any(f"错误值 {error}" in f["message"] for f in at_ledger), findings
    fill = run_cli("fill", str(path), "-o", str(tmp_path / "out.xlsx"))
    said = " ".join(fill.stderr.split())
    assert fill.returncode == 2 and f"{LEDGER}!{LEDGER_CELL}" in said and error in said, said
    assert "损坏" not in said and "corrupt" not in said


NEWER_ERRORS = ["#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#GETTING_DATA"]  # Excel 365's; calamine refuses them


@pytest.mark.parametrize("error", NEWER_ERRORS)
def test_error_values_of_newer_excel_are_read_at_their_cells(error, filled, tmp_path):
    """An error value python-calamine does not know (a spilled dynamic array's ``#SPILL!``,
    ``#CALC!`` …) once made the whole workbook unreadable ("file-corrupt", exit 2, no cell).
    Now the sheet is read, the cell holds that error value, and check and Fill report it at
    the cell like any error value; the other sheets and figures read as before."""
    from python_calamine import CalamineWorkbook

    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    newer = f'<c r="{LEDGER_CELL}" t="e"><f>SEQUENCE(2)</f><v>{error}</v></c>'.encode()
    _with_errors(path, None, newer)
    wb = CalamineWorkbook.from_path(str(path))
    with pytest.raises(Exception, match="error value"):  # the reason: python-calamine refuses the sheet
        wb.get_sheet_by_name(LEDGER).to_python()
    guard._SCANS.clear()
    book = CalamineBook(path)
    grids = {name: book.read_sheet(name) for name in (LEDGER, TABLE)}
    book.close()
    assert type(grids[LEDGER][LEDGER_AT[0]][LEDGER_AT[1]]) is CellError
    assert grids[LEDGER][LEDGER_AT[0]][LEDGER_AT[1]] == error
    assert grids[LEDGER][2][4] == 50000 and grids[TABLE][TABLE_AT[0]][TABLE_AT[1]] == TABLE_ERROR
    _named_at_the_ledger_cell(path, error, tmp_path)


@pytest.mark.parametrize("error", ["#SPILL!", "#N/A"])
def test_an_error_value_spelt_with_spaces_is_read_at_its_cell(error, filled, tmp_path):
    """``<v> #SPILL! </v>`` (spaces around the value, as the guard reads it): python-calamine
    refuses the sheet for a known value so spelt as for a newer one; the workbook was called
    corrupt (exit 2, no cell) by check, Fill and consolidate."""
    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    _with_errors(path, None, f'<c r="{LEDGER_CELL}" t="e"><v> {error}\n</v></c>'.encode())
    _named_at_the_ledger_cell(path, error, tmp_path)


@pytest.mark.parametrize("error", ["#CALC!", "#REF!"])
def test_an_error_value_in_the_basic_information_is_named_not_published(error, filled, tmp_path):
    """A formula's error value as 部门名称 was read as the text "#CALC!": Fill titled every
    table and the 说明 "#CALC!2019年度…", check passed, narrative wrote it into the Word
    document. Now it is named at its cell (check: a finding; Fill, narrative: exit 2)."""
    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    info = _sheet_part(path, "基本信息")
    _rewrite(path, {info: lambda xml: _set_cell(xml, "B3", f'<c r="B3" t="e"><f>A1/0</f><v>{error}</v></c>'.encode())})
    findings = _findings(path)
    assert any({"sheet": "基本信息", "cell": "B3"} in f["cells"] and error in f["message"] for f in findings), findings
    for args in (["fill", str(path), "-o", str(tmp_path / "out.xlsx")],
                 ["narrative", str(path), "-o", str(tmp_path / "说明.docx")]):
        proc = run_cli(*args)
        said = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode == 2 and "基本信息!B3" in said and error in said, said
    assert not (tmp_path / "out.xlsx").exists() and not (tmp_path / "说明.docx").exists()


@pytest.mark.parametrize("error", ["#SPILL!", "#REF!"])
def test_an_error_value_in_an_entry_of_the_narrative_is_named(error, filled, tmp_path):
    """A formula's error value typed into an input cell of the 说明 sheet was read as a blank
    entry: Fill wrote 【请填写…】 into the 说明 and exit 0, as did narrative. Now Fill and
    narrative (and check-text --against) name the cell."""
    from juesuan.narrative.sheet import read_entries
    from juesuan.narrative.steps import sheet_name
    from juesuan.spec import load_spec

    path = Path(shutil.copy(filled, tmp_path / "in.xlsx"))
    sheet = sheet_name(load_spec("2019"))
    book = CalamineBook(path)
    cells = read_entries(book.read_sheet(sheet))[1]
    book.close()
    cell = next(iter(cells.values()))
    part = _sheet_part(path, sheet)
    _rewrite(path, {part: lambda xml: _set_cell(xml, cell, f'<c r="{cell}" t="e"><f>A1/0</f><v>{error}</v></c>'.encode())})
    guard._SCANS.clear()
    narrative = tmp_path / "说明.docx"
    for args in (["fill", str(path), "-o", str(tmp_path / "out.xlsx")], ["narrative", str(path), "-o", str(narrative)]):
        proc = run_cli(*args)
        said = " ".join((proc.stdout + proc.stderr).split())
        assert proc.returncode == 2 and f"{sheet}!{cell}" in said and error in said, said
    assert not (tmp_path / "out.xlsx").exists() and not narrative.exists()
