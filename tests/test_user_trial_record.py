"""A user trial of Fill's rounding record (juesuan.rounding_record) as an accountant and a
bureau's IT admin would meet it: real workbooks of ≈300 ledger lines, filled by the real CLI,
with sheets of their own, re-saved, filled again."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli

from juesuan import rounding_record
from juesuan.io.files import write_new
from juesuan.sample import synthetic_inputs
from juesuan.spec import load_spec

SHEET = rounding_record.SHEET


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A department of ≈300 ledger lines (2020 format), never filled: Fill keeps a record."""
    path = tmp_path_factory.mktemp("trial") / "dept.xlsx"
    spec = load_spec("2020")
    write_new(path, spec, inputs=synthetic_inputs(300, spec=spec))
    return path


def _names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
    return re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', book)


def test_no_record_beside_the_accountants_sheet_named_alike(fresh, tmp_path):
    """An accountant's own sheet '_Juesuan_Rounding': Excel's sheet names ignore case, so a
    record '_juesuan_rounding' beside it makes a workbook Excel must repair (the patch writer),
    or a stray record '_juesuan_rounding1' no check ever finds (openpyxl). Fill adds none; the
    accountant's sheet is kept as it was; check still passes."""
    wb = openpyxl.load_workbook(fresh)
    wb.create_sheet("_Juesuan_Rounding")["A1"] = "我的备注"
    first = tmp_path / "first.xlsx"  # filled for the first time (openpyxl path)
    wb.save(first)
    assert run_cli("fill", str(first)).returncode == 0
    # filled before (a workbook of an older juesuan, no record): the patch path
    again = tmp_path / "again.xlsx"
    assert run_cli("fill", str(first), "-o", str(again)).returncode == 0
    for path in (first, again):
        names = _names(path)
        assert len({n.lower() for n in names}) == len(names), names
        assert [n for n in names if n.lower().startswith(SHEET)] == ["_Juesuan_Rounding"]
        assert openpyxl.load_workbook(path)["_Juesuan_Rounding"]["A1"].value == "我的备注"
        assert run_cli("check", str(path)).returncode == 0


def test_fill_hides_the_record_again(fresh, tmp_path):
    """A record unhidden by hand (or only hidden: LibreOffice has no 'very hidden' and saves
    it hidden, and Excel's 取消隐藏 then lists it): the next Fill hides it very again, and
    changes nothing else of workbook.xml; left the active sheet, it is active no longer."""
    filled = tmp_path / "filled.xlsx"
    assert run_cli("fill", str(fresh), "-o", str(filled)).returncode == 0
    for state in ("visible", "hidden"):
        wb = openpyxl.load_workbook(filled)
        wb[SHEET].sheet_state = state
        path = tmp_path / f"{state}.xlsx"
        wb.save(path)
        again = tmp_path / f"{state}-again.xlsx"
        assert run_cli("fill", str(path), "-o", str(again)).returncode == 0
        assert openpyxl.load_workbook(again)[SHEET].sheet_state == "veryHidden"
        with zipfile.ZipFile(path) as a, zipfile.ZipFile(again) as b:
            before, after = a.read("xl/workbook.xml"), b.read("xl/workbook.xml")
        sheet_id, rid = re.search(f'name="{SHEET}" sheetId="(\\d+)" state="{state}" r:id="([^"]+)"', before.decode()).groups()
        assert f'name="{SHEET}" sheetId="{sheet_id}" r:id="{rid}" state="veryHidden"/>'.encode() in after
        assert after.replace(b' r:id="%s" state="veryHidden"' % rid.encode(), b' state="%s" r:id="%s"' % (
            state.encode(), rid.encode())) == before  # nothing else changed
    # unhidden and left the active sheet: very hidden again, and another sheet is active
    wb = openpyxl.load_workbook(filled)
    for ws in wb:
        ws.sheet_view.tabSelected = False
    wb[SHEET].sheet_state = "visible"
    wb.active = wb[SHEET]
    wb[SHEET].sheet_view.tabSelected = True
    wb.save(tmp_path / "active.xlsx")
    assert run_cli("fill", str(tmp_path / "active.xlsx"), "-o", str(tmp_path / "active-again.xlsx")).returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "active-again.xlsx")
    assert wb[SHEET].sheet_state == "veryHidden" and not wb[SHEET].sheet_view.tabSelected
    assert wb.active.sheet_state == "visible"
    assert run_cli("check", str(tmp_path / "active-again.xlsx")).returncode == 0
