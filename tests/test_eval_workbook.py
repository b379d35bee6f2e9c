"""Self-evaluation sheets on real .xlsx files: ``juesuan eval add``, Fill's scores and
summary, input cells kept exactly, and the evaluation rules (incl. known mistakes)."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from conftest import demo_of, run_cli

from juesuan.io.files import write_new
from juesuan.io.xlsx import CalamineBook
from juesuan.rules import KINDS, Context, parse_rules
from juesuan.sample import sample_inputs

SHEET = "绩效自评-测试项目"
# (二级指标 row occurrence, 三级, A, B, 方向, 分值, 定性得分) → expected published score
ROWS = [
    ("数量指标", 0, "完成数量", 40, 36, "≥", 20, None, D("18.00")),
    ("数量指标", 1, "覆盖率", "≥95%", "99%", "≥", 10, None, D("10.00")),
    ("质量指标", 0, "合格率", "100%", "90%", "≥", 10, None, D("9.00")),
    ("时效指标", 0, "完成时限（月）", "≤10", 12, "≤", 10, None, D("8.33")),
    ("成本指标", 0, "成本（万元）", "≤100", 150, "≤", 10, None, D("6.67")),
    ("社会效益指标", 0, "社会影响", "显著", "较显著", "定性", 10, 8, D("8")),
    ("可持续影响指标", 0, "长效机制", "建立", "已建立", "定性", 10, 10, D("10")),
    ("服务对象满意度指标", 0, "满意度", "≥90%", "85%", "≥", 10, None, D("9.44")),
]
BUDGET = {"年度资金总额": (100, 120, 108), "其中：当年财政拨款": (100, 100, 90), "上年结转资金": (0, 20, 18),
          "其他资金": (0, 0, 0)}


def _row_of(ws, col: int, label: str) -> int:
    """The first row whose cell in column ``col`` (1-based) reads ``label``."""
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, col).value == label:
            return r
    raise AssertionError(f"no row {label}")


@pytest.fixture(scope="module")
def filled(tmp_path_factory, spec) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("eval") / "决算.xlsx"
    write_new(path, spec, inputs=sample_inputs())
    run_cli("eval", "add", str(path), "--name", "测试项目", "--unit", "某执行单位", check=True)
    second = run_cli("eval", "add", str(path), "--name", "测试项目", check=True)
    assert "测试项目(2)" in second.stdout
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for label, (initial, a, b) in BUDGET.items():
        r = _row_of(ws, 2, label)
        ws.cell(r, 4).value, ws.cell(r, 5).value, ws.cell(r, 6).value = initial, a, b
    head = _row_of(ws, 2, "一级指标")
    level2 = {}
    current = None
    for r in range(head + 1, _row_of(ws, 2, "总分")):
        current = ws.cell(r, 3).value or current
        level2.setdefault(current, []).append(r)
    for l2, k, l3, a, b, d, w, q, _ in ROWS:  # 二级 labels sit in the top cell of their merge
        r = level2[l2][k]
        for c, v in zip(range(4, 10), (l3, a, b, d, w, q), strict=True):
            ws.cell(r, c).value = v
    ws.cell(_row_of(ws, 2, "年初预期目标") + 1, 2).value = "年初目标"
    wb.save(path)
    before = {(ws.title, c.coordinate): c.value for ws in wb if ws.title.startswith("绩效自评-")
              for row in ws.iter_rows() for c in row if not c.protection.locked}
    run_cli("fill", str(path), check=True)
    return path, before


def test_eval_add_names_and_header(filled, spec):
    path, _ = filled
    book = CalamineBook(path)
    assert SHEET in book.sheet_names() and "绩效自评-测试项目(2)" in book.sheet_names()
    grid = book.read_sheet(SHEET)
    assert grid[2][1] == "测试项目" and grid[2][6] == "某市生态环境局"
    assert grid[3][1] == "某执行单位"


def test_fill_computes_rates_scores_total_grade(filled):
    path, _ = filled
    ws = openpyxl.load_workbook(path)[SHEET]
    r = _row_of(ws, 2, "年度资金总额")
    assert D(str(ws.cell(r, 8).value)) == D("0.9")  # 108 / 120
    assert D(str(ws.cell(r, 9).value)) == D("9")  # 10 × 0.9
    assert ws.cell(r, 8).number_format == "0.00%"
    assert ws.cell(_row_of(ws, 2, "其他资金"), 8).value == "—"  # zero budget: no rate
    assert D(str(ws.cell(_row_of(ws, 2, "上年结转资金"), 8).value)) == D("0.9")
    scores = {ws.cell(r, 4).value: ws.cell(r, 9).value for r in range(1, ws.max_row + 1)}
    for *_, l3, _a, _b, _d, _w, _q, expected in ROWS:
        assert D(str(scores[l3])) == expected, l3
    total_r = _row_of(ws, 2, "总分")
    # 9 + 18 + 10 + 9 + 8.333… + 6.666… + 8 + 10 + 9.444… = 88.444… → 88.44
    assert D(str(ws.cell(total_r, 9).value)) == D("88.44")
    assert D(str(ws.cell(total_r, 8).value)) == D("100")
    assert ws.cell(_row_of(ws, 2, "自评等级"), 9).value == "良"
    assert ws.cell(total_r, 9).protection.locked and ws.cell(r, 8).protection.locked
    assert not ws.cell(r, 5).protection.locked and ws.protection.sheet


def test_fill_never_changes_an_input_cell(filled):
    path, before = filled
    wb = openpyxl.load_workbook(path)
    after = {(ws.title, c.coordinate): c.value for ws in wb if ws.title.startswith("绩效自评-")
             for row in ws.iter_rows() for c in row if not c.protection.locked}
    for key, value in before.items():
        if value is not None:
            assert after.get(key) == value, key
    assert {k for k, v in after.items() if v is not None} == {k for k, v in before.items() if v is not None}


def test_summary_lists_every_project(filled):
    path, _ = filled
    grid = CalamineBook(path).read_sheet("绩效自评汇总")
    assert grid[2] == ["序号", "项目名称", "资金使用单位", "自评得分", "自评等级"]
    assert grid[3][1:] == ["测试项目", "某执行单位", 88.44, "良"]
    assert grid[4][1] == "测试项目" and grid[4][3] == 0 and grid[4][4] == "差"  # the blank second sheet


def _eval_findings(spec, path: Path) -> list[dict]:
    book = CalamineBook(path)
    ctx = Context(spec, book)
    out = []
    for rule in parse_rules(spec.raw["evaluation_rules"]):
        out += [f.row() for f in KINDS[rule.type](rule, ctx)]
    return out


def test_rules_on_the_filled_workbook(filled, spec):
    path, _ = filled
    findings = [f for f in _eval_findings(spec, path) if f["cells"] and f["cells"][0]["sheet"] == SHEET
                and f["severity"] != "info"]  # E11-ledger notes a project without ledger lines
    assert [(f["rule"], f["severity"]) for f in findings] == [("E07-cost", "warning")]  # 150 > 108
    assert findings[0]["expected"] == "108.00" and findings[0]["actual"] == "150.00"


def test_rules_find_known_mistakes(filled, spec, tmp_path):
    path, _ = filled
    broken = tmp_path / "broken.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    r = _row_of(ws, 2, "年度资金总额")
    ws.cell(r, 8).value = 1  # 执行率 100% while B/A = 90%
    ws.cell(_row_of(ws, 2, "其他资金"), 6).value = 5  # sources no longer add up to the total
    summary = wb["绩效自评汇总"]
    summary.cell(4, 4).value = 95.5  # a summary score not matching the sheet's 88.44
    wb.save(broken)
    found = {(f["rule"], f["cells"][0]["cell"]) for f in _eval_findings(spec, broken)
             if f["severity"] != "info" and f["cells"] and f["cells"][0]["sheet"] in (SHEET, "绩效自评汇总")}
    assert found == {("E01-rate", f"H{r}"), ("E05-budget-sum", f"F{r}"), ("E06-summary", "D4"), ("E07-cost", "F18")}


def test_a_blank_sheet_fails_the_weight_rule(filled, spec):
    path, _ = filled
    findings = [f for f in _eval_findings(spec, path) if f["cells"] and f["cells"][0]["sheet"] == SHEET + "(2)"]
    assert [f["rule"] for f in findings] == ["E08-weights"]  # only the pre-filled 10 of the budget
    assert findings[0]["actual"] == "10.00" and findings[0]["expected"] == "100.00"


def _demo_indicator(tmp_path: Path, change) -> Path:
    """The 2020 demo (real CLI) with the first quantitative indicator row of its first
    self-evaluation changed by ``change(cells)`` (the row's openpyxl cells)."""
    demo_of(None, tmp_path)
    path = tmp_path / "示例部门决算-2020.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = next(w for w in wb.worksheets if w.title.startswith("绩效自评-"))
    row = next(r for r in ws.iter_rows() if len(r) > 8 and r[6].value in ("≥", "≤"))
    change(row)
    wb.save(path)
    return path


def test_an_indicator_without_direction_scores_as_entered(tmp_path):
    """按月公开 / 已按月公开 with no direction: the evaluator's score is printed, and the 总分 adds
    it (Fill used to leave it out of the 总分 and its own check then failed E03)."""
    def text(row):
        row[4].value, row[5].value, row[6].value, row[8].value = "按月公开", "已按月公开", None, 9.5
    path = _demo_indicator(tmp_path, text)
    fill = run_cli("fill", str(path), check=True)
    assert "未完成" not in fill.stdout
    proc = run_cli("check", str(path))
    assert proc.returncode == 0, proc.stdout


def test_an_indicator_without_its_actual_value_is_said_not_scored(tmp_path):
    """A blank 实际完成值 used to drop the indicator's points from the 总分 (a grade lower) with
    nothing said by Fill or check."""
    def blank(row):
        row[5].value = None
    path = _demo_indicator(tmp_path, blank)
    fill = run_cli("fill", str(path), check=True)
    assert "绩效自评未完成" in fill.stdout and "without a score" in fill.stdout
    proc = run_cli("check", str(path))
    assert proc.returncode == 1 and "E12-unscored" in proc.stdout and "没有得分" in proc.stdout


def test_a_printed_score_with_a_word_for_the_actual_is_no_error(tmp_path):
    """A published evaluation (not filled) whose 实际完成值 reads 达标 shows the evaluator's score:
    no E12 (the sheet has a score), and the 总分 check reads what the sheet shows."""
    def word(row):
        row[5].value = "达标"
    path = _demo_indicator(tmp_path, word)
    proc = run_cli("check", str(path), "--format", "json")
    assert "E12-unscored" not in proc.stdout, proc.stdout
