"""Rounding intervals (XBRL Calculations 1.1 style): edge cases."""

from decimal import Decimal as D

from juesuan.intervals import compare, compare_le, compare_sum


def test_exact_sum_is_ok():
    v = compare_sum(D("3.00"), [(1, D("1.00")), (1, D("2.00"))])
    assert (v.status, v.difference) == ("ok", D(0))


def test_touching_the_interval_edge_is_rounding():
    # one item: 1.00 ↔ [0.995, 1.005]; total 1.01 ↔ [1.005, 1.015]: the closed intervals touch
    v = compare_sum(D("1.01"), [(1, D("1.00"))])
    assert v.status == "rounding"
    assert v.slack == D("0.010")
    # one cent further they no longer meet
    assert compare_sum(D("1.02"), [(1, D("1.00"))]).status == "error"


def test_edge_with_tolerance():
    assert compare_sum(D("1.02"), [(1, D("1.00"))], tolerance=D("0.01")).status == "rounding"
    assert compare_sum(D("1.03"), [(1, D("1.00"))], tolerance=D("0.01")).status == "error"


def test_many_items_widen_the_interval():
    items = [(1, D("0.33"))] * 30  # Σ = 9.90, slack 30×0.005 + 0.005 = 0.155
    assert compare_sum(D("10.05"), items).status == "rounding"  # 0.15 ≤ 0.155
    assert compare_sum(D("10.06"), items).status == "error"  # 0.16 > 0.155
    assert compare_sum(D("9.75"), items).status == "rounding"
    assert compare_sum(D("9.74"), items).status == "error"


def test_negative_items():
    v = compare_sum(D("0.99"), [(1, D("3.00")), (-1, D("2.00"))])
    assert (v.status, v.expected, v.difference) == ("rounding", D("1.00"), D("-0.01"))
    v = compare_sum(D("-1.00"), [(1, D("1.00")), (-1, D("2.00"))])
    assert v.status == "ok"
    assert compare_sum(D("0.98"), [(1, D("3.00")), (-1, D("2.00"))]).status == "error"  # 0.02 > 0.015


def test_blanks_are_exact_zeros_but_zeros_are_rounded():
    # blank item: no slack → only the total's own half-cent plus the single item's
    assert compare_sum(D("1.01"), [(1, D("1.00")), (1, None)]).status == "rounding"
    # a published 0.00 adds ±0.005: 1.00 + 0.00 can explain 1.01 and even 1.015 (not reachable in cents)
    v = compare_sum(D("1.01"), [(1, D("1.00")), (1, D("0.00"))])
    assert v.status == "rounding" and v.slack == D("0.015")
    # a blank total with blank items is fine; a blank total against figures is not
    assert compare_sum(None, [(1, None)]).status == "ok"
    assert compare_sum(None, [(1, D("0.02"))]).status == "error"
    assert compare_sum(None, [(1, D("0.00"))]).status == "ok"


def test_exact_duplicate_allows_no_rounding():
    # the same quantity published twice (01 本年收入合计 vs 02 合计) must agree to the cent
    assert compare([(1, D("5.01"))], [(1, D("5.00"))], "eq", exact_duplicate=True).status == "error"
    assert compare([(1, D("5.01"))], [(1, D("5.00"))], "eq").status == "rounding"
    # a sum of two figures on one side is a real sum again
    assert compare([(1, D("5.01"))], [(1, D("3.00")), (1, D("2.00"))], "eq",
                   exact_duplicate=True).status == "rounding"


def test_inequalities():
    assert compare_le(D("1.00"), D("1.00")).status == "ok"
    assert compare_le(D("1.01"), D("1.00")).status == "rounding"
    assert compare_le(D("1.02"), D("1.00")).status == "error"
    v = compare([(1, D("2.00"))], [(1, D("2.02"))], "ge")
    assert (v.status, v.difference) == ("error", D("-0.02"))
    assert compare([(1, D("2.00"))], [(1, D("2.01"))], "ge").status == "rounding"
    assert compare([(1, None)], [(1, D("0.00"))], "ge").status == "ok"
