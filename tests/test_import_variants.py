"""Published disclosures as real regions and years print them must import: every other label
the spec's ``aliases`` record (titles, rows, column headers: format-2020.md's variants) puts its
figure in the cell of the label it stands for; rows or columns a format lacks are skipped
with a warning when blank or zero and refused (exit 2, CSV line) when they hold a figure; an
error names a blank row label as such and shows a few close choices, not the whole list; an
unknown ``--format`` is said as the user's error, naming the format of that year."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli
from fill_helpers import read_tables

from juesuan.io.import_file import import_file
from juesuan.spec import SpecError, available_formats, load_spec
from juesuan.spec.loader import load_document, parse_spec
from juesuan.spec.model import TableSpec, norm_label

FORMATS = available_formats()


def write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows([["table", "row", "column", "value"], *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _position(spec, table: TableSpec) -> str:
    return str(spec.tables.index(table) + 1)


def _cases() -> list[tuple[str, str, str, str, str]]:
    """(format, table id, part, alias, target) for every alias of every format's spec."""
    out = []
    for fmt in FORMATS:
        for table in load_spec(fmt).tables:
            a = table.aliases
            out += [(fmt, table.id, "rows", x, t) for x, t in a.rows.items()]
            out += [(fmt, table.id, "columns", x, t) for x, t in a.columns.items()]
            out += [(fmt, table.id, "titles", x, "") for x in sorted(a.titles)]
    return out


def _row_and_column(table: TableSpec, part: str, alias: str, target: str) -> tuple[str, str, str, str]:
    """A CSV (row, column) naming one cell through ``alias``, and the (row label, column key)
    of that cell in the spec's own terms."""
    panels = table.panels
    if part == "columns":
        col = next(c for p in panels for c in p.amount_columns if target in [norm_label(h) for h in c.header])
        path = "/".join(alias if norm_label(h) == target else h for h in col.header)
        if table.code_driven:
            return "合计", path, "合计", col.key
        row = next((r.label for p in panels for r in p.rows if r.kind == "fixed" and r.label
                    and col in p.amount_columns), "")
        return row, path, row, col.key
    panel = next(p for p in panels if any(r.kind in ("classes", "codes") or norm_label(r.label) == target
                                          for r in p.rows))
    col = panel.amount_columns[0]
    return alias, "/".join(col.header) if len(panel.amount_columns) > 1 else "", target, col.key


@pytest.mark.parametrize(("fmt", "tid", "part", "alias", "target"), _cases(),
                         ids=lambda v: str(v)[:12])
def test_every_alias_puts_its_figure_in_the_cell_it_names(tmp_path, fmt, tid, part, alias, target):
    spec = load_spec(fmt)
    table = spec.table(tid)
    if part == "titles":
        name = alias
        row, column, label, key = _first_cell(spec, table)
    else:
        name = _position(spec, table)
        row, column, label, key = _row_and_column(table, part, alias, target)
    source = write(tmp_path / "v.csv", [[name, row, column, "12.34"]])
    out = import_file(source, tmp_path / "v.xlsx", spec, "某局", "")
    values = read_tables(spec, out)[tid]
    hits = [r.values.get(key) for r in values.rows() if key in r.values and (
        (r.code and r.code == row) or norm_label(r.label) == norm_label(label) or (not label and not r.label))]
    assert Decimal("12.34") in hits, (fmt, tid, part, alias, [(r.label, r.values) for r in values.rows()][:5])


def _first_cell(spec, table: TableSpec) -> tuple[str, str, str, str]:
    panel = table.panels[0]
    col = panel.amount_columns[0]
    if table.code_driven:
        return "合计", "/".join(col.header), "合计", col.key
    fixed = next((r for r in panel.rows if r.kind == "fixed"), None)
    coded = next((r for r in panel.rows if r.kind == "codes"), None)
    if fixed is None and coded is not None:  # 06: its first economic code row, by code
        code = coded.only[0] if coded.only else coded.include[0]
        return code, "", spec.codes.economic[code], col.key
    label = fixed.label if fixed is not None else ""
    return label, "/".join(col.header) if len(panel.amount_columns) > 1 else "", label, col.key


# The variants the shared domain notes record (README.md, format-2020.md, codes.md): each
# must be in the spec's data for the formats it concerns, so a spec edit can't lose one.
RECORDED = [
    ("2020", "01", "rows", "使用非财政拨款结余（含专用结余）"),  # some 2024 documents
    ("2020", "01", "rows", "用事业基金弥补收支差额"),  # the 2019 name of the line
    ("2019", "01", "rows", "使用非财政拨款结余"),
    ("2020", "01", "rows", "资源勘探信息等支出"),  # 215 as the 2019 tables print it
    ("2019", "01", "rows", "资源勘探工业信息等支出"),
    ("2020", "01", "rows", "文化体育与传媒支出"),  # 207's old name
    ("2020", "04", "rows", "资源勘探信息等支出"),
    ("2020", "05", "columns", "小计"),  # 2019's 05 header
    ("2019", "05", "columns", "合计"),
    ("2020", "06", "titles", "一般公共预算财政拨款基本支出决算明细表"),  # order B
    ("2020", "07", "columns", "公务用车购置及运行费"),  # 2019 header, many counties
    ("2020", "07", "columns", "公务用车运行费"),
    ("2019", "07", "columns", "公务用车购置及运行维护费"),
    ("2019", "07", "columns", "公务用车运行维护费"),
    ("2020", "07", "titles", "一般公共预算财政拨款三公经费支出决算表"),  # counties 2020–2021
    ("2019", "07", "titles", "财政拨款三公经费支出决算表"),
    ("2020", "08", "columns", "小计"),  # 本年支出 小计 (2019)
    ("2020", "09", "titles", "国有资本经营预算财政拨款支出决算表"),  # the central title
    ("2020-b", "09", "titles", "国有资本经营预算财政拨款收入支出决算表"),  # order A's title in order B
]


@pytest.mark.parametrize(("fmt", "tid", "part", "alias"), RECORDED, ids=lambda v: str(v)[:14])
def test_recorded_variants_are_in_the_spec_data(fmt, tid, part, alias):
    a = load_spec(fmt).table(tid).aliases
    assert norm_label(alias) in (a.titles if part == "titles" else getattr(a, part))


def test_a_2024_disclosure_with_regional_labels_imports_and_checks(tmp_path):
    """One CSV as a 2024 district disclosure prints it: 01's 使用非财政拨款结余（含专用结余）, the
    07 header 公务用车购置及运行费 (in 2019's 预算数-first order too), 06 titled …明细表 with
    307/399/39999 rows printed blank, a 26-line 01 with 债务还本/付息 blank."""
    rows = [
        ["收入支出决算总表", "一、一般公共预算财政拨款收入", "", "100.00"],
        ["1", "本年收入合计", "", "100.00"],
        ["1", "使用非财政拨款结余（含专用结余）", "", "3.00"],
        ["1", "收入/总计", "", "103.00"],
        ["1", "一、一般公共服务支出", "", "103.00"],
        ["1", "债务还本支出", "", ""],
        ["1", "债务付息支出", "", "0.00"],
        ["1", "本年支出合计", "", "103.00"],
        ["1", "支出/总计", "", "103.00"],
        ["一般公共预算财政拨款基本支出决算明细表", "307", "", ""],
        ["6", "399", "", "-"],
        ["6", "39999", "", "0"],
        ["7", "", "公务用车购置及运行费/公务用车运行费/决算数", "2.50"],
        ["7", "", "决算数/公务用车购置及运行费/小计", "2.50"],
        ["7", "", "会议费/决算数", ""],
    ]
    source = write(tmp_path / "pub.csv", rows)
    out = tmp_path / "pub.xlsx"
    proc = run_cli("import", str(source), "-o", str(out), "--format", "2020", "--dept", "某区某局", "--year", "2024")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tables = read_tables(load_spec("2020"), out)
    assert tables["01"].row("fund_use").values["amount"] == Decimal("3.00")
    assert tables["07"].row("data").values["a_car_run"] == Decimal("2.50")
    assert tables["07"].row("data").values["a_car"] == Decimal("2.50")
    # the skipped rows are listed, with their lines, not dropped silently
    warning = " ".join(proc.stderr.split())
    for text in ("债务还本支出", "债务付息支出", "307", "399", "39999", "会议费/决算数", "第7行", "第11行"):
        assert text in warning, (text, proc.stderr)
    assert "skipped" in warning


def test_an_unknown_row_holding_a_figure_is_refused_with_its_line(tmp_path):
    rows = [["6", "30101", "", "10.00"], ["6", "307", "", ""], ["6", "30701", "", "3.50"],
            ["1", "债务付息支出", "", "1.00"]]
    source = write(tmp_path / "pub.csv", rows)
    out = tmp_path / "pub.xlsx"
    proc = run_cli("import", str(source), "-o", str(out), "--format", "2020")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = " ".join(proc.stderr.split())
    assert "30701" in text and "第4行" in text and "债务付息支出" in text and "第5行" in text
    assert "“307”" not in text  # the blank 307 is not an error
    assert not out.exists()


def test_a_blank_row_label_is_named_and_the_choices_are_few(tmp_path):
    source = write(tmp_path / "pub.csv", [["7", "", "公务用车维修费/决算数", "1.00"]])
    proc = run_cli("import", str(source), "-o", str(tmp_path / "x.xlsx"), "--format", "2020",
                   env={"COLUMNS": "80"})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = re.sub(r"[\s│┃]", "", proc.stderr)  # the 80-column table's wrapped lines joined again
    assert "“”行" not in text and "row''" not in text
    assert "空行名" in text and "blankrowlabel" in text
    assert "共12项" in text and "juesuanspeclabels--format202007" in text
    # in each language: the column written and a few close ones, not all twelve
    assert text.count("/决算数") + text.count("/预算数") <= 2 * (1 + 5)
    listing = run_cli("spec", "labels", "07", "--format", "2020")
    assert listing.returncode == 0 and "公务接待费/决算数" in listing.stdout and "公务用车购置及运行费" in listing.stdout


@pytest.mark.parametrize("command", [
    ["new", "--format", "2021", "-o", "{tmp}/n.xlsx"],
    ["import", "{tmp}/x.csv", "--format", "2021", "-o", "{tmp}/i.xlsx"],
    ["fill", "{tmp}/w.xlsx", "--format", "2021", "-o", "{tmp}/f.xlsx"],
    ["template", "build", "--format", "2021", "-o", "{tmp}/t.xlsx"],
])
def test_an_unknown_format_is_the_users_error(tmp_path, command):
    write(tmp_path / "x.csv", [])
    run_cli("new", "-o", str(tmp_path / "w.xlsx"), check=True)
    proc = run_cli(*[c.format(tmp=tmp_path) for c in command])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = "".join(proc.stderr.split())
    assert "模板规范有误" not in text and "invalidspec" not in text.lower()
    assert "未知的模板格式2021" in text and "2019、2020、2020-b" in text and "2021年度的决算用2020格式" in text
    assert "Unknowntemplateformat2021" in text and "the2021accountsusethe2020format" in text
    assert not (tmp_path / "n.xlsx").exists() and not (tmp_path / "i.xlsx").exists()


def test_aliases_are_validated_at_load(tmp_path):
    doc = load_document(Path(load_spec("2020").path))
    for bad, where in [({"07": {"columns": {"公务车费": "公务用车维修费"}}}, "aliases.07.columns"),
                       ({"01": {"rows": {"总计": "本年收入合计"}}}, "aliases.01.rows"),
                       ({"10": {"rows": {"a": "b"}}}, "aliases.10"),
                       ({"07": {"titles": ["收入决算表"]}}, "aliases.07.titles"),
                       ({"07": {"colums": {}}}, "aliases.07.colums")]:
        with pytest.raises(SpecError) as caught:
            parse_spec({**doc, "aliases": bad}, name="t")
        assert caught.value.where.startswith(where), (bad, caught.value)
