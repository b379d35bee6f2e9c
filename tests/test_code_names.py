"""Every published 科目名称 has a source (code list, the 科目表 sheet, typed 类/款/项 names);
a code without one is an input problem at its detail cell (Fill: exit 2, nothing written;
Check: an error), and an unknown 类 names its cell. Real CLI processes on real .xlsx files."""

from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from fill_helpers import BASIC, GF, GP, INC_GF, INC_GP, OTHER, PROJECT, read_tables, run_cli

from juesuan.io.files import write_new
from juesuan.spec import load_spec

SPEC = load_spec("2019")
INFO = [["部门名称", "某县教育局"], ["年度", "2019"], ["模板格式", "2019"]]

# 某县教育局: 205 教育, 208 社保, 213 农林水 (a 驻村帮扶 project), 229 60 彩票公益金, 210/221 as usual
FUNC = ["2050101", "2050102", "2050199", "2050201", "2050202", "2050203", "2050204", "2050299", "2050302",
        "2050701", "2050801", "2050803", "2050901", "2050902", "2050904", "2059999", "2080501", "2080502",
        "2080505", "2080506", "2080801", "2101101", "2101102", "2101103", "2210201", "2130599", "2130705",
        "2296004", "2296002"]
ECON_BASIC = ["30101", "30102", "30103", "30107", "30108", "30109", "30110", "30112", "30113", "30201", "30205",
              "30206", "30211", "30213", "30216", "30228", "30231", "30302", "30305", "31002"]
ECON_PROJECT = ["30227", "30218", "31003", "31007", "30226", "30216", "30299", "30308"]


def education_ledger(n: int = 140, seed: int = 7) -> dict[str, list[list]]:
    rnd = random.Random(seed)
    expense = []
    for i in range(n):
        func = FUNC[i % len(FUNC)]
        if i % 3 == 0:
            econ, kind, project = rnd.choice(ECON_PROJECT), PROJECT, f"项目{func[-3:]}"
        else:
            econ, kind, project = rnd.choice(ECON_BASIC), BASIC, ""
        fund = GF if func.startswith("229") else (OTHER if i % 11 == 0 else GP)
        amount = Decimal(rnd.randint(1_000_00, 900_000_00)) / 100
        expense.append([func, econ, kind, fund, amount, project, ""])
    total = sum((r[4] for r in expense), Decimal(0))
    gf = sum((r[4] for r in expense if r[3] == GF), Decimal(0))
    other = sum((r[4] for r in expense if r[3] == OTHER), Decimal(0))
    income = [["2050202", "", INC_GP, total - gf - other], ["2296004", "", INC_GF, gf],
              ["2050202", "", "事业收入", other]]
    return {"info": copy.deepcopy(INFO), "income": income, "expense": expense, "balance": [], "sangong_budget": []}


def _book(tmp_path: Path, inputs: dict, name: str = "教育局.xlsx") -> Path:
    return write_new(tmp_path / name, SPEC, inputs=inputs)


def _names_blank(tables: dict) -> list[tuple[str, str]]:
    return [(tid, row.code) for tid, t in tables.items() for row in t.rows()
            if row.code and not (row.label or "").strip()]


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_education_bureau_publishes_every_name(tmp_path, fmt):
    spec = load_spec(fmt)
    inputs = education_ledger()
    inputs["info"] = [["部门名称", "某县教育局"], ["年度", "2019" if fmt == "2019" else "2024"], ["模板格式", fmt]]
    path = write_new(tmp_path / "教育局.xlsx", spec, inputs=inputs)
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tables = read_tables(spec, path)
    assert _names_blank(tables) == []
    codes = {row.code for row in tables["03"].rows() if row.code}
    assert {"205", "20502", "2050202", "229", "22960", "2296004", "213", "21305"} <= codes
    assert tables["03"].row("20502").label == "普通教育"
    assert tables["08"].row("22960").label == "彩票公益金安排的支出"
    check = run_cli("check", str(path), "--format", "json")
    report = json.loads(check.stdout)
    assert check.returncode == 0, check.stdout
    assert not [f for f in report["findings"] if f["severity"] in ("error", "warning")], report["findings"]


@pytest.mark.parametrize("fmt", ["2020", "2020-b"])
def test_demo_departments_publish_every_name(demo_workbook, tmp_path, fmt):
    assert _names_blank(read_tables(SPEC, demo_workbook)) == []
    proc = run_cli("demo", "--format", fmt, "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [path] = list(tmp_path.glob("*.xlsx"))
    assert _names_blank(read_tables(load_spec(fmt), path)) == []


def test_code_without_name_stops_fill_at_its_cell(tmp_path):
    inputs = education_ledger(30)
    inputs["expense"][4][0] = "2080598"  # a typo of 2080599 (功能) …
    inputs["expense"][7][1] = "30250"  # … and of 30205 (经济)
    path = _book(tmp_path, inputs)
    before = path.read_bytes()
    proc = run_cli("fill", str(path))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "支出明细!A7" in text and "2080598" in text  # row 3 + 4
    assert "支出明细!B10" in text and "30250" in text
    assert "Traceback" not in text
    assert path.read_bytes() == before


def test_check_reports_code_without_name_as_error(tmp_path):
    inputs = education_ledger(30)
    path = _book(tmp_path, inputs)
    assert run_cli("fill", str(path)).returncode == 0
    # the accountant adds a line with a mistyped code after filling
    wb = openpyxl.load_workbook(path)
    ws = wb["支出明细"]
    ws.append(["2080598", "30101", BASIC, GP, 100, "", ""])
    wb.save(path)
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1
    found = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "R19-code-names"]
    assert found and found[0]["severity"] == "error"
    assert found[0]["cells"][0]["sheet"] == "支出明细"


def test_unknown_class_names_the_detail_cell(tmp_path):
    inputs = education_ledger(20)
    inputs["expense"][2][0] = "2320301"  # 债务付息支出: not a class line of the 2019 tables
    path = _book(tmp_path, inputs)
    proc = run_cli("fill", str(path))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "支出明细!A5" in text and "232" in text


def test_own_code_sheet_and_typed_names_for_every_level(tmp_path):
    inputs = education_ledger(20)
    inputs["expense"][0][0] = "2059901"  # not in the list: 20599 is, its 项 2059901 is not
    inputs["expense"][1][0] = "2089901"  # 20899 named by the list; 2089901 by a typed path
    inputs["expense"][1][6] = "社会保障和就业支出/其他社会保障和就业支出/退役军人优待"
    inputs["expense"][2][0] = "2139902"
    inputs["own_codes"] = [["功能分类", "2059901", "教育信息化"], ["功能分类", "2139902", "乡村振兴示范村建设"],
                           ["功能分类", "20502", "基础教育"]]  # conflicts with the list: warned, list wins
    path = _book(tmp_path, inputs)
    proc = run_cli("fill", str(path))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text
    assert "普通教育" in text and "基础教育" in text  # the conflict is reported
    t03 = read_tables(SPEC, path)["03"]
    assert t03.row("2059901").label == "教育信息化"
    assert t03.row("2089901").label == "退役军人优待"
    assert t03.row("2139902").label == "乡村振兴示范村建设"
    assert t03.row("20502").label == "普通教育"
    assert _names_blank({"03": t03}) == []


def test_check_reports_a_blank_name_in_a_table(tmp_path):
    path = _book(tmp_path, education_ledger(30))
    assert run_cli("fill", str(path)).returncode == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["公开03表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "20502")
    ws.cell(row, 2).value = None
    wb.save(path)
    proc = run_cli("check", str(path), "--format", "json")
    found = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "R17-codes-functional"]
    assert [(f["cells"][0]["cell"], "普通教育" in f["message"]) for f in found] == [(f"B{row}", True)]


def test_workbook_made_before_the_code_sheet_still_fills_and_checks(tmp_path):
    path = _book(tmp_path, education_ledger(25))
    wb = openpyxl.load_workbook(path)
    del wb["科目表"]
    wb.save(path)
    assert run_cli("fill", str(path)).returncode == 0
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stdout
    assert not [f for f in json.loads(proc.stdout)["findings"] if f["severity"] == "error"]


def test_code_cells_first_line_and_count_of_every_node():
    """Each code node (every level) is located at the first ledger line under it, with the
    number of lines under it: computed per distinct code, compared with a line-by-line count."""
    from juesuan.code_names import _code_cells
    from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors
    from juesuan.ledger import LedgerLine
    from juesuan.port import a1

    columns = {}
    for s in SPEC.inputs:
        for c, col in enumerate(s.columns):
            if col.type in ("func_code", "econ_code"):
                columns[(s.sheet, "functional" if col.type == "func_code" else "economic")] = c
    sheets = [s.sheet for s in SPEC.inputs]
    for seed in range(50):
        rnd = random.Random(seed)
        lines = [LedgerLine(ledger="expense", amount=Decimal(1), sheet=rnd.choice(sheets), row=rnd.randint(3, 99),
                            func=rnd.choice(["", "205", "20501", "2050101", "2050102", "2080501", "2296004"]),
                            econ=rnd.choice(["", "301", "30101", "30201", "30216"]))
                 for _ in range(rnd.randint(0, 40))]
        expected: dict[tuple[str, str], tuple[str, str, int]] = {}
        for line in lines:
            for scheme, code, levels in (("functional", line.func, FUNC_LEVELS), ("economic", line.econ, ECON_LEVELS)):
                for node in ancestors(code, levels) if code else []:
                    sheet, cell, count = expected.get(
                        (scheme, node), (line.sheet, a1(line.row - 1, columns.get((line.sheet, scheme), 0)), 0))
                    expected[(scheme, node)] = (sheet, cell, count + 1)
        assert _code_cells(SPEC, lines) == expected
