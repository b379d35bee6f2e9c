"""Percentages for the 说明: shares of one whole by largest remainder (so the shares of a
whole sum to exactly 100), single ratios half-up, and the number formats of the text."""

from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def unit(decimals: int) -> Decimal:
    return Decimal(1).scaleb(-decimals)


def percent(part: Decimal, base: Decimal, decimals: int = 2) -> Decimal | None:
    """part ÷ base × 100, half-up to ``decimals``; None when the base is 0."""
    if base == 0:
        return None
    return (part / base * HUNDRED).quantize(unit(decimals), rounding=ROUND_HALF_UP)


def largest_remainder(parts: list[Decimal], whole: Decimal, decimals: int = 2) -> list[Decimal] | None:
    """Each part's share of ``whole`` in percent, rounded so that the shares sum to exactly
    100 (Hamilton's method: floor every share, then hand the missing units to the largest
    remainders, earlier parts first on ties). When the parts do not add up to the whole,
    each share is rounded half-up on its own. None when the whole is 0."""
    if whole == 0:
        return None
    q = unit(decimals)
    exact = [p / whole * HUNDRED for p in parts]
    if sum(parts, Decimal(0)) != whole:
        return [e.quantize(q, rounding=ROUND_HALF_UP) for e in exact]
    floors = [e.quantize(q, rounding=ROUND_FLOOR) for e in exact]
    missing = int(((HUNDRED - sum(floors, Decimal(0))) / q).to_integral_value())
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:max(missing, 0)]:
        floors[i] += q
    return floors


def fmt_amount(value: Decimal | None) -> str:
    """万元 with two decimals, no thousands separator (``547.13``)."""
    if value is None:
        return ""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def fmt_percent(value: Decimal | None, decimals: int = 2) -> str:
    if value is None:
        return ""
    return f"{value.quantize(unit(decimals), rounding=ROUND_HALF_UP):.{decimals}f}"
