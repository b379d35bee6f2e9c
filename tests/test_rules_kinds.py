"""Every rule kind on real workbooks: one where the rule holds, one where it fails, with
the exact finding (rule id, cells, difference). Rules are given inline (as a bureau would
write them in its spec) and run through ``check_workbook``."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from check_helpers import cell_of, check, export_csv_rows, modified, write_csv

from juesuan.io.import_file import import_file
from juesuan.spec import load_spec


@pytest.fixture(scope="module")
def imported(demo_workbook, tmp_path_factory):
    """The demo's figures imported into a fresh template (no detail data): a hand-typed disclosure."""
    folder = tmp_path_factory.mktemp("imported")
    rows = export_csv_rows(demo_workbook)
    return import_file(write_csv(folder / "demo.csv", rows), folder / "imported.xlsx", load_spec("2019"))


def only(report, rule_id):
    return [f for f in report.findings if f.rule == rule_id]


def test_sum(imported, tmp_path):
    rule = {"id": "S", "type": "sum", "total": "01.inc_total.amount",
            "items": ["+01.inc_gp.amount", "+01.inc_gf.amount", "+01.inc_sup.amount", "+01.inc_biz.amount",
                      "+01.inc_op.amount", "+01.inc_aff.amount", "+01.inc_other.amount"],
            "message": "{where}错 {difference}"}
    assert check(imported, [rule]).findings == []
    sheet, gp, value = cell_of(imported, "01", "inc_gp", "amount")
    _, total, _ = cell_of(imported, "01", "inc_total", "amount")
    bad = modified(imported, tmp_path / "bad.xlsx", {(sheet, gp): float(value + D("1.25"))})
    [f] = check(bad, [rule]).findings
    assert (f.rule, f.severity, f.difference) == ("S", "error", D("-1.25"))
    assert (f.cells[0].sheet, f.cells[0].cell) == (sheet, total)
    assert (sheet, gp) in {(c.sheet, c.cell) for c in f.cells}
    assert f.message == "公开01表“本年收入合计”行错 -1.25"
    # a cent is within rounding of seven items: a 舍入差异 note with the amounts
    near = modified(imported, tmp_path / "near.xlsx", {(sheet, gp): float(value + D("0.01"))})
    [f] = check(near, [rule]).findings
    assert (f.severity, f.kind, f.difference) == ("info", "rounding", D("-0.01"))
    assert "舍入差异" in f.message


def test_sum_per_column_and_class_selector(imported, tmp_path):
    rule = {"id": "S4", "type": "sum", "columns": ["total", "gp", "gf"], "total": "04.fin_exp_total",
            "items": ["+04.类"]}
    assert check(imported, [rule]).findings == []
    sheet, cell, value = cell_of(imported, "04", "211", "gp")
    _, total, _ = cell_of(imported, "04", "fin_exp_total", "gp")
    bad = modified(imported, tmp_path / "bad.xlsx", {(sheet, cell): float(value - 3)})
    [f] = check(bad, [rule]).findings
    assert (f.cells[0].cell, f.difference) == (total, D(3))


def test_hierarchy_and_orphans(demo_workbook, imported, tmp_path):
    rule = {"id": "H", "type": "hierarchy", "table": "05", "total": "total"}
    assert check(imported, [rule]).findings == []
    sheet, cell, value = cell_of(imported, "05", "2110301", "project")
    _, parent, _ = cell_of(imported, "05", "21103", "project")
    bad = modified(imported, tmp_path / "bad.xlsx", {(sheet, cell): float(value + 2)})
    [f] = check(bad, [rule]).findings
    assert (f.rule, f.cells[0].cell, f.difference) == ("H", parent, D(-2))
    # a whole 类 row missing: 合计 ≠ Σ 类 in every column it held, and its 款 rows are orphans
    rows = [r for r in export_csv_rows(demo_workbook) if not (r[0] == "05" and r[1] == "208")]
    gone = import_file(write_csv(tmp_path / "gone.csv", rows), tmp_path / "gone.xlsx", load_spec("2019"))
    report = check(gone, [rule])
    orphans = [f for f in report.findings if f.kind == "finding" and f.expected is None]
    assert sorted(f.message.split("级科目 ")[1][:5] for f in orphans) == ["20805", "20808"]
    sums = [f for f in report.findings if f.expected is not None]
    demo = {r[2]: D(r[3]) for r in export_csv_rows(demo_workbook) if r[0] == "05" and r[1] == "208"}
    assert {f.cells[0].cell[0]: f.difference for f in sums} == {
        {"1": "C", "2": "D", "3": "E"}[k]: v for k, v in demo.items() if v}


def test_row_sum(imported, tmp_path):
    rule = {"id": "RS", "type": "row_sum", "table": "05", "total": "subtotal", "items": ["+basic", "+project"]}
    assert check(imported, [rule]).findings == []
    sheet, cell, value = cell_of(imported, "05", "2080505", "basic")
    _, subtotal, _ = cell_of(imported, "05", "2080505", "subtotal")
    bad = modified(imported, tmp_path / "bad.xlsx", {(sheet, cell): float(value - D("0.5"))})
    [f] = check(bad, [rule]).findings
    assert (f.cells[0].cell, f.cells[1].cell, f.difference) == (subtotal, cell, D("0.5"))


def test_balance_per_row_and_cells(imported, tmp_path):
    per_row = {"id": "B8", "type": "balance", "table": "08", "end": "end", "start": "begin", "plus": ["income"],
               "minus": ["exp_sub"]}
    cells = {"id": "B4", "type": "balance", "end": "04.fin_end.gp", "start": "04.begin_gp.amount",
             "plus": ["04.fin_gp.amount"], "minus": ["04.fin_exp_total.gp"]}
    assert check(imported, [per_row, cells]).findings == []
    sheet, cell, value = cell_of(imported, "08", "2120899", "end")
    s4, end4, v4 = cell_of(imported, "04", "fin_end", "gp")
    bad = modified(imported, tmp_path / "bad.xlsx", {(sheet, cell): float(value + 7), (s4, end4): float(v4 - 1)})
    report = check(bad, [per_row, cells])
    assert [(f.rule, f.cells[0].cell, f.difference) for f in report.findings] == [
        ("B8", cell, D(7)), ("B4", end4, D(-1))]


def test_compare_cross_table(imported, tmp_path):
    eq = {"id": "C1", "type": "compare", "left": "01.inc_total.amount", "right": "02.total.total"}
    ge = {"id": "C2", "type": "compare", "op": "ge", "left": "07.data.a_car_run", "right": "06.30231.amount"}
    assert check(imported, [eq, ge]).findings == []
    s2, c2, v2 = cell_of(imported, "02", "total", "total")
    s7, c7, v7 = cell_of(imported, "07", "data", "a_car_run")
    _, c6, _ = cell_of(imported, "06", "30231", "amount")
    bad = modified(imported, tmp_path / "bad.xlsx", {(s2, c2): float(v2 + D("0.01")), (s7, c7): float(v7 - 1)})
    report = check(bad, [eq, ge])
    f1, f2 = report.findings
    # the same quantity published twice: even a cent is an error
    assert (f1.rule, f1.severity, f1.difference, [c.cell for c in f1.cells]) == (
        "C1", "error", D("-0.01"), [cell_of(imported, "01", "inc_total", "amount")[1], c2])
    assert (f2.rule, f2.severity, f2.difference, [c.cell for c in f2.cells]) == ("C2", "error", D(-1), [c7, c6])


def test_cross_rows(imported, tmp_path):
    rule = {"id": "X", "type": "cross_rows", "left": "05", "right": "03", "op": "le", "total": True,
            "columns": [["subtotal", "total"], ["basic", "basic"], ["project", "project"]]}
    assert check(imported, [rule]).findings == []
    sheet, cell, value = cell_of(imported, "05", "2111101", "project")
    _, other, other_value = cell_of(imported, "03", "2111101", "project")
    bad = modified(imported, tmp_path / "bad.xlsx", {(sheet, cell): float(other_value + 5)})
    [f] = check(bad, [rule]).findings
    assert ([c.cell for c in f.cells], f.difference) == ([cell, other], D(5))


def test_detail(demo_workbook, imported, tmp_path):
    rule = {"id": "D", "type": "detail"}
    assert check(demo_workbook, [rule]).findings == []
    assert check(imported, [rule]).findings == []  # detail sheets empty: not applicable
    sheet, cell, value = cell_of(demo_workbook, "06", "30201", "amount")
    # two cents off is beyond any correct rounding (one cent may be the exact value's other rounding)
    bad = modified(demo_workbook, tmp_path / "bad.xlsx", {(sheet, cell): float(value + D("0.02"))})
    [f] = check(bad, [rule]).findings
    assert (f.rule, f.severity, f.difference, [(c.sheet, c.cell) for c in f.cells]) == (
        "D", "error", D("0.02"), [(sheet, cell)])


def test_required(imported, tmp_path):
    rule = {"id": "Q", "type": "required", "cells": ["01.inc_total.amount"]}
    assert check(imported, [rule]).findings == []
    sheet, cell, _ = cell_of(imported, "01", "inc_total", "amount")
    [f] = check(modified(imported, tmp_path / "bad.xlsx", {(sheet, cell): None}), [rule]).findings
    assert (f.rule, [c.cell for c in f.cells]) == ("Q", [cell])


def test_empty_note(demo_workbook, tmp_path):
    rule = {"id": "E", "type": "empty_note", "table": "08", "severity": "warning"}
    rows = [r for r in export_csv_rows(demo_workbook) if r[0] != "08"]
    empty = import_file(write_csv(tmp_path / "e.csv", rows), tmp_path / "empty.xlsx", load_spec("2019"))
    assert check(empty, [rule]).findings == []  # the importer prints the 无…情况 line
    assert check(demo_workbook, [rule]).findings == []  # data and the ordinary note
    bad = modified(empty, tmp_path / "bad.xlsx", {("公开08表", "A8"): "注：本表反映部门本年度政府性基金预算财政拨款收入、支出及结转和结余情况。"})
    [f] = check(bad, [rule]).findings
    assert (f.rule, f.severity, [c.cell for c in f.cells]) == ("E", "warning", ["A8"])


def test_codes(imported, tmp_path):
    rule = {"id": "K", "type": "codes", "severity": "warning", "tables": ["02"]}
    assert check(imported, [rule]).findings == []
    sheet, _, _ = cell_of(imported, "02", "2110101", "total")
    row = int(cell_of(imported, "02", "2110101", "total")[1][1:])
    bad = modified(imported, tmp_path / "bad.xlsx", {(sheet, f"B{row}"): "行政运营", (sheet, f"A{row + 1}"): "2119998"})
    report = check(bad, [rule])
    assert [(f.rule, f.severity, f.cells[0].cell) for f in report.findings] == [
        ("K", "warning", f"B{row}"), ("K", "warning", f"A{row + 1}")]
    assert "应为“行政运行”" in report.findings[0].message


def test_readable(imported, tmp_path):
    rule = {"id": "RD", "type": "readable"}
    assert check(imported, [rule]).findings == []
    sheet, cell, _ = cell_of(imported, "03", "total", "basic")
    [f] = check(modified(imported, tmp_path / "bad.xlsx", {(sheet, cell): "约100"}), [rule]).findings
    assert (f.rule, f.cells[0].cell) == ("RD", cell)


@pytest.mark.parametrize("rule, fragment", [
    ({"id": "Z1", "type": "sum", "total": "09.total.total", "items": ["+01.inc_gp.amount"]}, "09"),
    ({"id": "Z2", "type": "sum", "total": "01.nope.amount", "items": ["+01.inc_gp.amount"]}, "nope"),
    ({"id": "Z3", "type": "compare", "left": "02.total.nope", "right": "01.inc_gp.amount"}, "nope"),
    ({"id": "Z4", "type": "no_such_kind"}, "no_such_kind"),
    ({"id": "Z5", "type": "row_sum", "table": "05"}, "total"),
])
def test_rule_errors_are_reported_not_raised(imported, rule, fragment):
    [f] = check(imported, [rule]).findings
    assert (f.rule, f.severity, f.kind) == (rule["id"], "error", "rule-error")
    assert fragment in f.message


def test_missing_sheet_is_one_error_of_the_workbook_not_a_spec_problem(imported, tmp_path):
    """A table sheet the user deleted or renamed: one error naming it and the rules it
    stopped (before: a “模板规范问题” rule error per rule)."""
    import openpyxl

    wb = openpyxl.load_workbook(imported)
    del wb["公开07表"]
    wb.save(tmp_path / "no07.xlsx")
    report = check(tmp_path / "no07.xlsx")
    assert not [f for f in report.findings if f.kind == "rule-error"]
    [f] = [f for f in report.findings if f.rule == "sheet-missing"]
    assert f.severity == "error" and "缺少工作表“公开07表”" in f.message and "Sheet '公开07表' is missing" in f.english
    assert "R07-budget-total" in f.message and "R15-abroad" in f.english
    assert not any("公开07表" in g.message for g in report.findings if g is not f)


def test_the_kind_list_names_every_module_of_the_rules_package():
    import pkgutil

    import juesuan.rules as rules

    modules = {info.name for info in pkgutil.iter_modules(rules.__path__)} - {"base"}
    assert set(rules.KIND_MODULES) == modules
    assert len(rules.KIND_MODULES) == len(set(rules.KIND_MODULES))
