"""Additivity property of Fill (hypothesis): on random ledgers, every published total equals
the sum of its published items, within each table and across tables; every figure is close
to its exact value, computed here independently from the ledger in 元; and the reported
``max_deviation`` is the true largest deviation over every published figure.

In memory (``MemoryWorkbook`` → ``read_ledger`` → ``fill_accounts``) for speed.
"""

from __future__ import annotations

from decimal import Decimal

from fill_helpers import BASIC, GF, GP, INC_GF, INC_GP, OTHER, PROJECT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.fill import fill_accounts
from juesuan.layout import render_input
from juesuan.ledger import read_ledger
from juesuan.port import MemoryWorkbook
from juesuan.spec import load_spec

SPEC = load_spec("2019")
WAN = Decimal(10000)
BOUND = Decimal("0.02")
FUNC_POOL = sorted(c for c in SPEC.codes.functional if len(c) == 7)
ECON_POOL = sorted(c for c in SPEC.codes.economic if len(c) == 5 and c[:3] in ("301", "302", "303", "307", "310",
                                                                                  "312", "399"))
ECON_POOL += ["30212", "30217", "30231", "31013"] * 3  # the 三公 款 more often
INCOME_KINDS = SPEC.vocabularies["income_kind"]
EXPENSE_KINDS = SPEC.vocabularies["expense_kind"]
SANGONG = SPEC.vocabularies["sangong_item"]

cents = st.integers(min_value=1, max_value=300_000_00).map(lambda n: Decimal(n) / 100)
correction = st.one_of(st.none(), st.integers(min_value=1, max_value=99))  # % taken back by a negative line


@st.composite
def expense_line(draw):
    fund = draw(st.sampled_from([GP, GP, GF, OTHER]))
    kinds = [BASIC, PROJECT] if fund in (GP, GF) else EXPENSE_KINDS
    return [draw(st.sampled_from(FUNC_POOL)), draw(st.sampled_from(ECON_POOL)), draw(st.sampled_from(kinds)), fund,
            draw(cents), "", ""], draw(correction)


@st.composite
def ledgers(draw):
    funcs = draw(st.lists(st.sampled_from(FUNC_POOL), min_size=1, max_size=6, unique=True))
    expense = []
    for line, pct in draw(st.lists(expense_line(), min_size=1, max_size=30)):
        line[0] = funcs[hash(line[0]) % len(funcs)]  # share a few 项 so hierarchies have several children
        expense.append(line)
        if pct:
            back = (line[4] * pct / 100).quantize(Decimal("0.01"))
            if back:
                expense.append([*line[:4], -back, "", ""])
    income = [[draw(st.sampled_from(funcs)), "", draw(st.sampled_from(INCOME_KINDS)), draw(cents)]
              for _ in range(draw(st.integers(0, 10)))]
    balance = []
    for item, fund, func in (("年初结转和结余", GP, ""), ("年初结转和结余", OTHER, ""),
                             ("年初结转和结余", GF, draw(st.sampled_from(funcs))),
                             ("用事业基金弥补收支差额", OTHER, ""), ("结余分配", OTHER, "")):
        amount = draw(st.one_of(st.none(), cents))
        if amount is not None:
            balance.append([item, fund, func, amount])
    sangong = [[item, amount] for item in SANGONG if (amount := draw(st.one_of(st.none(), cents))) is not None]
    return {"info": [["部门名称", "性质测试"], ["年度", "2019"], ["模板格式", "2019"]], "income": income,
            "expense": expense, "balance": balance, "sangong_budget": sangong}


def _fill(inputs):
    book = MemoryWorkbook()
    for sheet in SPEC.inputs:
        book.replace_sheet(render_input(sheet, inputs.get(sheet.id), SPEC, blank_rows=0))
    return fill_accounts(SPEC, read_ledger(SPEC, book))


# -- exact values, from the input rows in 元 (independent of the engine) -----------------

def _exact(inputs) -> dict[tuple[str, str, str], Decimal]:
    inc = [(f, k, a) for f, _n, k, a in inputs["income"]]
    exp = [(f, e, k, fu, a) for f, e, k, fu, a, _p, _n in inputs["expense"]]
    bal = inputs["balance"]

    def s_inc(pred):
        return sum((a for f, k, a in inc if pred(f, k)), Decimal(0)) / WAN

    def s_exp(pred):
        return sum((a for f, e, k, fu, a in exp if pred(f, e, k, fu)), Decimal(0)) / WAN

    def s_bal(item, fund=None, func=None):
        return sum((a for i, fu, fc, a in bal if i == item and (fund is None or fu == fund)
                    and (func is None or fc.startswith(func))), Decimal(0)) / WAN

    x: dict[tuple[str, str, str], Decimal] = {}
    # 01
    for key, kind in zip(("inc_gp", "inc_gf", "inc_sup", "inc_biz", "inc_op", "inc_aff", "inc_other"), INCOME_KINDS,
                         strict=True):
        x["01", key, "amount"] = s_inc(lambda f, k, kind=kind: k == kind)
    x["01", "inc_total"] = s_inc(lambda f, k: True)
    x["01", "fund_use"] = s_bal("用事业基金弥补收支差额")
    x["01", "begin"] = s_bal("年初结转和结余")
    x["01", "grand_in"] = x["01", "inc_total"] + x["01", "fund_use"] + x["01", "begin"]
    for c in (c for c in SPEC.codes.functional if len(c) == 3):
        x["01", c, "amount"] = s_exp(lambda f, e, k, fu, c=c: f.startswith(c))
    x["01", "exp_total"] = s_exp(lambda *_: True)
    x["01", "distrib"] = s_bal("结余分配")
    x["01", "end"] = x["01", "grand_in"] - x["01", "exp_total"] - x["01", "distrib"]
    x["01", "grand_out"] = x["01", "grand_in"]
    for key in ("inc_total", "fund_use", "begin", "grand_in", "exp_total", "distrib", "end", "grand_out"):
        x["01", key, "amount"] = x.pop(("01", key))
    # 02, 03, 05, 08: total row and every prefix of the codes in scope
    inc_cols = dict(zip(("superior", "business", "operating", "affiliated", "other"), INCOME_KINDS[2:], strict=True))
    exp_cols = dict(zip(("basic", "project", "upper", "operating", "subsidy"), EXPENSE_KINDS, strict=True))

    def prefixes(codes):
        return {"total"} | {c[:n] for c in codes for n in (3, 5, 7)}

    for p in prefixes(f for f, _k, _a in inc):
        pre = "" if p == "total" else p
        x["02", p, "total"] = s_inc(lambda f, k, pre=pre: f.startswith(pre))
        x["02", p, "fiscal"] = s_inc(lambda f, k, pre=pre: f.startswith(pre) and k in (INC_GP, INC_GF))
        for col, kind in inc_cols.items():
            x["02", p, col] = s_inc(lambda f, k, pre=pre, kind=kind: f.startswith(pre) and k == kind)
    for p in prefixes(line[0] for line in exp):
        pre = "" if p == "total" else p
        x["03", p, "total"] = s_exp(lambda f, e, k, fu, pre=pre: f.startswith(pre))
        for col, kind in exp_cols.items():
            x["03", p, col] = s_exp(lambda f, e, k, fu, pre=pre, kind=kind: f.startswith(pre) and k == kind)
    for p in prefixes(line[0] for line in exp if line[3] == GP):
        pre = "" if p == "total" else p
        x["05", p, "subtotal"] = s_exp(lambda f, e, k, fu, pre=pre: f.startswith(pre) and fu == GP)
        for col, kind in (("basic", BASIC), ("project", PROJECT)):
            x["05", p, col] = s_exp(lambda f, e, k, fu, pre=pre, kind=kind: f.startswith(pre) and fu == GP
                                    and k == kind)
    gf_codes = ([line[0] for line in exp if line[3] == GF] + [f for f, k, _a in inc if k == INC_GF]
                + [fc for i, fu, fc, _a in bal if i == "年初结转和结余" and fu == GF])
    if gf_codes:
        for p in prefixes(gf_codes):
            pre = "" if p == "total" else p
            x["08", p, "begin"] = s_bal("年初结转和结余", GF, pre)
            x["08", p, "income"] = s_inc(lambda f, k, pre=pre: f.startswith(pre) and k == INC_GF)
            x["08", p, "exp_sub"] = s_exp(lambda f, e, k, fu, pre=pre: f.startswith(pre) and fu == GF)
            for col, kind in (("basic", BASIC), ("project", PROJECT)):
                x["08", p, col] = s_exp(lambda f, e, k, fu, pre=pre, kind=kind: f.startswith(pre) and fu == GF
                                        and k == kind)
            x["08", p, "end"] = x["08", p, "begin"] + x["08", p, "income"] - x["08", p, "exp_sub"]
    # 04
    x["04", "fin_gp", "amount"] = s_inc(lambda f, k: k == INC_GP)
    x["04", "fin_gf", "amount"] = s_inc(lambda f, k: k == INC_GF)
    x["04", "fin_inc_total", "amount"] = x["04", "fin_gp", "amount"] + x["04", "fin_gf", "amount"]
    x["04", "begin_gp", "amount"] = s_bal("年初结转和结余", GP)
    x["04", "begin_gf", "amount"] = s_bal("年初结转和结余", GF)
    x["04", "fin_begin", "amount"] = x["04", "begin_gp", "amount"] + x["04", "begin_gf", "amount"]
    x["04", "fin_grand_in", "amount"] = x["04", "fin_inc_total", "amount"] + x["04", "fin_begin", "amount"]
    for p in {line[0][:3] for line in exp if line[3] in (GP, GF)} | {"fin_exp_total"}:
        pre = "" if p == "fin_exp_total" else p
        x["04", p, "gp"] = s_exp(lambda f, e, k, fu, pre=pre: f.startswith(pre) and fu == GP)
        x["04", p, "gf"] = s_exp(lambda f, e, k, fu, pre=pre: f.startswith(pre) and fu == GF)
        x["04", p, "total"] = x["04", p, "gp"] + x["04", p, "gf"]
    x["04", "fin_end", "gp"] = x["04", "begin_gp", "amount"] + x["04", "fin_gp", "amount"] - x["04", "fin_exp_total",
                                                                                              "gp"]
    x["04", "fin_end", "gf"] = x["04", "begin_gf", "amount"] + x["04", "fin_gf", "amount"] - x["04", "fin_exp_total",
                                                                                              "gf"]
    x["04", "fin_end", "total"] = x["04", "fin_end", "gp"] + x["04", "fin_end", "gf"]
    for col in ("total", "gp", "gf"):
        x["04", "fin_grand_out", col] = x["04", "fin_exp_total", col] + x["04", "fin_end", col]
    # 06
    for code in SPEC.codes.economic:
        if code[:3] in ("301", "302", "303", "307", "310", "312", "399"):
            x["06", code, "amount"] = s_exp(lambda f, e, k, fu, code=code: e.startswith(code) and fu == GP
                                            and k == BASIC)
    x["06", "personnel_total", "amount"] = x["06", "301", "amount"] + x["06", "303", "amount"]
    x["06", "public_total", "amount"] = sum((x["06", c, "amount"] for c in ("302", "307", "310", "312", "399")),
                                            Decimal(0))
    # 07
    def budget(item):
        return sum((a for i, a in inputs["sangong_budget"] if i == item), Decimal(0)) / WAN

    d = {"b_abroad": budget(SANGONG[0]), "b_car_buy": budget(SANGONG[1]), "b_car_run": budget(SANGONG[2]),
         "b_recep": budget(SANGONG[3])}
    for key, econ in (("a_abroad", "30212"), ("a_car_buy", "31013"), ("a_car_run", "30231"), ("a_recep", "30217")):
        d[key] = s_exp(lambda f, e, k, fu, econ=econ: e == econ and fu == GP)
    for side in "ab":
        d[f"{side}_car"] = d[f"{side}_car_buy"] + d[f"{side}_car_run"]
        d[f"{side}_total"] = d[f"{side}_abroad"] + d[f"{side}_car"] + d[f"{side}_recep"]
    for key, value in d.items():
        x["07", "data", key] = value
    return x


# -- the checks -----------------------------------------------------------------------

def _v(acc, tid, row, col):
    r = acc.tables[tid].row(row)
    value = None if r is None else r.values.get(col)
    return Decimal(0) if value is None else value


def _hierarchy(acc, tid, cols):
    rows = [r for r in acc.tables[tid].rows() if r.code]
    codes = {r.code for r in rows}
    for col in cols:
        for r in rows:
            kids = [k for k in codes if len(k) == len(r.code) + 2 and k.startswith(r.code)]
            assert kids or len(r.code) == 7, (tid, r.code)
            if kids:
                assert r.values[col] == sum(_v(acc, tid, k, col) for k in kids), (tid, r.code, col)
        classes = [c for c in codes if len(c) == 3]
        assert _v(acc, tid, "total", col) == sum((_v(acc, tid, c, col) for c in classes), Decimal(0)), (tid, col)


def _row_sums(acc, tid, total, parts, sign=None):
    for r in acc.tables[tid].rows():
        if r.values.get(total) is None:
            continue
        signs = sign or [1] * len(parts)
        assert r.values[total] == sum(s * _v(acc, tid, r.key, p) for s, p in zip(signs, parts, strict=True)), \
            (tid, r.key, total)


def check_tables(acc):
    t01 = lambda k: _v(acc, "01", k, "amount")  # noqa: E731
    # 01 lines
    incomes = ["inc_gp", "inc_gf", "inc_sup", "inc_biz", "inc_op", "inc_aff", "inc_other"]
    assert t01("inc_total") == sum(t01(k) for k in incomes)
    assert t01("grand_in") == t01("inc_total") + t01("fund_use") + t01("begin")
    classes = [r.code for r in acc.tables["01"].panels[1] if r.code]
    assert t01("exp_total") == sum(t01(c) for c in classes)
    assert t01("grand_out") == t01("exp_total") + t01("distrib") + t01("end")
    assert t01("grand_in") == t01("grand_out")
    # 02/03/05/08 hierarchies and row sums
    _hierarchy(acc, "02", ["total", "fiscal", "superior", "business", "operating", "affiliated", "other"])
    _hierarchy(acc, "03", ["total", "basic", "project", "upper", "operating", "subsidy"])
    _hierarchy(acc, "05", ["subtotal", "basic", "project"])
    _row_sums(acc, "02", "total", ["fiscal", "superior", "business", "operating", "affiliated", "other"])
    _row_sums(acc, "03", "total", ["basic", "project", "upper", "operating", "subsidy"])
    _row_sums(acc, "05", "subtotal", ["basic", "project"])
    if not acc.tables["08"].empty:
        _hierarchy(acc, "08", ["begin", "income", "exp_sub", "basic", "project", "end"])
        _row_sums(acc, "08", "exp_sub", ["basic", "project"])
        _row_sums(acc, "08", "end", ["begin", "income", "exp_sub"], [1, 1, -1])
    # 04 sides and fund columns
    t04 = lambda k, c="amount": _v(acc, "04", k, c)  # noqa: E731
    assert t04("fin_inc_total") == t04("fin_gp") + t04("fin_gf")
    assert t04("fin_begin") == t04("begin_gp") + t04("begin_gf")
    assert t04("fin_grand_in") == t04("fin_inc_total") + t04("fin_begin")
    fin_classes = [r.code for r in acc.tables["04"].panels[1] if r.code]
    for row in [*fin_classes, "fin_exp_total", "fin_end", "fin_grand_out"]:
        assert t04(row, "total") == t04(row, "gp") + t04(row, "gf"), row
    for col in ("total", "gp", "gf"):
        assert t04("fin_exp_total", col) == sum((t04(c, col) for c in fin_classes), Decimal(0)), col
        assert t04("fin_grand_out", col) == t04("fin_exp_total", col) + t04("fin_end", col), col
    assert t04("fin_end", "gp") == t04("begin_gp") + t04("fin_gp") - t04("fin_exp_total", "gp")
    assert t04("fin_end", "gf") == t04("begin_gf") + t04("fin_gf") - t04("fin_exp_total", "gf")
    assert t04("fin_grand_in") == t04("fin_grand_out", "total")
    # 06 classes, totals; 07
    t06 = lambda k: _v(acc, "06", k, "amount")  # noqa: E731
    econ_rows = {r.code for r in acc.tables["06"].rows() if r.code}
    for cls in (c for c in econ_rows if len(c) == 3):
        assert t06(cls) == sum((t06(k) for k in econ_rows if len(k) == 5 and k.startswith(cls)), Decimal(0)), cls
    assert t06("personnel_total") == t06("301") + t06("303")
    assert t06("public_total") == sum(t06(c) for c in ("302", "307", "310", "312", "399"))
    t07 = lambda k: _v(acc, "07", "data", k)  # noqa: E731
    for side in "ab":
        assert t07(f"{side}_car") == t07(f"{side}_car_buy") + t07(f"{side}_car_run")
        assert t07(f"{side}_total") == t07(f"{side}_abroad") + t07(f"{side}_car") + t07(f"{side}_recep")
    # across tables
    t02 = lambda k, c: _v(acc, "02", k, c)  # noqa: E731
    assert t01("inc_total") == t02("total", "total")
    assert t01("inc_gp") + t01("inc_gf") == t02("total", "fiscal")
    for key, col in zip(incomes[2:], ["superior", "business", "operating", "affiliated", "other"], strict=True):
        assert t01(key) == t02("total", col), key
    assert t01("exp_total") == _v(acc, "03", "total", "total")
    for c in classes:
        assert t01(c) == _v(acc, "03", c, "total"), c
    assert t02("total", "fiscal") == t04("fin_inc_total")
    assert t04("fin_gp") == t01("inc_gp") and t04("fin_gf") == t01("inc_gf")
    assert t04("fin_begin") <= t01("begin")
    assert t04("fin_exp_total", "gp") == _v(acc, "05", "total", "subtotal")
    for c in fin_classes:
        assert t04(c, "gp") == _v(acc, "05", c, "subtotal"), c
        assert t04(c, "gf") == _v(acc, "08", c, "exp_sub"), c
    assert t04("fin_exp_total", "gf") == _v(acc, "08", "total", "exp_sub")
    assert t04("begin_gf") == _v(acc, "08", "total", "begin")
    assert t04("fin_gf") == _v(acc, "08", "total", "income")
    for r in acc.tables["05"].rows():  # 05 ⊂ 03, cell by cell
        for c5, c3 in (("subtotal", "total"), ("basic", "basic"), ("project", "project")):
            assert _v(acc, "05", r.key, c5) <= _v(acc, "03", r.key, c3), (r.key, c5)
    assert _v(acc, "05", "total", "basic") == t06("personnel_total") + t06("public_total")
    for key, econ in (("a_abroad", "30212"), ("a_car_buy", "31013"), ("a_car_run", "30231"), ("a_recep", "30217")):
        assert t07(key) >= t06(econ), key


def deviations(acc, exact):
    """(deviation, where) for every published figure, against the independent exact values."""
    out = []
    for tid, table in acc.tables.items():
        for r in table.rows():
            for col, value in r.values.items():
                if value is None:
                    continue
                key = (tid, r.key, col)
                assert key in exact, f"figure {key} has no exact value in the test model"
                out.append((abs(value - exact[key]), key))
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(ledgers())
def test_additivity_and_deviation(inputs):
    acc = _fill(inputs)
    check_tables(acc)
    devs = deviations(acc, _exact(inputs))
    worst = max((d for d, _ in devs), default=Decimal(0))
    assert acc.max_deviation == worst, (acc.max_deviation, acc.max_deviation_at, max(devs))
    assert worst <= BOUND, max(devs)
