"""The detail-vs-table rule judges by intervals (issue 10, item 4): a figure agrees with the
detail sheets when it lies within the rounding bound of its exact value, so the demo filled
by juesuan (controlled rounding) and the same workbook rounded plain half-up figure by figure
(as an accountant's hand-made or SUMIFS workbook is) both pass; only a figure beyond the
bound is an error."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from check_helpers import filled_demo, modified, tables_of
from conftest import run_cli

from juesuan.fill import fill_accounts
from juesuan.io.xlsx import CalamineBook
from juesuan.ledger import read_ledger
from juesuan.rules.detail import within_bound
from juesuan.spec import load_spec

CENT = Decimal("0.01")


def _exact(path: Path):
    spec = load_spec("2019")
    book = CalamineBook(path)
    try:
        return fill_accounts(spec, read_ledger(spec, book)).exact
    finally:
        book.close()


def _half_up_changes(path: Path) -> dict[tuple[str, str], object]:
    """Every published figure replaced by its exact value rounded half-up to 0.01 万元."""
    spec = load_spec("2019")
    tables = tables_of(path, spec)
    changes: dict[tuple[str, str], object] = {}
    for (tid, row_key, col), exact in _exact(path).items():
        row = tables[tid].row(row_key)
        address = row.cells.get(col) if row else None
        if address is None:
            continue
        half_up = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        if half_up != (row.values.get(col) or 0):
            changes[(spec.table(tid).sheet, address)] = float(half_up) if half_up else None
    return changes


def _check(path: Path) -> dict:
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory) -> tuple[Path, Path, int]:
    folder = tmp_path_factory.mktemp("both")
    ours = filled_demo(folder)
    changes = _half_up_changes(ours)
    half_up = modified(ours, folder / "half-up.xlsx", changes)
    return ours, half_up, len(changes)


def test_juesuan_and_half_up_fills_both_pass(both_ways):
    ours, half_up, changed = both_ways
    assert changed > 0  # controlled rounding and plain half-up really differ on the demo
    for path in (ours, half_up):
        report = _check(path)
        details = [f for f in report["findings"] if f["rule"].endswith("detail") or "按明细" in f["message"]]
        assert details == [], details
        assert report["valid"], [f for f in report["findings"] if f["severity"] == "error"]
    notes = [f for f in _check(half_up)["findings"] if f["severity"] == "info"]
    assert notes  # the half-up workbook's non-additive totals are rounding notes, not errors


def test_beyond_the_bound_is_an_error(both_ways, tmp_path):
    ours, _, _ = both_ways
    spec = load_spec("2019")
    tables = tables_of(ours, spec)
    exact = _exact(ours)
    # a figure whose exact value is not a whole cent: both its floor and ceiling are correct,
    # one cent beyond either is not
    (tid, key, col), value = next(((k, v) for k, v in sorted(exact.items())
                                   if v > 1 and v != v.quantize(CENT) and tables[k[0]].row(k[1]).cells.get(k[2])))
    sheet, address = spec.table(tid).sheet, tables[tid].row(key).cells[col]
    floor = value.quantize(CENT, rounding="ROUND_FLOOR")
    other = floor + CENT if tables[tid].row(key).values[col] == floor else floor
    fine = modified(ours, tmp_path / "other.xlsx", {(sheet, address): float(other)})
    assert not [f for f in _check(fine)["findings"] if address in {c["cell"] for c in f["cells"]}
                and "按明细" in f["message"]]
    beyond = floor - CENT
    bad = modified(ours, tmp_path / "bad.xlsx", {(sheet, address): float(beyond)})
    report = _check(bad)
    hits = [f for f in report["findings"] if "按明细" in f["message"]]
    assert [(f["severity"], [c["cell"] for c in f["cells"]]) for f in hits] == [("error", [address])]
    assert not report["valid"]


@pytest.mark.parametrize("have, want, exact, ok", [
    ("1.00", "1.00", "1.004", True),   # Fill's own figure
    ("1.01", "1.00", "1.004", True),   # the other rounding: under a cent away
    ("0.99", "1.00", "1.004", False),  # 0.014 away, further than Fill's 0.004
    ("1.01", "1.00", "1.00", False),   # an exact figure must print exact
    ("1.02", "1.02", "1.005", True),   # Fill's figure 0.015 away (a repaired total) is its bound
    ("0.99", "1.02", "1.005", True),   # … and a figure as far on the other side is within it
    ("0.98", "1.02", "1.005", False),
    (None, "0.00", "0.004", True),     # a blank cell for a figure that rounds to zero
])
def test_within_bound(have, want, exact, ok):
    def d(x):
        return None if x is None else Decimal(x)

    assert within_bound(d(have), d(want), d(exact)) is ok


def test_exact_values_decide_as_fill_would(both_ways, tmp_path):
    """The detail rule recomputes only the exact values when every figure lies within a cent of
    its exact value (any rounding agrees there), and Fill's rounding when a figure does not:
    the findings are those of a comparison with Fill's figures either way."""
    from juesuan.rules import Context
    from juesuan.rules.detail import _exact_decides, compare_accounts, implied_accounts

    ours, half_up, _ = both_ways
    spec = load_spec("2019")
    rule = next(r for r in spec.rules if getattr(r, "type", "") == "detail")
    tables = tables_of(ours, spec)
    (tid, key, col), value = next(((k, v) for k, v in sorted(_exact(ours).items())
                                   if v > 1 and tables[k[0]].row(k[1]).cells.get(k[2])))
    bad = modified(ours, tmp_path / "bad.xlsx",
                   {(spec.table(tid).sheet, tables[tid].row(key).cells[col]): float(value + 1)})
    for path, decided in ((ours, True), (half_up, True), (bad, False)):
        book = CalamineBook(path)
        try:
            ctx = Context(spec, book)
            ledger = read_ledger(spec, book)
            with_fill = compare_accounts(rule, ctx, fill_accounts(spec, ledger))
            exact = fill_accounts(spec, ledger, rounded=False)
            assert _exact_decides(rule, ctx, exact) is decided
            assert compare_accounts(rule, ctx, implied_accounts(rule, ctx, ledger)) == with_fill
            assert (compare_accounts(rule, ctx, exact) == with_fill) is decided
            assert bool(with_fill) is not decided
        finally:
            book.close()
