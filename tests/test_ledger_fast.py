"""The column-by-column reading of a detail sheet (each distinct value converted once) gives
exactly what the row-by-row reading gives: the same lines, names, units and problems."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import juesuan.ledger as ledger_module
from juesuan.errors import InputError
from juesuan.ledger import read_ledger
from juesuan.port import NO_CACHED_VALUE, CellError, MemoryWorkbook
from juesuan.spec import load_spec

SPEC = load_spec("2019")
VOCAB = SPEC.vocabularies
FUNC = ["2080999", "2010301", 2010301.0, " 2069903 ", "[2010301]行政运行", "2080999 其他"]  # with names: ledger exports
ECON = ["30201", 30201.0, "30110", "30201-办公费"]
TEXT = ["", None, "项目01", " 名称 ", "一般公共服务/人大事务", 1.0]
UNIT = ["", None, "某局本级", "下属单位"]
ODD = ["", None, "20103", "x1", 2010301, True, 1e16, float("nan"), "1,234.50", "其他", NO_CACHED_VALUE,
       CellError("#DIV/0!")]


def values(good: list, bad: bool) -> st.SearchStrategy:
    """Plain values of a column; with ``bad``, now and then one the fast reading must refuse."""
    plain = st.sampled_from(good)
    return st.one_of(plain, plain, plain, st.sampled_from(ODD)) if bad else plain


def amounts(bad: bool) -> st.SearchStrategy:
    plain = st.one_of(st.floats(-1e9, 1e9).map(lambda v: round(v, 2)), st.integers(-10**9, 10**9), st.just(-0.0))
    return st.one_of(plain, plain, plain, st.sampled_from(ODD)) if bad else plain


def sheets(data: st.DataObject, bad: bool) -> dict:
    def rows(*columns: st.SearchStrategy) -> list:
        found = data.draw(st.lists(st.tuples(*columns).map(list), max_size=12))
        return found + [[None] * len(columns)] * data.draw(st.integers(0, 1))  # now and then a blank row

    def v(good: list) -> st.SearchStrategy:
        return values(good, bad)

    found = {
        "income": rows(v(FUNC), v(TEXT), v(list(VOCAB["income_kind"])), amounts(bad), v(UNIT)),
        "expense": rows(v(FUNC), v(ECON), v(list(VOCAB["expense_kind"])), v(list(VOCAB["fund"])), amounts(bad),
                        v(TEXT), v(TEXT), v(UNIT)),
        "balance": rows(v(list(VOCAB["balance_item"])), v(list(VOCAB["fund"])), v(["", *FUNC]), amounts(bad), v(UNIT)),
        "sangong_budget": rows(v(list(VOCAB["sangong_item"])), amounts(bad)),
        "info": [["部门名称", "某局"], ["年度", "2019"], ["模板格式", "2019"]], "own_codes": [], "units": [],
    }
    return {s.sheet: [[s.title], [c.label for c in (s.columns or s.fields)]] + found[s.id] for s in SPEC.inputs}


def outcome(book: MemoryWorkbook, unit: str) -> object:
    try:
        ledger = read_ledger(SPEC, book, unit=unit)
    except InputError as exc:
        return [(p.code, p.sheet, p.cell, p.params) for p in exc.problems]
    return ledger.lines, ledger.typed_names, ledger.typed_units


def slow(*args: object, **kwargs: object) -> object:
    raise ledger_module._Slow


@pytest.mark.parametrize("bad", [False, True])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fast_reading_equals_row_by_row_reading(monkeypatch, data, bad):
    book = sheets(data, bad)
    unit = data.draw(st.sampled_from(["", "某局本级"]))
    fast = outcome(MemoryWorkbook(book), unit)
    with monkeypatch.context() as m:
        m.setattr(ledger_module, "_fast_list", slow)
        assert outcome(MemoryWorkbook(book), unit) == fast


class RawBook(MemoryWorkbook):
    """A port that, like python-calamine's, also reads a sheet with its blank cells as "" (the
    detail sheets' column-wise reading takes that; its row-by-row reading, read_sheet)."""

    def read_sheet_raw(self, name: str) -> list:
        return [["" if v is None else v for v in row] for row in self.sheets[name]]


@pytest.mark.parametrize("bad", [False, True])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_blanks_read_as_empty_text_give_the_same_ledger(data, bad):
    """A detail sheet read with "" for its blank cells (python-calamine's spelling, no pass to
    turn them into None) gives the lines, names, units and problems of the sheet read with None."""
    book = sheets(data, bad)
    unit = data.draw(st.sampled_from(["", "某局本级"]))
    assert outcome(RawBook(book), unit) == outcome(MemoryWorkbook(book), unit)


def test_a_clean_sheet_is_read_column_by_column(monkeypatch):
    """The fast path is taken on plain cells (else the equality above proves nothing)."""
    book = {s.sheet: [[s.title], [c.label for c in (s.columns or s.fields)]] for s in SPEC.inputs}
    book["支出明细"] += [["2010301", "30201", "基本支出", "其他资金", 12.5, "", "", ""]] * 3
    book["基本信息"] += [["部门名称", "某局"], ["年度", "2019"], ["模板格式", "2019"]]
    calls = []
    real = ledger_module._fast_list
    monkeypatch.setattr(ledger_module, "_fast_list", lambda *a: calls.append(a[1].sheet) or real(*a))
    lines = read_ledger(SPEC, MemoryWorkbook(book), unit="某单位").lines
    assert "支出明细" in calls and [x.unit for x in lines] == ["某单位"] * 3
    assert [str(x.amount) for x in lines] == ["12.5"] * 3 and [x.row for x in lines] == [3, 4, 5]


def test_ledger_line_init_matches_its_fields():
    """LedgerLine's hand-written __init__ takes every field, in order, with the field's default."""
    import dataclasses
    import inspect

    from juesuan.ledger import LedgerLine

    params = list(inspect.signature(LedgerLine.__init__).parameters.values())[1:]
    fields = dataclasses.fields(LedgerLine)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
                                           for f in fields]
    line = LedgerLine("expense", Decimal(1), unit="某单位")
    assert line == LedgerLine("expense", Decimal("1.0"), unit="某单位") and line.unit == "某单位" and line.row == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.func = "201"  # type: ignore[misc]
