"""Detail sheets with formulas: Fill uses the values Excel (here LibreOffice) last calculated."""

from __future__ import annotations

import os
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from conftest import run_cli

from juesuan.io.files import write_new
from juesuan.io.xlsx import CalamineBook
from juesuan.reading import read_table
from juesuan.spec import load_spec

SPEC = load_spec("2019")
GP = "一般公共预算财政拨款"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_formula_amounts_use_their_calculated_values(tmp_path):
    inputs = {"info": [["部门名称", "公式测试"], ["年度", "2019"], ["模板格式", "2019"]],
              "income": [["2110101", "", "一般公共预算财政拨款收入", Decimal("50000")]],
              "expense": [["2110101", "30101", "基本支出", GP, Decimal("10000"), "", ""],
                          ["2110101", "30201", "基本支出", GP, None, "", ""]],
              "balance": [], "sangong_budget": []}
    src = write_new(tmp_path / "src.xlsx", SPEC, inputs=inputs)
    wb = openpyxl.load_workbook(src)
    wb["支出明细"]["E4"] = "=E3*2+0.5"  # 20,000.50 元 once calculated
    wb.save(src)
    # let a real spreadsheet program calculate and store the result
    outdir = tmp_path / "lo"
    profile = f"file://{tmp_path / 'profile'}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--calc", "--convert-to", "xlsx",
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    calculated = outdir / "src.xlsx"
    work = tmp_path / "filled.xlsx"
    run_cli("fill", str(calculated), "-o", str(work), check=True)

    book = CalamineBook(work)
    table = read_table(SPEC, SPEC.table("06"), book.read_sheet("公开06表"))
    book.close()
    assert table.value("30201", "amount") == Decimal("2.00")  # 20,000.50 元 → 2.00 万元
    assert table.value("30101", "amount") == Decimal("1.00")
    # the formula itself is still there: Fill never touches an input cell
    assert str(openpyxl.load_workbook(work)["支出明细"]["E4"].value).startswith("=")

