"""A filled workbook survives LibreOffice: recalculated and re-saved by ``soffice`` headless,
every figure of every table and every input cell reads back the same (to the cent; codes
still text). And 公开01表 prints on one page."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from juesuan.io.xlsx import CalamineBook
from juesuan.money import parse_amount
from juesuan.reading import read_table

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed: "
                                                        "cannot test the round trip through a spreadsheet program")


def soffice_convert(source: Path, out_dir: Path, fmt: str, profile: Path) -> Path:
    """Convert ``source`` with LibreOffice headless, in a private profile (parallel-safe)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
                           "--convert-to", fmt, "--outdir", str(out_dir), str(source)],
                          capture_output=True, text=True, timeout=240)
    target = out_dir / f"{source.stem}.{fmt.split(':')[0]}"
    assert proc.returncode == 0 and target.exists(), f"soffice failed:\n{proc.stdout}\n{proc.stderr}"
    return target


@pytest.fixture(scope="module")
def resaved(demo_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("lo")
    return soffice_convert(demo_workbook, work / "out", "xlsx", work / "profile")


def _cents(value) -> Decimal | None:
    amount = parse_amount(value)
    return None if amount is None else amount.quantize(Decimal("0.01"))


def test_every_table_figure_survives(spec, demo_workbook: Path, resaved: Path) -> None:
    before, after = CalamineBook(demo_workbook), CalamineBook(resaved)
    assert after.sheet_names() == before.sheet_names()
    figures = 0
    for table in spec.tables:
        old = read_table(spec, table, before.read_sheet(table.sheet))
        new = read_table(spec, table, after.read_sheet(table.sheet))
        for rows_old, rows_new in zip(old.panels + [[f] for f in old.footers if f],
                                      new.panels + [[f] for f in new.footers if f], strict=True):
            assert [r.key for r in rows_new] == [r.key for r in rows_old], table.sheet
            for r_old, r_new in zip(rows_old, rows_new, strict=True):
                assert r_new.code == r_old.code and (r_new.code is None or isinstance(r_new.code, str))
                for key, value in r_old.values.items():
                    assert _cents(r_new.values.get(key)) == _cents(value), (table.sheet, r_old.cells.get(key))
                    figures += value is not None
        grid = after.read_sheet(table.sheet)
        assert grid[0][0] == table.title and f"公开{table.id}表" in grid[1]
    assert figures > 300  # the demo fills hundreds of figures: the comparison is not vacuous


def test_every_input_cell_survives(spec, demo_workbook: Path, resaved: Path) -> None:
    before, after = CalamineBook(demo_workbook), CalamineBook(resaved)
    checked = 0
    for sheet in spec.inputs:
        old, new = before.read_sheet(sheet.sheet), after.read_sheet(sheet.sheet)
        items = sheet.columns if sheet.kind == "list" else None
        for r, row in enumerate(old):
            for c, value in enumerate(row):
                if value is None:
                    continue
                got = new[r][c] if r < len(new) and c < len(new[r]) else None
                money = items is not None and r >= 2 and c < len(items) and items[c].type == "money"
                if money:
                    assert _cents(got) == _cents(value), (sheet.sheet, r + 1, c + 1)
                else:
                    assert got == value and type(got) is type(value), (sheet.sheet, r + 1, c + 1, value, got)
                checked += 1
        if items and any(col.type.endswith("_code") for col in items):
            code_cols = [c for c, col in enumerate(items) if col.type.endswith("_code")]
            codes = [new[r][c] for r in range(2, len(new)) for c in code_cols if new[r][c] is not None]
            assert codes and all(isinstance(x, str) and x.isdigit() for x in codes), sheet.sheet
    assert checked > 500


def test_table01_prints_on_one_page(demo_workbook: Path, tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(demo_workbook)
    for name in list(wb.sheetnames):
        if name != "公开01表":
            del wb[name]
    one = tmp_path / "t01.xlsx"
    wb.save(one)
    pdf = soffice_convert(one, tmp_path / "pdf", "pdf", tmp_path / "profile")
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = next(int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:"))
    assert pages == 1
