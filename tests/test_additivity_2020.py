"""Additivity across the nine tables of the 2020+ format (hypothesis): on random ledgers with
all three fiscal funds, Fill's tables satisfy every equality of the 2020 rule catalogue
exactly — no rounding note, no error — and headline figures are within the printed bound of
their exact values summed here from the ledger in 元. In memory for speed."""

from __future__ import annotations

from decimal import Decimal

from fill_helpers import BASIC, GF, GP, OTHER, PROJECT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.fill import fill_accounts
from juesuan.layout import render_input, render_table
from juesuan.ledger import read_ledger
from juesuan.port import MemoryWorkbook
from juesuan.spec import load_spec
from juesuan.validate import check_workbook

SPEC = load_spec("2020")
SC = "国有资本经营预算财政拨款"
WAN = Decimal(10000)
RELATIONS = {"sum", "compare", "hierarchy", "row_sum", "cross_rows", "balance", "detail"}
FUNC_POOL = sorted(c for c in SPEC.codes.functional if len(c) == 7)
ECON_POOL = [c for row in SPEC.table("06").panels for r in row.rows for c in r.only if len(c) == 5]
ECON_POOL += ["30212", "30217", "30231", "31013"] * 3
INCOME_KINDS = SPEC.vocabularies["income_kind"]
EXPENSE_KINDS = SPEC.vocabularies["expense_kind"]
cents = st.integers(min_value=1, max_value=300_000_00).map(lambda n: Decimal(n) / 100)


@st.composite
def ledgers(draw):
    funcs = draw(st.lists(st.sampled_from(FUNC_POOL), min_size=1, max_size=6, unique=True))
    expense = []
    for _ in range(draw(st.integers(1, 30))):
        fund = draw(st.sampled_from([GP, GP, GF, SC, OTHER]))
        kinds = [BASIC, PROJECT] if fund != OTHER else EXPENSE_KINDS
        expense.append([draw(st.sampled_from(funcs)), draw(st.sampled_from(ECON_POOL)), draw(st.sampled_from(kinds)),
                        fund, draw(cents) * draw(st.sampled_from([1, 1, 1, -1])), "", ""])
    income = [[draw(st.sampled_from(funcs)), "", draw(st.sampled_from(INCOME_KINDS)), draw(cents)]
              for _ in range(draw(st.integers(0, 10)))]
    balance = []
    for item, fund, coded in (("年初结转和结余", GP, False), ("年初结转和结余", OTHER, False),
                              ("年初结转和结余", GF, True), ("年初结转和结余", SC, True),
                              ("使用非财政拨款结余", OTHER, False), ("结余分配", OTHER, False)):
        amount = draw(st.one_of(st.none(), cents))
        if amount is not None:
            balance.append([item, fund, draw(st.sampled_from(funcs)) if coded else "", amount])
    sangong = [[item, amount] for item in SPEC.vocabularies["sangong_item"]
               if (amount := draw(st.one_of(st.none(), cents))) is not None]
    return {"info": SPEC.info_rows(dept="性质测试", year="2025"), "income": income, "expense": expense,
            "balance": balance, "sangong_budget": sangong}


def _fill(inputs):
    book = MemoryWorkbook()
    for sheet in SPEC.inputs:
        book.replace_sheet(render_input(sheet, inputs.get(sheet.id), SPEC, blank_rows=0))
    accounts = fill_accounts(SPEC, read_ledger(SPEC, book))
    for table in SPEC.tables:
        book.replace_sheet(render_table(table, accounts.tables[table.id], accounts.dept, SPEC.unit))
    return accounts, book


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ledgers())
def test_every_relation_holds_exactly_and_figures_stay_close(inputs):
    accounts, book = _fill(inputs)
    report = check_workbook(SPEC, book)
    rules = {r.id: r for r in SPEC.rules}
    # every equality must hold to the cent; inequalities between figures of different scope
    # (04 年末 ≤ 01 年末) depend on the data (random ledgers may end with negative balances)
    broken = [(f.rule, f.message) for f in report.findings if rules[f.rule].type in RELATIONS
              and rules[f.rule].params.get("op", "eq") == "eq"]
    assert not broken, broken[:5]
    assert accounts.max_deviation <= Decimal("0.02")
    exp = inputs["expense"]

    def near(published, exact):
        return abs((published or Decimal(0)) - exact) <= Decimal("0.02")

    t01, t04, t07 = accounts.tables["01"], accounts.tables["04"], accounts.tables["07"]
    assert near(t01.value("exp_total", "amount"), sum((line[4] for line in exp), Decimal(0)) / WAN)
    assert near(t01.value("inc_total", "amount"), sum((line[3] for line in inputs["income"]), Decimal(0)) / WAN)
    for col, fund in (("gp", GP), ("gf", GF), ("sc", SC)):
        exact = sum((line[4] for line in exp if line[3] == fund), Decimal(0)) / WAN
        assert near(t04.value("fin_exp_total", col), exact), col
    fiscal = {GP, GF, SC}
    exact = sum((line[4] for line in exp if line[3] in fiscal and line[1] in ("30212", "30217", "30231", "31013")),
                Decimal(0)) / WAN
    assert near(t07.value("data", "a_total"), exact)
