"""Import of published 2020+ tables as a disclosure prints them: tables by position or title,
rows by code or printed label (repeated labels as ``parent/label``), columns by header or
header path, blank cells for zero. The figures of a workbook Fill made are written out that
way, imported into a fresh template and must come back identical and check clean; bad
names are reported all at once with line numbers and the valid choices."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli
from fill_helpers import read_tables
from test_format_2020 import SPEC, small_inputs

from juesuan.io.files import fill_file, write_new


def published_csv(path: Path, spec=SPEC) -> list[list[str]]:
    """The filled tables as a disclosure prints them: labels, not keys; zero as blank."""
    rows: list[list[str]] = []
    for n, (tid, values) in enumerate(read_tables(spec, path).items(), start=1):
        table = spec.table(tid)
        parents = {r.key: next(x.label for x in p.rows if x.key == r.parent)
                   for p in table.panels for r in p.rows if r.kind == "fixed" and r.parent}
        labels = [r.label for r in values.rows() if r.label]
        name = table.title if n % 2 else str(n)  # tables by title and by position
        for p, panel in enumerate(values.panels + [[f] for f in values.footers if f is not None]):
            for row in panel:
                if not row.values:
                    continue
                if row.code and table.code_driven:
                    ident = " ".join([row.code[:3], row.code[3:5], row.code[5:]]).strip() if n == 2 else row.code
                elif row.key in parents:
                    ident = f"{parents[row.key]}/{row.label}"
                elif labels.count(row.label) > 1:
                    ident = f"{table.panels[p].columns[0].header[0]}/{row.label}"
                else:
                    ident = row.label.split("、", 1)[-1]  # without its 一、 numbering
                many = len(row.values) > 1
                for col, value in row.values.items():
                    column = next(c for pp in table.panels for c in pp.columns if c.key == col)
                    header = "/".join(column.header[-2:]) if tid == "07" else column.header[-1]
                    text = "" if value is None or value == 0 else f"{value:.2f}"
                    rows.append([name, "" if tid == "07" else ident, header if many else "", text])
    return rows


def write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows([["table", "row", "column", "value"], *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("imp2020") / "filled.xlsx"
    write_new(path, SPEC, inputs=small_inputs())
    fill_file(path, path)
    return path


def _figures(path: Path) -> dict:
    return {(tid, r.key, col): (v or Decimal(0)) for tid, t in read_tables(SPEC, path).items()
            for r in t.rows() for col, v in r.values.items()}


def test_published_tables_come_back_identical(filled, tmp_path):
    rows = published_csv(filled)
    assert any("/" in r[1] for r in rows) and any(r[3] == "" for r in rows) and any("/" in r[2] for r in rows)
    source = write(tmp_path / "pub.csv", rows)
    out = tmp_path / "imported.xlsx"
    # 部门名称 and 年度 as the disclosure's header says (check does not require them of an import)
    proc = run_cli("import", str(source), "-o", str(out), "--format", "2020", "--dept", "某区某局", "--year", "2024")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    expected = {k: v for k, v in _figures(filled).items() if v}
    got = {k: v for k, v in _figures(out).items() if v}
    assert got == expected
    check = run_cli("check", str(out))
    assert check.returncode == 0, check.stdout + check.stderr


def test_unknown_names_reported_at_once_with_choices(tmp_path):
    source = write(tmp_path / "bad.csv", [
        ["收入支出决算总表", "本年收入合计", "", "1.00"],
        ["收入支出决算总表", "本年收入总额", "", "1.00"],          # no such row
        ["4", "一般公共预算财政拨款", "决算数", "1.00"],            # bare label: the top-level income line
        ["4", "年初财政拨款结转和结余/一般公共预算财政拨款", "", "0.50"],
        ["4", "总计", "", "2.00"],                                  # both panels: ambiguous
        ["7", "", "决算数", "1.00"],                                # five 决算数 columns: ambiguous
        ["十号表", "合计", "", "1.00"],                             # no such table
    ])
    out = tmp_path / "bad.xlsx"
    proc = run_cli("import", str(source), "-o", str(out), "--format", "2020")
    assert proc.returncode == 2 and not out.exists()
    text = "".join(ch for ch in proc.stdout + proc.stderr if not ch.isspace() and ch not in "│┃")  # table wrapping
    for line in ("第3行：", "第6行：", "第7行（空行名）：", "第8行："):  # 07 has one row: its label is blank
        assert line in text, line
    assert "第4行：" not in text and "第5行：" not in text
    assert "本年收入合计" in text  # a valid choice is offered for the unknown row
    assert "合计/决算数" in text  # and the header paths for the ambiguous column
    assert "收入/总计" in text and "1=收入支出决算总表" in text


def test_a_dash_printed_for_zero_reads_as_a_blank_cell(filled, tmp_path):
    """Many disclosures print “-” or “—” where a figure is zero: imported like a blank cell,
    the disclosure checks clean (a real non-number is still reported)."""
    dashes = ["-", "－", "—", "——", "–"]
    rows = [[t, r, c, v or dashes[n % len(dashes)]] for n, (t, r, c, v) in enumerate(published_csv(filled))]
    assert sum(r[3] in dashes for r in rows) > 10
    out = tmp_path / "dash.xlsx"
    proc = run_cli("import", str(write(tmp_path / "dash.csv", rows)), "-o", str(out), "--format", "2020",
                   "--dept", "某区某局", "--year", "2024")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {k: v for k, v in _figures(out).items() if v} == {k: v for k, v in _figures(filled).items() if v}
    assert run_cli("check", str(out)).returncode == 0
    rows[0][3] = "-x"
    bad = run_cli("import", str(write(tmp_path / "bad.csv", rows)), "-o", str(tmp_path / "bad.xlsx"), "--format", "2020")
    assert bad.returncode == 2 and "-x" in bad.stdout + bad.stderr
