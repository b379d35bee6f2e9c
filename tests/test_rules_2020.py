"""Each relation of the 2020 rule catalogue catches a single changed figure: on a filled
department (all three funds) every rule holds; then, for each rule, one figure it relates is
raised by 1.00 万元 (an inequality, which has slack, by 1000.00) and that rule alone must report an
error naming the changed cell's sheet."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest
from test_format_2020 import SPEC, small_inputs

from juesuan.fill import fill_accounts
from juesuan.layout import render_input, render_table
from juesuan.ledger import read_ledger
from juesuan.port import MemoryWorkbook
from juesuan.reading import read_table
from juesuan.rules.base import parse_ref
from juesuan.validate import check_workbook

KINDS = ("sum", "compare", "hierarchy", "row_sum", "cross_rows", "balance")
RULES = [r for r in SPEC.rules if r.type in KINDS]


@pytest.fixture(scope="module")
def book() -> MemoryWorkbook:
    inputs = small_inputs()
    inputs["expense"].append(["2010301", "30212", "基本支出", "一般公共预算财政拨款", Decimal("5000"), "", ""])
    inputs["expense"].append(["2120899", "30201", "基本支出", "政府性基金预算财政拨款", Decimal("7000"), "", ""])
    out = MemoryWorkbook()
    for sheet in SPEC.inputs:
        out.replace_sheet(render_input(sheet, inputs.get(sheet.id), SPEC, blank_rows=0))
    accounts = fill_accounts(SPEC, read_ledger(SPEC, out))
    for table in SPEC.tables:
        out.replace_sheet(render_table(table, accounts.tables[table.id], accounts.dept, SPEC.unit))
    return out


def _target(rule, book) -> tuple[str, str, str]:
    """(table id, row key, column) of a figure the rule relates, chosen so that raising it breaks
    the rule: the total of a sum, the left side of a comparison (≥: the right side), a class row
    of a hierarchy, the total column of a row sum, the end of a balance."""
    p = rule.params
    if rule.type == "sum":
        ref = parse_ref(p["total"])
        return ref.table, ref.row, ref.col or p["columns"][0]
    if rule.type == "compare":
        side = p["right"] if p.get("op") == "ge" else p["left"]
        ref = parse_ref(side[0] if isinstance(side, list) else side)
        return ref.table, ref.row, ref.col
    if rule.type == "balance" and "table" not in p:
        ref = parse_ref(p["end"])
        return ref.table, ref.row, ref.col
    tid = str(p.get("table") or p.get("left"))
    values = read_table(SPEC, SPEC.table(tid), book.read_sheet(SPEC.table(tid).sheet))
    if rule.type == "hierarchy":
        col = next(c.key for c in SPEC.table(tid).panels[0].amount_columns)
        row = next(r for r in values.rows() if r.code and len(r.code) == 3 and r.values.get(col))
        return tid, row.key, col
    if rule.type == "row_sum":
        row = next(r for r in values.rows() if r.values.get(str(p["total"])))
        return tid, row.key, str(p["total"])
    if rule.type == "balance":
        return tid, "total", str(p["end"])
    left_col = p["columns"][0][0]  # cross_rows: a class row (or 合计) of the left table
    row = next((r for r in values.rows() if r.code and len(r.code) == 3 and r.values.get(left_col)), None)
    return tid, (row.key if row else "total"), left_col


def _address(book, tid, key, col) -> tuple[int, int]:
    values = read_table(SPEC, SPEC.table(tid), book.read_sheet(SPEC.table(tid).sheet))
    cell = next(r for r in values.rows() if r.key == key).cells[col]
    m = re.match(r"([A-Z]+)(\d+)", cell)
    letters, row = m.group(1), int(m.group(2))
    col_index = 0
    for ch in letters:
        col_index = col_index * 26 + ord(ch) - 64
    return row - 1, col_index - 1


def test_all_relations_hold_on_the_filled_department(book):
    report = check_workbook(dataclasses.replace(SPEC, rules=tuple(RULES)), book)
    assert not [f for f in report.findings if f.severity == "error" or f.kind == "rounding"], report.to_text()


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_each_rule_catches_one_changed_figure(rule, book):
    tid, key, col = _target(rule, book)
    sheet = SPEC.table(tid).sheet
    r, c = _address(book, tid, key, col)
    changed = MemoryWorkbook({name: [list(row) for row in grid] for name, grid in book.sheets.items()})
    before = changed.sheets[sheet][r][c] or 0
    step = Decimal("1.00") if rule.params.get("op", "eq") == "eq" else Decimal("1000.00")  # ≤ / ≥ have slack
    changed.sheets[sheet][r][c] = float(Decimal(str(before)) + step)
    report = check_workbook(dataclasses.replace(SPEC, rules=(rule,)), changed)
    errors = [f for f in report.findings if f.severity == "error" and f.kind != "rule-error"]
    assert errors, f"{rule.id} missed a change of 1.00 at {sheet} {key}.{col}"
    assert any(ref.sheet == sheet for f in errors for ref in f.cells), errors
