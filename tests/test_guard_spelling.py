"""The read guard against every XML spelling of a row or cell that python-calamine reads as
well as the canonical ``<c r="A1"`` (juesuan.io.guard): single quotes, tabs and line breaks,
spaces around ``=``, namespace prefixes, lower-case column letters, empty ``<c/>`` and
``<row/>`` that still take a column or a row, a sheet stored under another part name. Each
crafted sheet below is read by calamine as a grid far beyond the limit (checked here, on a
modest size, so that a variant calamine does not read that way cannot pass for a hole); the
guard must refuse it. The canonical files every writer produces keep the quick byte path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import run_cli
from guard_helpers import book

from juesuan.errors import InputError
from juesuan.io import guard

LIMITS = guard.Limits(max_grid_cells=100_000)  # 3,846 rows at 26 columns
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FAR = '<v>1</v></c></row>'


def _prefixed(data: bytes) -> bytes:
    """The whole sheet spelt with a namespace prefix ``x:`` (``<x:row>``, ``<x:c>`` …)."""
    data = data.replace(b'<worksheet xmlns="', b'<x:worksheet xmlns:x="')
    return re.sub(rb"<(/?)([A-Za-z])", rb"<\1x:\2", data).replace(b"<x:x:", b"<x:")


def _across_a_chunk(data: bytes) -> bytes:
    """A cell tag padded past 64 bytes of attributes, its address last, lying across the
    first 1 MB boundary of the inflated part (where the quick scan reads in two halves)."""
    tag = b'<row><c t="n" s="0" pad="' + b"p" * 300 + b'" r="C300000"><v>1</v></c></row>'
    at = data.index(b"</sheetData>")
    filler = b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
    end = b"</t></is></c></row>"
    text = b"x" * (guard.CHUNK - 150 - at - len(filler) - len(end))
    return data[:at] + filler + text + end + tag + data[at:]


def _calamine_grid(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    return sheet.height * sheet.width


VARIANTS: dict[str, dict] = {
    "single-quoted-cell": {"cells": "<row><c r='C300000'>" + FAR},
    "single-quoted-row": {"cells": "<row r='300000'><c>" + FAR},
    "tab-before-r": {"cells": '<row><c\tr="C300000">' + FAR},
    "newline-before-r": {"cells": '<row><c\nr="C300000">' + FAR},
    "crlf-before-r": {"cells": '<row><c\r\nr="C300000">' + FAR},
    "spaces-around-eq": {"cells": '<row><c r = "C300000">' + FAR},
    "space-after-eq-row": {"cells": '<row r= "300000"><c>' + FAR},
    "prefixed-elements": {"cells": f'<x:row xmlns:x="{MAIN}"><x:c r="C300000"><x:v>1</x:v></x:c></x:row>'},
    "prefixed-sheet": {"cells": '<row r="300000"><c r="C300000">' + FAR, "sheet": _prefixed},
    "lower-case-column": {"cells": '<row><c r="c300000">' + FAR},
    "empty-cells-take-columns": {"cells": '<row r="3000">' + "<c/>" * 39 + "<c>" + FAR},
    "empty-rows-take-rows": {"cells": '<row r="3700"><c r="Z3700">' + FAR + "<row/>" * 1000 + "<row><c>" + FAR},
    "sheet-under-other-name": {"cells": '<row r="300000"><c r="C300000">' + FAR, "part": "xl/evil.xml"},
    "sheet-not-xml-named": {"cells": '<row r="300000"><c r="C300000">' + FAR, "part": "xl/media/data.bin"},
    "long-tag-across-chunks": {"sheet": _across_a_chunk},
    "sheet-in-subfolder": {"cells": '<row r="300000"><c r="C300000">' + FAR, "part": "xl/worksheets/sub/s.xml"},
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_spelling_calamine_reads_as_a_big_grid_is_refused(tmp_path, variant):
    path = book(tmp_path, **VARIANTS[variant])
    assert _calamine_grid(path) > LIMITS.max_grid_cells  # a real hole: calamine builds that grid
    with pytest.raises(InputError) as caught:
        guard.scan_workbook(path, LIMITS)
    assert caught.value.problems[0].code == "sheet-too-large"


@pytest.mark.parametrize("cells", [
    '<row><c r="&#67;300000">' + FAR,  # calamine rejects the sheet today; the guard refuses first
    '<row><c r="&#x43;300000">' + FAR,
    '<row r="&#51;00000"><c>' + FAR,
], ids=["char-ref", "hex-char-ref", "char-ref-row"])
def test_character_references_in_an_address_are_resolved_and_refused(tmp_path, cells):
    with pytest.raises(InputError) as caught:
        guard.scan_workbook(book(tmp_path, cells), LIMITS)
    assert caught.value.problems[0].code == "sheet-too-large"


@pytest.mark.parametrize("cells", [
    "<row r='2'><c r='B2' t='inlineStr'><is><t>a\x01b</t></is></c></row><row><c r='C300000'>" + FAR,
    "<row><c r=\"A5\" r='C300000'>" + FAR,
], ids=["control-character", "repeated-attribute"])
def test_an_odd_sheet_expat_cannot_parse_is_refused(tmp_path, cells):
    """calamine reads past what expat stops at: the part is refused, not half counted."""
    path = book(tmp_path, cells)
    assert _calamine_grid(path) > LIMITS.max_grid_cells
    with pytest.raises(InputError) as caught:
        guard.scan_workbook(path, LIMITS)
    assert caught.value.problems[0].code == "file-corrupt"


def test_odd_spellings_count_towards_the_stored_cell_limit(tmp_path):
    path = book(tmp_path, '<row r="2">' + '<c\nt="n"><v>1</v></c>' * 50 + "</row>")
    with pytest.raises(InputError) as caught:
        guard.scan_workbook(path, guard.Limits(max_cells=40))
    assert caught.value.problems[0].code == "too-many-cells"


@pytest.mark.parametrize("cells", [
    "<row r='3846'><c r='Z3846'>" + FAR,  # 99,996: within, however spelt
    '<row\nr="200"><c\tr="AB200" t="n">' + FAR,
    f'<x:row xmlns:x="{MAIN}" r="5"><x:c r="C5">' + "<x:v>1</x:v></x:c></x:row>",
], ids=["quoted-corner", "whitespace", "prefixed"])
def test_odd_spellings_within_the_limit_pass(tmp_path, cells):
    assert guard.scan_workbook(book(tmp_path, cells), LIMITS).has_workbook


def _excel_like(data: bytes) -> bytes:
    """What Excel adds to openpyxl's spelling: a line break after the declaration, x14
    extensions (``<x14:cfRule>``), a data-validation prompt with ``&#10;``."""
    data = data.replace(b"?><", b"?>\r\n<", 1) if data.startswith(b"<?xml") else \
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + data
    ext = (b'<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" xmlns:x14="http://schemas.microsoft.com/'
           b'office/spreadsheetml/2009/9/main"><x14:conditionalFormattings><x14:conditionalFormatting>'
           b'<x14:cfRule type="dataBar" id="{1}"/></x14:conditionalFormatting></x14:conditionalFormattings>'
           b'</ext></extLst></worksheet>')
    return data.replace(b"</worksheet>", ext)


@pytest.mark.parametrize("sheet", [None, _excel_like], ids=["openpyxl", "excel-like"])
def test_canonical_files_keep_the_quick_path(tmp_path, monkeypatch, sheet):
    """Real spellings — formulas naming a quoted sheet, text with line breaks and ``=``
    signs, a prompt with ``&#10;`` — never send a part to the slow parse."""
    def slow(*_args):
        raise AssertionError("slow path taken")

    monkeypatch.setattr(guard, "_parsed_bounds", slow)
    cells = ('<row r="2"><c r="A2"><f>\'Sheet 2\'!A1+A1</f><v>1</v></c>'
             '<c r="AB2" t="inlineStr"><is><t xml:space="preserve">a = b\nline &#10; x:c y:row</t></is></c></row>'
             '<row r="3"><c r="B3" t="e"><v>#DIV/0!</v></c></row>')
    path = book(tmp_path, cells, sheet=sheet)
    assert guard.scan_workbook(path, LIMITS).has_workbook
    for template in sorted(Path(__file__).parents[1].joinpath("workbooks").glob("template-*.xlsx")):
        assert guard.scan_workbook(template, LIMITS).has_workbook


def _with_validation(data: bytes) -> bytes:
    """A drop-down list whose messages are Chinese: openpyxl writes them as character
    references (``error="&#35831;…"``), an attribute ending in ``r`` like the address."""
    validation = (b'<dataValidations count="1"><dataValidation type="list" sqref="C3:C9" error="&#35831;&#20174;" '
                  b'errorTitle="&#26080;&#25928;"><formula1>"a,b"</formula1></dataValidation></dataValidations>')
    return data.replace(b"</worksheet>", validation + b"</worksheet>")


def test_a_validation_message_is_not_read_as_an_address(tmp_path, monkeypatch):
    """The exact count (cells beyond column Z) over a sheet with a Chinese drop-down message
    stays on the quick path: a 300,000-line detail sheet used to go to the slow parse
    (≈15 s) because ``error="&#…`` looked like an address written with a character reference."""
    def slow(*_args):
        raise AssertionError("slow path taken")

    monkeypatch.setattr(guard, "_parsed_bounds", slow)
    path = book(tmp_path, '<row r="2"><c r="AB2"><v>1</v></c></row>', sheet=_with_validation)
    assert guard.scan_workbook(path, LIMITS).has_workbook


def test_a_refused_odd_sheet_ends_in_exit_2_naming_the_file(tmp_path):
    path = book(tmp_path, "<row><c r='C300000'>" + FAR, name="单位.xlsx")
    before = path.read_bytes()
    proc = run_cli("check", str(path), env={"JUESUAN_MAX_GRID_CELLS": "100000"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "单位.xlsx" in out and "300,000" in out and "Traceback" not in out
    assert path.read_bytes() == before
