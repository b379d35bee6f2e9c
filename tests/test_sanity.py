"""Sanity of the department's own data, on real files through the real CLI: 部门名称 and 年度
required (check: error; fill: exit 2), a 年度 outside the format, an empty ledger, a
self-evaluation's 全年执行数 against the ledger lines of its project, and a figure edited by
hand in a computed table (check reports it; Fill says which figures it replaced)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import openpyxl
from fill_helpers import BASIC, GP, INC_GP, PROJECT, run_cli

from juesuan.io.files import write_new
from juesuan.spec import load_spec

SPEC = load_spec("2019")
BASE = {
    "info": [["部门名称", "某县教育局"], ["年度", "2019"], ["模板格式", "2019"]],
    "income": [["2050202", "", INC_GP, Decimal("300000.00")]],
    "expense": [["2050101", "30101", BASIC, GP, Decimal("100000.00"), "", ""],
                ["2050202", "30227", PROJECT, GP, Decimal("454700.00"), "教师培训", ""]],
    "balance": [], "sangong_budget": [],
}


def _book(tmp_path, **changes):
    inputs = copy.deepcopy(BASE)
    inputs.update(changes)
    return write_new(tmp_path / "in.xlsx", SPEC, inputs=inputs)


def _findings(path, rule):
    proc = run_cli("check", str(path), "--format", "json")
    return [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == rule]


def test_department_name_and_year_required(tmp_path):
    path = _book(tmp_path, info=[["部门名称", ""], ["年度", ""], ["模板格式", "2019"]])
    proc = run_cli("fill", str(path), "-o", str(tmp_path / "out.xlsx"))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "基本信息!B3" in text and "基本信息!B4" in text and "部门名称" in text
    assert not (tmp_path / "out.xlsx").exists()
    found = _findings(path, "R19-info")
    assert [(f["severity"], f["cells"][0]["cell"]) for f in found] == [("error", "B3"), ("error", "B4")]


def test_year_that_does_not_fit_the_format(tmp_path):
    path = _book(tmp_path, info=[["部门名称", "某县教育局"], ["年度", "2021"], ["模板格式", "2019"]])
    proc = run_cli("fill", str(path))  # fills, with a warning; check reports it as an error
    assert proc.returncode == 0 and "2021" in proc.stdout + proc.stderr and "不适用" in proc.stdout + proc.stderr
    assert [f["severity"] for f in _findings(path, "R19-info")] == ["error"]


def test_empty_ledger_is_an_error(tmp_path):
    path = _book(tmp_path, income=[], expense=[])
    proc = run_cli("fill", str(path))  # fills (the blank tables of a fresh template), with a warning …
    assert proc.returncode == 0 and "没有任何数据行" in proc.stdout + proc.stderr
    assert [f["severity"] for f in _findings(path, "R19-ledger-empty")] == ["error"]  # … and check says no


def test_a_ledger_typed_in_wan_yuan_is_warned_of(tmp_path):
    """Amounts typed in 万元 (30, 10, 45.47) publish tables 10,000 times too small: Fill warns and
    fills, check warns at the first amount; a real ledger in 元 is not warned of."""
    path = _book(tmp_path, income=[["2050202", "", INC_GP, Decimal("30.00")]],
                 expense=[["2050101", "30101", BASIC, GP, Decimal("10.00"), "", ""],
                          ["2050202", "30227", PROJECT, GP, Decimal("45.47"), "教师培训", ""]])
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0 and "万元录入" in proc.stdout + proc.stderr and "10,000 times" in proc.stdout + proc.stderr
    found = _findings(path, "R19-plausible")
    assert [(f["severity"], f["cells"][0]["sheet"], f["cells"][0]["cell"]) for f in found] == [
        ("warning", "支出明细", "E3")]
    assert "55.47 元" in found[0]["message"]
    assert _findings(_book(tmp_path / "ok"), "R19-plausible") == []


def test_a_function_class_spent_below_zero_is_warned_of(tmp_path):
    """Refunds booked above the spending of a 项 print a negative expenditure: a warning at the
    first line of that code (negative lines on their own are allowed)."""
    expense = [*BASE["expense"], ["2050299", "30201", BASIC, GP, Decimal("-5000.00"), "", ""],
               ["2050202", "30227", PROJECT, GP, Decimal("-4700.00"), "教师培训", ""]]
    path = _book(tmp_path, expense=expense)
    found = _findings(path, "R19-plausible")
    assert [(f["severity"], f["cells"][0]["cell"]) for f in found] == [("warning", "E5")]
    assert "2050299" in found[0]["message"] and "-5,000.00" in found[0]["message"]


def test_evaluation_spending_against_the_project_ledger(tmp_path):
    path = _book(tmp_path)
    assert run_cli("eval", "add", str(path), "--name", "教师培训").returncode == 0
    assert run_cli("eval", "add", str(path), "--name", "校园安全").returncode == 0
    wb = openpyxl.load_workbook(path)
    for name, spent in (("绩效自评-教师培训", 498.76), ("绩效自评-校园安全", 10)):
        ws = wb[name]
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "年度资金总额")
        ws.cell(row, 5).value, ws.cell(row, 6).value = 500, spent
    wb.save(path)
    assert run_cli("fill", str(path)).returncode == 0
    found = _findings(path, "E11-ledger")
    errors = [f for f in found if f["severity"] == "error"]
    assert len(errors) == 1 and errors[0]["expected"] == "45.47" and errors[0]["actual"] == "498.76"
    assert "教师培训" in errors[0]["message"]
    notes = [f for f in found if f["severity"] == "info"]
    assert len(notes) == 1 and "校园安全" in notes[0]["message"]  # no ledger line: a note, not an error
    # corrected to the ledger (45.47 万元 = 454,700 元): no finding
    wb = openpyxl.load_workbook(path)
    ws = wb["绩效自评-教师培训"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value == "年度资金总额")
    ws.cell(row, 6).value = 45.47
    wb.save(path)
    assert [f for f in _findings(path, "E11-ledger") if f["severity"] == "error"] == []


def test_hand_edited_figure_reported_and_replaced(demo_copy):
    wb = openpyxl.load_workbook(demo_copy)
    ws = wb["公开03表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "20805")
    exact = ws.cell(row, 3).value
    ws.cell(row, 3).value = 125
    wb.save(demo_copy)
    found = _findings(demo_copy, "R18-detail")
    assert any(f["cells"][0] == {"sheet": "公开03表", "cell": f"C{row}"} for f in found), found
    proc = run_cli("fill", str(demo_copy))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text
    assert f"公开03表!C{row}" in text and f"125.00 → {exact:.2f}" in text
    again = run_cli("fill", str(demo_copy))
    assert "已被替换" not in again.stdout  # nothing typed over: nothing to say
