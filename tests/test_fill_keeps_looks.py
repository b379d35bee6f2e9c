"""A cell Fill carries outside a table keeps its look: a date typed under a table stays a
date (not its serial number 46112), a bold red footer stays bold and red, a percentage a
percentage, thousands separators, text as text, its alignment; on the direct patch path, the
patch of an openpyxl-drawn package, openpyxl's whole-workbook path and the careful path that
keeps formulas; Fill after Fill; and LibreOffice prints the date as a date."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from openpyxl.styles import Alignment, Font
from test_fill_keeps_extras import _end, _table
from test_fill_keeps_input_formulas import _careful

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
DATE = datetime.datetime(2026, 3, 31)
FOOTER = "单位负责人：张三  制表人：李四"
CN_DATE = 'yyyy"年"m"月"d"日"'


def _looks(end: int, right: str) -> dict[str, tuple]:
    """Cell → (value, number format, font, alignment or None), under the table (``end``: its
    note row) and beside it (column ``right``)."""
    below = end + 2
    return {
        f"A{below}": (FOOTER, "General", Font(name="黑体", size=12, bold=True, color="FFFF0000"), None),
        f"A{below + 1}": (DATE, "yyyy-mm-dd", None, None),
        f"B{below + 1}": (DATE, CN_DATE, Font(name="宋体", size=11, italic=True, color="FF0000FF"), None),
        f"C{below + 1}": (0.125, "0.00%", None, Alignment(horizontal="center")),
        f"D{below + 1}": (1234567.5, "#,##0.00", Font(name="宋体", size=9, underline="single"), None),
        f"E{below + 1}": ("00123", "@", None, None),
        f"A{below + 2}": (DATE, "mm-dd-yy", None, None),  # a built-in format (id 14)
        f"{right}5": ("备注：已核对", "General", None, Alignment(horizontal="right", vertical="top", wrap_text=True)),
    }


def _typed(src: Path, target: Path, table: str, formula: bool = False) -> dict[str, tuple]:
    wb = openpyxl.load_workbook(src)
    ws = wb[table]
    looks = _looks(_end(ws), openpyxl.utils.get_column_letter(ws.max_column + 2))
    for cell, (value, fmt, font, align) in looks.items():
        ws[cell] = value
        ws[cell].number_format = fmt
        if font is not None:
            ws[cell].font = font
        if align is not None:
            ws[cell].alignment = align
    if formula:  # a formula with a date format: the careful path
        cell = f"B{_end(ws) + 4}"
        ws[cell] = "=DATE(2026,3,31)"
        ws[cell].number_format = "yyyy-mm-dd"
    wb.save(target)
    return looks


def _assert_looks(path: Path, table: str, looks: dict[str, tuple]) -> None:
    ws = openpyxl.load_workbook(path)[table]
    for cell, (value, fmt, font, align) in looks.items():
        got = ws[cell]
        assert got.value == value, cell
        assert got.number_format == fmt, (cell, got.number_format)
        if font is not None:
            assert (got.font.name, got.font.sz, bool(got.font.b), bool(got.font.i), got.font.u) == \
                   (font.name, font.sz, bool(font.b), bool(font.i), font.u), cell
            if font.color is not None:
                assert got.font.color is not None and got.font.color.rgb == font.color.rgb, cell
        if align is not None:
            assert (got.alignment.horizontal, got.alignment.vertical, bool(got.alignment.wrap_text)) == \
                   (align.horizontal, align.vertical, bool(align.wrap_text)), cell
        assert got.protection.locked is False, cell


def _printer_settings(src: Path, target: Path, table: str) -> Path:
    """``src`` with printer settings on ``table``: the patch leaves that package to openpyxl."""
    from test_fill_keeps_input_formulas import _careful

    return _careful(src, target, table, 9)


@pytest.mark.parametrize("path", ["patch", "openpyxl", "careful"])
@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_carried_cells_keep_their_looks(demos, tmp_path, fmt, path):
    table = _table(fmt)
    src = tmp_path / "typed.xlsx"
    looks = _typed(demos[fmt], src, table, formula=path == "careful")
    if path == "openpyxl":  # a package the patch does not handle, no formula: openpyxl writes it
        src = _printer_settings(src, tmp_path / "printer.xlsx", table)
    elif path == "careful":  # and with a formula: the careful path
        src = _careful(src, tmp_path / "careful.xlsx")
    proc = run_cli("fill", str(src), check=True)
    assert "保留表外内容" in proc.stdout
    _assert_looks(src, table, looks)
    if path == "careful":
        ws = openpyxl.load_workbook(src)[table]
        cell = f"B{_end(ws) + 4}"
        assert ws[cell].value == "=DATE(2026,3,31)" and ws[cell].number_format == "yyyy-mm-dd"
    # Fill after Fill keeps them, and the styles part does not grow
    again = tmp_path / "again.xlsx"
    shutil.copy(src, again)
    run_cli("fill", str(again), check=True)
    _assert_looks(again, table, looks)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(again) as b:
        assert a.read("xl/styles.xml") == b.read("xl/styles.xml")


def test_openpyxl_drawn_package_patched_keeps_the_looks(demos, tmp_path, monkeypatch):
    """The direct writer leaving the pictures to openpyxl (fresh_parts → None): the patch of
    the openpyxl-drawn sheets keeps the looks too."""
    import juesuan.io.files as files
    from juesuan.io.files import fill_file

    table = _table("2020")
    src = tmp_path / "typed.xlsx"
    looks = _typed(demos["2020"], src, table)
    monkeypatch.setattr(files, "fresh_parts", lambda pictures: None)
    fill_file(src)
    _assert_looks(src, table, looks)


def test_a_chinese_excels_builtin_date_format(demos, tmp_path):
    """Built-in format 31 (a Chinese Excel's 2026年3月31日) is carried by the code it shows."""
    table = _table("2020")
    src = tmp_path / "typed.xlsx"
    _typed(demos["2020"], src, table)
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    styles = parts["xl/styles.xml"].decode()
    fmt_id = re.search(r'<numFmt numFmtId="(\d+)" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"', styles)
    assert fmt_id is not None
    parts["xl/styles.xml"] = styles.replace(f'numFmtId="{fmt_id.group(1)}" fontId', 'numFmtId="31" fontId').encode()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    before = openpyxl.load_workbook(src)[table]
    cell = next(c for row in before.iter_rows() for c in row if c.style_id and c._style.numFmtId == 31)  # noqa: SLF001
    run_cli("fill", str(src), check=True)
    assert openpyxl.load_workbook(src)[table][cell.coordinate].number_format == CN_DATE


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")
def test_libreoffice_prints_the_carried_date_as_a_date(demos, tmp_path):
    """The filled workbook printed to PDF by LibreOffice headless (own profile): the date under
    the table reads 2026-03-31 and 2026年3月31日, the percentage 12.50%, the amount
    1,234,567.50, never the serial number 46112."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) 未安装 / not installed")
    table = _table("2020")
    src = tmp_path / "typed.xlsx"
    _typed(demos["2020"], src, table)
    run_cli("fill", str(src), check=True)
    text = _pdf_text(src, tmp_path)
    assert "46112" not in text
    for shown in ("2026-03-31", "2026年3月31日", "12.50%", "1,234,567.50", "00123", FOOTER.split()[0]):
        assert shown in text, shown


def _pdf_text(path: Path, tmp_path: Path) -> str:
    out = tmp_path / "lo"
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    pdf = out / (path.stem + ".pdf")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=120).stdout
