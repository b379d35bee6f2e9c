"""Whatever an accountant pastes into the detail sheets, reading them ends in a ledger or
in a list of located problems (InputError) — never in another exception."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.errors import InputError
from juesuan.fill import fill_accounts
from juesuan.ledger import read_ledger
from juesuan.port import NO_CACHED_VALUE, MemoryWorkbook
from juesuan.sanity import ledger_problems
from juesuan.spec import load_spec

SPEC = load_spec("2019")
cell = st.one_of(
    st.none(), st.just(""), st.just("   "), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.decimals(allow_nan=True, allow_infinity=True, places=3),
    st.text(max_size=12), st.sampled_from(["2110101", "2110101.0", " 30201 ", "３０２０１", "1,234.50", "(12.30)",
                                            "基本支出", "一般公共预算财政拨款", "年初结转和结余", "公务接待费"]),
    st.just(NO_CACHED_VALUE),
)
rows = st.lists(st.lists(cell, min_size=0, max_size=9), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(income=rows, expense=rows, balance=rows, sangong=rows, info=rows, own=rows, units=rows)
def test_reading_any_cells_ends_in_a_ledger_or_located_problems(income, expense, balance, sangong, info, own, units):
    data = {"info": info, "income": income, "expense": expense, "balance": balance, "sangong_budget": sangong,
            "own_codes": own, "units": units}
    sheets = {s.sheet: [[s.title], [c.label for c in (s.columns or s.fields)]] + data[s.id] for s in SPEC.inputs}
    try:
        ledger = read_ledger(SPEC, MemoryWorkbook(sheets))
    except InputError as exc:
        assert exc.problems and all(p.sheet and p.message_zh and p.message_en for p in exc.problems)
        return
    for line in ledger.lines:
        assert isinstance(line.amount, Decimal) and line.amount.is_finite()
    sanity = ledger_problems(SPEC, ledger)  # what Fill refuses and Check reports: located, in both languages
    assert all(p.sheet and p.message_zh and p.message_en for p in sanity)
    if any(p.severity == "error" for p in sanity):
        return
    try:
        fill_accounts(SPEC, ledger)
    except InputError as exc:  # e.g. a class the 2019 tables have no line for
        assert exc.problems


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_checking_any_damaged_tables_gives_a_report(demo_workbook, data):
    """Random cells of the table sheets overwritten with anything: check still reports."""
    from juesuan.io.xlsx import CalamineBook
    from juesuan.validate import check_workbook

    book = CalamineBook(demo_workbook)
    sheets = {name: [list(row) for row in book.read_sheet(name)] for name in book.sheet_names()}
    book.close()
    tables = [t.sheet for t in SPEC.tables]
    for _ in range(data.draw(st.integers(1, 12))):
        grid = sheets[data.draw(st.sampled_from(tables))]
        r = data.draw(st.integers(0, len(grid) - 1))
        c = data.draw(st.integers(0, max(0, len(grid[r]) - 1)))
        if grid[r]:
            grid[r][c] = data.draw(cell)
    report = check_workbook(SPEC, MemoryWorkbook(sheets))
    assert report.rules_run > 0
    assert all(f.rule and f.severity in ("error", "warning", "info") for f in report.findings)
