"""Fill on small hand-computed ledgers, every table 01–08, through real files and the CLI.

The ledger lines carry awkward cents (and corrections) but each leaf (项 × 款 × 类别 ×
资金来源) sums to whole hundreds of 元, i.e. whole cents of 万元, so every published figure
has exactly one right value and the expectations below are computed by hand:

收入 (万元): 2110101 一般公共预算 12.35, 事业 1.01; 2110199 其他 0.13; 2110301 一般公共预算 8.00;
  2120899 政府性基金 3.00.
支出: 2110101 一般公共预算 基本 30101 7.00, 30201 1.49, 30212 0.25, 30217 0.12, 30231 0.34,
  30302 0.50 (= 9.70), 其他资金 基本 30201 0.30; 2110301 一般公共预算 项目 30227 4.57,
  31013 2.50, 30217 0.08 (= 7.15); 2110199 其他资金 项目 30226 0.45, 经营支出 30201 0.06;
  2120899 政府性基金 项目 30227 2.00.
结转结余: 年初 一般公共预算 1.00, 政府性基金 (2120899) 1.50, 其他资金 0.23; 用事业基金 0.10;
  结余分配 0.07. 三公预算: 出国 0.30, 购置 3.00, 运行 0.40, 接待 0.15.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from fill_helpers import BASIC, GF, GP, INC_GF, INC_GP, OTHER, PROJECT, D, read_tables, run_cli, values

from juesuan.io.files import write_new
from juesuan.spec import load_spec

SPEC = load_spec("2019")
Z = Decimal("0.00")


def _inputs(with_gf: bool = True) -> dict[str, list[list]]:
    income = [
        ["2110101", "", INC_GP, D("123456.78")],
        ["2110101", "", INC_GP, D("43.22")],
        ["2110301", "", INC_GP, D("80000.01")],
        ["2110301", "", INC_GP, D("-0.01")],  # a correction
        ["2110101", "", "事业收入", D("10050.50")],
        ["2110101", "", "事业收入", D("49.50")],
        ["2110199", "", "其他收入", D("1234.56")],
        ["2110199", "", "其他收入", D("65.44")],
    ]
    expense = [
        ["2110101", "30101", BASIC, GP, D("60000.37"), "", ""],
        ["2110101", "30101", BASIC, GP, D("9999.63"), "", ""],
        ["2110101", "30201", BASIC, GP, D("15000.25"), "", ""],
        ["2110101", "30201", BASIC, GP, D("-100.25"), "", ""],  # a correction
        ["2110101", "30212", BASIC, GP, D("2500.00"), "", ""],
        ["2110101", "30217", BASIC, GP, D("1200.00"), "", ""],
        ["2110101", "30231", BASIC, GP, D("3333.33"), "", ""],
        ["2110101", "30231", BASIC, GP, D("66.67"), "", ""],
        ["2110101", "30302", BASIC, GP, D("5000.00"), "", ""],
        ["2110301", "30227", PROJECT, GP, D("45678.90"), "大气污染防治", ""],
        ["2110301", "30227", PROJECT, GP, D("21.10"), "大气污染防治", ""],
        ["2110301", "31013", PROJECT, GP, D("25000.00"), "执法用车购置", ""],
        ["2110301", "30217", PROJECT, GP, D("800.00"), "大气污染防治", ""],
        ["2110101", "30201", BASIC, OTHER, D("3000.00"), "", ""],
        ["2110199", "30226", PROJECT, OTHER, D("4500.00"), "技术服务", ""],
        ["2110199", "30201", "经营支出", OTHER, D("600.00"), "", ""],
    ]
    balance = [
        ["年初结转和结余", GP, "", D("5555.55")],
        ["年初结转和结余", GP, "", D("4444.45")],
        ["年初结转和结余", OTHER, "", D("2345.67")],
        ["年初结转和结余", OTHER, "", D("-45.67")],
        ["用事业基金弥补收支差额", OTHER, "", D("1000.00")],
        ["结余分配", OTHER, "", D("700.00")],
    ]
    if with_gf:
        income += [["2120899", "", INC_GF, D("29999.99")], ["2120899", "", INC_GF, D("0.01")]]
        expense += [["2120899", "30227", PROJECT, GF, D("19999.99"), "土地出让收入安排的治理", ""],
                    ["2120899", "30227", PROJECT, GF, D("0.01"), "土地出让收入安排的治理", ""]]
        balance += [["年初结转和结余", GF, "2120899", D("15000.00")]]
    sangong = [["因公出国（境）费", D("3000")], ["公务用车购置费", D("30000")], ["公务用车运行费", D("4000")],
               ["公务接待费", D("1499.99")], ["公务接待费", D("0.01")]]
    return {"info": [["部门名称", "测试部门"], ["年度", "2019"], ["模板格式", "2019"]],
            "income": income, "expense": expense, "balance": balance, "sangong_budget": sangong}


def _fill(tmp_path: Path, with_gf: bool = True) -> dict:
    src = write_new(tmp_path / "in.xlsx", SPEC, inputs=_inputs(with_gf))
    out = tmp_path / "out.xlsx"
    proc = run_cli("fill", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return read_tables(SPEC, out)


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict:
    return _fill(tmp_path_factory.mktemp("fill-gf"))


@pytest.fixture(scope="module")
def tables_no_gf(tmp_path_factory) -> dict:
    return _fill(tmp_path_factory.mktemp("fill-nogf"), with_gf=False)


def _col(table, key: str) -> dict:
    return {row.key: row.values.get(key) for row in table.rows() if key in row.values}


def test_01_lines_and_balances(tables):
    t = tables["01"]
    amount = _col(t, "amount")
    expected_in = {"inc_gp": "20.35", "inc_gf": "3.00", "inc_sup": "0", "inc_biz": "1.01", "inc_op": "0",
                   "inc_aff": "0", "inc_other": "0.13", "inc_total": "24.49", "fund_use": "0.10",
                   "begin": "2.73", "grand_in": "27.32"}
    for key, text in expected_in.items():
        assert amount[key] == D(text), key
    assert amount["211"] == D("17.66")
    assert amount["212"] == D("2.00")
    assert amount["exp_total"] == D("19.66")
    assert amount["distrib"] == D("0.07")
    # 年末 = 年初 + 收入 + 用事业基金 − 支出 − 结余分配 = 2.73 + 24.49 + 0.10 − 19.66 − 0.07
    assert amount["end"] == D("7.59")
    assert amount["grand_out"] == D("27.32")
    classes = [r for r in t.panels[1] if r.code]
    assert [r.line for r in classes] == list(range(30, 30 + len(classes)))
    assert all(r.values["amount"] == 0 for r in classes if r.code not in ("211", "212"))


def test_02_income_hierarchy(tables):
    t = tables["02"]
    cols = ("total", "fiscal", "superior", "business", "operating", "affiliated", "other")
    expected = {
        "total": ("24.49", "23.35", "0", "1.01", "0", "0", "0.13"),
        "211": ("21.49", "20.35", "0", "1.01", "0", "0", "0.13"),
        "21101": ("13.49", "12.35", "0", "1.01", "0", "0", "0.13"),
        "2110101": ("13.36", "12.35", "0", "1.01", "0", "0", "0"),
        "2110199": ("0.13", "0", "0", "0", "0", "0", "0.13"),
        "21103": ("8.00", "8.00", "0", "0", "0", "0", "0"),
        "2110301": ("8.00", "8.00", "0", "0", "0", "0", "0"),
        "212": ("3.00", "3.00", "0", "0", "0", "0", "0"),
        "21208": ("3.00", "3.00", "0", "0", "0", "0", "0"),
        "2120899": ("3.00", "3.00", "0", "0", "0", "0", "0"),
    }
    assert [r.key for r in t.rows()] == list(expected)
    for key, figures in expected.items():
        assert values(t, key, *cols) == tuple(D(x) for x in figures), key
    assert t.row("2110101").label == "行政运行"


def test_03_expense_hierarchy(tables):
    t = tables["03"]
    cols = ("total", "basic", "project", "upper", "operating", "subsidy")
    expected = {
        "total": ("19.66", "10.00", "9.60", "0", "0.06", "0"),
        "211": ("17.66", "10.00", "7.60", "0", "0.06", "0"),
        "21101": ("10.51", "10.00", "0.45", "0", "0.06", "0"),
        "2110101": ("10.00", "10.00", "0", "0", "0", "0"),
        "2110199": ("0.51", "0", "0.45", "0", "0.06", "0"),
        "21103": ("7.15", "0", "7.15", "0", "0", "0"),
        "2110301": ("7.15", "0", "7.15", "0", "0", "0"),
        "212": ("2.00", "0", "2.00", "0", "0", "0"),
        "21208": ("2.00", "0", "2.00", "0", "0", "0"),
        "2120899": ("2.00", "0", "2.00", "0", "0", "0"),
    }
    assert [r.key for r in t.rows()] == list(expected)
    for key, figures in expected.items():
        assert values(t, key, *cols) == tuple(D(x) for x in figures), key


def test_04_fund_split_and_year_end(tables):
    t = tables["04"]
    amount = _col(t, "amount")
    for key, text in {"fin_gp": "20.35", "fin_gf": "3.00", "fin_inc_total": "23.35", "fin_begin": "2.50",
                      "begin_gp": "1.00", "begin_gf": "1.50", "fin_grand_in": "25.85"}.items():
        assert amount[key] == D(text), key
    cols = ("total", "gp", "gf")
    assert values(t, "211", *cols) == (D("16.85"), D("16.85"), Z)
    assert values(t, "212", *cols) == (D("2.00"), Z, D("2.00"))
    assert values(t, "fin_exp_total", *cols) == (D("18.85"), D("16.85"), D("2.00"))
    # 年末 by fund = 年初 + 本年收入 − 本年支出: GP 1.00 + 20.35 − 16.85; GF 1.50 + 3.00 − 2.00
    assert values(t, "fin_end", *cols) == (D("7.00"), D("4.50"), D("2.50"))
    assert values(t, "fin_grand_out", *cols) == (D("25.85"), D("21.35"), D("4.50"))
    classes = [r for r in t.panels[1] if r.code]
    assert [(r.code, r.line) for r in classes] == [("211", 15), ("212", 16)]


def test_05_fiscal_subset(tables):
    t = tables["05"]
    cols = ("subtotal", "basic", "project")
    expected = {
        "total": ("16.85", "9.70", "7.15"),
        "211": ("16.85", "9.70", "7.15"),
        "21101": ("9.70", "9.70", "0"),
        "2110101": ("9.70", "9.70", "0"),
        "21103": ("7.15", "0", "7.15"),
        "2110301": ("7.15", "0", "7.15"),
    }
    assert [r.key for r in t.rows()] == list(expected)  # 2110199 (其他资金 only) and 212 (基金) are not here
    for key, figures in expected.items():
        assert values(t, key, *cols) == tuple(D(x) for x in figures), key


def test_06_economic_rows_and_totals(tables):
    t = tables["06"]
    amount = _col(t, "amount")
    expected = {"301": "7.00", "30101": "7.00", "303": "0.50", "30302": "0.50", "302": "2.20",
                "30201": "1.49", "30212": "0.25", "30217": "0.12", "30231": "0.34",
                "personnel_total": "7.50", "public_total": "2.20"}
    for key, text in expected.items():
        assert amount[key] == D(text), key
    others = {k: v for k, v in amount.items() if k not in expected}
    assert others and all(v == 0 for v in others.values()), others
    assert {r.key for r in t.panels[0]} >= {"301", "30101", "303", "30302"}
    assert {r.key for r in t.panels[1]} >= {"302", "30201", "30231"}


def test_07_sangong(tables):
    t = tables["07"]
    cols = ("b_total", "b_abroad", "b_car", "b_car_buy", "b_car_run", "b_recep",
            "a_total", "a_abroad", "a_car", "a_car_buy", "a_car_run", "a_recep")
    # 决算: 出国 30212 0.25; 购置 31013 2.50; 运行 30231 0.34; 接待 30217 0.12 (基本) + 0.08 (项目)
    expected = ("3.85", "0.30", "3.40", "3.00", "0.40", "0.15", "3.29", "0.25", "2.84", "2.50", "0.34", "0.20")
    assert values(t, "data", *cols) == tuple(D(x) for x in expected)


def test_08_government_funds(tables):
    t = tables["08"]
    assert not t.empty
    cols = ("begin", "income", "exp_sub", "basic", "project", "end")
    row = tuple(D(x) for x in ("1.50", "3.00", "2.00", "0", "2.00", "2.50"))
    assert [r.key for r in t.rows()] == ["total", "212", "21208", "2120899"]
    for key in ("total", "212", "21208", "2120899"):
        assert values(t, key, *cols) == row, key


def test_without_government_funds(tables_no_gf, tmp_path):
    t = tables_no_gf["08"]
    assert t.empty
    assert [r.key for r in t.rows()] == ["total"]
    assert all(v is None for v in t.row("total").values.values())
    t4 = tables_no_gf["04"]
    assert values(t4, "fin_exp_total", "total", "gp", "gf") == (D("16.85"), D("16.85"), Z)
    assert values(t4, "fin_end", "total", "gp", "gf") == (D("4.50"), D("4.50"), Z)
    assert _col(t4, "amount")["fin_gf"] == Z
    assert _col(tables_no_gf["01"], "amount")["begin"] == D("1.23")


def test_08_empty_note_on_sheet(tmp_path):
    from fill_helpers import read_grids

    src = write_new(tmp_path / "in.xlsx", SPEC, inputs=_inputs(with_gf=False))
    assert run_cli("fill", str(src)).returncode == 0
    cells = [v for row in read_grids(src)["公开08表"] for v in row if isinstance(v, str)]
    assert SPEC.table("08").empty_note in cells
    assert SPEC.table("08").note not in cells
