"""The 说明 Fill writes, in every format: every part (概况 with the 单位构成 table, the format's
sections, 名词解释), year-on-year from last year's workbook (``fill --previous``, kept in the
上年数 cells), and a text that passes ``check-text`` with no error."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from docx import Document

from juesuan.io.demo_file import add_demo_extras
from juesuan.io.files import write_new
from juesuan.narrative.sample import sample_inputs_for
from juesuan.spec import available_formats, load_spec

HEADINGS = {
    "2019": ["一、主要职能", "二、部门决算单位构成", "一、收入支出决算总体情况说明", "五、一般公共预算财政拨款支出决算情况说明",
             "七、一般公共预算财政拨款“三公”经费支出决算情况说明", "九、其他重要事项的情况说明"],
    "2020": ["一、主要职能", "二、部门决算单位构成", "一、收入支出决算总体情况说明", "七、财政拨款“三公”经费支出决算情况说明",
             "九、国有资本经营预算财政拨款收入支出决算情况说明", "十、预算绩效管理情况说明", "十一、其他重要事项的情况说明"],
}


@pytest.fixture(scope="module", params=available_formats())
def filled(request, tmp_path_factory) -> tuple[str, Path, Path]:
    fmt = request.param
    folder = tmp_path_factory.mktemp(f"n{fmt}")
    spec = load_spec(fmt)
    last = folder / "上年.xlsx"
    write_new(last, spec, inputs=sample_inputs_for(fmt, seed=7))
    add_demo_extras(last)
    run_cli("fill", str(last), check=True)
    path = folder / "决算.xlsx"
    write_new(path, spec, inputs=sample_inputs_for(fmt))
    add_demo_extras(path)
    run_cli("fill", str(path), "--previous", str(last), check=True)
    docx = folder / "说明.docx"
    run_cli("narrative", str(path), "-o", str(docx), check=True)
    return fmt, path, docx


def _text(docx: Path) -> list[str]:
    return [p.text for p in Document(str(docx)).paragraphs if p.text]


def test_the_docx_holds_every_part(filled):
    fmt, _, docx = filled
    paras = _text(docx)
    assert paras[0].endswith("年度部门决算情况说明")
    assert any(p.startswith("第一部分") for p in paras) and any("名词解释" in p for p in paras)
    for heading in HEADINGS.get(fmt, HEADINGS["2020"]):
        assert heading in paras, heading
    table = Document(str(docx)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "单位名称", "备注"]
    assert [c.text for c in table.rows[1].cells] == ["1", "某市生态环境局本级", "行政单位"]
    assert any(p.startswith("1. 财政拨款收入：") for p in paras)  # 名词解释
    assert not any("【请填写" in p or "{" in p for p in paras)


def test_year_on_year_from_last_years_workbook_is_kept(filled):
    _, path, docx = filled
    text = "\n".join(_text(docx))
    assert "与上年相比，收、支总计各" in text
    ws = openpyxl.load_workbook(path)["说明"]
    kept = {ws.cell(r, 3).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value}
    assert isinstance(kept["prev:grand"], (int, float)) and kept["prev:grand"] > 0


def test_what_fill_writes_passes_check_text(filled):
    fmt, path, docx = filled
    proc = run_cli("check-text", str(docx), "--against", str(path), "--format", "json")
    doc = json.loads(proc.stdout)
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert proc.returncode == 0 and errors == [], errors
    assert doc["template"] == fmt


def test_a_new_department_says_so_instead_of_a_change(filled, tmp_path):
    fmt, path, _ = filled
    wb = openpyxl.load_workbook(path)
    ws = wb["说明"]
    keys = {ws.cell(r, 3).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value}
    ws.cell(keys["new_dept"], 2).value = "是"
    ws.cell(keys["founded"], 2).value = "2019年3月"
    copy = tmp_path / "新部门.xlsx"
    wb.save(copy)
    run_cli("fill", str(copy), check=True)
    docx = tmp_path / "新.docx"
    run_cli("narrative", str(copy), "-o", str(docx), check=True)
    text = "\n".join(_text(docx))
    assert "某市生态环境局于2019年3月成立，无上年比较数据。" in text
    assert "与上年相比" not in text
    assert run_cli("check-text", str(docx), "--against", str(copy)).returncode == 0


def test_entries_typed_once_are_carried_from_last_year(filled, tmp_path):
    """主要职能, 单位构成 and each 项's 主要用于 come from last year's 说明 when left blank."""
    fmt, path, _ = filled
    last = path.parent / "上年.xlsx"
    fresh = tmp_path / "今年.xlsx"
    write_new(fresh, load_spec(fmt), inputs=sample_inputs_for(fmt))
    run_cli("fill", str(fresh), "--previous", str(last), check=True)
    ws = openpyxl.load_workbook(fresh)["说明"]
    kept = {ws.cell(r, 3).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value}
    assert kept["duties"].startswith("贯彻落实") and kept["unit:1"] == "某市生态环境局本级|行政单位"
    assert kept["use:2110101"] == "行政运行方面的支出"
    assert kept["reason_total"] is None  # a reason is this year's: not carried


def test_counts_and_amounts_typed_with_their_unit_read_as_numbers(filled, tmp_path):
    """An accountant types “3辆”, “无”, “19.5万元” in the 说明's number cells: the 说明 prints the
    numbers (not “3辆辆”), adds up the 政府采购 total, and leaves the input cells as typed."""
    fmt, path, _ = filled
    wb = openpyxl.load_workbook(path)
    ws = wb["说明"]
    keys = {ws.cell(r, 3).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value}
    typed = {"cars_held": "3辆", "cars_bought": "无", "proc_goods": "80.5万元", "proc_works": "—",
             "proc_services": " 19.5 万元"}
    for key, value in typed.items():
        ws.cell(keys[key], 2).value = value
    copy = tmp_path / "单位.xlsx"
    wb.save(copy)
    run_cli("fill", str(copy), check=True)
    docx = tmp_path / "单位.docx"
    run_cli("narrative", str(copy), "-o", str(docx), check=True)
    text = "\n".join(_text(docx))
    assert "保有量3辆" in text and "3辆辆" not in text and "无辆" not in text
    assert "本年购置公务用车0辆" in text
    assert "政府采购支出总额100.00万元" in text and "服务支出19.50万元" in text and "万元万元" not in text
    after = openpyxl.load_workbook(copy)["说明"]
    assert {k: after.cell(keys[k], 2).value for k in typed} == typed
    assert run_cli("check-text", str(docx), "--against", str(copy)).returncode == 0
    ws.cell(keys["proc_works"], 2).value = None  # the total can't be added up: its placeholder names the part missing
    wb.save(copy)
    run_cli("fill", str(copy), check=True)
    run_cli("narrative", str(copy), "-o", str(docx), "--force", check=True)
    assert "政府采购支出总额【请填写政府采购工程支出（万元）】万元" in "\n".join(_text(docx))
