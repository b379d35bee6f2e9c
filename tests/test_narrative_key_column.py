"""The 说明 sheet's key column (C: ``cars_other``, ``budget:2080501`` …) is hidden, so that the
printed or exported 说明 shows none of the keys: in a new workbook and the template, and
after Fill on every writer's path (the direct patch, openpyxl's whole workbook, the careful
path keeping formulas); the engine still reads the entries by their keys; LibreOffice
prints the sheet without them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, run_cli
from test_fill_keeps_extras import _table
from test_fill_keeps_input_formulas import _careful
from test_fill_keeps_looks import _printer_settings

from juesuan.narrative.sheet import read_entries
from juesuan.spec import available_formats

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NOTE = "说明"


def _hidden(path: Path) -> bool:
    dims = openpyxl.load_workbook(path)[NOTE].column_dimensions
    return bool(dims["C"].hidden) and not dims["A"].hidden and not dims["B"].hidden


def _entries(path: Path) -> dict:
    return _hidden_and_entries(path)[1]


def _hidden_and_entries(path: Path) -> tuple[bool, dict]:
    """Whether the 说明's key column (only it) is hidden, and the entries read from it (one load)."""
    ws = openpyxl.load_workbook(path)[NOTE]
    dims = ws.column_dimensions
    hidden = bool(dims["C"].hidden) and not dims["A"].hidden and not dims["B"].hidden
    return hidden, read_entries([[c.value for c in row] for row in ws.iter_rows()])[0]


@pytest.mark.parametrize("fmt", available_formats())
def test_new_workbook_and_template_hide_the_keys(tmp_path, fmt):
    book = tmp_path / "新.xlsx"
    run_cli("new", "-o", str(book), "--format", fmt, "--dept", "某局", "--year", "2019" if fmt == "2019" else "2025",
            check=True)
    assert _hidden(book)
    template = ROOT / "workbooks" / f"template-{fmt}.xlsx"
    if template.exists():
        assert _hidden(template)
    run_cli("fill", str(book), check=True)
    assert _hidden(book)


@pytest.mark.parametrize("path", ["patch", "openpyxl", "careful"])
@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_fill_keeps_the_keys_hidden_and_reads_them(demos, tmp_path, fmt, path):
    """The demo's entries, typed with the key column shown (an older workbook), read back
    after Fill on each path, the column hidden; Fill after Fill reads the same entries."""
    src = tmp_path / "typed.xlsx"
    wb = openpyxl.load_workbook(demos[fmt])
    wb[NOTE].column_dimensions["C"].hidden = False  # as a workbook of an earlier version had it
    table = _table(fmt)
    if path == "careful":  # a formula outside the tables: the careful path
        ws = wb[table]
        ws.cell(ws.max_row + 2, 1).value = '=LEN("ab")'
    wb.save(src)
    entries = _entries(src)
    assert len([v for v in entries.values() if v not in (None, "")]) > 5
    if path == "openpyxl":
        src = _printer_settings(src, tmp_path / "printer.xlsx", table)
    elif path == "careful":
        src = _careful(src, tmp_path / "careful.xlsx")
    assert not _hidden(src)
    run_cli("fill", str(src), check=True)
    assert _hidden_and_entries(src) == (True, entries)
    assert run_cli("check", str(src)).returncode == 0
    again = tmp_path / "again.xlsx"
    shutil.copy(src, again)
    run_cli("fill", str(again), check=True)
    assert _hidden_and_entries(again) == (True, entries)


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice or pdftotext 未安装 / not installed")
def test_the_printed_note_shows_no_keys(demos, tmp_path):
    """The filled 说明 printed to PDF by LibreOffice headless (own profile) and read back with
    pdftotext: its text and entries are there, its keys are not (and they would be, were the
    column shown: the control copy)."""
    filled = demos["2020"]
    wb = openpyxl.load_workbook(filled)
    keys = [str(v) for v in (wb[NOTE].cell(r, 3).value for r in range(1, wb[NOTE].max_row + 1))
            if v and any(ch in str(v) for ch in "_:")]
    assert "cars_other" in keys and len(keys) > 20
    only = filled  # the whole workbook as Fill wrote it
    shown = tmp_path / "shown.xlsx"  # control: the 说明 alone, column C shown
    for name in wb.sheetnames:
        if name != NOTE:
            del wb[name]
    wb[NOTE].column_dimensions["C"].hidden = False
    wb.save(shown)
    assert _hidden(only)
    out = tmp_path / "lo"
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(only), str(shown)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    text, control = (subprocess.run(["pdftotext", str(out / f"{p.stem}.pdf"), "-"], capture_output=True, text=True,
                                    check=True, timeout=120).stdout for p in (only, shown))
    assert "一般公共预算" in text and "需填写的内容" in text  # the text and the input area print
    assert not [k for k in keys if k in text]
    assert "cars_other" in control  # (what the test would see, were the keys printed)
