"""Import of a disclosure as it is printed: row labels without their parents (04's opening
balance by fund repeats the fund lines' labels, 01/04 print 总计 on both sides, 2019's 06 prints
其他支出 as a 类 and as its 款), read in printed order panel by panel or side by side as a PDF
is read line by line; a code printed with its name in one cell (``30101 基本工资``,
``201 01 01 行政运行``). Each repeated label is placed by where it stands; only a label whose
place says nothing is refused as not unique, with its line, table and a way to write it that
names one row. Real demo workbooks written out as CSV, imported and checked by the real CLI."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path

import pytest
from conftest import demo_of, run_cli
from fill_helpers import read_tables

from juesuan.spec import available_formats, load_spec

FORMATS = sorted(available_formats())


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for fmt in FORMATS:
        folder = tmp_path_factory.mktemp(f"demo{fmt}")
        out[fmt] = demo_of(fmt, folder)
    return out


def _write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows([["table", "row", "column", "value"], *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def printed(spec, path: Path, side_by_side: bool = False, with_names: bool = False,
            names_only: bool = False) -> list[list[str]]:
    """Every table as printed: labels with their 一、 numbering and no parent, codes for the
    code-listed tables (``201 01 01 行政运行`` with ``with_names``), 06's codes with their names
    (``with_names``) or names alone, zero as a blank cell; ``names_only``: the code-listed tables
    print 类/款/项 names without codes."""
    rows: list[list[str]] = []
    for n, (tid, values) in enumerate(read_tables(spec, path).items(), start=1):
        table = spec.table(tid)
        panels = [[r for r in panel if r.values] for panel in values.panels]
        order = [r for line in zip_longest(*panels) for r in line if r is not None] if side_by_side \
            else [r for panel in panels for r in panel]
        footers = [f for f in values.footers if f is not None]
        for row in order + [f for f in footers if f.values]:
            if not row.label and row in footers:  # 06 (2019): 公用经费合计 printed in the footer before
                ident = [f.label for f in footers[: footers.index(row)] if f.label][-1]
            elif table.code_driven and row.code and names_only:
                ident = row.label
            elif table.code_driven and row.code:
                code = " ".join(x for x in (row.code[:3], row.code[3:5], row.code[5:]) if x)
                ident = f"{code} {row.label}" if with_names else row.code
            elif row.code and tid == "06" and with_names:
                ident = f"{row.code} {row.label}"
            else:
                ident = row.label
            many = len(row.values) > 1
            for col, value in row.values.items():
                column = next(c for p in table.panels for c in p.columns if c.key == col)
                header = "/".join(column.header) if tid == "07" else column.header[-1]
                text = "" if value is None or value == 0 else f"{value:.2f}"
                rows.append([str(n), ident, header if many else "", text])
    return rows


def _figures(spec, path: Path) -> dict:
    return {(tid, r.key, col): v for tid, t in read_tables(spec, path).items()
            for r in t.rows() for col, v in r.values.items() if v}


def _import(tmp_path: Path, fmt: str, rows: list[list[str]], name: str = "pub") -> tuple:
    source = _write(tmp_path / f"{name}.csv", rows)
    out = tmp_path / f"{name}.xlsx"
    proc = run_cli("import", str(source), "-o", str(out), "--format", fmt, "--dept", "某区某局",
                   "--year", "2019" if fmt == "2019" else "2024")
    return proc, out


@pytest.mark.parametrize("side_by_side", [False, True], ids=["panel-by-panel", "side-by-side"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_labels_printed_without_parents_come_back_in_their_cells(demos, tmp_path, fmt, side_by_side):
    spec = load_spec(fmt)
    rows = printed(spec, demos[fmt], side_by_side)
    bare = {r[1] for r in rows if r[0] == "4"}
    assert not any("/" in r[1] for r in rows) and {"总计", "一般公共预算财政拨款"} <= {x.split("、")[-1] for x in bare}
    headings = [["1", "项目", "", ""], ["1", "收入", "", ""], ["4", "支出", "", ""], ["6", "人员经费", "", ""],
                ["3", "项目", "", ""], ["8", "本年支出", "", ""]]  # heading lines scraped with the figures
    proc, out = _import(tmp_path, fmt, headings[:2] + rows + headings[2:])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "略过" not in proc.stdout + proc.stderr  # no warning for a heading: it is part of the table
    expected, got = _figures(spec, demos[fmt]), _figures(spec, out)
    begin = [k for k in expected if k[0] == "04" and k[1].startswith("begin_")]
    assert begin and all(got.get(k) == expected[k] for k in begin)  # 年初 by fund, not the income lines
    assert got == expected
    check = run_cli("check", str(out))
    assert check.returncode == 0, check.stdout + check.stderr


def test_2019_06_prints_qita_zhichu_as_a_class_and_as_its_item(demos, tmp_path):
    """公开06表 (2019) prints 399 其他支出 and its 款 39999 其他支出: by name alone, in order."""
    spec = load_spec("2019")
    rows = [r for r in printed(spec, demos["2019"]) if r[0] == "6"]
    assert [r[1] for r in rows].count("其他支出") == 2
    at = {r[1]: i for i, r in enumerate(rows)}
    rows[at["其他支出"]][3] = "1.25"  # the 款 (the last of the two), and its class the same
    rows[next(i for i, r in enumerate(rows) if r[1] == "其他支出")][3] = "1.25"
    proc, out = _import(tmp_path, "2019", rows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = {r.code: r.values["amount"] for r in read_tables(spec, out)["06"].rows() if r.code in ("399", "39999")}
    assert got == {"399": Decimal("1.25"), "39999": Decimal("1.25")}


def _flat(proc) -> str:
    return "".join(ch for ch in proc.stdout + proc.stderr if not ch.isspace() and ch not in "│┃")


def test_a_label_whose_place_says_nothing_is_still_not_unique(tmp_path):
    """总计 alone (which side?) and, after 04's 总计, a fund label both 2019 lines carry: refused
    with the line, the table, the label and a way to write each that names one row (2019's 04
    年初 lines have no parent in the spec: their 行次)."""
    proc, out = _import(tmp_path, "2020", [["1", "总计", "", "10.00"]], "side")
    assert proc.returncode == 2 and not out.exists()
    text = _flat(proc)
    assert "第2行：收入支出决算总表中“总计”不唯一，请写成“上级/名称”" in text, text
    assert "收入/总计" in text and "支出/总计" in text
    proc, out = _import(tmp_path, "2019", [["4", "年初财政拨款结转和结余", "", "95.64"],
                                           ["4", "总计", "决算数", "100.00"],
                                           ["4", "一般公共预算财政拨款", "", "83.64"]], "late")
    assert proc.returncode == 2 and not out.exists()
    text = _flat(proc)
    assert "第4行：公开04表财政拨款收入支出决算总表中“一般公共预算财政拨款”不唯一" in text or \
        ("第4行" in text and "“一般公共预算财政拨款”不唯一" in text), text
    assert "valid:1、11" in text, text  # 行次 1 (the income line) or 11 (年初's)
    assert "第2行" not in text and "第3行" not in text
    # the 2020 format says which is which by its parent: a bare label there is the top-level line
    proc, out = _import(tmp_path, "2020", [["4", "年初财政拨款结转和结余", "", "95.64"],
                                           ["4", "总计", "决算数", "100.00"],
                                           ["4", "一般公共预算财政拨款", "", "83.64"]], "late2020")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r.key: r.values for r in read_tables(load_spec("2020"), out)["04"].rows()}
    assert rows["fin_gp"]["amount"] == Decimal("83.64") and rows["begin_gp"]["amount"] is None


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_codes_printed_with_their_names_import_and_keep_the_name(demos, tmp_path, fmt):
    """A scraped table whose code and name share a cell (``201 01 01 行政运行``, 06's ``30101
    基本工资``) imports like codes; a printed name that differs from the list's is reported by
    check (R17) as for 功能分类, naming the code and both names."""
    spec = load_spec(fmt)
    rows = printed(spec, demos[fmt], with_names=True)
    assert any(r[0] == "6" and r[1].startswith("30101 ") for r in rows)
    assert any(r[0] == "3" and len(r[1].split()) == 4 for r in rows)  # 201 01 01 行政运行
    proc, out = _import(tmp_path, fmt, rows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _figures(spec, out) == _figures(spec, demos[fmt])
    tables = read_tables(spec, out)
    assert {r.code: r.label for r in tables["06"].rows() if r.code} == \
        {r.code: r.label for r in read_tables(spec, demos[fmt])["06"].rows() if r.code}
    check = run_cli("check", str(out))
    assert check.returncode == 0, check.stdout + check.stderr

    wrong = [[t, ident.replace("30101 基本工资", "30101 基本工资津贴").replace(" 行政运行", " 行政运作", 1)
              if t in ("3", "6") else ident, c, v] for t, ident, c, v in rows]
    proc, out = _import(tmp_path, fmt, wrong, "wrong")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    check = run_cli("check", str(out), "--format", "json")
    findings = json.loads(check.stdout)["findings"]
    econ = [f for f in findings if f["rule"] == "R17-codes-economic"]
    assert any("30101" in f["message"] and "基本工资津贴" in f["message"] and "“基本工资”" in f["message"]
               for f in econ), econ
    func = [f for f in findings if f["rule"] == "R17-codes-functional"]
    assert any("行政运作" in f["message"] and "“行政运行”" in f["message"] for f in func), func


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_class_and_item_names_printed_without_codes_are_read_under_the_row_before(demos, tmp_path, fmt):
    """02/03/05/08 printed with names and no codes: 行政运行 (a 项 of 75 款) is the one under the
    款 printed before it; alone at the top of a table it is not unique, and the message lists
    each as 上级/名称 with its code."""
    spec = load_spec(fmt)
    rows = printed(spec, demos[fmt], names_only=True)
    assert sum(r[1] == "行政运行" for r in rows if r[0] == "3") > 1
    proc, out = _import(tmp_path, fmt, rows)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _figures(spec, out) == _figures(spec, demos[fmt])
    proc, out = _import(tmp_path, fmt, [["3", "合计", "本年支出合计", "1.00"], ["3", "行政运行", "本年支出合计", "1.00"],
                                        ["3", "人大事务/行政运行", "基本支出", "1.00"]], "alone")
    assert proc.returncode == 2 and not out.exists()
    text = _flat(proc)
    assert "第3行" in text and "“行政运行”不唯一" in text and "人大事务/行政运行（2010101）" in text, text
    assert "第4行" not in text  # named by its parent: 2010101
