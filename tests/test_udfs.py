"""Worksheet functions (udfs/juesuan_udfs.py over juesuan/udf_logic.py), called as plain
functions: off Windows the xlwings decorators are no-ops."""

from __future__ import annotations

import importlib
import re
import sys
from decimal import Decimal, localcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan import udf_logic as logic
from juesuan.spec import newest_format

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
udfs = importlib.import_module("juesuan_udfs")

CODES = [[2150510.0], ["2150501"], [" 2080505 "], [None], [2101101]]
AMOUNTS = [[100.1], [200.2], [0.30000000000000004], [5.0], ["1,000.50"]]
KINDS = [["基本支出"], ["项目支出"], [" 基本支出"], [None], ["基本支出"]]
FUNDS = [["财政拨款"], ["财政拨款"], ["其他资金"], [None], ["财政拨款"]]


@pytest.fixture(autouse=True)
def _fresh_cache():
    logic._BOOKS.clear()
    logic._BOOK_FORMATS.clear()
    yield
    logic._BOOKS.clear()
    logic._BOOK_FORMATS.clear()


# ---------------------------------------------------------------- JS_SUMCODE

class TestSumCode:
    def test_prefix_levels(self):
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "215") == 300.3
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "21505") == 300.3
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "2150510") == 100.1
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "208") == 0.3  # Excel's 15 digits: not 0.30000000000000004
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "201") == 0.0

    def test_numeric_prefix_and_codes(self):
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, 2150510.0) == 100.1
        assert udfs.JS_SUMCODE([2150510, 2150501], [1, 2], 215) == 3.0

    def test_blank_or_total_prefix_sums_everything(self):
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, None) == 1301.1
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "合计") == 1301.1

    def test_blank_code_rows_and_blank_amounts_are_skipped(self):
        assert udfs.JS_SUMCODE([[2150510.0], [None], [""], [2150510.0]], [[1.0], [9.0], [9.0], [None]], "215") == 1.0

    def test_exact_decimal_sum(self):
        codes = [[2150510.0]] * 10
        amounts = [[0.1]] * 10
        assert logic.sum_by_code(codes, amounts, "215") == Decimal("1.0")
        assert udfs.JS_SUMCODE(codes, amounts, "215") == 1.0  # a float sum would give 0.9999999999999999

    def test_criteria(self):
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "215", KINDS, "基本支出") == 100.1
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "208", KINDS, "基本支出 ") == 0.3  # trimmed both sides
        both = udfs.JS_SUMCODE(CODES, AMOUNTS, None, KINDS, "基本支出", FUNDS, "财政拨款")
        assert both == 1100.6
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "215", None, None, FUNDS, "财政拨款") == 300.3

    def test_numeric_criteria_values(self):
        assert udfs.JS_SUMCODE([[2150510.0], [2150510.0]], [[1.0], [2.0]], "215", [[1.0], [2.0]], 1) == 1.0

    def test_prefix_range_spills_in_the_same_shape(self):
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, [["215"], ["208"]]) == [[300.3], [0.3]]
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, [["215", "abc"]]) == [[300.3, "#编码错误: abc"]]

    @pytest.mark.parametrize("shape", ["scalar", "list", "grid", "tuple", "numpy", "series", "dataframe"])
    def test_input_shapes(self, shape):
        codes, amounts = ["2150510", 2150501.0], [1.25, "2.5"]
        convert = {
            "scalar": lambda v: v[0],
            "list": list,
            "grid": lambda v: [[x] for x in v],
            "tuple": lambda v: tuple((x,) for x in v),
            "numpy": lambda v: np.array(v, dtype=object),
            "series": lambda v: pd.Series(v, dtype=object),
            "dataframe": lambda v: pd.DataFrame({"x": v}),
        }[shape]
        expected = 1.25 if shape == "scalar" else 3.75
        assert udfs.JS_SUMCODE(convert(codes), convert(amounts), "215") == expected

    def test_dataframe_nan_is_blank(self):
        frame = pd.DataFrame({"code": [2150510, 2150501, None], "amount": [1.5, np.nan, 7.0]})
        assert udfs.JS_SUMCODE(frame[["code"]], frame[["amount"]], "215") == 1.5

    def test_errors_are_readable(self):
        assert udfs.JS_SUMCODE([["abc"], [2150510.0]], [[1.0], [2.0]], "215") == "#编码错误: abc"
        assert udfs.JS_SUMCODE([[2150510.0]], [["12元x"]], "215") == "#数值错误: 12元x"
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "abc") == "#编码错误: abc"
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "2150").startswith("#编码错误: 2150（应为")
        assert udfs.JS_SUMCODE(CODES, AMOUNTS[:3], "215").startswith("#参数错误: 编码区域有 5 个单元格")
        assert udfs.JS_SUMCODE(CODES, AMOUNTS, "215", KINDS, None).startswith("#参数错误")
        assert udfs.JS_SUMCODE([[2150510.5]], [[1.0]], "215") == "#编码错误: 2150510.5"
        assert udfs.JS_SUMCODE([[2150510.0]], [[float("inf")]], "215") == "#数值错误: inf"

    def test_mixed_levels_would_double_count(self):
        result = udfs.JS_SUMCODE([[215.0], [2150510.0], [2080505.0]], [[3.0], [3.0], [1.0]], "215")
        assert result.startswith("#层级重复: 215")
        assert udfs.JS_SUMCODE([[215.0], [2150510.0], [2080505.0]], [[3.0], [3.0], [1.0]], "208") == 1.0

    def test_cache_follows_content(self):
        amounts = [[1.0], [2.0]]
        assert udfs.JS_SUMCODE([[2150510.0], [2150501.0]], amounts, "215") == 3.0
        assert udfs.JS_SUMCODE([[2150510.0], [2150501.0]], [[1.0], [5.0]], "215") == 6.0
        assert udfs.JS_SUMCODE([[2150510.0], [2080505.0]], [[1.0], [5.0]], "215") == 1.0
        assert udfs.JS_SUMCODE([[2150510.0], [2150501.0]], [[1.0], [2.0]], "215") == 3.0

    def test_mixed_precision_amounts(self):
        codes = [[2150510.0]] * 4
        amounts = [[1.005], [0.1], [1e-7], [123456.78]]
        assert logic.sum_by_code(codes, amounts, "215") == Decimal("123457.8850001")


@settings(max_examples=60, deadline=None)
@given(st.lists(
    st.tuples(st.sampled_from([2150510.0, "2150501", 2080505, "2101101 "]),
              st.one_of(st.none(), st.integers(-10**9, 10**9).map(lambda c: c / 100),
                        st.floats(-1e12, 1e12, allow_nan=False), st.decimals(-10**6, 10**6, places=3),
                        st.integers(-10**6, 10**6).map(lambda c: f"{c / 100:,.2f}"))),
    min_size=1, max_size=60))
def test_sum_equals_exact_decimal_sum(rows):
    logic._BOOKS.clear()
    codes = [[c] for c, _ in rows]
    amounts = [[a] for _, a in rows]
    terms = [logic.cell_decimal(a) or Decimal(0) for c, a in rows if str(c).strip().startswith("215")]
    with localcontext(prec=1000):  # the truly exact sum (0.01 + 2e-166 has 165 digits)
        expected = sum(terms, Decimal(0))
        # juesuan computes with 60 significant digits (juesuan/__init__.py): a sum whose exact value
        # needs more (a denormal float beside cents) is exact to 60 digits of its largest term
        slack = max((abs(t) for t in terms), default=Decimal(0)).scaleb(-58) * len(terms)
        assert abs(logic.sum_by_code(codes, amounts, "215") - expected) <= slack


# ---------------------------------------------------------------- JS_ROLLUP and JS_NAME

class TestRollup:
    def test_rows(self):
        rows = udfs.JS_ROLLUP(CODES, AMOUNTS, "2019")
        assert rows[0] == ["合计", "", 1301.1]
        assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
        as_dict = {r[0]: (r[1], r[2]) for r in rows}
        assert as_dict["215"] == ("资源勘探信息等支出", 300.3)
        assert as_dict["21505"] == ("工业和信息产业监管", 300.3)
        assert as_dict["2150510"] == ("工业和信息产业支持", 100.1)
        assert as_dict["2080505"][1] == 0.3
        assert all(isinstance(r[0], str) for r in rows)

    def test_unknown_code_has_blank_name(self):
        rows = udfs.JS_ROLLUP([2150588.0], [5.0])
        assert rows[-1] == ["2150588", "", 5.0]

    def test_economic_codes(self):  # the same in every format
        rows = udfs.JS_ROLLUP([["30101"], ["30102"], ["30201"]], [[1.0], [2.0], [4.0]])
        assert rows == [["合计", "", 7.0], ["301", "工资福利支出", 3.0], ["30101", "基本工资", 1.0],
                        ["30102", "津贴补贴", 2.0], ["302", "商品和服务支出", 4.0], ["30201", "办公费", 4.0]]

    def test_errors(self):
        assert udfs.JS_ROLLUP([["x1"]], [[1.0]]) == "#编码错误: x1"
        assert udfs.JS_ROLLUP([[215.0], [2150510.0]], [[1.0], [1.0]]).startswith("#层级重复")


class TestName:
    @pytest.mark.parametrize("code, name", [
        (2150510.0, "工业和信息产业支持"), ("2150510", "工业和信息产业支持"), (" 21505 ", "工业和信息产业监管"),
        (215, "资源勘探信息等支出"), ("301", "工资福利支出"), (30217.0, "公务接待费"),
    ])
    def test_known(self, code, name):
        assert udfs.JS_NAME(code, "2019") == name
        assert udfs.JS_NAME(code, 2019.0) == name  # a format typed as a number

    def test_blank_unknown_bad(self):
        assert udfs.JS_NAME(None) == ""
        assert udfs.JS_NAME("2150588") == f"#未收录: 2150588 不在 {newest_format()} 年科目表中"
        assert udfs.JS_NAME("2150588", "2019") == "#未收录: 2150588 不在 2019 年科目表中"
        assert udfs.JS_NAME("abc") == "#编码错误: abc"
        assert udfs.JS_NAME("215", "1999").startswith("#科目表错误")

    def test_range(self):
        assert udfs.JS_NAME([[301.0], [302.0]]) == [["工资福利支出"], ["商品和服务支出"]]


# ---------------------------------------------------------------- amounts and percentages

class TestWan:
    @pytest.mark.parametrize("yuan, expected", [
        (12345678, 1234.57), (50, 0.01), (49.99, 0.0), (-50, -0.01), ("1,000,000", 100.0), ("１２３４５", 1.23),
    ])
    def test_values(self, yuan, expected):
        assert udfs.JS_WAN(yuan) == expected

    def test_blank_and_errors(self):
        assert udfs.JS_WAN(None) == ""
        assert udfs.JS_WAN("") == ""
        assert udfs.JS_WAN("abc") == "#数值错误: abc"

    def test_shapes(self):
        assert udfs.JS_WAN([[10000], [None], ["x"]]) == [[1.0], [""], ["#数值错误: x"]]
        assert udfs.JS_WAN([10000, 20000]) == [1.0, 2.0]
        assert udfs.JS_WAN([[15000]]) == 1.5
        assert udfs.JS_WAN(pd.Series([10000.0, np.nan])) == [1.0, ""]


class TestPct:
    def test_values(self):
        assert udfs.JS_PCT(1, 3) == 33.33
        assert udfs.JS_PCT(2, 3) == 66.67
        assert udfs.JS_PCT(1, 8, 0) == 13.0  # half-up, not banker's 12
        assert udfs.JS_PCT(1, 8, 1) == 12.5
        assert udfs.JS_PCT(None, 8) == 0.0
        assert udfs.JS_PCT(-1, 3) == -33.33

    def test_no_base(self):
        assert udfs.JS_PCT(5, 0).startswith("#无基数")
        assert udfs.JS_PCT(5, None).startswith("#无基数")

    def test_bad_arguments(self):
        assert udfs.JS_PCT(1, 3, -1).startswith("#参数错误")
        assert udfs.JS_PCT(1, 3, 1.5).startswith("#参数错误")
        assert udfs.JS_PCT("x", 3) == "#数值错误: x"

    def test_range_against_one_base(self):
        assert udfs.JS_PCT([[1], [2]], [[4]]) == [[25.0], [50.0]]
        assert udfs.JS_PCT([[1], [2]], [[4, 5]]).startswith("#参数错误")


class TestShares:
    def test_sum_to_exactly_100(self):
        assert udfs.JS_SHARES([[1], [1], [1]]) == [[33.34], [33.33], [33.33]]
        assert logic.shares([1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]

    def test_largest_remainder_goes_first(self):
        # exact 18.75 / 31.25 / 50 with digits=0 → floors 18/31/50, one unit to the larger remainder
        assert udfs.JS_SHARES([3, 5, 8], 0) == [19.0, 31.0, 50.0]

    def test_shape_kept(self):
        assert udfs.JS_SHARES([[1, 3]]) == [[25.0, 75.0]]
        assert udfs.JS_SHARES([[5]]) == 100.0
        frame = pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, 1.0]})
        assert udfs.JS_SHARES(frame) == [[25.0, 25.0], [25.0, 25.0]]

    def test_blanks_and_zeros(self):
        assert udfs.JS_SHARES([[2], [None], [0], [2]]) == [[50.0], [""], [0.0], [50.0]]

    def test_errors(self):
        assert udfs.JS_SHARES([[0], [0]]).startswith("#无基数")
        assert udfs.JS_SHARES([[1], [-1], [3]]).startswith("#参数错误")
        assert udfs.JS_SHARES([[1], ["x"]]) == "#数值错误: x"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10**9).map(lambda c: Decimal(c) / 100), min_size=1, max_size=25)
       .filter(lambda v: sum(v) > 0), st.integers(0, 3))
def test_shares_sum_to_100_and_stay_within_one_unit(values, digits):
    result = logic.shares(values, digits)
    result = result if isinstance(result, list) else [result]
    assert sum(result) == 100
    unit = Decimal(1).scaleb(-digits)
    total = sum(values)
    for value, share in zip(values, result, strict=True):
        assert abs(share - value * 100 / total) < unit


class TestConsistent:
    def test_verdicts(self):
        assert udfs.JS_CONSISTENT(100, [[50], [50]]) == "✓"
        assert udfs.JS_CONSISTENT(100.01, [33.33, 33.33, 33.34]) == "≈ 舍入差 0.01"
        assert udfs.JS_CONSISTENT(100.6, [50, 50]) == "✗ 差 0.60"
        assert udfs.JS_CONSISTENT(99.4, [50, 50]) == "✗ 差 -0.60"

    def test_blanks_and_float_noise(self):
        assert udfs.JS_CONSISTENT(0.3, [[0.1], [None], [0.2]]) == "✓"
        assert udfs.JS_CONSISTENT(0.30000000000000004, [0.1, 0.2]) == "✓"
        assert udfs.JS_CONSISTENT(None, [None, ""]) == "✓"

    def test_shapes(self):
        assert udfs.JS_CONSISTENT([[10]], pd.Series([4.0, 6.0])) == "✓"
        assert udfs.JS_CONSISTENT([[10], [1]], [4, 6]).startswith("#参数错误")
        assert udfs.JS_CONSISTENT(10, "abc") == "#数值错误: abc"


# ---------------------------------------------------------------- self-evaluation

class TestRate:
    def test_values(self):
        assert udfs.JS_RATE(100, 91.2) == 91.2
        assert udfs.JS_RATE(3, 2) == 66.67
        assert udfs.JS_RATE(80, 100) == 125.0  # the rate itself is not capped; the score is
        assert udfs.JS_RATE(100, None) == 0.0
        assert udfs.JS_RATE(8000, 1) == 0.01  # 0.0125 → half-up 0.01

    def test_zero_budget(self):
        assert udfs.JS_RATE(0, 5).startswith("#无预算数")
        assert udfs.JS_RATE(None, 5).startswith("#无预算数")


class TestScore:
    @pytest.mark.parametrize("direction", ["≥", ">=", "正向", " ≥ ", "≧"])
    def test_at_least(self, direction):
        assert udfs.JS_SCORE(100, 80, 10, direction) == 8.0
        assert udfs.JS_SCORE(100, 120, 10, direction) == 10.0  # capped

    @pytest.mark.parametrize("direction", ["≤", "<=", "反向", "≦"])
    def test_at_most(self, direction):
        assert udfs.JS_SCORE(100, 125, 10, direction) == 8.0
        assert udfs.JS_SCORE(100, 80, 10, direction) == 10.0  # capped
        assert udfs.JS_SCORE(100, 0, 10, direction) == 10.0

    def test_rounding_half_up(self):
        assert udfs.JS_SCORE(3, 1, 10, "≥") == 3.33
        assert udfs.JS_SCORE(3, 2, 10, "≥") == 6.67
        assert udfs.JS_SCORE(8, 1, 0.1, "≥") == 0.01  # 0.0125 → 0.01
        assert logic.score(1000, 999, 10, "≥") == Decimal("9.99")

    def test_zero_target_blank_direction_and_errors(self):
        assert udfs.JS_SCORE(0, 5, 10, "≥") == 10.0  # as Fill: a target of 0 is met by any B >= 0
        assert udfs.JS_SCORE(0, 5, 10, "预算", "2019") == 0.0  # the budget row: the spec's zero_budget_score
        assert udfs.JS_SCORE(100, 80, 10, None) == 8.0  # as Fill: two plain numbers score as ≥
        assert udfs.JS_SCORE("≤400", 381.6, 10, None) == 10.0  # the hint in A
        assert udfs.JS_SCORE("≥12个", "9个", 10, "") == 7.5
        assert udfs.JS_SCORE(100, 80, 10, "=").startswith("#方向错误")
        assert udfs.JS_SCORE(100, 80, 10, "定性").startswith("#参数错误")
        assert udfs.JS_SCORE(100, None, 10, "≥").startswith("#参数错误")
        assert udfs.JS_SCORE(100, 80, 10, "≥", "1999").startswith("#参数错误: 模板格式 1999")

    @pytest.mark.parametrize("direction", ["不低于", "以上", "＞＝", "预算执行"])
    def test_more_direction_words_as_fill(self, direction):
        assert udfs.JS_SCORE(100, 80, 10, direction) == 8.0

    def test_ranges(self):
        assert udfs.JS_SCORE([[100], [100]], [[80], [120]], [[10]], [["≥"], ["≤"]]) == [[8.0], [8.33]]


class TestGrade:
    @pytest.mark.parametrize("score, grade", [
        (100, "优"), (90, "优"), (89.995, "优"), (89.994, "良"), (80, "良"), (79.999, "良"),
        (79.99, "中"), (60, "中"), (59.995, "中"), (59.994, "差"), (0, "差"), ("95.5", "优"),
    ])
    def test_boundaries(self, score, grade):
        assert udfs.JS_GRADE(score, "2019") == grade
        # blank: the newest format's thresholds (whatever they are)
        assert udfs.JS_GRADE(score) == udfs.JS_GRADE(score, newest_format())

    def test_thresholds_come_from_the_spec(self, monkeypatch):
        from juesuan.evaluation.model import EvalConfig

        cfg = logic._eval_config("2019")
        raw = dict(cfg.raw, grades=[{"grade": "A", "min": 95}, {"grade": "B", "min": 0}])
        monkeypatch.setattr(logic, "_eval_config", lambda fmt: EvalConfig(raw))
        assert udfs.JS_GRADE(94.994) == "B" and udfs.JS_GRADE(94.995) == "A"

    def test_blank_error_range(self):
        assert udfs.JS_GRADE(None) == ""
        assert udfs.JS_GRADE("优秀") == "#数值错误: 优秀"
        assert udfs.JS_GRADE([[95], [85], [None]]) == [["优"], ["良"], [""]]


# ---------------------------------------------------------------- the boundary

def test_unexpected_failures_become_text(monkeypatch):
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(logic, "to_wan", broken)
    assert udfs.JS_WAN(1) == "#内部错误: RuntimeError: boom"


def test_results_are_excel_values():
    assert logic.to_excel([Decimal("1.10"), None, "x", [Decimal(2)]]) == [1.1, "", "x", [2.0]]


def test_every_udf_has_chinese_help():
    names = [n for n in dir(udfs) if n.startswith("JS_")]
    assert len(names) == 10
    for name in names:
        doc = getattr(udfs, name).__doc__
        assert doc and any("\u4e00" <= ch <= "\u9fff" for ch in doc)


# ---------------------------------------------------------------- one rule, one implementation

@pytest.mark.parametrize("extra", [
    [],  # the demo projects as they are
    [("产出指标", "数量指标", "零目标", 0, 3, "≥", 5, None, None),
     ("产出指标", "成本指标", "零成本", 10, 0, "反向", 5, None, None),
     ("产出指标", "数量指标", "无方向", "≥95%", "96%", None, 5, None, None)],
])
def test_scores_and_grades_agree_with_fill(spec, extra):
    """JS_SCORE/JS_RATE/JS_GRADE give, cell by cell, what Fill writes on a self-evaluation sheet."""
    from juesuan.evaluation import scoring
    from juesuan.evaluation.model import BudgetLine, Evaluation, Indicator, config, score
    from juesuan.evaluation.sample import PROJECTS

    cfg = config(spec)
    for project, budget, indicators, _plan, _done in PROJECTS:
        ev = Evaluation(sheet=project)
        ev.budget = [BudgetLine(key, key, initial, a, b, 10 if key == "total" else None)
                     for key, initial, a, b in budget]
        ev.budget.append(BudgetLine("total", "total", 0, 0, 5, 10))  # a zero budget row
        rows = [*indicators, *extra]
        ev.indicators = [Indicator(target=a, actual=b, direction=d, weight=w, entered=q)
                         for _1, _2, _3, a, b, d, w, q, _why in rows]
        score(ev, cfg)
        for line in ev.budget:
            if line.score is not None:
                assert udfs.JS_SCORE(line.budget, line.spent, line.weight, "预算", spec.format) == \
                    float(scoring.publish(line.score))
            if line.budget:
                assert udfs.JS_RATE(line.budget, line.spent) == float(scoring.publish_rate(line.rate) * 100)
        for ind in ev.indicators:
            if ind.is_qualitative:
                continue
            assert udfs.JS_SCORE(ind.target, ind.actual, ind.weight, ind.direction, spec.format) == \
                float(scoring.publish(ind.score)), ind
        assert udfs.JS_GRADE(float(ev.total), spec.format) == ev.grade


# ---------------------------------------------------------------- the documented examples

_ROW = re.compile(r"^\| `=(JS_[A-Z]+)\((.*)\)` \| (.+?) \|$", re.M)
_LITERAL = re.compile(r'^\s*(?:"([^"]*)"|(-?\d+(?:\.\d+)?))\s*$')


def _documented_examples() -> list[tuple[str, list, str]]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "udfs.md").read_text(encoding="utf-8")
    out = []
    for name, args_text, result in _ROW.findall(text):
        args = []
        for part in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", args_text):
            m = _LITERAL.match(part)
            if m is None:
                break  # a range argument: not a standalone example
            args.append(m.group(1) if m.group(1) is not None else float(m.group(2)))
        else:
            out.append((name, args, result))
    return out


def test_documented_examples_compute_what_the_docs_say():
    examples = _documented_examples()
    assert len(examples) >= 20
    for name, args, result in examples:
        got = getattr(udfs, name)(*args)
        shown = result.strip()
        if shown.startswith("`"):
            assert got == shown.split("`")[1], (name, args, got)
        else:
            head = re.split(r"[（(\s]", shown, maxsplit=1)[0]
            try:
                assert got == float(head), (name, args, got)
            except ValueError:
                assert got == head, (name, args, got)


def test_every_error_a_function_returns_is_explained_in_the_docs():
    """An accountant looks a ``#…`` answer up in the error table of docs/udfs.md: every prefix
    the functions can return (read from juesuan/udf_logic.py) has its row there."""
    root = Path(__file__).resolve().parents[1]
    source = (root / "juesuan" / "udf_logic.py").read_text(encoding="utf-8")
    returned = set(re.findall(r'"(#[^:"\s]+):', source))
    assert {"#参数错误", "#编码错误", "#内部错误"} <= returned
    documented = set(re.findall(r"^\| `(#[^:`]+):", (root / "docs" / "udfs.md").read_text(encoding="utf-8"), re.M))
    assert returned <= documented, returned - documented
