"""The nine-table format of 2020 and later: Fill on a small department computed by hand (every
table), the printed layout (no 行次/栏次/公开0n表 label, numbered class lines, 合计 last in 05,
the empty-table sentence), check clean on it, and the 2020-b variant (order B) built from a
few lines of spec. Real .xlsx files written and read back; CLI as real processes."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from fill_helpers import BASIC, GF, GP, OTHER, PROJECT, D, read_tables, values

from juesuan.io.files import fill_file, write_new
from juesuan.layout import geometry
from juesuan.spec import load_spec

SPEC = load_spec("2020")
SC = "国有资本经营预算财政拨款"


def small_inputs(spec=SPEC, sc: bool = True) -> dict[str, list[list]]:
    """A department small enough to compute by hand (amounts in 元)."""
    income = [["2010301", "", "一般公共预算财政拨款收入", D("1000000")],
              ["2120899", "", "政府性基金预算财政拨款收入", D("200000")],
              ["2010301", "", "事业收入", D("30000")]]
    expense = [["2010301", "30101", BASIC, GP, D("600000"), "", ""],
               ["2010301", "30201", BASIC, GP, D("100000"), "", ""],
               ["2010301", "30217", BASIC, GP, D("12345.67"), "", ""],
               ["2010302", "30227", PROJECT, GP, D("200000"), "信息化建设", ""],
               ["2120899", "30227", PROJECT, GF, D("150000"), "城乡社区项目", ""],
               ["2010301", "30201", BASIC, OTHER, D("20000"), "", ""]]
    balance = [["年初结转和结余", GP, "", D("50000")], ["年初结转和结余", GF, "2120899", D("10000")],
               ["使用非财政拨款结余", OTHER, "", D("3000")], ["结余分配", OTHER, "", D("1000")]]
    if sc:
        income.append(["2230199", "", "国有资本经营预算财政拨款收入", D("50000")])
        expense.append(["2230199", "30305", PROJECT, SC, D("40000"), "改革成本", ""])
        balance.append(["年初结转和结余", SC, "2230199", D("5000")])
    return {"info": spec.info_rows(dept="某区测试局", year="2025"), "income": income, "expense": expense,
            "balance": balance, "sangong_budget": [["公务接待费", D("20000")]]}


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("f2020") / "small.xlsx"
    write_new(path, SPEC, inputs=small_inputs())
    fill_file(path, path)
    return path


@pytest.fixture(scope="module")
def tables(filled):
    return read_tables(SPEC, filled)


def test_01_income_and_expenditure(tables):
    t = tables["01"]
    assert values(t, "inc_gp", "amount") == (D("100.00"),)
    assert values(t, "inc_gf", "amount") == (D("20.00"),)
    assert values(t, "inc_sc", "amount") == (D("5.00"),)
    assert values(t, "inc_biz", "amount") == (D("3.00"),)
    assert values(t, "inc_total", "amount") == (D("128.00"),)
    assert values(t, "fund_use", "amount") == (D("0.30"),)
    assert values(t, "begin", "amount") == (D("6.50"),)
    assert values(t, "grand_in", "amount") == (D("134.80"),)
    assert values(t, "201", "amount") == (D("93.23"),)  # 93.234567 exact
    assert values(t, "212", "amount") == (D("15.00"),)
    assert values(t, "223", "amount") == (D("4.00"),)
    assert values(t, "exp_total", "amount") == (D("112.23"),)
    assert values(t, "distrib", "amount") == (D("0.10"),)
    assert values(t, "end", "amount") == (D("22.47"),)
    assert values(t, "grand_out", "amount") == (D("134.80"),)
    classes = [r for r in t.panels[1] if r.code]
    assert [r.code for r in classes] == list(SPEC.class_list) and len(classes) == 24  # printed zero or not
    assert classes[0].label == "一、一般公共服务支出" and classes[10].label == "十一、城乡社区支出"
    assert classes[-1].label == "二十四、抗疫特别国债安排的支出"


def test_02_03_income_and_expense_by_code(tables):
    t2, t3 = tables["02"], tables["03"]
    assert values(t2, "total", "total", "fiscal", "business") == (D("128.00"), D("125.00"), D("3.00"))
    assert values(t2, "2010301", "total", "fiscal", "business") == (D("103.00"), D("100.00"), D("3.00"))
    assert values(t2, "2230199", "fiscal") == (D("5.00"),)
    assert values(t3, "total", "total", "basic", "project") == (D("112.23"), D("73.23"), D("39.00"))
    assert values(t3, "2010302", "total", "project") == (D("20.00"), D("20.00"))
    assert t2.panels[0][0].key == "total"  # 合计 first


def test_04_three_funds(tables):
    t = tables["04"]
    assert values(t, "fin_inc_total", "amount") == (D("125.00"),)
    assert [values(t, k, "amount")[0] for k in ("begin_gp", "begin_gf", "begin_sc", "fin_begin")] == \
        [D("5.00"), D("1.00"), D("0.50"), D("6.50")]
    assert values(t, "fin_grand_in", "amount") == (D("131.50"),)
    assert values(t, "201", "total", "gp", "gf", "sc") == (D("91.23"), D("91.23"), 0, 0)
    assert values(t, "212", "gf") == (D("15.00"),) and values(t, "223", "sc") == (D("4.00"),)
    assert values(t, "fin_exp_total", "total", "gp", "gf", "sc") == (D("110.23"), D("91.23"), D("15.00"), D("4.00"))
    assert values(t, "fin_end", "total", "gp", "gf", "sc") == (D("21.27"), D("13.77"), D("6.00"), D("1.50"))
    assert values(t, "fin_grand_out", "total") == (D("131.50"),)


def test_05_total_last(tables):
    t = tables["05"]
    rows = t.panels[0]
    assert rows[-1].key == "total" and [r.key for r in rows[:-1]] == ["201", "20103", "2010301", "2010302"]
    assert values(t, "total", "subtotal", "basic", "project") == (D("91.23"), D("71.23"), D("20.00"))


def test_06_two_panels_and_footers(tables):
    t = tables["06"]
    assert values(t, "30101", "amount") == (D("60.00"),) and values(t, "301", "amount") == (D("60.00"),)
    assert values(t, "302", "amount") == (D("11.23"),)
    assert values(t, "personnel_total", "amount") == (D("60.00"),)
    assert values(t, "public_total", "amount") == (D("11.23"),)
    codes = {r.code for r in t.rows() if r.code}
    assert not codes & {"307", "312", "399"} and "30311" in codes


def test_07_item_first(tables):
    t = tables["07"]
    assert values(t, "data", "b_recep", "b_total", "a_recep", "a_total") == (D("2.00"), D("2.00"), D("1.23"), D("1.23"))
    headers = [c.header for c in SPEC.table("07").panels[0].columns]
    assert headers[:2] == [("合计", "预算数"), ("合计", "决算数")]
    assert ("公务用车购置及运行维护费", "公务用车运行维护费", "决算数") in headers


def test_08_09_fund_tables(tables):
    assert values(tables["08"], "total", "begin", "income", "exp_sub", "project", "end") == \
        (D("1.00"), D("20.00"), D("15.00"), D("15.00"), D("6.00"))
    assert values(tables["09"], "2230199", "begin", "income", "exp_sub", "end") == \
        (D("0.50"), D("5.00"), D("4.00"), D("1.50"))


def test_printed_layout(filled):
    wb = openpyxl.load_workbook(filled)
    for table in SPEC.tables:
        ws = wb[table.sheet]
        geo = geometry(table)
        assert geo.label is None and geo.lanci is None
        assert ws.cell(1, 1).value == table.title
        texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        assert not any(t.startswith(("公开0", "部门：")) or t == "栏次" for t in texts), table.sheet
        assert "单位：万元" in texts


def test_empty_fund_table_sentence(tmp_path):
    path = tmp_path / "no-sc.xlsx"
    write_new(path, SPEC, inputs=small_inputs(sc=False))
    fill_file(path, path)
    ws = openpyxl.load_workbook(path)[SPEC.table("09").sheet]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "说明：某区测试局本年度没有国有资本经营预算财政拨款收入和支出，故本表无数据。" in texts
    report = run_cli("check", str(path), "--format", "json")
    assert report.returncode == 0, report.stdout + report.stderr


def test_check_is_clean_and_catches_a_change(filled, tmp_path):
    proc = run_cli("check", str(filled))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.load_workbook(filled)
    sheet = SPEC.table("04").sheet
    ws = wb[sheet]
    target = next(c for row in ws.iter_rows() for c in row if c.value == "本年收入合计")
    ws.cell(target.row, target.column + 1).value = 126.0
    wb.save(bad)
    proc = run_cli("check", str(bad), "--format", "json")
    assert proc.returncode == 1
    assert "R05-04-income-total" in proc.stdout and "R10-fiscal-income" in proc.stdout


def test_new_defaults_to_the_newest_format(tmp_path):
    out = tmp_path / "new.xlsx"
    run_cli("new", "-o", str(out), "--dept", "某局", check=True)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[: len(SPEC.sheet_names)] == SPEC.sheet_names
    info = {r[0].value: r[1].value for r in wb["基本信息"].iter_rows(min_row=3) if r[0].value}
    assert info["模板格式"] == "2020"


def test_variant_order_b(tmp_path):
    spec_b = load_spec("2020-b")
    assert [t.id for t in spec_b.tables] == ["01", "02", "03", "04", "05", "06", "08", "09", "07"]
    assert spec_b.table("06").title == "一般公共预算财政拨款基本支出决算明细表"
    assert [c.key for c in spec_b.table("08").panels[0].columns] == [c.key for c in SPEC.table("08").panels[0].columns]
    path = tmp_path / "b.xlsx"
    write_new(path, spec_b, inputs=small_inputs(spec_b))
    fill_file(path, path)
    assert openpyxl.load_workbook(path).sheetnames[len(spec_b.inputs) + 6] == "7政府性基金预算财政拨款收入支出决算表"
    assert values(read_tables(spec_b, path)["08"], "total", "exp_sub") == (D("15.00"),)
    assert run_cli("check", str(path)).returncode == 0


BUREAU_VARIANT = """\
extends: "2020"
format: "2020-county"
name: 某县财政局模板（26行）
class_list: ["201", "202", "203", "204", "205", "206", "207", "208", "210", "211", "212", "213", "214", "215",
             "216", "217", "219", "220", "221", "222", "223", "224", "229", "231", "232", "234"]
tables:
  "07": {title: 一般公共预算财政拨款“三公”经费支出决算表, note: 注：本表反映“三公”经费支出预决算情况。}
"""


def test_a_bureau_variant_of_a_few_lines(tmp_path):
    """A bureau's own spec beside the workbook: found through JUESUAN_SPEC_PATH, built, filled, checked."""
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "spec-2020-county.yaml").write_text(BUREAU_VARIANT, encoding="utf-8")
    env = {"JUESUAN_SPEC_PATH": str(folder)}
    assert run_cli("spec", "check", str(folder / "spec-2020-county.yaml"), env=env).returncode == 0
    blank = tmp_path / "blank.xlsx"
    run_cli("new", "-o", str(blank), "--format", "2020-county", "--dept", "某县局", check=True, env=env)
    assert openpyxl.load_workbook(blank).sheetnames[: len(SPEC.sheet_names)] == SPEC.sheet_names
    book = tmp_path / "county.xlsx"
    os.environ["JUESUAN_SPEC_PATH"] = str(folder)
    try:
        spec = load_spec("2020-county")
        assert len([r for r in spec.table("01").panels[1].rows if r.kind == "classes"][0].include) == 26
        write_new(book, spec, inputs=small_inputs(spec))
    finally:
        del os.environ["JUESUAN_SPEC_PATH"]
    run_cli("fill", str(book), check=True, env=env)
    proc = run_cli("check", str(book), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wb = openpyxl.load_workbook(book)
    t01 = wb[spec.table("01").sheet]
    labels = [c.value for c in t01["C"] if isinstance(c.value, str)]
    assert "二十四、债务还本支出" in labels and "二十六、抗疫特别国债安排的支出" in labels
    assert wb[spec.table("07").sheet].cell(1, 1).value == "一般公共预算财政拨款“三公”经费支出决算表"


def test_wan_values_are_decimal(tables):
    assert all(isinstance(v, Decimal) for r in tables["01"].rows() for v in r.values.values() if v is not None)
