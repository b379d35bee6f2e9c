"""Money parsing/rounding and code normalisation: the small functions everything relies on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juesuan.codes import BadCode, ancestors, normalise_code, parent
from juesuan.money import NotANumber, format_wan, parse_amount, wan


@pytest.mark.parametrize("typed, expected", [
    (1234.5, "1234.5"), (0.1, "0.1"), (12, "12"), ("1,234.50", "1234.50"), ("１２３４.５", "1234.5"),
    ("-1,000", "-1000"), ("(12.30)", "-12.30"), (" 8 765.50 ", "8765.50"), ("1234.50元", "1234.50"),
])
def test_parse_amount(typed, expected):
    assert parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize("typed", ["abc", "12,34,5", "1.2.3", True, float("nan"), "--5"])
def test_not_a_number(typed):
    with pytest.raises(NotANumber):
        parse_amount(typed)


def test_blank_amount():
    assert parse_amount(None) is None and parse_amount("  ") is None


def test_wan_half_up():
    assert wan(Decimal("12345.00")) == Decimal("1.23")
    assert wan(Decimal("12350.00")) == Decimal("1.24")  # half-up, not banker's
    assert wan(Decimal("-12350.00")) == Decimal("-1.24")
    assert format_wan(Decimal("1234.5")) == "1,234.50"


@pytest.mark.parametrize("typed, expected", [
    (2150510, "2150510"), (2150510.0, "2150510"), ("2150510.0", "2150510"), (" 21505 10 ", "2150510"),
    ("２１５", "215"), (Decimal("30101"), "30101"), (None, None), ("", None),
])
def test_normalise_code(typed, expected):
    assert normalise_code(typed) == expected


@pytest.mark.parametrize("typed", ["21505A0", 2150510.5, "2150-510", True])
def test_bad_code(typed):
    with pytest.raises(BadCode):
        normalise_code(typed)


def test_hierarchy():
    assert ancestors("2150510") == ["215", "21505", "2150510"]
    assert parent("2150510") == "21505" and parent("215") is None
