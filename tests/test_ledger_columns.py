"""A large ledger kept as columns (:class:`juesuan.ledger.LineColumns`) gives exactly what
its lines give: the same lines when they are built, the same leaves (keys, exact units,
rounded cents, units per 元), the same name problems and plausibility warnings (sheet, cell,
order, text), the same tables. Random detail sheets of every format, read twice: as columns
(``COLUMNS_FROM`` 0) and as lines, given to the consumers as they were before the columns
(``tests/reference_ledger.py``) and to today's line paths."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
import reference_ledger as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import juesuan.ledger as ledger_module
from juesuan.code_names import own_name_conflicts
from juesuan.errors import InputError
from juesuan.fill import Computation
from juesuan.grouping import group_columns, group_ledger, group_lines
from juesuan.leaves import Aggregator, build_leaves, units_per_yuan
from juesuan.ledger import Ledger, LineColumns, read_ledger
from juesuan.port import MemoryWorkbook
from juesuan.sanity import (
    code_problems,
    empty_problems,
    info_problems,
    ledger_problems,
    plausibility_problems,
)
from juesuan.spec import available_formats, load_spec

SPECS = {f: load_spec(f) for f in available_formats()}


def codes(spec, length: int, prefix: str, n: int) -> list[str]:
    return sorted(c for c in spec.codes.scheme("functional" if prefix == "2" else "economic")
                  if len(c) == length and c.startswith(prefix))[:n]


def vocabulary(spec, col) -> list[str]:
    return list(spec.vocabularies.get(col.vocabulary or "", ()))


def amounts() -> st.SearchStrategy:
    """Amounts as a sheet holds them: mostly whole cents, now and then more decimals (the
    columns' cents refused: the Decimal path), beyond 10¹³ 元, -0.0, text (the sheet read
    row by row)."""
    cents = st.integers(-10**9, 10**11).map(lambda c: round(c / 100, 2))
    return st.one_of(cents, cents, cents, st.integers(-10**6, 10**9), st.just(-0.0), st.just(0.0),
                     st.sampled_from([0.001, 12.345, -7.5e-5, 1e-7, 2.675]), st.sampled_from([2e13 + 0.5, 12345678901234.0]),
                     st.sampled_from(["12.50", "1,234.5"]))


@st.composite
def workbooks(draw, fmt: str) -> dict:
    """Detail sheets of one format: codes named, unnamed and of unknown classes; names typed
    per level (and conflicting with the list), in code cells; 单位; blank rows."""
    spec = SPECS[fmt]
    funcs = codes(spec, 7, "2", 6) + ["2299901", "2990101", "2990102", "2990201", "2010199"]
    econs = codes(spec, 5, "3", 5) + ["39998"]
    func_cells = [*funcs, f"[{funcs[0]}]行政运行", f"{funcs[1]} 自己的名称"]
    econ_cells = [*econs, f"{econs[0]} 办公费", f"{econs[1]}-打印费"]
    names = ["", "", "自己的名称", "一般公共服务支出/人大事务/行政运行", "某项"]
    scale = draw(st.sampled_from([1, 1, 0.001]))  # now and then a ledger typed in 万元
    money = amounts() if scale == 1 else st.integers(-50, 500).map(lambda c: c / 100)
    plain_only = draw(st.booleans())  # a sheet of plain cents only: the columns' cents taken
    if plain_only:
        money = st.integers(-10**9, 10**11).map(lambda c: round(c / 100, 2))
    book: dict = {}
    for s in spec.inputs:
        head = [[s.title], [c.label for c in (s.columns or s.fields)]]
        if s.kind == "form":
            book[s.sheet] = [*head, ["部门名称", "某局"], ["年度", fmt[:4]], ["模板格式", fmt]]
            continue
        if s.ledger in (None, "codes"):
            book[s.sheet] = head
            continue
        keys = [c.key for c in s.columns]
        with_unit = draw(st.booleans())
        rows = []
        for _ in range(draw(st.integers(0, 14))):
            row = []
            for col in s.columns:
                if col.type == "func_code":
                    row.append(draw(st.sampled_from(func_cells if col.required else ["", *funcs])))
                elif col.type == "econ_code":
                    row.append(draw(st.sampled_from(econ_cells)))
                elif col.type == "choice":
                    row.append(draw(st.sampled_from(vocabulary(spec, col))))
                elif col.type == "money":
                    row.append(draw(money))
                elif col.key == "unit":
                    row.append(draw(st.sampled_from(["", "某局本级", "下属单位"])) if with_unit else None)
                elif col.key == "name":
                    row.append(draw(st.sampled_from(names)))
                else:
                    row.append(draw(st.sampled_from(["", "项目A", "项目B"])))
            if s.ledger == "expense" and row[keys.index("fund")] in spec.fiscal.funds:
                row[keys.index("kind")] = draw(st.sampled_from(spec.fiscal.fund_kinds))
            if s.ledger == "balance" and not row[keys.index("func")]:
                row[keys.index("func")] = funcs[0]
            rows.append(row)
            if draw(st.integers(0, 9)) == 0:
                rows.append([None] * len(row))  # a blank row
        book[s.sheet] = head + rows
    return book


def read(fmt: str, book: dict, columns: bool, monkeypatch, coded: bool = True) -> Ledger | list:
    """``columns``: every sheet kept as columns (else as lines); ``coded``: their key columns
    coded as they are read (else on first use)."""
    with monkeypatch.context() as m:
        m.setattr(ledger_module, "COLUMNS_FROM", 0 if columns else 10**9)
        m.setattr(ledger_module, "CODED_FROM", 0 if coded else 10**9)
        try:
            return read_ledger(SPECS[fmt], MemoryWorkbook(book))
        except InputError as exc:
            return [(p.code, p.sheet, p.cell, p.params) for p in exc.problems]


def problems(found: list) -> list:
    return [(p.code, p.params, p.sheet, p.cell, p.severity) for p in found]


def tables(spec, ledger: Ledger) -> object:
    try:
        computation = Computation(spec, ledger)
    except InputError as exc:
        return problems(exc.problems)
    exact = computation.accounts(rounded=False)
    rounded = computation.accounts()
    return exact.exact, [(p.code, p.params) for p in exact.warnings], rounded.tables, rounded.max_deviation


@pytest.mark.parametrize("fmt", sorted(SPECS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_columns_give_what_the_lines_give(monkeypatch, fmt, data):
    spec = SPECS[fmt]
    book = data.draw(workbooks(fmt))
    coded = data.draw(st.booleans())
    columnar, reference = read(fmt, book, True, monkeypatch, coded), read(fmt, book, False, monkeypatch)
    if not isinstance(columnar, Ledger):
        assert columnar == reference
        return
    lines = reference.lines
    assert columnar.line_count == len(lines)
    # every consumer on the columns first (the lines not built yet), then the same on the lines
    found = (units_per_yuan(columnar), group_ledger(columnar, units_per_yuan(columnar)),
             build_leaves(spec, columnar, rounded=False), build_leaves(spec, columnar),
             problems(code_problems(spec, columnar)), problems(plausibility_problems(spec, columnar)),
             problems(empty_problems(spec, columnar)), problems(ledger_problems(spec, columnar)))
    assert "_lines" not in columnar.__dict__ or columnar.__dict__["_lines"] is None  # (the columns were used)
    names = [*ref.name_problems(spec, lines, reference.own_names, reference.typed_names),
             *own_name_conflicts(spec, reference.own_cells), *ref.typed_name_conflicts(spec, lines, reference.typed_names)]
    expected = (ref.units_per_yuan(reference), ref.group_lines(lines, ref.units_per_yuan(reference)),
                build_leaves(spec, reference, rounded=False), build_leaves(spec, reference),
                problems(names), problems(ref.plausibility_problems(spec, reference)),
                problems(ref.empty_problems(spec, reference)),
                problems([*info_problems(spec, reference), *ref.empty_problems(spec, reference), *names,
                          *ref.plausibility_problems(spec, reference)]))
    assert found == expected
    # the lines' own paths (now shared with the columns' merging) give it too
    assert found[4:] == (problems(code_problems(spec, reference)), problems(plausibility_problems(spec, reference)),
                         problems(empty_problems(spec, reference)), problems(ledger_problems(spec, reference)))
    assert found[1] == group_lines(lines, found[0]) and found[0] == units_per_yuan(reference)
    assert tables(spec, read(fmt, book, True, monkeypatch, coded)) == tables(spec, reference)
    assert columnar.lines == lines  # built at last, the same lines
    assert columnar.chunks() == [columnar.lines]


def test_the_columns_are_kept_and_their_cents_taken(monkeypatch):
    """Plain sheets are kept as columns, their amounts taken as cents (else the equality
    above would prove nothing); odd amounts refuse the cents, never approximate them."""
    spec = SPECS["2019"]
    book = {s.sheet: [[s.title], [c.label for c in (s.columns or s.fields)]] for s in spec.inputs}
    book["基本信息"] += [["部门名称", "某局"], ["年度", "2019"], ["模板格式", "2019"]]
    book["支出明细"] += [["2010101", "30201", "基本支出", "其他资金", 12.5, "", "", ""],
                     ["2010101", "30201", "项目支出", "其他资金", -0.07, "", "", ""]]
    book["收入明细"] += [["2010101", "", "事业收入", 0.125, ""]]
    ledger = read("2019", book, True, monkeypatch)
    kept = {c.ledger: c for c in ledger.chunks()}
    expense, income = kept["expense"], kept["income"]
    assert type(expense) is LineColumns and type(income) is LineColumns
    assert expense.cents().tolist() == [1250, -7] and income.cents() is None
    assert dict(zip(*group_columns(expense, 1000)[:2], strict=True)) == {("2010101", "30201", "基本支出", "其他资金", ""): 12500,
                                              ("2010101", "30201", "项目支出", "其他资金", ""): -70}
    assert group_columns(income, 1000) is None and units_per_yuan(ledger) == 1000
    assert [str(x.amount) for x in ledger.lines] == ["0.125", "12.5", "-0.07"]  # income first, as the sheets come


@pytest.mark.parametrize("value", [0.1, 0.29, 1e12 + 0.01, 9999999999999.99, -123456.78, 3, 0.005, 1 / 3, 1e13 + 0.25,
                                   2.675, 1.005])
def test_cents_are_taken_only_when_exact(value):
    """Whole cents exactly when ``Decimal(repr(value))`` has two decimals at most."""
    chunk = LineColumns("expense", "支出明细", [3], [value], {})
    exact = Decimal(repr(value))
    cents = chunk.cents()
    if exact.as_tuple().exponent >= -2 and abs(exact) < 10**13:
        assert cents is not None and Decimal(int(cents[0])) / 100 == exact
    else:
        assert cents is None


def _synthetic_sheets(spec, lines: int) -> dict:
    """The input sheets of a synthetic department of ``lines`` expense lines, as grids read
    from a workbook (amounts as floats)."""
    from fill_helpers import input_grids

    from juesuan.sample import synthetic_inputs

    return input_grids(spec, synthetic_inputs(lines, n_func=60, n_econ=30, spec=spec), as_read=True)


def test_the_aggregator_answers_the_same_from_grouped_columns(monkeypatch):
    """The leaves' key columns handed over by grouping (Leaves.coded) pick the same members
    as columns built from the keys."""
    spec = SPECS["2019"]
    sheets = _synthetic_sheets(spec, 3000)
    ledger = read_ledger(spec, MemoryWorkbook(sheets))
    assert any(type(c) is LineColumns for c in ledger.chunks())
    leaves = build_leaves(spec, ledger, rounded=False)
    assert leaves["expense"].coded is not None
    plain = {name: type(data)(data.keys, list(data.cents), list(data.units), data.per_cent)
             for name, data in leaves.items()}
    assert plain["expense"].coded is None
    coded, rebuilt = Aggregator(leaves), Aggregator(plain)
    for flt in ({"ledger": ("expense",)}, {"ledger": ("expense",), "kind": ("基本支出",)},
                {"ledger": ("expense",), "fund": ("其他资金",), "econ": ("302",)}):
        for dim in ("func", "econ"):
            assert coded.members(coded.key(flt), dim) == rebuilt.members(rebuilt.key(flt), dim)
            assert coded.present(flt, dim) == rebuilt.present(flt, dim)
    as_lines = dataclasses.replace(read_ledger(spec, MemoryWorkbook(sheets)))  # (its lines built)
    assert tables(spec, ledger) == tables(spec, as_lines)


def test_the_record_digest_is_the_same_from_columns_or_keys():
    """The digest of Fill's rounding record read from the leaves' key columns (Leaves.coded)
    is the one computed from the key tuples (a record written from one is taken by a check
    holding the other), and still sees a changed classification or amount."""
    from juesuan import rounding_record

    spec = SPECS["2019"]
    leaves = build_leaves(spec, read_ledger(spec, MemoryWorkbook(_synthetic_sheets(spec, 2500))), rounded=False)
    assert leaves["expense"].coded is not None
    coded = rounding_record.digest(spec, leaves)
    plain = {name: type(data)(data.keys, list(data.cents), list(data.units), data.per_cent)
             for name, data in leaves.items()}
    assert rounding_record.digest(spec, plain) == coded
    data = plain["expense"]
    for edit in (lambda: data.keys.__setitem__(0, (data.keys[0][0], "39999", *data.keys[0][2:])),
                 lambda: data.units.__setitem__(0, data.units[0] + 1)):
        before = rounding_record.digest(spec, plain)
        edit()
        assert rounding_record.digest(spec, plain) != before
