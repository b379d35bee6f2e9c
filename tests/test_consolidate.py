"""Consolidation (汇总) on ledgers: hand-computed units with both kinds of elimination by
code, the union keeping every line, unbalanced eliminations, the spec's eliminations section,
the optional 单位 column and 单位构成 sheet, and the additivity property over random units."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan.consolidate import ELIMINATION_UNIT, Unit, consolidate, eliminations_of, parse_eliminations
from juesuan.consolidate.engine import department_name, pick_parent
from juesuan.consolidate.units import read_units
from juesuan.errors import InputError
from juesuan.fill import fill_accounts
from juesuan.ledger import Ledger, LedgerLine, read_ledger
from juesuan.port import MemoryWorkbook
from juesuan.spec import SpecError, load_spec

WAN = Decimal(10_000)  # amounts below are in 万元 × 10,000 = 元, so the tables show them exactly
GP, OTHER = "一般公共预算财政拨款", "其他资金"


def inc(func: str, kind: str, wan: int | str, row: int = 3) -> LedgerLine:
    return LedgerLine("income", Decimal(wan) * WAN, func=func, kind=kind, sheet="收入明细", row=row)


def exp(func: str, econ: str, kind: str, fund: str, wan: int | str, row: int = 3) -> LedgerLine:
    return LedgerLine("expense", Decimal(wan) * WAN, func=func, econ=econ, kind=kind, fund=fund, sheet="支出明细",
                      row=row)


def unit(label: str, name: str, *lines: LedgerLine, parent: bool = False) -> Unit:
    return Unit(label, name, Ledger(info={"dept": name, "year": "2019", "format": "2019"}, lines=list(lines)),
                parent=parent)


def hand_units() -> list[Unit]:
    """本级 pays A 100 under 2111101 and B 60 under 2110199; A remits 30 under 2110101, B 20
    under 2110199 — every pair balanced by code."""
    parent = unit("本级.xlsx", "某局本级",
                  inc("2110101", "一般公共预算财政拨款收入", 1000, 3),
                  inc("2110101", "附属单位上缴收入", 30, 4),
                  inc("2110199", "附属单位上缴收入", 20, 5),
                  exp("2110101", "30101", "基本支出", GP, 800, 3),
                  exp("2111101", "39999", "对附属单位补助支出", OTHER, 100, 4),
                  exp("2110199", "39999", "对附属单位补助支出", OTHER, 60, 5), parent=True)
    a = unit("A.xlsx", "监测站",
             inc("2111101", "上级补助收入", 100, 3), inc("2111101", "事业收入", 50, 4),
             exp("2111101", "30201", "基本支出", OTHER, 120, 3),
             exp("2110101", "39999", "上缴上级支出", OTHER, 30, 4))
    b = unit("B.xlsx", "研究所",
             inc("2110199", "上级补助收入", 60, 3),
             exp("2110199", "30227", "项目支出", OTHER, 40, 3),
             exp("2110199", "39999", "上缴上级支出", OTHER, 20, 4))
    return [parent, a, b]


def sums(lines, *dims) -> dict:
    out: dict = defaultdict(Decimal)
    for line in lines:
        out[tuple(getattr(line, d) for d in dims)] += line.amount
    return {k: v for k, v in out.items() if v}


@pytest.fixture(scope="module")
def spec():
    return load_spec("2019")


def test_hand_computed_department(spec):
    result = consolidate(spec, hand_units(), "某局", "2019")
    assert result.imbalances == []
    ledger = result.ledger()
    by_kind = sums(ledger.lines, "ledger", "kind")
    assert by_kind == {("income", "一般公共预算财政拨款收入"): 1000 * WAN, ("income", "事业收入"): 50 * WAN,
                       ("expense", "基本支出"): 920 * WAN, ("expense", "项目支出"): 40 * WAN}
    # both kinds of elimination, by code: one elimination line per side and code
    elim = sums(result.elimination_lines, "ledger", "kind", "func")
    assert elim == {("expense", "对附属单位补助支出", "2111101"): -100 * WAN,
                    ("expense", "对附属单位补助支出", "2110199"): -60 * WAN,
                    ("income", "上级补助收入", "2111101"): -100 * WAN,
                    ("income", "上级补助收入", "2110199"): -60 * WAN,
                    ("income", "附属单位上缴收入", "2110101"): -30 * WAN,
                    ("income", "附属单位上缴收入", "2110199"): -20 * WAN,
                    ("expense", "上缴上级支出", "2110101"): -30 * WAN,
                    ("expense", "上缴上级支出", "2110199"): -20 * WAN}
    assert all(line.unit == ELIMINATION_UNIT for line in result.elimination_lines)
    accounts = fill_accounts(spec, ledger)
    t01, t03 = accounts.tables["01"], accounts.tables["03"]
    assert t01.value("inc_total", "amount") == Decimal("1050.00")
    assert not t01.value("inc_sup", "amount") and not t01.value("inc_aff", "amount")
    assert t01.value("exp_total", "amount") == Decimal("960.00")
    assert t03.value("2111101", "total") == Decimal("120.00")
    assert not t03.value("total", "subsidy") and not t03.value("total", "upper")


def test_union_keeps_every_line_with_its_unit(spec):
    units = hand_units()
    result = consolidate(spec, units, "某局", "2019")
    assert len(result.lines) == sum(len(u.ledger.lines) for u in units)
    assert {line.unit for line in result.lines} == {"某局本级", "监测站", "研究所"}
    for u in units:  # per unit and per code, the department's lines carry exactly the unit's amounts
        mine = [line for line in result.lines if line.unit == u.name]
        assert sums(mine, "ledger", "kind", "func") == sums(u.ledger.lines, "ledger", "kind", "func")
    composition = result.composition()
    assert [r["unit_name"] for r in composition] == ["某局本级", "监测站", "研究所"]
    assert [r["remark"] for r in composition] == ["本级", "下属单位", "下属单位"]
    rows = result.input_rows()
    assert rows["units"] == [["1", "某局本级", "本级"], ["2", "监测站", "下属单位"], ["3", "研究所", "下属单位"]]
    assert len(rows["income"]) + len(rows["expense"]) == len(result.lines) + len(result.elimination_lines)
    assert rows["income"][0] == ("2110101", "", "一般公共预算财政拨款收入", 1000 * WAN, "某局本级")


def test_no_parent_no_elimination(spec):
    units = [u for u in hand_units() if not u.parent]
    result = consolidate(spec, units, "某局", "2019")
    assert result.elimination_lines == [] and result.imbalances == []
    assert result.notes
    assert sums(result.lines, "ledger", "kind") == sums([x for u in units for x in u.ledger.lines], "ledger", "kind")


def test_unbalanced_elimination_reports_both_sides(spec):
    units = hand_units()
    a = units[1]
    a.ledger.lines[0] = inc("2111101", "上级补助收入", 90, 3)  # the parent paid 100, A booked 90
    result = consolidate(spec, units, "某局", "2019")
    [imb] = result.imbalances
    assert imb.key == ("2111101",)
    assert (imb.parent_amount, imb.unit_amount, imb.difference, imb.eliminated) == (100 * WAN, 90 * WAN, 10 * WAN,
                                                                                      90 * WAN)
    assert imb.parent_cells == ["[本级.xlsx]支出明细!E4"]
    assert imb.unit_cells == ["[A.xlsx]收入明细!D3"]
    text = imb.problem().message_zh
    assert "2111101" in text and "[本级.xlsx]支出明细!E4" in text and "[A.xlsx]收入明细!D3" in text
    assert "+100000.00" in text  # the difference, in 元
    # the matched 90 is eliminated on both sides; the parent's extra 10 stays published
    accounts = fill_accounts(spec, result.ledger())
    assert accounts.tables["03"].value("2111101", "subsidy") == Decimal("10.00")
    assert not accounts.tables["01"].value("inc_sup", "amount")


def test_parent_and_department_name():
    units = hand_units()
    for u in units:
        u.parent = False
    assert pick_parent(units, None, None).name == "某局本级"
    assert pick_parent(units, "A.xlsx", None).name == "监测站"
    assert pick_parent(units, "研究所", None).name == "研究所"
    assert pick_parent(units, "nobody", None) is None
    assert department_name(units[0]) == "某局"
    assert department_name(None) == ""


def test_eliminations_section_of_every_format():
    for fmt in ("2019", "2020"):
        elims = eliminations_of(load_spec(fmt))
        assert [e.id for e in elims] == ["subsidy", "remittance"]
        assert elims[0].by == ("func",)


@pytest.mark.parametrize("raw, where", [
    ({"x": 1}, "eliminations"),
    ([{"title": "无 id"}], "eliminations[0]"),
    ([{"id": "a", "parent": {"ledger": "expense"}}], "eliminations[0] (a)"),
    ([{"id": "a", "parent": {"ledger": "cash"}, "unit": {"ledger": "income"}}], "eliminations[0] (a).parent.ledger"),
    ([{"id": "a", "parent": {"ledger": "expense", "kind": "对下补助"}, "unit": {"ledger": "income"}}],
     "eliminations[0] (a).parent.kind"),
    ([{"id": "a", "parent": {"ledger": "expense"}, "unit": {"ledger": "income", "fund": "其他资金"}}],
     "eliminations[0] (a).unit.fund"),
    ([{"id": "a", "parent": {"ledger": "expense"}, "unit": {"ledger": "income"}, "by": ["econ"]}],
     "eliminations[0] (a).by"),
    ([{"id": "a", "parent": {"ledger": "expense"}, "unit": {"ledger": "income"}, "match": "x"}],
     "eliminations[0] (a).match"),
    ([{"id": "a", "parent": {"ledger": "expense"}, "unit": {"ledger": "income"}},
      {"id": "a", "parent": {"ledger": "expense"}, "unit": {"ledger": "income"}}], "eliminations[1] (a)"),
])
def test_eliminations_errors_are_located(spec, raw, where):
    with pytest.raises(SpecError) as info:
        parse_eliminations(raw, spec.vocabularies)
    assert info.value.where == where


def _grid(sheet, header: list[str], rows: list[list]) -> list[list]:
    return [[sheet.title], header, *rows]


def _book(spec, income_rows, income_header=None, units_rows=None, fmt="2019", dept="某局本级"):
    sheets = {"基本信息": [["基本信息"], ["项目", "内容"], ["部门名称", dept], ["年度", "2019"], ["模板格式", fmt]]}
    for s in spec.inputs:
        if s.kind == "list" and s.ledger:
            header = [c.label for c in s.columns]
            sheets[s.sheet] = _grid(s, header, [])
    income = spec.input("income")
    sheets["收入明细"] = _grid(income, income_header or [c.label for c in income.columns], income_rows)
    if units_rows is not None:
        sheets["单位构成"] = _grid(spec.input("units"), ["序号", "单位名称", "备注"], units_rows)
    return MemoryWorkbook(sheets)


def test_unit_column_and_composition_are_optional(spec):
    """A workbook made before the 单位 column and 单位构成 existed reads as before."""
    old = _book(spec, [["2110101", "", "事业收入", 100]], income_header=["功能分类科目编码", "科目名称", "收入类别", "金额（元）"])
    ledger = read_ledger(spec, old)
    assert [(line.amount, line.unit) for line in ledger.lines] == [(Decimal(100), "")]
    assert ledger.records == {}
    new = _book(spec, [["2110101", "", "事业收入", 100, "监测站"], ["2110101", "", "事业收入", 5, None]],
                units_rows=[["1", "某局本级", "本级"], [None, None, None], ["2", "监测站", ""]])
    ledger = read_ledger(spec, new)
    assert [line.unit for line in ledger.lines] == ["监测站", ""]
    assert [r["unit_name"] for r in ledger.records["units"]] == ["某局本级", "监测站"]
    wrong = _book(spec, [], income_header=["功能分类科目编码", "科目名称", "收入类别", "金额（元）", "部门"])
    with pytest.raises(InputError) as info:
        read_ledger(spec, wrong)
    assert [(p.code, p.sheet, p.cell) for p in info.value.problems] == [("header-mismatch", "收入明细", "E2")]
    unnamed = _book(spec, [], units_rows=[["1", "", "本级"]])
    with pytest.raises(InputError) as info:
        read_ledger(spec, unnamed)
    assert [(p.code, p.cell) for p in info.value.problems] == [("required", "B3")]


def test_read_units_reports_every_unit_at_once(spec):
    good = _book(spec, [["2110101", "", "事业收入", 100]])
    bad_code = _book(spec, [["21101", "", "事业收入", 100]], dept="监测站")
    bad_amount = _book(spec, [["2110101", "", "事业收入", "一百"]], dept="研究所")
    not_template = MemoryWorkbook({"Sheet1": [["x"]]})
    other_year = _book(spec, [], dept="所")
    other_year.sheets["基本信息"][3][1] = "2018"
    twin = _book(spec, [], dept="某局本级")
    with pytest.raises(InputError) as info:
        read_units([("本级.xlsx", good), ("A.xlsx", bad_code), ("B.xlsx", bad_amount), ("C.xlsx", not_template),
                    ("D.xlsx", other_year), ("E.xlsx", twin)])
    where = {(p.code, p.where) for p in info.value.problems}
    assert where == {("bad-code", "[A.xlsx]收入明细!A3"), ("not-a-number", "[B.xlsx]收入明细!D3"),
                     ("not-a-template", "[C.xlsx]"), ("unit-year", "[D.xlsx]基本信息"),
                     ("unit-duplicate", "[E.xlsx]基本信息")}


def test_read_units_refuses_mixed_formats():
    s19, s20 = load_spec("2019"), load_spec("2020")
    units = [("a.xlsx", _book(s19, [], dept="甲")), ("b.xlsx", _book(s19, [], dept="乙")),
             ("c.xlsx", _book(s20, [], fmt="2020", dept="丙"))]
    with pytest.raises(InputError) as info:
        read_units(units)
    assert [(p.code, p.where, p.params["found"], p.params["expected"]) for p in info.value.problems] == [
        ("unit-format", "[c.xlsx]基本信息", "2020", "2019")]
    with pytest.raises(InputError) as info:
        read_units(units, fmt="2020")
    assert sorted(p.where for p in info.value.problems) == ["[a.xlsx]基本信息", "[b.xlsx]基本信息"]
    spec, read = read_units(units[:2])
    assert spec.format == "2019" and [u.name for u in read] == ["甲", "乙"]


def test_engine_imports_no_spreadsheet_library():
    code = ("import sys\nimport juesuan.consolidate, juesuan.consolidate.units, juesuan.consolidate.sample\n"
            "import juesuan.rules.units\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'xlwings'))))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


# -- the additivity property --------------------------------------------------------------------
CODES = ("2110101", "2110199", "2111101")
INCOME_KINDS = ("一般公共预算财政拨款收入", "事业收入", "上级补助收入", "附属单位上缴收入")
EXPENSE = (("基本支出", GP), ("项目支出", OTHER), ("对附属单位补助支出", OTHER), ("上缴上级支出", OTHER))
cents = st.integers(min_value=-50_000, max_value=5_000_000).map(lambda c: Decimal(c) / 100)
income_line = st.builds(lambda f, k, a: LedgerLine("income", a, func=f, kind=k, sheet="收入明细", row=3),
                        st.sampled_from(CODES), st.sampled_from(INCOME_KINDS), cents)
expense_line = st.builds(lambda f, kf, a: LedgerLine("expense", a, func=f, econ="30201", kind=kf[0], fund=kf[1],
                                                     sheet="支出明细", row=3),
                         st.sampled_from(CODES), st.sampled_from(EXPENSE), cents)
unit_lines = st.lists(st.one_of(income_line, expense_line), max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(unit_lines, min_size=1, max_size=4), st.booleans())
def test_additivity_over_random_units(spec, ledgers, with_parent):
    """Department = Σ units − eliminations, per ledger, kind and code; each unit's own lines
    unchanged; each eliminated side reduced by the matched amount of its code."""
    units = [unit(f"{n}.xlsx", f"单位{n}", *lines, parent=with_parent and n == 0) for n, lines in enumerate(ledgers)]
    result = consolidate(spec, units, "部门", "2019")
    everything = [line for u in units for line in u.ledger.lines]
    dept = sums(result.ledger().lines, "ledger", "kind", "func")
    expected = defaultdict(Decimal, sums(everything, "ledger", "kind", "func"))
    for u in units:
        assert sums([x for x in result.lines if x.unit == u.name], "ledger", "kind", "func") == \
            sums(u.ledger.lines, "ledger", "kind", "func")
    if with_parent:
        parent, others = units[0], units[1:]
        for e in eliminations_of(spec):
            for code in CODES:
                p = sum((x.amount for x in parent.ledger.lines if e.parent.matches(x) and x.func == code), Decimal(0))
                u = sum((x.amount for o in others for x in o.ledger.lines if e.unit.matches(x) and x.func == code),
                        Decimal(0))
                matched = p if p == u else min(p, u) if p > 0 and u > 0 else max(p, u) if p < 0 and u < 0 else 0
                kind_p = e.parent.where[0][1][0]
                kind_u = e.unit.where[0][1][0]
                expected[(e.parent.ledger, kind_p, code)] -= matched
                expected[(e.unit.ledger, kind_u, code)] -= matched
                imbalanced = [i for i in result.imbalances if i.elimination.id == e.id and i.key == (code,)]
                assert len(imbalanced) == (p != u)
    else:
        assert result.elimination_lines == []
    assert dept == {k: v for k, v in expected.items() if v}
