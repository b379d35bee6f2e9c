"""``check-text`` on hand-written 说明 texts with known mistakes: it reports exactly those,
and understands every way of writing a correct figure."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli

from juesuan.io.files import fill_file, write_new
from juesuan.io.text_file import check_text_file
from juesuan.sample import sample_inputs

C = D("0.01")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory, spec) -> Path:
    inputs = sample_inputs()
    inputs["sangong_budget"] = [r if r[0] != "公务用车购置费" else [r[0], D(0)] for r in inputs["sangong_budget"]]
    path = tmp_path_factory.mktemp("ct") / "决算.xlsx"
    write_new(path, spec, inputs=inputs)
    fill_file(path, path)
    return path


@pytest.fixture(scope="module")
def fig(workbook) -> dict[str, D]:
    """The figures the texts quote, read straight from the filled sheets."""
    wb = openpyxl.load_workbook(workbook, data_only=True)
    t01 = {r[0].value: D(str(r[2].value)) for r in wb["公开01表"].iter_rows(min_row=6) if r[0].value and r[2].value is not None}
    t01.update({r[3].value: D(str(r[5].value)) for r in wb["公开01表"].iter_rows(min_row=6)
                if r[3].value and r[5].value is not None})
    t03 = next(r for r in wb["公开03表"].iter_rows() if r[0].value == "合计")
    t05 = next(r for r in wb["公开05表"].iter_rows() if r[0].value == "合计")
    t07 = [D(str(c.value or 0)) for c in next(r for r in wb["公开07表"].iter_rows() if isinstance(r[0].value, (int, float)))]
    return {"exp_total": t01["本年支出合计"], "grand": t01["总计"], "basic": D(str(t03[3].value)),
            "project": D(str(t03[4].value)), "gp": D(str(t05[2].value)), "b_total": t07[0], "a_total": t07[6],
            "b_car_buy": t07[3], "a_car_buy": t07[9]}


def pct(part: D, whole: D, places: int = 2) -> D:
    return (part / whole * 100).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _check(tmp_path: Path, workbook: Path, text: str, name: str = "说明.txt") -> list[dict]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    findings, _ = check_text_file(path, workbook)
    return findings


def test_every_way_of_writing_a_correct_figure(tmp_path, workbook, fig):
    basic, exp_total = fig["basic"], fig["exp_total"]
    wide = f"{basic:.2f}".translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    share = pct(basic, exp_total)
    text = "\n".join([
        "三、支出决算情况说明",
        f"本年支出合计{exp_total:,.2f}万元，其中：基本支出{basic:,.2f}万元，占{share}%。",
        f"基本支出 {basic:.2f} 万元，占本年支出合计的{share}％。",
        f"基本支出{wide}万元，占{pct(basic, exp_total, 0)}%。",
        f"基本支出{basic * 10000:,.2f}元，占{pct(basic, exp_total, 1)}%。",
        "五、一般公共预算财政拨款支出决算情况说明",
        f"一般公共预算财政拨款支出{fig['gp']}万元，占本年支出合计的{pct(fig['gp'], exp_total)}%。",
        "七、“三公”经费支出决算情况说明",
        f"“三公”经费财政拨款支出预算为{fig['b_total']}万元，支出决算为{fig['a_total']}万元，"
        f"完成年初预算的{pct(fig['a_total'], fig['b_total'])}%。公务用车购置费支出{fig['a_car_buy']}万元，无年初预算数。",
    ])
    assert _check(tmp_path, workbook, text) == []


def test_known_mistakes_are_reported_exactly(tmp_path, workbook, fig):
    basic, exp_total, gp, grand = fig["basic"], fig["exp_total"], fig["gp"], fig["grand"]
    true = basic / exp_total * 100
    wrong_rounding = true.to_integral_value(rounding="ROUND_FLOOR") + (1 if true % 1 < D("0.5") else 0)
    typo = basic + D("0.09")
    assert gp / grand != gp / exp_total
    text = "\n".join([
        "三、支出决算情况说明",
        f"本年支出合计{exp_total}万元，其中：基本支出{typo:.2f}万元。",  # 1 amount typo
        f"基本支出{basic}万元，占{wrong_rounding}%。",  # 2 wrong rounding (89.4 → 90)
        "五、一般公共预算财政拨款支出决算情况说明",
        f"一般公共预算财政拨款支出{gp}万元，占本年支出合计的{pct(gp, grand)}%。",  # 3 share computed over 总计
        "七、“三公”经费支出决算情况说明",
        f"“三公”经费财政拨款支出决算为{fig['a_total']}万元，无年初预算数。",  # 4 but 07 has a budget
        f"公务用车购置费支出{fig['a_car_buy']}万元，完成年初预算的100.00%。",  # 5 over a zero budget
    ])
    findings = _check(tmp_path, workbook, text)
    got = [(f["rule"], f["expected"], f["actual"]) for f in findings]
    assert got == [
        ("text-amount", f"{basic:.2f}", f"{typo:.2f}"),
        ("text-share", f"{pct(basic, exp_total, 0):.2f}", f"{wrong_rounding:.2f}"),
        ("text-share", f"{pct(gp, exp_total):.2f}", f"{pct(gp, grand):.2f}"),
        ("text-no-budget", f"{fig['b_total']:.2f}", "0.00"),
        ("text-completion-zero", None, "100.00"),
    ]
    assert "总计" in findings[2]["message"]  # the written share is explained by the wrong base
    assert findings[0]["cells"] == [{"sheet": "公开03表", "cell": findings[0]["cells"][0]["cell"]}]
    assert findings[0]["sentence"].startswith("本年支出合计")
    assert findings[0]["difference"] == "0.09"


def test_a_stated_wrong_base_and_a_missing_percent_sign(tmp_path, workbook, fig):
    gp, exp_total, grand = fig["gp"], fig["exp_total"], fig["grand"]
    text = "\n".join([
        "五、一般公共预算财政拨款支出决算情况说明",
        f"一般公共预算财政拨款支出{gp}万元，占支出总计的{pct(gp, grand)}%。",
        "三、支出决算情况说明",
        f"基本支出{fig['basic']}万元，占{pct(fig['basic'], exp_total)}，项目支出{fig['project']}万元。",
    ])
    rules = [f["rule"] for f in _check(tmp_path, workbook, text)]
    assert rules == ["text-share-base", "text-percent-sign"]


def test_item_completion_uses_the_stated_budget(tmp_path, workbook, spec):
    wb = openpyxl.load_workbook(workbook, data_only=True)
    row = next(r for r in wb["公开05表"].iter_rows() if r[0].value == "2110101")
    actual = D(str(row[2].value))
    budget = (actual * D("0.9")).quantize(C)
    good = pct(actual, budget)
    text = "\n".join([
        "五、一般公共预算财政拨款支出决算情况说明",
        f"1. 节能环保支出（类）环境保护管理事务（款）行政运行（项）。年初预算为{budget}万元，支出决算为{actual}万元，"
        f"完成年初预算的{good}%。",
        f"2. 节能环保支出（类）环境保护管理事务（款）行政运行（项）。年初预算为{budget}万元，支出决算为{actual}万元，"
        f"完成年初预算的{good + 1}%。",
        "3. 节能环保支出（类）环境保护管理事务（款）行政运行（项）。年初预算为0万元，支出决算为"
        f"{actual}万元，完成年初预算的100%。",
    ])
    assert [(f["rule"], f["expected"]) for f in _check(tmp_path, workbook, text)] == [
        ("text-completion", f"{good:.2f}"), ("text-completion-zero", None)]


def test_cli_exit_codes_and_docx_input(tmp_path, workbook, fig):
    from docx import Document

    doc = Document()
    doc.add_paragraph("三、支出决算情况说明")
    doc.add_paragraph(f"基本支出{fig['basic'] + 1:.2f}万元。")
    bad = tmp_path / "bad.docx"
    doc.save(str(bad))
    proc = run_cli("check-text", str(bad), "--against", str(workbook), "--format", "json")
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["text-amount"]
    good = tmp_path / "good.txt"
    good.write_text(f"三、支出决算情况说明\n基本支出{fig['basic']}万元。\n", encoding="gb18030")
    assert run_cli("check-text", str(good), "--against", str(workbook)).returncode == 0
    assert run_cli("check-text", str(tmp_path / "missing.txt"), "--against", str(workbook)).returncode == 2
