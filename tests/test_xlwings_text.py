"""The live-Excel adapter never lets user text become a formula: a string Excel would read
as a formula (=, +, -, @ first) or coerce (numbers, dates, booleans in a General cell) gets
the text format before the values are written, in any cell role."""

from __future__ import annotations

from decimal import Decimal

import pytest

from juesuan.io.xlwings_book import TEXT_FORMAT, XlwingsBook
from juesuan.port import SheetPicture


def _formats(values: list[tuple[object, str]]) -> list[object]:
    pic = SheetPicture("表")
    for i, (value, role) in enumerate(values):
        pic.put(i, 0, value, role)
    props = XlwingsBook(book=None)._cell_props(pic)
    return [props["number_format"][(i, 0)] for i in range(len(values))]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+A1", "-B2*2", "@SUM(A1:A2)", " =1+1"])
@pytest.mark.parametrize("role", ["body-label", "amount", "total-amount", "note"])
def test_formula_like_text_is_stored_as_text_in_every_role(text, role):
    assert _formats([(text, role)]) == [TEXT_FORMAT]


def test_numbers_and_ordinary_text_keep_their_role_format():
    formats = _formats([(Decimal("12.30"), "amount"), ("一般公共服务支出", "body-label"), ("2019", "body-label"),
                        ("本年收入合计", "total-label")])
    assert formats[0] != TEXT_FORMAT and formats[1] != TEXT_FORMAT and formats[3] != TEXT_FORMAT
    assert formats[2] == TEXT_FORMAT  # a code or year as text stays text in a General cell
