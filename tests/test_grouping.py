"""The two paths of the ledger → leaves aggregation (a dictionary loop; pandas on int64)
give the same leaves — keys, exact units and rounded cents — and so the same tables, on
random ledgers (hypothesis) and on a large synthetic department."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.fill import build_leaves, fill_accounts
from juesuan.grouping import group_lines
from juesuan.ledger import Ledger, LedgerLine, read_ledger
from juesuan.port import MemoryWorkbook
from juesuan.sample import synthetic_inputs
from juesuan.spec import load_spec

SPEC = load_spec("2019")
FUNCS = ["2010101", "2010102", "2050201", "2080501", "2080505", "2110101", "2110302", "2130101", ""]
ECONS = ["30101", "30201", "30211", "30231", "31002", "39999", ""]
KINDS = ["基本支出", "项目支出", "上缴上级支出", "经营支出", ""]
FUNDS = ["一般公共预算财政拨款", "政府性基金预算财政拨款", "其他资金", ""]
INCOME_KINDS = ["一般公共预算财政拨款收入", "事业收入", "其他收入"]

line = st.builds(
    lambda ledger, func, econ, kind, fund, item, cents, places: LedgerLine(
        ledger=ledger, amount=Decimal(cents).scaleb(-places), func=func,
        econ=econ if ledger == "expense" else "", kind=kind if ledger == "expense" else INCOME_KINDS[cents % 3],
        fund=fund, item=item),
    st.sampled_from(["expense", "income"]), st.sampled_from(FUNCS), st.sampled_from(ECONS), st.sampled_from(KINDS),
    st.sampled_from(FUNDS), st.sampled_from(["", "项目A", "项目B"]),
    st.integers(-10**9, 10**12), st.sampled_from([0, 2, 2, 2, 3, 4]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line, max_size=60))
def test_both_paths_give_the_same_leaves(lines):
    ledger = Ledger(info={}, lines=lines)
    assert group_lines(lines, 1000, use_pandas=True) == group_lines(lines, 1000, use_pandas=False)
    python = build_leaves(SPEC, ledger, use_pandas=False)
    pandas = build_leaves(SPEC, ledger, use_pandas=True)
    assert python == pandas


def _fill(ledger, vectorised: bool):
    """fill_accounts with the aggregation on one path (result or the InputError's problems)."""
    import juesuan.grouping as grouping
    from juesuan.errors import InputError

    saved = grouping.PANDAS_MIN_LINES
    grouping.PANDAS_MIN_LINES = 0 if vectorised else None
    try:
        acc = fill_accounts(SPEC, ledger)
        return acc.tables, acc.exact, acc.max_deviation, acc.over_a_cent
    except InputError as exc:
        return [p.params for p in exc.problems]
    finally:
        grouping.PANDAS_MIN_LINES = saved


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line, min_size=1, max_size=40))
def test_both_paths_fill_the_same_tables(lines):
    ledger = Ledger(info={}, lines=lines)
    assert _fill(ledger, vectorised=True) == _fill(ledger, vectorised=False)


def test_huge_amounts_stay_exact():
    # sums beyond int64 take Python's integers even when pandas is asked for
    lines = [LedgerLine("expense", Decimal("9" * 17), "2010101", "30101", "基本支出", "其他资金")] * 40
    grouped = group_lines(lines, 100, use_pandas=True)
    assert grouped == {"expense": {("2010101", "30101", "基本支出", "其他资金", ""): 40 * int("9" * 17) * 100}}


def test_a_large_department_fills_the_same_either_way(monkeypatch):
    from fill_helpers import input_grids

    import juesuan.grouping as grouping

    inputs = synthetic_inputs(800, n_func=40, n_econ=20)
    ledger = read_ledger(SPEC, MemoryWorkbook(input_grids(SPEC, inputs)))
    monkeypatch.setattr(grouping, "PANDAS_MIN_LINES", None)
    python = fill_accounts(SPEC, ledger)
    monkeypatch.setattr(grouping, "PANDAS_MIN_LINES", 0)
    pandas = fill_accounts(SPEC, ledger)
    assert python.tables == pandas.tables and python.exact == pandas.exact
    assert python.max_deviation == pandas.max_deviation
