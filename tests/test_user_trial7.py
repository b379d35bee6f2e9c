"""Defects found by a user trial (trial7): an accountant preparing 2025年度 accounts in the
2020+ format and a finance bureau checking submitted workbooks and importing published
disclosures, each reproduced with the real CLI on real files."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import demo_of, run_cli

# A small 2020+ disclosure as a region publishes it (某区档案馆, 2025年度): blanks for zero,
# numbered labels, codes split 类 款 项, 05's 合计 last.
DISCLOSURE = """table,row,column,value
收入支出决算总表,一、一般公共预算财政拨款收入,收入/决算数,480.00
收入支出决算总表,五、事业收入,收入/决算数,{income_shiye}
收入支出决算总表,本年收入合计,收入/决算数,480.00
收入支出决算总表,年初结转和结余,收入/决算数,10.00
收入支出决算总表,总计,收入/决算数,490.00
收入支出决算总表,一、一般公共服务支出,支出/决算数,470.00
收入支出决算总表,本年支出合计,支出/决算数,470.00
收入支出决算总表,结余分配,支出/决算数,{balance}
收入支出决算总表,年末结转和结余,支出/决算数,20.00
收入支出决算总表,总计,支出/决算数,490.00
收入决算表,合计,本年收入合计,480.00
收入决算表,合计,财政拨款收入,480.00
收入决算表,201,本年收入合计,480.00
收入决算表,201,财政拨款收入,480.00
收入决算表,201 26,本年收入合计,480.00
收入决算表,201 26,财政拨款收入,480.00
收入决算表,201 26 01,本年收入合计,480.00
收入决算表,201 26 01,财政拨款收入,480.00
支出决算表,合计,本年支出合计,470.00
支出决算表,合计,基本支出,470.00
支出决算表,201,本年支出合计,470.00
支出决算表,201,基本支出,470.00
支出决算表,20126,本年支出合计,470.00
支出决算表,20126,基本支出,470.00
支出决算表,2012601,本年支出合计,470.00
支出决算表,2012601,基本支出,470.00
"""


def _csv(tmp_path, name: str, encoding: str = "utf-8", **figures: str):
    path = tmp_path / name
    path.write_bytes(DISCLOSURE.format(**{"income_shiye": "", "balance": "", **figures}).encode(encoding))
    return path


def _findings(path):
    data = json.loads(run_cli("check", str(path), "--format", "json").stdout)
    return data["stats"], data["findings"]


def _imported(tmp_path, csv_path):
    out = tmp_path / (csv_path.stem + ".xlsx")
    proc = run_cli("import", str(csv_path), "-o", str(out), "--dept", "某区档案馆", "--year", "2025")
    return proc, out


def test_import_reads_a_csv_excel_saved_in_gbk(tmp_path):
    """Excel on a Chinese Windows saves “CSV (逗号分隔)” in GBK: it was refused as a corrupt
    workbook with a Python codec message."""
    proc, out = _imported(tmp_path, _csv(tmp_path, "公开-gbk.csv", encoding="gbk"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "codec" not in proc.stderr
    wb = openpyxl.load_workbook(out)
    assert wb["2收入决算表"]["C5"].value == 480  # 合计/本年收入合计, read as printed
    _, same = _imported(tmp_path, _csv(tmp_path, "公开-utf8.csv"))
    assert _findings(out) == _findings(same)


def test_import_reads_wu_as_zero_like_a_dash(tmp_path):
    """A disclosure that prints “无” for an empty figure (like “-” or a blank): refused before
    as “金额“无”不是数字”."""
    proc, out = _imported(tmp_path, _csv(tmp_path, "公开-无.csv", income_shiye="无", balance="—"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _, blank = _imported(tmp_path, _csv(tmp_path, "公开-空.csv"))
    assert _findings(out) == _findings(blank)  # the same workbook as with blanks
    # a figure that is no number at all is still refused at its CSV line
    proc, _ = _imported(tmp_path, _csv(tmp_path, "公开-错.csv", income_shiye="见附表"))
    assert proc.returncode == 2 and "第 3 行" in proc.stderr and "Line 3" in proc.stderr


def test_batch_text_gives_an_unusable_workbooks_reason_in_english_too(tmp_path):
    """`check 报送/` printed an unusable workbook's reason in Chinese only (the JSON has
    ``error_en``); every message is in both languages."""
    folder = tmp_path / "报送"
    folder.mkdir()
    (folder / "空.xlsx").write_bytes(b"")
    (folder / "文本.xlsx").write_text("hello")
    proc = run_cli("check", str(folder))
    assert proc.returncode == 2
    data = json.loads(run_cli("check", str(folder), "--format", "json").stdout)
    for entry in data["workbooks"]:
        block = proc.stdout.split(f"==== {entry['file']} ====", 1)[1].split("====", 1)[0]
        assert entry["error"] in block and entry["error_en"] in block


def test_check_of_a_workbook_whose_table_sheet_was_deleted_names_the_sheet(tmp_path):
    """A department deleted (or renamed) the 三公 sheet: check printed ten “规则无法执行
    （模板规范问题）” rule errors, one with a Python repr; it is one error of the workbook."""
    demo_of(None, tmp_path)  # (the CLI's default format, 2020)
    path = tmp_path / "示例部门决算-2020.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = next(n for n in wb.sheetnames if "三公" in n and n[0].isdigit())
    wb[sheet].title = "三公（旧）"
    wb.save(path)
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["stats"]["rule_errors"] == 0
    [f] = data["findings"]
    assert f["rule"] == "sheet-missing" and f"缺少工作表“{sheet}”" in f["message"]
    assert f"Sheet '{sheet}' is missing" in f["message_en"]
    text = run_cli("check", str(path))
    assert "模板规范" not in text.stdout and "RuleError" not in text.stdout and f"缺少工作表“{sheet}”" in text.stdout


def test_check_of_a_workbook_whose_detail_sheet_was_renamed_names_the_sheet(tmp_path):
    """支出明细 renamed 支出明细表: check said “规则“R18-detail”无法执行（模板规范问题）：工作簿缺少明细表
    支出明细”, the English without the sheet; it is the workbook's one sheet-missing error, as
    for a table sheet (and as Fill says)."""
    demo_of(None, tmp_path)  # (the CLI's default format, 2020)
    path = tmp_path / "示例部门决算-2020.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["支出明细"].title = "支出明细表"
    wb.save(path)
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["stats"]["rule_errors"] == 0
    missing = [f for f in data["findings"] if f["rule"] == "sheet-missing"]
    assert len(missing) == 1 and "缺少工作表“支出明细”" in missing[0]["message"]
    assert "Sheet '支出明细' is missing" in missing[0]["message_en"]
    assert not [f for f in data["findings"] if f.get("kind") == "rule-error"]


def test_a_disclosure_imported_without_dept_and_year_is_not_faulted_for_them(tmp_path):
    """The README's `juesuan import figures.csv -o 公开.xlsx` then `check`: every imported
    disclosure failed with “基本信息：部门名称/年度未填写” — no error of the disclosure."""
    csv_path = _csv(tmp_path, "公开.csv")
    bare = tmp_path / "无部门.xlsx"
    assert run_cli("import", str(csv_path), "-o", str(bare)).returncode == 0
    _, named = _imported(tmp_path, csv_path)
    assert _findings(bare) == _findings(named)
    assert not [f for f in _findings(bare)[1] if f["rule"] == "R19-info"]
    # a new workbook without its 部门名称 is still told to give it
    blank = tmp_path / "新建.xlsx"
    assert run_cli("new", "-o", str(blank)).returncode == 0
    wb = openpyxl.load_workbook(blank)
    wb["基本信息"]["B3"] = None
    wb.save(blank)
    assert any(f["rule"] == "R19-info" and f["cells"] == [{"sheet": "基本信息", "cell": "B3"}]
               for f in _findings(blank)[1])


def _ledger_workbook(tmp_path, name: str, budgets: dict[str, float]):
    """A new 2020+ workbook with a small ledger typed in 元 and the 三公 budgets given."""
    path = tmp_path / name
    assert run_cli("new", "-o", str(path), "--dept", "某市生态环境局", "--year", "2025").returncode == 0
    wb = openpyxl.load_workbook(path)
    inc, ex = wb["收入明细"], wb["支出明细"]
    for c, v in zip("ABCD", ("2110101", None, "一般公共预算财政拨款收入", 5234567.89), strict=True):
        inc[f"{c}3"] = v
    lines = [("30101", 2000000), ("30217", 12345.67), ("30231", 80000)]
    for r, (econ, amount) in enumerate(lines, start=3):
        for c, v in zip("ABCDE", ("2110101", econ, "基本支出", "一般公共预算财政拨款", amount), strict=True):
            ex[f"{c}{r}"] = v
    for r, (item, amount) in enumerate(budgets.items(), start=3):
        wb["三公预算"][f"A{r}"], wb["三公预算"][f"B{r}"] = item, amount
    wb.save(path)
    return path


def test_sangong_budgets_typed_in_wan_are_warned_of(tmp_path):
    """三公预算 typed in 万元 (10, 2) beside a ledger in 元: table 07 printed 0.00 and the 说明
    “无年初预算数”, with no word from fill or check."""
    path = _ledger_workbook(tmp_path, "万元预算.xlsx", {"公务用车运行维护费": 10, "公务接待费": 2})
    fill = run_cli("fill", str(path))
    assert fill.returncode == 0, fill.stdout + fill.stderr
    assert "三公预算!B3" in fill.stderr + fill.stdout and "“三公”经费预算数合计仅 12.00 元" in fill.stderr + fill.stdout
    data = json.loads(run_cli("check", str(path), "--format", "json").stdout)
    [f] = [f for f in data["findings"] if f["rule"] == "R19-plausible"]
    assert f["severity"] == "warning" and f["cells"] == [{"sheet": "三公预算", "cell": "B3"}]
    assert "三公 budgets" in f["message_en"]
    # the same budgets in 元: no warning
    good = _ledger_workbook(tmp_path, "元预算.xlsx", {"公务用车运行维护费": 100000, "公务接待费": 20000})
    assert run_cli("fill", str(good)).returncode == 0
    data = json.loads(run_cli("check", str(good), "--format", "json").stdout)
    assert not [f for f in data["findings"] if f["rule"] == "R19-plausible"]


def _entry_row(ws, key: str) -> int:
    """The row of the 说明 input whose key (column C) is ``key``."""
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value == key)


def test_typing_the_narratives_blanks_is_no_hand_edit(tmp_path):
    """Fill says “尚有 42 处待填写（见“说明”表下方）”; the accountant types 主要职能 and a 上年数
    there and fills again: Fill said “手工修改的 2 段文字已按公开表重写” of text no one edited.
    Likewise after adding and scoring a self-evaluation. A real edit of the text is still told."""
    path = _ledger_workbook(tmp_path, "说明.xlsx", {"公务用车运行维护费": 100000, "公务接待费": 20000})
    assert run_cli("fill", str(path)).returncode == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["说明"]
    ws.cell(_entry_row(ws, "duties"), 2).value = "负责全市生态环境保护工作。"
    ws.cell(_entry_row(ws, "prev:inc_total"), 2).value = 500
    wb.save(path)
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "手工修改" not in proc.stdout + proc.stderr and "hand-edited" not in proc.stdout + proc.stderr
    # a number typed again (last year's figure corrected) and the first self-evaluation
    wb = openpyxl.load_workbook(path)
    wb["说明"].cell(_entry_row(wb["说明"], "prev:inc_total"), 2).value = 510
    wb.save(path)
    assert run_cli("eval", "add", str(path), "--name", "大气污染防治").returncode == 0
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "手工修改" not in proc.stdout + proc.stderr
    # the text itself edited: said, and rewritten
    wb = openpyxl.load_workbook(path)
    ws = wb["说明"]
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("负责全市"))
    ws.cell(row, 1).value = "本局负责全市生态环境保护和污染防治工作。"
    wb.save(path)
    proc = run_cli("fill", str(path))
    assert "手工修改的 1 段文字已按公开表重写" in proc.stdout


def test_import_reads_a_code_printed_with_its_name(tmp_path):
    """A table copied from a published PDF keeps the code and the name in one cell
    (“2012601 行政运行”, “201 26 01 行政运行”, “[2012601]行政运行”): every such row was refused
    as unknown. The code is read; 合计 and a bare code as before."""
    plain = _csv(tmp_path, "公开.csv")
    text = plain.read_text(encoding="utf-8")
    named = text.replace("收入决算表,201 26 01,", "收入决算表,201 26 01 行政运行,")
    named = named.replace("支出决算表,2012601,", "支出决算表,2012601 行政运行,")
    named = named.replace("支出决算表,20126,", "支出决算表,[20126]档案事务,")
    named = named.replace("支出决算表,201,", "支出决算表,201一般公共服务支出,")
    assert named.count("行政运行") == 4
    with_names = tmp_path / "公开-名称.csv"
    with_names.write_text(named, encoding="utf-8")
    proc, out = _imported(tmp_path, with_names)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _, same = _imported(tmp_path, plain)
    assert _findings(out) == _findings(same)
    wb = openpyxl.load_workbook(out)
    assert [c.value for c in wb["3支出决算表"][8]][:3] == ["2012601", "行政运行", 470]
    # a name alone is read by its place (tests/test_import_as_printed.py); one no list has is refused
    bad = tmp_path / "公开-无编码.csv"
    bad.write_text(text.replace("支出决算表,2012601,", "支出决算表,没有这个科目,"), encoding="utf-8")
    proc, _ = _imported(tmp_path, bad)
    assert proc.returncode == 2 and "没有这个科目" in proc.stderr


def test_a_table_typed_as_published_with_dashes_and_wu_checks_clean(tmp_path):
    """A department types its 05 table as it publishes it: blank, “-”, “—” or “无” where a
    figure is zero. Check said “的“-”不是数字” for each (import already read them as zero)."""
    demo_of(None, tmp_path)
    path = tmp_path / "示例部门决算-2020.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb[next(n for n in wb.sheetnames if n.startswith("5"))]
    zeros = [c for row in ws.iter_rows(min_row=5) for c in row[2:5] if c.value == 0][:4]
    assert len(zeros) == 4
    for cell, mark in zip(zeros, ("-", "—", "无", None), strict=True):
        cell.value = mark
    wb.save(path)
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stdout
    # a figure that is text but no number is still reported at its cell
    wb = openpyxl.load_workbook(path)
    wb[ws.title][zeros[0].coordinate] = "见附表"
    wb.save(path)
    data = json.loads(run_cli("check", str(path), "--format", "json").stdout)
    assert any(f["rule"] == "R00-readable" and f["cells"][0]["cell"] == zeros[0].coordinate for f in data["findings"])


def test_a_year_typed_with_nian_is_not_printed_twice(tmp_path):
    """基本信息 年度 typed “2025年” (check and Fill accept it): the 说明 was titled
    “某市生态环境局2025年年度部门决算情况说明” and a self-evaluation “（2025年年度）”.
    `new --year 2025年度` wrote “2025年度” into the cell."""
    path = _ledger_workbook(tmp_path, "年度.xlsx", {"公务接待费": 20000})
    wb = openpyxl.load_workbook(path)
    wb["基本信息"]["B4"] = "2025年"
    wb.save(path)
    assert run_cli("eval", "add", str(path), "--name", "大气污染防治").returncode == 0
    assert run_cli("fill", str(path)).returncode == 0
    wb = openpyxl.load_workbook(path)
    assert wb["说明"]["A1"].value == "某市生态环境局2025年度部门决算情况说明"
    assert wb["绩效自评-大气污染防治"]["A2"].value == "（2025年度）"
    assert not [v for row in wb["说明"].iter_rows(values_only=True) for v in row if "年年度" in str(v or "")]
    made = tmp_path / "新建.xlsx"
    assert run_cli("new", "-o", str(made), "--dept", "某局", "--year", "2025年度").returncode == 0
    assert openpyxl.load_workbook(made)["基本信息"]["B4"].value in ("2025", 2025)


def test_narrative_of_tables_never_filled_is_refused(tmp_path):
    """`narrative` of a workbook whose ledger is typed but which was never filled wrote a
    说明 “收、支总计均为0.00万元……本年无收入”, exit 0. Now exit 2, nothing written."""
    path = _ledger_workbook(tmp_path, "未填充.xlsx", {"公务接待费": 20000})
    out = tmp_path / "说明.docx"
    proc = run_cli("narrative", str(path), "-o", str(out))
    assert proc.returncode == 2 and not out.exists()
    assert "尚未填充" in proc.stderr and "not filled yet" in proc.stderr and "juesuan fill" in proc.stderr
    assert run_cli("fill", str(path)).returncode == 0
    assert run_cli("narrative", str(path), "-o", str(out)).returncode == 0 and out.exists()


def test_check_text_of_a_file_without_any_figure_does_not_pass(tmp_path):
    """`check-text` of an empty file (or one that is no 说明: a letter, the wrong file) said
    “说明核对通过 / passed”, exit 0: nothing was checked."""
    demo_of(None, tmp_path)
    book = tmp_path / "示例部门决算-2020.xlsx"
    for name, text in (("空.txt", ""), ("函.txt", "关于报送2025年度部门决算的函\n请审核。\n")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        proc = run_cli("check-text", str(path), "--against", str(book))
        assert proc.returncode == 2, proc.stdout
        assert "没有可核对的金额或百分比" in proc.stderr and "holds no amount or percentage" in proc.stderr
    # a CSV that is no text at all is named as such, not as a corrupt workbook
    binary = tmp_path / "公开.csv"
    binary.write_bytes(b"\x80\x81\xff\xfe\x00table")
    proc = run_cli("import", str(binary), "-o", str(tmp_path / "x.xlsx"))
    assert proc.returncode == 2 and "无法读取文本文件" in proc.stderr and "neither UTF-8 nor GB18030" in proc.stderr


def test_check_of_a_ledger_never_filled_says_so_once(tmp_path):
    """Detail sheets typed, Fill never run: check gave one R18 error per figure of every table
    (218 in the 2020 sample); it is one finding saying the tables are not filled, in both
    languages, and Fill then makes the workbook check clean."""
    from juesuan.io.files import write_new
    from juesuan.sample import sample_inputs
    from juesuan.spec import load_spec

    spec = load_spec("2020")
    path = write_new(tmp_path / "未填充.xlsx", spec, inputs=sample_inputs(2020, spec=spec))
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode == 1
    detail = [f for f in json.loads(proc.stdout)["findings"] if f["rule"].endswith("detail")]
    assert len(detail) == 1, [f["message"] for f in detail][:5]
    assert "尚未填充" in detail[0]["message"] and "have not been filled" in detail[0]["message_en"]
    assert run_cli("fill", str(path)).returncode == 0
    assert run_cli("check", str(path)).returncode == 0


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_adding_a_self_evaluation_is_no_hand_edit(tmp_path, fmt):
    """``eval add`` (or 新增自评表) then fill said “说明中手工修改的 1 段文字已按公开表重写”:
    the 说明 Fill wrote before the new, still blank self-evaluation was taken for a hand edit
    (found by trialxl). An edit by hand is still told (tests/test_fill_keeps_extras.py)."""
    demo_of(fmt, tmp_path)
    path = tmp_path / f"示例部门决算-{fmt}.xlsx"
    assert run_cli("eval", "add", str(path), "--name", "新增项目").returncode == 0
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "手工修改" not in proc.stdout + proc.stderr
