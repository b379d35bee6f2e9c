"""Every finding of ``check``, ``check-text`` and the self-evaluation checks is reported in
Chinese and English: each rule kind's templates in both languages with the same
placeholders, the shipped catalogues' own messages with their English, and the English
line / ``message_en`` / 校验结果 column / cell note on real workbooks through the real CLI."""

from __future__ import annotations

import copy
import json
import re
import string
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from check_helpers import modified
from conftest import demo_of, run_cli

from juesuan.evaluation.checks import MESSAGES as EVAL_MESSAGES
from juesuan.evaluation.steps import read_evaluations
from juesuan.intervals import Verdict
from juesuan.io.xlsx import CalamineBook
from juesuan.reading import read_table
from juesuan.rules import KINDS, MESSAGES, detail, load_kinds
from juesuan.rules.base import DEFAULT_MESSAGE, Cell, Rule, judge
from juesuan.rules.schema import parse_catalogue
from juesuan.spec import available_formats, load_spec

load_kinds()
FORMATS = sorted(available_formats())
ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _english(text: str) -> bool:
    return bool(ASCII_WORD.search(text))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_english_templates_with_the_same_placeholders(fmt, kind):
    """Every registered kind, as every shipped format uses it: an English template beside each
    Chinese one, with the same placeholders (so both render from the same values)."""
    templates = MESSAGES.get(kind)
    assert templates, f"{kind}: no message templates registered"
    for name, message in templates.items():
        assert message.zh and message.en and _english(message.en), (kind, name)
        assert fields(message.zh) == fields(message.en), (kind, name, message)
        values = {f: f"<{f}>" for f in fields(message.zh)}
        assert message.en.format(**values)  # renders: no unknown or positional field
    spec = load_spec(fmt)
    for rule in spec.rules:
        if rule.type != kind:
            continue
        used = rule.template(DEFAULT_MESSAGE)
        assert used.en and _english(used.en), rule.id
        if rule.message:  # the catalogue's own message: its English beside it
            assert rule.message_en, f"{fmt} {rule.id}: message without message_en"
            assert fields(rule.message) == fields(rule.message_en), rule.id
        if rule.rounding_message_en:
            assert fields(rule.rounding_message) == fields(rule.rounding_message_en), rule.id
        else:
            assert "rounding_message" not in _raw_rule(spec, rule.id), f"{fmt} {rule.id}: rounding_message_en missing"


def _raw_rule(spec, rid: str) -> dict:
    for section in ("rules", "evaluation_rules"):
        for entry in spec.raw.get(section) or []:
            if str(entry.get("id")) == rid:
                return entry
    raise KeyError(rid)


def test_the_self_evaluation_catalogue_is_bilingual():
    for kind, templates in EVAL_MESSAGES.items():
        assert kind in KINDS
        for name, message in templates.items():
            assert fields(message.zh) == fields(message.en) and _english(message.en), (kind, name)


def test_a_bureau_spec_without_english_stays_valid_and_falls_back_to_the_kind_template():
    spec = copy.deepcopy(load_spec("2020"))
    for section in ("rules", "evaluation_rules"):
        for entry in spec.raw.get(section) or []:
            for key in ("message_en", "rounding_message_en", "title_en"):
                entry.pop(key, None)
    rules = {r.id: r for r in parse_catalogue(spec)}
    rule = rules["R18-detail"]
    assert rule.message and not rule.message_en
    cell = Cell(Decimal("2.00"), None, "01", "inc_total", "amount", "公开01表“本年收入合计”行")
    finding = judge(rule, Verdict("error", Decimal("1.00"), Decimal("2.00"), Decimal("1.00"), Decimal(0)),
                    [cell], "01", where=cell.label, default=detail.MESSAGE)
    assert finding.message.startswith("公开01表“本年收入合计”行与明细表不符")
    assert finding.message_en == ("公开01表, row “本年收入合计” does not match the detail sheets: they imply 1.00, the table"
                                  " shows 2.00, difference +1.00")
    own = Rule("X", "sum", title="合计", message="{where}错 {difference}")
    plain_finding = judge(own, Verdict("error", Decimal(1), Decimal(2), Decimal(1), Decimal(0)), [cell], "01",
                          where=cell.label)
    assert plain_finding.message == "公开01表“本年收入合计”行错 +1.00"
    assert plain_finding.message_en == "合计: 公开01表, row “本年收入合计” should be 1.00, is 2.00, difference +1.00"


def test_an_invalid_english_key_is_a_spec_error(tmp_path):
    from juesuan.spec.loader import SpecError

    spec = copy.deepcopy(load_spec("2020"))
    spec.raw["rules"][0]["message_en"] = ["not", "text"]
    with pytest.raises(SpecError) as exc:
        parse_catalogue(spec)
    assert "message_en" in str(exc.value)


# -- real workbooks through the CLI ---------------------------------------------------------------
def _demo(tmp_path, fmt: str):
    """A copy (in ``tmp_path``) of the demo of ``fmt`` the real CLI made."""
    return demo_of(fmt, tmp_path / "demo")


def _broken(tmp_path, fmt: str):
    """The demo with 本年收入合计 of 01 changed and a self-evaluation's 总分 changed."""
    book = _demo(tmp_path, fmt)
    spec = load_spec(fmt)
    port = CalamineBook(book)
    try:
        table = spec.table("01")
        values = read_table(spec, table, port.read_sheet(table.sheet))
        row = next(r for r in values.rows() if r.key == "inc_total")
        figure = (table.sheet, row.cells["amount"], float(row.values["amount"] + 7))
        ev = read_evaluations(spec, port)[0]
        total = (ev.sheet, ev.total_cells["total"], float(Decimal(str(ev.shown_total)) + 5))
    finally:
        port.close()
    changed = modified(book, tmp_path / "broken.xlsx", {figure[:2]: figure[2], total[:2]: total[2]})
    return changed, figure, total


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_check_prints_and_writes_every_finding_in_english(tmp_path, fmt):
    book, figure, total = _broken(tmp_path, fmt)
    proc = run_cli("check", str(book), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    assert findings
    for f in findings:
        assert list(f)[:4] == ["rule", "severity", "message", "message_en"]
        assert f["message_en"] and _english(f["message_en"]) and f["message_en"] != f["message"], f
    at_figure = [f for f in findings if {"sheet": figure[0], "cell": figure[1]} in f["cells"]]
    assert any(f["rule"].endswith("detail") and "does not match the detail sheets" in f["message_en"]
               for f in at_figure), at_figure
    at_total = [f for f in findings if {"sheet": total[0], "cell": total[1]} in f["cells"] and f["rule"].startswith("E")]
    assert any("is not the sum of the scores" in f["message_en"] for f in at_total), at_total
    assert any(f["message_en"].startswith("The total score should be the sum of the scores: ") for f in at_total)

    text = run_cli("check", str(book))
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    for f in findings:  # the English line right under its Chinese one
        head = next(i for i, line in enumerate(lines) if f"[{f['rule']}] {f['message']}" in line)
        assert lines[head + 1].strip() == f["message_en"], lines[head:head + 2]


def test_marks_carry_the_english_and_clear_restores(tmp_path):
    book, figure, _ = _broken(tmp_path, "2020")
    marked = tmp_path / "标记.xlsx"
    assert run_cli("check", str(book), "--mark", str(marked)).returncode == 1
    wb = openpyxl.load_workbook(marked)
    results = wb["校验结果"]
    headers = [c.value for c in results[3]]
    assert headers[5] == "说明" and headers[6] == "英文说明 / English"
    english = [results.cell(r, 7).value for r in range(4, results.max_row + 1) if results.cell(r, 1).value]
    assert english and all(e and _english(e) for e in english)
    note = wb[figure[0]][figure[1]].comment
    assert note is not None and "does not match the detail sheets" in note.text
    sizes = [(int(w), int(h)) for name in zipfile.ZipFile(marked).namelist() if name.endswith(".vml")
             for w, h in re.findall(r"width:(\d+)px;\s*height:(\d+)px", zipfile.ZipFile(marked).read(name).decode())]
    marks = [h for w, h in sizes if w == 420]  # the marks' notes (the detail sheets' header notes stay as they were)
    assert marks and all(40 <= h <= 600 for h in marks), sizes  # each sized to the lines of its text
    assert max(marks) > 150  # the changed figure: several findings, in two languages
    assert "passed" in results["A2"].value or "failed" in results["A2"].value
    assert run_cli("clear", str(marked)).returncode == 0
    assert openpyxl.load_workbook(marked)[figure[0]][figure[1]].comment is None


def test_check_text_findings_in_english(tmp_path):
    import docx

    book = _demo(tmp_path, "2020")
    assert run_cli("narrative", str(book), "-o", str(tmp_path / "说明.docx")).returncode == 0
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "说明.docx")).paragraphs)
    stated = re.search(r"涉及资金([\d,.]+)万元", text)
    assert stated
    wrong = tmp_path / "错.txt"
    wrong.write_text(text.replace(stated.group(0), "涉及资金99.99万元"), encoding="utf-8")
    proc = run_cli("check-text", str(wrong), "--against", str(book), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    [error] = [f for f in findings if f["severity"] == "error"]
    assert error["message_en"].startswith("The amount differs from the tables:") and "99.99" in error["message_en"]
    assert all(f["message_en"] and _english(f["message_en"]) for f in findings)
    shown = run_cli("check-text", str(wrong), "--against", str(book))
    lines = shown.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if error["message"] in line)
    assert lines[head + 1].strip() == error["message_en"]


def test_a_detail_sheet_problem_is_in_english_as_fill_says_it(tmp_path):
    """R18-detail reports an unreadable ledger amount with the error catalogue's English, as
    Fill does (it used to be Chinese only)."""
    book = modified(_demo(tmp_path, "2020"), tmp_path / "abc.xlsx", {("收入明细", "D3"): "abc"})
    proc = run_cli("check", str(book), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [found] = [f for f in json.loads(proc.stdout)["findings"] if {"sheet": "收入明细", "cell": "D3"} in f["cells"]]
    assert "金额“abc”不是数字" in found["message"]
    assert found["message_en"] == ("The detail sheets have an error, they can't be compared with the tables:"
                                   " Amount 'abc' is not a number")


# -- English titles: the English column shows no Chinese but the labels it quotes ------------------
CJK = re.compile(r"[\u3400-\u9fff]")
QUOTED = re.compile(r"“[^”]*”")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_rule_of_every_format_has_an_english_title(fmt):
    spec = load_spec(fmt)
    assert spec.rules
    for rule in spec.rules:
        assert rule.title_en and _english(rule.title_en) and not CJK.search(rule.title_en), (fmt, rule.id, rule.title_en)
        for key in ("message_en", "rounding_message_en"):  # the catalogue's English: Chinese only as quoted labels
            text = getattr(rule, key)
            assert not CJK.search(QUOTED.sub("", text)), (fmt, rule.id, key, text)
    for kind, templates in MESSAGES.items():  # the kinds' own English templates of the table rules
        if kind.startswith("eval-"):
            continue
        for name, message in templates.items():
            assert not CJK.search(QUOTED.sub("", message.en)), (kind, name, message.en)


def _with_errors_in_every_table(tmp_path, fmt: str):
    """The demo with a figure of every table (that holds one) changed by 7.00, and a printed
    科目名称 of 03 changed: sums, hierarchies, cross-table and detail rules all fire."""
    book = _demo(tmp_path, fmt)
    spec = load_spec(fmt)
    port = CalamineBook(book)
    changes: dict[tuple[str, str], object] = {}
    try:
        for table in spec.tables:
            values = read_table(spec, table, port.read_sheet(table.sheet))
            held = [(r, col) for r in values.rows() for col, v in r.values.items() if v and col in r.cells]
            if not held:
                continue
            row, col = held[len(held) // 2]
            changes[(table.sheet, row.cells[col])] = float(row.values[col] + 7)
            if table.id == "06":  # a cent off: the 类 differs from its 款 by rounding (a note)
                item = next(r for r in values.rows() if r.code and r.code.startswith("301") and len(r.code) == 5
                            and r.values.get("amount") and r is not row)
                changes[(table.sheet, item.cells["amount"])] = float(item.values["amount"] + Decimal("0.01"))
            if table.id == "03":
                named = next(r for r in values.rows() if r.code and "name" in r.cells)
                changes[(table.sheet, named.cells["name"])] = "改错的科目名称"
    finally:
        port.close()
    return modified(book, tmp_path / "errors.xlsx", changes), spec, {t for t, _ in changes}


@pytest.mark.parametrize("fmt", FORMATS)
def test_findings_in_every_table_are_english_but_for_the_labels_they_quote(tmp_path, fmt):
    """A finding's English names its rule by ``title_en`` (never the Chinese title) and holds no
    Chinese but printed labels, in quotes (“本年收入合计”, a 科目名称), and the tables' printed names."""
    book, spec, sheets = _with_errors_in_every_table(tmp_path, fmt)
    proc = run_cli("check", str(book), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    rules = {r.id: r for r in spec.rules}
    assert sheets <= {c["sheet"] for f in findings for c in f["cells"]}  # every changed table has findings
    assert {"info", "error", "warning"} <= {f["severity"] for f in findings}  # rounding notes among them
    names = sorted({n for t in spec.tables for n in (t.display, t.title, t.sheet, t.label or "") if n}, key=len,
                   reverse=True)
    for f in findings:
        rule = rules[f["rule"]]
        text = f["message_en"]
        assert rule.title not in text or rule.title == rule.title_en, (f["rule"], text)
        if "{title}" in (rule.rounding_message_en or "Rounding difference: {title}") and f["severity"] == "info":
            assert rule.title_en in text, (f["rule"], text)
        rest = text
        for name in names:  # the tables' printed names (some hold quotes: 财政拨款“三公”经费支出决算表)
            rest = rest.replace(name, "")
        assert not CJK.search(QUOTED.sub("", rest)), (f["rule"], text)
