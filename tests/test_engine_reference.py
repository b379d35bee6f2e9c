"""The faster Fill engine of issue 14 (numpy leaf sets, max-flow over listed level edges,
the repair pass's batched evaluation) gives exactly what the engine before it gave
(``tests/reference_engine.py``, its code at commit f17d18c): the same rounded leaves, published
figures, exact values, largest deviation and over-a-cent list — on random ledgers of every
format (hypothesis), on synthetic departments where the repair pass stops at its evaluation
limit — and the same findings of ``check`` on a workbook whose figures were edited."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from pathlib import Path

import pytest
import reference_engine as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import juesuan.fill
import juesuan.leaves
import juesuan.repair
from juesuan.errors import InputError
from juesuan.fill import Computation
from juesuan.ledger import Ledger, LedgerLine, read_ledger
from juesuan.spec import available_formats, load_spec

SPECS = {fmt: load_spec(fmt) for fmt in available_formats()}
FUNCS = ["2010101", "2010102", "2010350", "2050201", "2080501", "2080505", "2110101", "2110302", "2130101",
         "2120899", "2230105", ""]
ECONS = ["30101", "30102", "30201", "30211", "30217", "30231", "31002", "31013", "39999", ""]
KINDS = ["基本支出", "项目支出", "基本支出", "项目支出", "经营支出", ""]
FUNDS = ["一般公共预算财政拨款", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款", "其他资金"]
INCOME_KINDS = ["一般公共预算财政拨款收入", "政府性基金预算财政拨款收入", "事业收入", "其他收入"]


@contextlib.contextmanager
def reference_engine(limit: int | None = None):
    """Fill computed by the reference engine (and, with ``limit``, both engines' repair passes
    bounded by that many evaluations)."""
    saved = (juesuan.fill.Aggregator, juesuan.leaves.controlled_round, juesuan.repair.repair_rounding)
    juesuan.fill.Aggregator = ref.ReferenceAggregator
    juesuan.leaves.controlled_round = ref.controlled_round
    juesuan.repair.repair_rounding = ref.repair_rounding
    try:
        yield
    finally:
        juesuan.fill.Aggregator, juesuan.leaves.controlled_round, juesuan.repair.repair_rounding = saved


@contextlib.contextmanager
def numpy_from(size: int | None):
    """The engine's arrays from ``size`` leaves (0: always; a huge number: plain Python always)."""
    import juesuan.rounding

    saved = juesuan.rounding.NUMPY_FROM
    if size is not None:
        juesuan.rounding.NUMPY_FROM = size
    try:
        yield
    finally:
        juesuan.rounding.NUMPY_FROM = saved


@contextlib.contextmanager
def evaluation_limit(limit: int | None):
    saved = (juesuan.repair.MAX_EVALUATIONS, ref.MAX_EVALUATIONS)
    if limit is not None:
        juesuan.repair.MAX_EVALUATIONS = ref.MAX_EVALUATIONS = limit
    try:
        yield
    finally:
        juesuan.repair.MAX_EVALUATIONS, ref.MAX_EVALUATIONS = saved


def _snapshot(accounts) -> tuple:
    """Everything a FilledAccounts says, Decimals as text (1.0 and 1.00 differ here)."""
    rows = [(tid, r.key, r.label, r.role, r.line, r.code, sorted((k, str(v)) for k, v in r.values.items()))
            for tid, table in accounts.tables.items() for r in table.rows()]
    return (rows, sorted((k, str(v)) for k, v in accounts.exact.items()), str(accounts.max_deviation),
            accounts.max_deviation_at, [(where, str(d)) for where, d in accounts.over_a_cent],
            [(w.code, sorted(map(str, w.params.items()))) for w in accounts.warnings])


def outcome(spec, ledger) -> tuple:
    """Exact figures, then rounded ones, then every leaf's rounded cents (or the problems)."""
    try:
        computation = Computation(spec, ledger)
        exact = _snapshot(computation.accounts(rounded=False))
        rounded = _snapshot(computation.accounts())
        cents = {name: list(data.cents) for name, data in computation.leaves.items()}
        return exact, rounded, cents
    except InputError as exc:
        return ("problems", [(p.code, sorted(map(str, p.params.items()))) for p in exc.problems])


def both(spec, ledger, limit: int | None = None, arrays_from: int | None = 0) -> tuple[tuple, tuple]:
    with evaluation_limit(limit), numpy_from(arrays_from):
        new = outcome(spec, ledger)
        with reference_engine():
            old = outcome(spec, ledger)
    return new, old


line = st.builds(
    lambda ledger, func, econ, kind, fund, item, amount, places: LedgerLine(
        ledger=ledger, amount=Decimal(amount).scaleb(-places), func=func,
        econ=econ if ledger == "expense" else "", kind=kind if ledger == "expense" else INCOME_KINDS[amount % 4],
        fund=fund, item=item if kind == "项目支出" else ""),
    st.sampled_from(["expense", "expense", "expense", "income"]), st.sampled_from(FUNCS), st.sampled_from(ECONS),
    st.sampled_from(KINDS), st.sampled_from(FUNDS), st.sampled_from(["", "项目A", "项目B"]),
    st.integers(-10**7, 10**10), st.sampled_from([2, 2, 2, 3, 4]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(SPECS)), lines=st.lists(line, min_size=1, max_size=120),
       limit=st.sampled_from([None, None, 7, 40, 200]), arrays_from=st.sampled_from([0, 10**9]))
def test_random_ledgers_fill_the_same(fmt, lines, limit, arrays_from):
    new, old = both(SPECS[fmt], Ledger(info={}, lines=lines), limit, arrays_from)
    assert new == old


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(sorted(SPECS)), lines=st.lists(line, min_size=0, max_size=80))
def test_the_same_leaf_sets(fmt, lines):
    from juesuan.leaves import build_leaves

    ledger = Ledger(info={}, lines=lines)
    try:
        with numpy_from(0):
            computation = Computation(SPECS[fmt], ledger)
    except InputError:
        return
    reference = ref.ReferenceAggregator(build_leaves(SPECS[fmt], ledger, rounded=False))
    aggs = []
    for (fkey, dim), table in computation.agg._members.items():
        assert table == reference.members(fkey, dim)
        aggs += [(fkey, dim, prefix) for prefix in ["", "201", "2010101", "301", "30101", "999", *table]]
    for field in ("units", "cents"):
        assert computation.agg.sums(aggs, field) == reference.sums(aggs, field)
    for fkey in {fkey for fkey, _dim in computation.agg._members}:
        data = computation.leaves.get(computation.agg.ledger_of(fkey))
        if data is not None:
            assert computation.agg.picks(fkey).tolist() == [reference.matches(fkey, key) for key in data.keys]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.builds(lambda n, e: Decimal(n).scaleb(e), st.integers(-10**15, 10**15), st.integers(-12, 6))), max_size=8))
def test_the_same_units_per_yuan(amounts):
    ledger = Ledger(info={}, lines=[LedgerLine("expense", a) for a in amounts])
    assert juesuan.leaves.units_per_yuan(ledger) == ref.units_per_yuan(ledger)


leaf_specs = st.lists(
    st.tuples(st.sampled_from(["201", "205", "208"]), st.sampled_from(["01", "02", "03"]),
              st.sampled_from(["A", "B", "C"]), st.sampled_from(["x", "y", "z"]),
              st.integers(min_value=-50_000, max_value=5_000_000)),
    min_size=1, max_size=80)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=leaf_specs, shift=st.lists(st.integers(-2, 2), min_size=3, max_size=3), fixed=st.booleans())
def test_controlled_round_the_same(specs, shift, fixed):
    from juesuan.rounding import Leaf, controlled_round

    seen, leaves = set(), []
    for row, kuan, col, sub, units in specs:
        if (row, kuan, col, sub) not in seen:
            seen.add((row, kuan, col, sub))
            leaves.append(Leaf((row, row + kuan), (col, col + sub), units))
    targets = None
    if fixed:  # fixed row totals, some moved a cent or two: column windows may have to widen
        totals: dict[tuple[str, ...], int] = {}
        for leaf in leaves:
            totals[leaf.row_path] = totals.get(leaf.row_path, 0) + leaf.units
        targets = {}
        for n, (path, units) in enumerate(sorted(totals.items())):
            low, high = units // 100, -(-units // 100)
            count = sum(1 for leaf in leaves if leaf.row_path == path and leaf.units % 100)
            floors = sum(leaf.units // 100 for leaf in leaves if leaf.row_path == path)
            targets[path] = min(max((low, high)[n % 2] + shift[n % 3], floors), floors + count)

    def rounded(engine):
        try:
            return engine(leaves, 100, targets)
        except AssertionError as exc:  # no solution: the same for both
            return str(exc)

    with numpy_from(0):
        arrays = rounded(controlled_round)
    with numpy_from(10**9):
        plain = rounded(controlled_round)
    assert arrays == plain == rounded(ref.controlled_round)


def _synthetic_ledger(spec, lines: int, seed: int) -> Ledger:
    from fill_helpers import input_grids

    from juesuan.port import MemoryWorkbook
    from juesuan.sample import synthetic_inputs

    inputs = synthetic_inputs(lines, n_func=30, n_econ=20, seed=seed, spec=spec)
    return read_ledger(spec, MemoryWorkbook(input_grids(spec, inputs)))


@pytest.mark.parametrize("fmt", sorted(SPECS))
@pytest.mark.parametrize(("limit", "arrays_from"), [(None, 0), (300, 0), (None, 10**9)])
def test_a_synthetic_department_fills_the_same(fmt, limit, arrays_from):
    spec = SPECS[fmt]
    ledger = _synthetic_ledger(spec, 1000, seed=11)
    new, old = both(spec, ledger, limit, arrays_from)
    assert new == old
    assert new[0] != new[1]  # the rounding and the repair did something


def test_the_repair_pass_moves_the_same_leaves_until_its_limit():
    # amounts of a tenth of a fen make many leaves fractional: the search is busy and stops at the limit
    spec = SPECS["2019"]
    ledger = _synthetic_ledger(spec, 2500, seed=5)
    lines = [LedgerLine(ln.ledger, ln.amount + Decimal("0.003") * (n % 7), ln.func, ln.econ, ln.kind, ln.fund,
                        ln.item, ln.project, ln.name, ln.sheet, ln.row, ln.unit)
             for n, ln in enumerate(ledger.lines)]
    ledger = Ledger(info=ledger.info, lines=lines, typed_names=ledger.typed_names)
    for limit in (300, 3000):
        computations = []
        with evaluation_limit(limit), numpy_from(0):
            for engine in (contextlib.nullcontext, reference_engine):
                with engine():
                    c = Computation(spec, ledger)
                    juesuan.leaves.round_leaves(spec, c.leaves)
                    moved = juesuan.repair.repair_rounding(c.agg, c.figures)
                    computations.append((moved, {n: list(d.cents) for n, d in c.leaves.items()}))
        assert computations[0] == computations[1]
        assert computations[0][0] > 0


def test_check_finds_the_same_on_an_edited_workbook(tmp_path: Path):
    from check_helpers import cell_of, modified

    from juesuan.io.files import fill_file, write_new
    from juesuan.io.xlsx import CalamineBook
    from juesuan.sample import synthetic_inputs
    from juesuan.validate import check_workbook

    spec = SPECS["2019"]
    src = tmp_path / "big.xlsx"
    write_new(src, spec, inputs=synthetic_inputs(1500, n_func=30, n_econ=20, seed=3, spec=spec))
    fill_file(src, src)
    changes = {}
    for (tid, key, col), delta in {("01", "total", "amount"): "0.01", ("05", "total", "basic"): "-0.02",
                                   ("03", "total", "total"): "0.03"}.items():
        try:
            sheet, address, value = cell_of(src, tid, key, col)
        except StopIteration:
            continue
        changes[(sheet, address)] = float((value or Decimal(0)) + Decimal(delta))
    assert changes
    edited = modified(src, tmp_path / "edited.xlsx", changes)

    def findings() -> list:
        book = CalamineBook(edited)
        try:
            report = check_workbook(spec, book)
        finally:
            book.close()
        return [(f.rule, f.severity, f.message, str(f.expected), str(f.actual), str(f.difference),
                 [(c.sheet, c.cell) for c in f.cells]) for f in report.findings]

    new = findings()
    with reference_engine():
        old = findings()
    assert new == old
    assert any(f[0].startswith("detail") or "明细" in f[2] for f in new)
