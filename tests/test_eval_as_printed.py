"""Published self-evaluation tables read as printed: "100" and "100%" are the same 执行率,
“无” 其中 lines are not scored, a table without a 自评等级 line is not a blank grade, a
per-person cost in 元 is not compared with 全年执行数 in 万元 — and a real 执行率
contradiction is still caught. Real CSVs imported and checked by the real CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from conftest import run_cli

from juesuan.evaluation.checks import evaluation_findings
from juesuan.evaluation.model import AMBIGUOUS, NA, PERCENT, config, read_percent
from juesuan.io.xlsx import CalamineBook

DATA = Path(__file__).parent / "data"


def _import(tmp_path: Path, name: str, *extra: str) -> Path:
    out = tmp_path / (Path(name).stem + ".xlsx")
    run_cli("import", str(DATA / name), "-o", str(out), "--format", "2019", "--dept", "某县教育局", "--year", "2019", *extra, check=True)
    return out


def _check(path: Path) -> list[dict]:
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    # an evaluation-only import leaves the eight tables blank: judge the evaluation rules
    # and the department-data rules only
    return [f for f in findings if f["rule"].startswith(("E", "R19"))]


def test_percent_read_in_the_printed_unit(spec):
    cfg = config(spec)
    assert read_percent("100", cfg) == (PERCENT, Decimal(1))
    assert read_percent("100%", cfg) == (PERCENT, Decimal(1))
    assert read_percent("95.5", cfg) == (PERCENT, Decimal("0.955"))
    assert read_percent("95.50%", cfg) == (PERCENT, Decimal("0.955"))
    assert read_percent("0.955", cfg)[0] == AMBIGUOUS
    for mark in ("无", "—", "/", " 无 "):
        assert read_percent(mark, cfg) == (NA, None)


def test_published_evaluation_imports_and_checks_without_false_errors(tmp_path):
    path = _import(tmp_path, "eval-published-2019.csv")
    book = CalamineBook(path)
    grid = book.read_sheet("绩效自评-教师培训")
    assert grid[0][0] == "项目支出绩效自评表"  # variant no-grade: chosen by the rows present
    assert not any(row[1] == "自评等级" for row in grid)
    total = next(r for r in grid if r[1] == "年度资金总额")
    assert total[7] == 1  # "100" printed = 100%
    carried = next(r for r in grid if r[1] == "上年结转资金")
    assert carried[7] == "无"
    book.close()
    found = [f for f in _check(path) if f["severity"] in ("error", "warning")]
    assert found == [], found


def test_real_rate_contradiction_is_caught(tmp_path):
    path = _import(tmp_path, "eval-contradiction-2019.csv")
    found = [f for f in _check(path) if f["severity"] in ("error", "warning")]
    assert {f["rule"] for f in found} == {"E01-rate"}, found
    assert len(found) == 2  # 年度资金总额 "100" and 当年财政拨款 "100%", while B/A = 91.20%
    assert all(f["expected"] == "91.20" and f["actual"] == "100.00" for f in found), found


def test_fraction_under_a_percent_header_is_reported_not_guessed(tmp_path):
    src = (DATA / "eval-published-2019.csv").read_text(encoding="utf-8")
    src = src.replace("年度资金总额,执行率,100", "年度资金总额,执行率,0.95")
    csv = tmp_path / "fraction.csv"
    csv.write_text(src, encoding="utf-8")
    out = tmp_path / "fraction.xlsx"
    run_cli("import", str(csv), "-o", str(out), "--format", "2019", "--dept", "某县教育局", "--year", "2019", check=True)
    found = [f for f in _check(out) if f["severity"] in ("error", "warning")]
    assert [f["rule"] for f in found] == ["E10-percent-unit"], found
    assert "0.95" in found[0]["message"] and "单位不明" in found[0]["message"]


def test_variant_by_option_and_grade_line(tmp_path, spec):
    src = (DATA / "eval-published-2019.csv").read_text(encoding="utf-8") + "绩效自评:教师培训,自评等级,,优\n"
    csv = tmp_path / "graded.csv"
    csv.write_text(src, encoding="utf-8")
    out = tmp_path / "graded.xlsx"
    run_cli("import", str(csv), "-o", str(out), "--format", "2019", "--dept", "某局", "--year", "2019", check=True)
    book = CalamineBook(out)
    assert any(row[1] == "自评等级" for row in book.read_sheet("绩效自评-教师培训"))
    assert [f.rule for f in evaluation_findings(spec, book) if f.severity != "info"] == []
    book.close()
    municipal = _import(tmp_path, "eval-published-2019.csv", "--eval-variant", "municipal-2019")
    book = CalamineBook(municipal)
    assert book.read_sheet("绩效自评-教师培训")[0][0] == "市级预算项目支出绩效自评表"
    book.close()
    bad = run_cli("import", str(csv), "-o", str(tmp_path / "x.xlsx"), "--eval-variant", "nonesuch")
    assert bad.returncode == 2 and "nonesuch" in bad.stdout + bad.stderr


def test_cost_in_wan_yuan_above_spending_is_still_flagged(tmp_path):
    src = (DATA / "eval-published-2019.csv").read_text(encoding="utf-8")
    src = src.replace("人均培训成本（元）", "培训总成本（万元）").replace("≤1000", "≤50").replace(",961.54", ",60")
    csv = tmp_path / "cost.csv"
    csv.write_text(src, encoding="utf-8")
    out = tmp_path / "cost.xlsx"
    run_cli("import", str(csv), "-o", str(out), "--format", "2019", "--dept", "某局", "--year", "2019", check=True)
    rules = [f["rule"] for f in _check(out) if f["severity"] in ("error", "warning")]
    assert "E07-cost" in rules


def test_units_of_indicator_values(spec):
    from juesuan.evaluation.checks import percent_mismatch, units_differ
    from juesuan.evaluation.model import Evaluation, Indicator, score

    cfg = config(spec)
    assert percent_mismatch(Indicator(level3="参训教师满意度", target="90", actual="0.955"), cfg)
    assert percent_mismatch(Indicator(level3="合格率", target="≥95%", actual="0.98"), cfg)
    assert not percent_mismatch(Indicator(level3="参训教师满意度", target="≥90%", actual="95.5"), cfg)
    assert units_differ(Indicator(level3="培训", target="≥500人", actual="520元"))
    assert not units_differ(Indicator(level3="成本", target="≤600元", actual="0.05万元"))
    # 0.05万元 = 500元 against a cap of 600元: full score (money compared in one unit)
    ev = Evaluation(sheet="s", indicators=[Indicator(level3="人均成本", target="≤600元", actual="0.05万元",
                                                      direction="≤", weight=10)])
    assert score(ev, cfg).indicators[0].score == Decimal(10)
