"""The department workbook written directly (``write_department``: the parts of
:func:`juesuan.io.fresh_package.package_parts`, the rows streamed by :mod:`juesuan.io.bulk_rows`)
against the way it was written before (an openpyxl workbook of the same pictures, saved, then
the rows streamed in): the same sheets byte for byte, so the same cells, values and styles
for openpyxl and python-calamine, for every format; and LibreOffice opens it."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from test_patch_writer import SOFFICE, _everything, assert_same_values, libreoffice_round_trip

import juesuan.io.fresh_package as fresh_package
from juesuan.consolidate.sample import department_units
from juesuan.io.consolidate_file import consolidate_files, write_department
from juesuan.io.files import write_new
from juesuan.spec import available_formats, load_spec

FORMATS = available_formats()
ODD_TEXT = "A&B <项目> 50% \"引号\" 'x' =SUM(A1)"  # escapes, a % in a row template, text like a formula


def _units(folder: Path, fmt: str) -> list[Path]:
    """Four units of ``fmt``; one has text needing escapes, amounts as integers, and a blank
    column where others have values."""
    spec = load_spec(fmt)
    folder.mkdir(parents=True)
    paths = []
    for i, (name, rows) in enumerate(department_units(4, seed=11, fmt=fmt)):
        if i == 2:
            for row in rows["expense"][:5]:
                row[5] = ODD_TEXT
                row[4] = Decimal(int(row[4]))
        path = folder / f"{name}.xlsx"
        write_new(path, spec, inputs=rows)
        paths.append(path)
    return paths


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _styles_sections(xml: bytes) -> dict[str, list[bytes]]:
    import xml.etree.ElementTree as ET  # noqa: S405 - serialising only

    from defusedxml import ElementTree

    return {child.tag.split("}")[1]: [ET.tostring(e) for e in child]
            for child in ElementTree.fromstring(xml) if not child.tag.endswith("colors")}


def _grids(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
    finally:
        wb.close()


@pytest.fixture(scope="module")
def departments(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """For every format: the department workbook written directly, and the same consolidation
    written through openpyxl (``package_parts`` answering None, as for a picture it leaves)."""
    out = {}
    for fmt in FORMATS:
        folder = tmp_path_factory.mktemp(f"dept-{fmt}")
        outcome = consolidate_files(_units(folder / "units", fmt), folder / "direct.xlsx")
        with pytest.MonkeyPatch.context() as m:
            m.setattr(fresh_package, "package_parts", lambda pictures, theme=None: None)
            write_department(outcome.consolidation, folder / "openpyxl.xlsx")
        out[fmt] = (folder / "direct.xlsx", folder / "openpyxl.xlsx")
    return out


def assert_same_package(direct: Path, reference: Path) -> dict[str, bytes]:
    """A workbook written directly against the same written through openpyxl: the same parts,
    every sheet, note and drawing byte for byte, the same styles; the same for openpyxl and
    python-calamine (sheets, active sheet, names, every cell and setting, print titles).
    Returns the direct workbook's parts."""
    mine, theirs = _parts(direct), _parts(reference)
    assert set(mine) == set(theirs)
    sheets = 0
    for name, data in theirs.items():
        if name.startswith(("xl/worksheets/", "xl/comments/", "xl/drawings/")):
            assert mine[name] == data, name  # every sheet, note and drawing: byte for byte
            sheets += name.startswith("xl/worksheets/sheet")
        elif name == "xl/styles.xml":
            assert _styles_sections(mine[name]) == _styles_sections(data)
    assert sheets == len(openpyxl.load_workbook(reference, read_only=True).sheetnames)
    wa, wb = openpyxl.load_workbook(direct), openpyxl.load_workbook(reference)
    assert wa.sheetnames == wb.sheetnames and wa.active.title == wb.active.title == wa.sheetnames[0]
    assert wa.defined_names == wb.defined_names
    for name in wa.sheetnames:
        assert _everything(wa[name]) == _everything(wb[name]), name
        assert wa[name].print_title_rows == wb[name].print_title_rows
    assert _grids(direct) == _grids(reference)
    return mine


@pytest.mark.parametrize("fmt", FORMATS)
def test_direct_department_equals_the_openpyxl_one(fmt, departments):
    mine = assert_same_package(*departments[fmt])
    assert ODD_TEXT.encode().replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;") in b"".join(
        mine.values())  # the odd text went through the row templates


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")
def test_libreoffice_opens_the_department_workbooks(departments, tmp_path):
    """LibreOffice converts the directly written department workbook of every format (one run
    for all) and reads the same values on every sheet."""
    converted = libreoffice_round_trip({fmt: direct for fmt, (direct, _) in departments.items()}, tmp_path)
    for path, back in converted.items():
        assert_same_values(path, back)
