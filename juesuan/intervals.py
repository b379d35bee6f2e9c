"""Rounding-aware consistency by intervals (the XBRL Calculations 1.1 idea).

A figure published as ``v`` rounded to 0.01 stands for the closed interval
[v − 0.005, v + 0.005]. A signed sum of n published items stands for the sum of their
intervals. A stated relation is consistent with rounding when the two sides' intervals
meet; it is *exactly* consistent when the published numbers agree to the cent. The
difference between "meet" and "exact" is a rounding note (舍入差异), not an error.

Conventions (tested in ``tests/test_intervals.py``):

* A blank cell is an exact zero: it contributes no amount and no slack. A published
  ``0.00`` is a rounded figure like any other and contributes ±0.005.
* Intervals are closed, as in XBRL: a difference exactly equal to the summed half-widths
  (the edge) is still explained by rounding.
* ``exact_duplicate``: when each side holds a single figure (``a = b``, the same quantity
  published twice, e.g. 01 本年收入合计 and 02 合计), rounding cannot explain any difference —
  the same quantity rounds to the same figure — so any difference is an error.
* ``tolerance`` (万元) widens the accepted interval: a bureau may relax a rule in its spec.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from juesuan.records import record

HALF_CENT = Decimal("0.005")
ZERO = Decimal(0)

Item = tuple[int, Decimal | None]  # (sign ±1, published value or None for blank)


@record(frozen=True)
class Interval:
    """The closed range [low, high] a rounded figure's exact value can lie in."""

    low: Decimal
    high: Decimal

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high)

    def __neg__(self) -> Interval:
        return Interval(-self.high, -self.low)

    def meets(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high

    def widened(self, by: Decimal) -> Interval:
        return Interval(self.low - by, self.high + by)


def interval(value: Decimal | None, half_width: Decimal = HALF_CENT) -> Interval:
    """The interval a published figure stands for; a blank cell is an exact zero."""
    if value is None:
        return Interval(ZERO, ZERO)
    return Interval(value - half_width, value + half_width)


@record(frozen=True)
class Verdict:
    """``ok`` (agrees to the cent), ``rounding`` (differs, but explained by rounding), ``error``."""

    status: str
    expected: Decimal  # the right-hand side as published (e.g. the signed sum of the items)
    actual: Decimal  # the left-hand side as published (e.g. the stated total)
    difference: Decimal  # actual − expected
    slack: Decimal  # how far rounding (plus tolerance) could explain a difference


def _side(items: Iterable[Item], half_width: Decimal) -> tuple[Decimal, Interval, int]:
    """A signed sum, its interval and how many figures it has: each figure's interval (or its
    negation) is as wide, so the sum's is the sum ± one half-width per figure."""
    total, count = ZERO, 0
    for sign, value in items:
        if value is None:
            continue
        count += 1
        total += sign * value
    spread = count * half_width
    return total, Interval(total - spread, total + spread), count


def compare(
    left: Iterable[Item],
    right: Iterable[Item],
    op: str = "eq",
    half_width: Decimal = HALF_CENT,
    tolerance: Decimal = ZERO,
    exact_duplicate: bool = False,
) -> Verdict:
    """Compare two signed sums of published figures: ``op`` is ``eq`` (=), ``le`` (≤) or ``ge`` (≥).

    ``actual`` is the left sum, ``expected`` the right sum, ``difference`` = left − right.
    """
    left, right = list(left), list(right)
    actual, liv, ln = _side(left, half_width)
    expected, riv, rn = _side(right, half_width)
    if exact_duplicate and op == "eq" and ln <= 1 and rn <= 1:
        liv, riv = Interval(actual, actual), Interval(expected, expected)
    difference = actual - expected
    slack = (liv.high - liv.low) / 2 + (riv.high - riv.low) / 2 + tolerance
    if op == "eq":
        if difference == 0:
            status = "ok"
        elif liv.widened(tolerance).meets(riv):
            status = "rounding"
        else:
            status = "error"
    elif op in ("le", "ge"):
        sign = 1 if op == "le" else -1
        if sign * difference <= 0:
            status = "ok"
        elif (op == "le" and liv.low <= riv.high + tolerance) or (op == "ge" and liv.high >= riv.low - tolerance):
            status = "rounding"
        else:
            status = "error"
    else:
        raise ValueError(f"unknown comparison {op!r}")
    return Verdict(status, expected, actual, difference, slack)


def compare_sum(
    total: Decimal | None,
    items: Iterable[Item],
    half_width: Decimal = HALF_CENT,
    tolerance: Decimal = ZERO,
    exact_duplicate: bool = False,
) -> Verdict:
    """Check ``total == Σ sign·item`` with rounding intervals.

    Blank items count as exact zeros and contribute no slack; so does a blank total.
    """
    return compare([(1, total)], items, "eq", half_width, tolerance, exact_duplicate)


def compare_le(small: Decimal | None, large: Decimal | None, half_width: Decimal = HALF_CENT,
               tolerance: Decimal = ZERO) -> Verdict:
    """Check ``small ≤ large``; a violation within rounding is a rounding note."""
    return compare([(1, small)], [(1, large)], "le", half_width, tolerance)
