"""Rounding-aware consistency by intervals (the XBRL Calculations 1.1 idea).

A figure published as ``v`` rounded to 0.01 stands for the interval [v − 0.005, v + 0.005].
A sum of n published items stands for the sum of their intervals. A stated total is
consistent with its items when the two intervals meet; it is *exactly* consistent when
the published numbers agree to the cent. The difference between "meet" and "exact" is a
rounding note (舍入差异), not an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

HALF_CENT = Decimal("0.005")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Interval:
    low: Decimal
    high: Decimal

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.low + other.low, self.high + other.high)

    def __neg__(self) -> Interval:
        return Interval(-self.high, -self.low)

    def meets(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high


def interval(value: Decimal | None, half_width: Decimal = HALF_CENT) -> Interval:
    """The interval a published figure stands for; a blank cell is an exact zero."""
    if value is None:
        return Interval(ZERO, ZERO)
    return Interval(value - half_width, value + half_width)


@dataclass(frozen=True)
class Verdict:
    """``ok`` (agrees to the cent), ``rounding`` (differs, but explained by rounding), ``error``."""

    status: str
    expected: Decimal  # the signed sum of the published items
    actual: Decimal  # the published total
    difference: Decimal  # actual − expected
    slack: Decimal  # how far rounding could explain a difference (sum of half-widths)


def compare_sum(
    total: Decimal | None,
    items: Iterable[tuple[int, Decimal | None]],
    half_width: Decimal = HALF_CENT,
    tolerance: Decimal = ZERO,
) -> Verdict:
    """Check ``total == Σ sign·item`` with rounding intervals.

    ``tolerance`` widens the accepted interval (a bureau may relax a rule in its spec).
    Blank items count as exact zeros and contribute no slack; so does a blank total.
    """
    expected = ZERO
    acc = Interval(ZERO, ZERO)
    for sign, value in items:
        if value is None:
            continue
        expected += sign * value
        iv = interval(value, half_width)
        acc = acc + (iv if sign > 0 else -iv)
    actual = total if total is not None else ZERO
    stated = interval(total, half_width)
    difference = actual - expected
    slack = (acc.high - acc.low) / 2 + (stated.high - stated.low) / 2
    if difference == 0:
        status = "ok"
    elif Interval(acc.low - tolerance, acc.high + tolerance).meets(stated):
        status = "rounding"
    else:
        status = "error"
    return Verdict(status, expected, actual, difference, slack)


def compare_le(small: Decimal | None, large: Decimal | None, half_width: Decimal = HALF_CENT) -> Verdict:
    """Check ``small ≤ large``; a violation within rounding is a rounding note."""
    s = small if small is not None else ZERO
    big = large if large is not None else ZERO
    difference = s - big
    if difference <= 0:
        status = "ok"
    elif interval(small, half_width).low <= interval(large, half_width).high:
        status = "rounding"
    else:
        status = "error"
    return Verdict(status, big, s, difference, 2 * half_width)
