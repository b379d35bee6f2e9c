"""Scores of the 项目支出绩效自评表, against hand-computed expectations."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from juesuan.evaluation import scoring
from juesuan.evaluation.model import BudgetLine, EvalConfig, Evaluation, Indicator, score, sheet_name_for

GRADES = [("优", D(90)), ("良", D(80)), ("中", D(60)), ("差", D(0))]


@pytest.fixture(scope="module")
def cfg(spec) -> EvalConfig:
    return EvalConfig(spec.raw["evaluation"])


def test_ge_indicator_scores_proportionally_and_is_capped():
    assert scoring.indicator_score("≥", D(10), D(40), D(36)) == D(9)  # 10 × 36/40
    assert scoring.indicator_score("≥", D(10), D(40), D(50)) == D(10)  # over-achieved: capped at 分值
    assert scoring.indicator_score("≥", D(15), D(95), D(0)) == D(0)


def test_le_indicator_scores_target_over_actual_and_is_capped():
    assert scoring.indicator_score("≤", D(15), D(42), D(52)) == D(15) * D(42) / D(52)  # 12.115…
    assert scoring.publish(scoring.indicator_score("≤", D(15), D(42), D(52))) == D("12.12")
    assert scoring.indicator_score("≤", D(10), D(400), D("381.6")) == D(10)  # under the cap of cost: full
    assert scoring.indicator_score("≤", D(10), D(10), D(12)) == D(10) * D(10) / D(12)  # 8.333…


def test_zero_targets_and_zero_actuals():
    assert scoring.indicator_score("≥", D(5), D(0), D(3)) == D(5)  # a target of 0 is met by any B ≥ 0
    assert scoring.indicator_score("≤", D(5), D(0), D(0)) == D(5)  # "≤ 0 accidents", none happened
    assert scoring.indicator_score("≤", D(5), D(0), D(2)) == D(0)  # "≤ 0 accidents", two happened
    assert scoring.indicator_score("≤", D(5), D(3), D(0)) == D(5)


def test_qualitative_scores_as_entered_and_incomplete_rows_score_nothing():
    assert scoring.indicator_score("定性", D(15), None, None, D(12)) == D(12)
    assert scoring.indicator_score("≥", None, D(1), D(1)) is None
    assert scoring.indicator_score(None, D(10), D(1), D(1)) is None


def test_budget_rate_and_score_with_cap_and_zero_budget():
    assert scoring.execution_rate(D(420), D("401.34")) == D("401.34") / D(420)
    assert scoring.publish_rate(scoring.execution_rate(D(420), D("401.34"))) == D("0.9556")
    assert scoring.budget_score(D(10), D(420), D("401.34")) == D(10) * D("401.34") / D(420)
    assert scoring.budget_score(D(10), D(100), D(120)) == D(10)  # over-spent: capped
    assert scoring.execution_rate(D(0), D(5)) is None  # no budget: 执行率 undefined
    assert scoring.budget_score(D(10), D(0), D(5)) == D(0)  # …and the spec's zero_budget_score (0)


@pytest.mark.parametrize("total,grade", [
    (D("89.995"), "优"), (D("89.994"), "良"), (D("90"), "优"), (D("80"), "良"), (D("79.995"), "良"),
    (D("79.994"), "中"), (D("60"), "中"), (D("59.994"), "差"), (D("0"), "差"), (D("100"), "优"),
])
def test_grade_boundaries_use_the_rounded_total(total, grade):
    rounded = scoring.total_score([total])
    assert scoring.grade_of(rounded, GRADES) == grade


def test_total_is_rounded_from_unrounded_parts():
    parts = [D("33.335"), D("33.335"), D("33.335")]
    assert scoring.total_score(parts) == D("100.01")  # 100.005 → 100.01, not 3 × 33.34 = 100.02
    assert sum(scoring.publish(p) for p in parts) == D("100.02")


def test_printed_scores_add_up_to_the_printed_total():
    parts = [D("33.335"), D("33.335"), D("33.335")]  # half-up prints 3 × 33.34 = 100.02 under a 总分 of 100.01
    printed = scoring.publish_parts(parts, [True] * 3)
    assert printed == [D("33.33"), D("33.34"), D("33.34")]  # the first of equals takes the other rounding
    assert sum(printed) == scoring.total_score(parts) == D("100.01")
    # an entered (定性) score is printed as entered: the computed ones make up the difference
    assert scoring.publish_parts([D("12.5"), D("4.444"), D("4.444")], [False, True, True]) == [
        D("12.50"), D("4.45"), D("4.44")]  # 21.388 → 总分 21.39


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(st.none(), st.decimals(min_value=0, max_value=30, places=4)), min_size=1, max_size=12),
       st.data())
def test_published_scores_are_additive_and_each_within_a_cent(parts, data):
    movable = data.draw(st.lists(st.booleans(), min_size=len(parts), max_size=len(parts)))
    printed = scoring.publish_parts(parts, movable)
    half_up = [scoring.publish(p) for p in parts]
    for p, shown, plain, free in zip(parts, printed, half_up, movable, strict=True):
        assert (shown is None) == (p is None)
        if p is not None:
            assert abs(shown - p) < D("0.01") and shown == shown.quantize(D("0.01"))
            assert free or shown == plain  # an entered score is never moved
    fixed_in_cents = all(free or p is None or p == p.quantize(D("0.01")) for p, free in zip(parts, movable, strict=True))
    if fixed_in_cents:  # the computed scores can always make up the difference
        assert sum((x for x in printed if x is not None), D(0)) == scoring.total_score(parts)
    if sum((x for x in half_up if x is not None), D(0)) == scoring.total_score(parts):
        assert printed == half_up  # half-up already adds up: nothing moves


def test_parse_measure_reads_typed_values():
    assert scoring.parse_measure("≥95%") == (D(95), "≥")
    assert scoring.parse_measure("１,２００个") == (D(1200), None)
    assert scoring.parse_measure("≤30天") == (D(30), "≤")
    assert scoring.parse_measure("不低于80%") == (D(80), "≥")
    assert scoring.parse_measure(12.5) == (D("12.5"), None)
    assert scoring.parse_measure("按月公开") == (None, None)
    assert scoring.normalise_direction(">=") == "≥"
    assert scoring.normalise_direction("＜＝") == "≤"


def test_a_whole_evaluation_89_995_is_90_00_and_excellent(cfg):
    ev = Evaluation(sheet="s", budget=[BudgetLine("total", "年度资金总额", budget=100, spent=100, weight=10)],
                    indicators=[Indicator(level3="x", target=600, actual="533.3", direction="≥", weight=90)])
    score(ev, cfg)
    ind = ev.indicators[0]
    assert ind.score == D(90) * D("533.3") / D(600)  # 79.995
    assert scoring.publish(ind.score) == D("80.00")
    assert ev.total_exact == D("89.995")
    assert ev.total == D("90.00")
    assert ev.grade == "优"
    assert ev.weights == D(100)


def test_a_whole_evaluation_with_every_kind_of_row(cfg):
    ev = Evaluation(sheet="s", budget=[
        BudgetLine("total", "年度资金总额", budget=170, spent="136.02", weight=10),
        BudgetLine("current", "其中：当年财政拨款", budget=0, spent=0)],
        indicators=[
            Indicator(level3="a", target=6, actual=6, direction="≥", weight=15),
            Indicator(level3="b", target="≤10", actual=12, direction=None, weight=10),  # direction from "≤10"
            Indicator(level3="c", target="按月公开", actual="按月公开", direction="定性", weight=15, entered=12),
            Indicator(level3="d", target="≥90%", actual="99%", direction="≥", weight=50),
        ])
    score(ev, cfg)
    assert ev.budget[0].rate == D("136.02") / D(170)
    assert ev.budget[1].rate is None
    # 10 × 0.80011… + 15 + 10 × 10/12 + 12 + 50 = 8.0011… + 15 + 8.3333… + 12 + 50 = 93.33
    assert ev.total == D("93.33")
    assert ev.grade == "优"


def test_sheet_names_are_truncated_cleaned_and_unique():
    long = "一个名称非常非常非常非常非常非常非常非常长的项目支出"
    first = sheet_name_for("绩效自评-", long, [])
    assert len(first) == 31 and first.startswith("绩效自评-一个")
    second = sheet_name_for("绩效自评-", long, [first])
    assert len(second) <= 31 and second.endswith("(2)") and second != first
    third = sheet_name_for("绩效自评-", long, [first, second])
    assert third.endswith("(3)")
    assert sheet_name_for("绩效自评-", "a/b:c*d?", []) == "绩效自评-a_b_c_d_"
    assert sheet_name_for("绩效自评-", "ABC", ["绩效自评-abc"]) == "绩效自评-ABC(2)"  # Excel ignores case
