"""``check-text`` on 说明 texts written by hand in the styles real disclosures use: it reports
exactly the planted mistakes (each of its own kind, the sentence quoted) and nothing else; a
clause it cannot tie to a figure is a note, never an error."""

from __future__ import annotations

import json
import re
import shutil
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from conftest import demo_of, run_cli

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
    """The figures the texts quote, read straight from the filled sheets with openpyxl."""
    wb = openpyxl.load_workbook(workbook, data_only=True)
    t01 = {r[0].value: D(str(r[2].value)) for r in wb["公开01表"].iter_rows(min_row=6) if r[0].value and r[2].value is not None}
    t01.update({r[3].value: D(str(r[5].value)) for r in wb["公开01表"].iter_rows(min_row=6)
                if r[3].value and r[5].value is not None})
    t03 = next(r for r in wb["公开03表"].iter_rows() if r[0].value == "合计")
    t05 = {str(r[0].value): D(str(r[2].value)) for r in wb["公开05表"].iter_rows()
           if r[0].value and isinstance(r[2].value, (int, float))}
    footer = next(row for row in wb["公开06表"].iter_rows() if any(c.value == "人员经费合计" for c in row))
    public = D(str([c.value for c in footer if isinstance(c.value, (int, float))][-1]))
    t07 = [D(str(c.value or 0)) for c in next(r for r in wb["公开07表"].iter_rows() if isinstance(r[0].value, (int, float)))]
    return {"exp_total": t01["本年支出合计"], "grand": t01["总计"], "basic": D(str(t03[3].value)),
            "project": D(str(t03[4].value)), "gp": t05["合计"], "c211": t05["211"], "c208": t05["208"],
            "k21101": t05["21101"], "k21103": t05["21103"], "public": public,
            "b_total": t07[0], "a_total": t07[6], "b_car_buy": t07[3], "a_car_buy": t07[9], "a_car_run": t07[10],
            "a_recep": t07[11]}


def pct(part: D, whole: D, places: int = 2) -> D:
    return (part / whole * 100).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _check(tmp_path: Path, workbook: Path, text: str, name: str = "说明.txt", previous: Path | None = None):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    findings, _ = check_text_file(path, workbook, previous)
    return findings


def _errors(findings) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.row()["expected"], f.row()["actual"]) for f in findings if f.severity == "error"]


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
        f"基本支出{basic:.0f}万元。",  # rounded to the printed precision
        "五、一般公共预算财政拨款支出决算情况说明",
        f"一般公共预算财政拨款支出{fig['gp']}万元，占本年支出合计的{pct(fig['gp'], exp_total)}%。",
        "七、“三公”经费支出决算情况说明",
        f"“三公”经费财政拨款支出预算为{fig['b_total']}万元，支出决算为{fig['a_total']}万元，"
        f"完成年初预算的{pct(fig['a_total'], fig['b_total'])}%。公务用车购置费支出{fig['a_car_buy']}万元，无年初预算数。",
        f"公务用车运行维护费{fig['a_car_run']}万元，运行费占“三公”经费的{pct(fig['a_car_run'], fig['a_total'])}%。",
    ])
    assert _errors(_check(tmp_path, workbook, text)) == []


def test_items_in_one_sentence_and_a_main_items_list(tmp_path, workbook, fig):
    """Style 1: several items with their amounts in one sentence; a total then 主要包括：."""
    basic, project, exp_total = fig["basic"], fig["project"], fig["exp_total"]
    true = basic / exp_total * 100
    wrong_rounding = true.to_integral_value(rounding="ROUND_FLOOR") + (1 if true % 1 < D("0.5") else 0)
    text = "\n".join([
        "三、支出决算情况说明",
        f"2019年度本年支出合计{exp_total}万元，其中：基本支出{basic}万元、项目支出{project}万元。",
        f"基本支出{basic}万元，项目支出{project + 1:.2f}万元。",  # 1: the second item's amount
        f"本年支出合计{exp_total}万元，主要包括：基本支出{basic}万元，占{wrong_rounding}%。",  # 2: rounding
        f"基本支出{basic}万元，占{pct(basic, exp_total)}，项目支出{project}万元。",  # 3: no % sign
    ])
    findings = _check(tmp_path, workbook, text)
    assert _errors(findings) == [
        ("text-twice", f"{project:.2f}", f"{project + 1:.2f}"),  # 项目支出 quoted with two values
        ("text-amount", f"{project:.2f}", f"{project + 1:.2f}"),
        ("text-share", f"{pct(basic, exp_total, 0):.2f}", f"{wrong_rounding:.2f}"),
        ("text-percent-sign", None, f"{pct(basic, exp_total):.2f}"),
    ]
    first = [f for f in findings if f.severity == "error"][1]
    assert first.quote == f"基本支出{basic}万元，项目支出{project + 1:.2f}万元。"
    assert first.cells[0].sheet == "公开03表"
    assert [f for f in findings if f.severity != "error"] == []


def test_a_class_total_with_its_kuan_and_group_shares(tmp_path, workbook, fig):
    """Style 2: a 类 total followed by its 款 amounts; group shares; a share of the wrong
    base; new-department wording; a 项 name that contains a 类 name."""
    gp, grand, exp_total = fig["gp"], fig["grand"], fig["exp_total"]
    s211, s208 = pct(fig["c211"], gp), pct(fig["c208"], gp)
    text = "\n".join([
        "五、一般公共预算财政拨款支出决算情况说明",
        "某市新设局于2019年3月成立，无上年比较数据。",
        f"一般公共预算财政拨款支出{gp}万元，占本年支出合计的{pct(gp, grand)}%。",  # 1: over 总计
        f"节能环保支出（类）{fig['c211']}万元，其中：环境保护管理事务（款）{fig['k21101']}万元，"
        f"污染防治（款）{fig['k21103']}万元。",
        f"节能环保支出（类）{fig['c211']}万元，占{s211}%；社会保障和就业支出（类）{fig['c208']}万元，占{s208}%，"
        f"两类共占{s211 + s208}%。",
        f"节能环保支出（类）和社会保障和就业支出（类）两类共占{s211 + s208 + 1}%。",  # 2: group share
        "其他普通教育支出（项）12.00万元。",  # not in the tables: a note, not an error
    ])
    findings = _check(tmp_path, workbook, text)
    assert _errors(findings) == [
        ("text-share-base", f"{pct(gp, exp_total):.2f}", f"{pct(gp, grand):.2f}"),
        ("text-group-share", f"{pct(fig['c211'] + fig['c208'], gp):.2f}", f"{s211 + s208 + 1:.2f}"),
    ]
    assert "总计" in findings[0].message
    notes = [f for f in findings if f.severity == "info"]
    assert [n.quote for n in notes] == ["其他普通教育支出（项）12.00万元。"]


def test_sangong_budget_unit_twice_names_and_residue(tmp_path, workbook, fig):
    """Style 3: the 三公 section with budget statements; the other kinds of finding."""
    text = "\n".join([
        "七、“三公”经费支出决算情况说明",
        f"“三公”经费财政拨款支出决算为{fig['a_total']}万元，无年初预算数。",  # 1: 07 has a budget
        f"公务用车购置费支出{fig['a_car_buy']}万元，完成年初预算的100.00%。",  # 2: budget 0
        f"公务接待费{fig['a_recep']}元。",  # 3: 元 for 万元
        "九、其他重要事项的情况说明",
        f"2019年度本部门机关运行经费支出{fig['public']}万元。",
        f"机关运行经费支出{fig['public'] + 1}万元，主要用于办公费。",  # 4 twice, 5 amount
        "五、一般公共预算财政拨款支出决算情况说明",
        "医疗卫生与计划生育支出主要用于行政单位医疗。",  # 6: old class name
        "2019年度收支总计比上年下降（增长）5.00%。",  # 7: residue (and the change: a note)
    ])
    findings = _check(tmp_path, workbook, text)
    assert [r for r, *_ in _errors(findings)] == [
        "text-no-budget", "text-completion-zero", "text-unit", "text-twice", "text-amount", "text-old-name",
        "text-residue"]
    assert [f.rule for f in findings if f.severity == "info"] == ["text-unverified"]


def test_year_on_year_against_last_years_workbook(tmp_path, workbook, fig):
    grand = fig["grand"]
    last = tmp_path / "上年.xlsx"
    shutil.copy2(workbook, last)
    wb = openpyxl.load_workbook(last)
    ws = wb["公开01表"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "总计":
                ws.cell(c.row, c.column + 2).value = float(grand - 100)
    wb.save(last)
    up = pct(D(100), grand - 100)
    text = "\n".join([
        "一、收入支出决算总体情况说明",
        f"2019年度收、支总计均为{grand}万元。与上年相比，收、支总计各增加100.00万元，增长{up}%。",
        f"与上年相比，收、支总计各减少100.00万元，下降{up}%。",  # 1 direction
        f"与上年相比，收、支总计各增加90.00万元，增长{up}%。",  # 2 amount
        f"与上年相比，收、支总计各增加100.00万元，增长{up + 1}%。",  # 3 percent
        "与上年相比，收、支总计持平。",  # 4 direction
    ])
    findings = _check(tmp_path, workbook, text, previous=last)
    assert [r for r, *_ in _errors(findings)] == ["text-yoy-direction", "text-yoy-amount", "text-yoy-percent",
                                                   "text-yoy-direction"]
    without = _check(tmp_path, workbook, text)  # no last year: only what the text contradicts itself
    assert _errors(without) == [] and {f.rule for f in without} == {"text-unverified"}


def test_growth_from_a_zero_base_and_flat_with_a_change(tmp_path, workbook, fig):
    text = "\n".join([
        "九、其他重要事项的情况说明",
        f"机关运行经费支出{fig['public']}万元，上年为0，增长100%。",
        f"机关运行经费支出减少为{fig['public']}万元，与上年持平。",
    ])
    assert [r for r, *_ in _errors(_check(tmp_path, workbook, text))] == ["text-yoy-zero-base", "text-yoy-direction"]


def test_cli_json_rows_like_check_and_pdf_and_docx_input(tmp_path, workbook, fig):
    from docx import Document

    doc = Document()
    doc.add_paragraph("三、支出决算情况说明")
    doc.add_paragraph(f"基本支出{fig['basic'] + 1:.2f}万元。")
    bad = tmp_path / "bad.docx"
    doc.save(str(bad))
    proc = run_cli("check-text", str(bad), "--against", str(workbook), "--format", "json")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert [f["rule"] for f in out["findings"]] == ["text-amount"]
    row = out["findings"][0]
    assert set(row) == {"rule", "severity", "message", "message_en", "cells", "expected", "actual", "difference", "quote"}
    assert row["quote"] == f"基本支出{fig['basic'] + 1:.2f}万元。"
    marked = tmp_path / "标记.xlsx"
    assert run_cli("check-text", str(bad), "--against", str(workbook), "--mark", str(marked)).returncode == 1
    ws = openpyxl.load_workbook(marked)["校验结果"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4) if r[0].value]
    assert rows[0][2] == "text-amount" and f"原文：基本支出{fig['basic'] + 1:.2f}万元。" in rows[0][5]
    good = tmp_path / "good.txt"
    good.write_text(f"三、支出决算情况说明\n基本支出{fig['basic']}万元。\n", encoding="gb18030")
    assert run_cli("check-text", str(good), "--against", str(workbook)).returncode == 0
    assert run_cli("check-text", str(tmp_path / "missing.txt"), "--against", str(workbook)).returncode == 2
    pdf = _pdf_of(["三、支出决算情况说明", f"基本支出{fig['basic'] + 1:.2f}万元。"], tmp_path)
    proc = run_cli("check-text", str(pdf), "--against", str(workbook), "--format", "json")
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["text-amount"]


def _pdf_of(lines: list[str], folder: Path) -> Path:
    """A PDF whose text layer has ``lines``, one a line (printed by LibreOffice Calc, headless,
    with its own profile, from a one-column sheet)."""
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 120
    for n, line in enumerate(lines, start=1):
        ws.cell(n, 1).value = line
    src = folder / "说明pdf.xlsx"
    wb.save(src)
    subprocess.run([soffice, f"-env:UserInstallation=file://{folder}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(src)], capture_output=True, timeout=180, check=True)
    return folder / "说明pdf.pdf"


def test_pdf_text_layer_without_poppler(tmp_path, monkeypatch):
    """pypdf reads the text layer when pdftotext is not installed; a sentence broken over two
    lines is joined again."""
    from juesuan.io import text_file as textfile

    pdf = _pdf_of(["三、支出决算情况说明", "2019年度本年支出合计2405.69万元，其中：基本支出1252.81万元，",
                   "占52.08%；项目支出1152.88万元，占47.92%。"], tmp_path)
    with_poppler = textfile.read_text_file(pdf)
    monkeypatch.setattr(textfile.shutil, "which", lambda _: None)
    without = textfile.read_text_file(pdf)
    for text in (with_poppler, without):
        lines = [line.replace(" ", "") for line in text.splitlines() if line.strip()]
        assert lines == ["三、支出决算情况说明",
                         "2019年度本年支出合计2405.69万元，其中：基本支出1252.81万元，占52.08%；项目支出1152.88万元，占47.92%。"]


def test_wordings_seen_in_real_disclosures(tmp_path, workbook, fig):
    """类 written as 节能环保（类）支出, 财政拨款收入 as one figure, a change against the budget."""
    gp = fig["gp"]
    t = openpyxl.load_workbook(workbook, data_only=True)["公开01表"]
    labels = {r[0].value: D(str(r[2].value)) for r in t.iter_rows(min_row=6) if r[0].value and r[2].value is not None}
    fiscal = labels["一、一般公共预算财政拨款收入"] + labels["二、政府性基金预算财政拨款收入"]
    inc_total = labels["本年收入合计"]
    text = "\n".join([
        "二、收入决算情况说明",
        f"本年收入合计{inc_total}万元，其中：财政拨款收入{fiscal}万元，占{pct(fiscal, inc_total)}%。",
        "五、一般公共预算财政拨款支出决算情况说明",
        f"节能环保（类）支出{fig['c211']}万元，占{pct(fig['c211'], gp)}%；社会保障和就业（类）{fig['c208'] + 1}万元。",
        "行政运行（项）决算数比年初预算增加50.00万元，增长5.00%。",
    ])
    findings = _check(tmp_path, workbook, text)
    assert _errors(findings) == [("text-amount", f"{fig['c208']:.2f}", f"{fig['c208'] + 1:.2f}")]
    assert [f.message for f in findings if f.severity == "info"] == [
        "与预算相比的增减未核对 / a change against the budget is not checked"]


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_the_funds_of_the_self_evaluations_are_checked(tmp_path, fmt):
    """涉及资金 in 预算绩效 is the self-evaluations' total funds: a wrong amount is an error
    (it used to pass unseen: the figure came from no input cell)."""
    import docx

    demo_of(fmt, tmp_path / "demo")
    [book] = (tmp_path / "demo").glob("*.xlsx")
    assert run_cli("narrative", str(book), "-o", str(tmp_path / "说明.docx")).returncode == 0
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "说明.docx")).paragraphs)
    stated = re.search(r"涉及资金([\d,.]+)万元", text)
    assert stated, "the demo's 说明 states the evaluated funds"
    assert not _errors(_check(tmp_path, book, text))
    wrong = text.replace(stated.group(0), "涉及资金99.99万元")
    errors = _errors(_check(tmp_path, book, wrong, name="错.txt"))
    assert errors == [("text-amount", stated.group(1).replace(",", ""), "99.99")]
    # many 说明 quote the funds spent (Σ 全年执行数) instead of the budget: no error either
    spent = _evaluated_spending(book)
    assert f"{spent:.2f}" != stated.group(1).replace(",", "")
    executed = text.replace(stated.group(0), f"涉及资金{spent:,.2f}万元")
    assert not _errors(_check(tmp_path, book, executed, name="执行数.txt"))


def _evaluated_spending(book) -> D:
    """Σ 全年执行数 of the 年度资金总额 lines on the workbook's self-evaluation sheets (read by
    openpyxl, apart from juesuan's own reading)."""
    total = D(0)
    for ws in openpyxl.load_workbook(book, data_only=True).worksheets:
        if not ws.title.startswith("绩效自评-"):
            continue
        row = next(r for r in ws.iter_rows() if r[1].value == "年度资金总额")
        total += D(str(row[5].value))  # F: 全年执行数
    return total
