"""``juesuan check`` / ``import`` as real processes, the clean demo, the property that any
single changed figure is caught, and a hand-typed disclosure with the classic mistakes."""

from __future__ import annotations

import json
from decimal import Decimal as D

from check_helpers import cell_of, check, export_csv_rows, modified, tables_of, write_csv
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from juesuan.spec import load_spec

SPEC = load_spec("2019")
FIGURES = None


def test_filled_demo_checks_clean(demo_workbook):
    proc = run_cli("check", str(demo_workbook), "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {"valid", "template", "stats", "findings"}
    assert data["valid"] is True and data["template"] == "2019"
    table_sheets = {t.sheet for t in SPEC.tables}
    on_tables = [f for f in data["findings"] if any(c["sheet"] in table_sheets for c in f["cells"]) or
                 f["rule"].startswith("R")]
    assert on_tables == []  # no error, and no rounding note on the tables: Fill guarantees additivity
    # self-evaluation 总分 is rounded from unrounded parts (issue 5), so Σ of the shown scores may
    # differ by rounding: at most an info note, never an error or a warning
    assert all(f["severity"] == "info" and f["rule"].startswith("E") for f in data["findings"])
    assert data["stats"]["rules"] >= 50
    text = run_cli("check", str(demo_workbook))
    assert text.returncode == 0 and "通过" in text.stdout


def test_unusable_file_exits_2(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook")
    assert run_cli("check", str(bad)).returncode == 2
    assert run_cli("check", str(tmp_path / "missing.xlsx")).returncode == 2


def _figures(path):
    out = []
    for tid, values in tables_of(path).items():
        for row in values.rows():
            for col, address in row.cells.items():
                if col in row.values:
                    out.append((SPEC.table(tid).sheet, address, row.values[col]))
    return sorted(set(out))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), cents=st.integers(min_value=1, max_value=1_000_000), negative=st.booleans())
def test_any_changed_figure_is_caught(demo_workbook, tmp_path_factory, data, cents, negative):
    global FIGURES
    if FIGURES is None:
        FIGURES = _figures(demo_workbook)
    sheet, address, value = data.draw(st.sampled_from(FIGURES))
    delta = D(cents).scaleb(-2) * (-1 if negative else 1)
    new = (value or D(0)) + delta
    copy = modified(demo_workbook, tmp_path_factory.mktemp("prop") / "m.xlsx", {(sheet, address): float(new)})
    report = check(copy)
    # a change of one cent may be the figure's other valid rounding (the detail rule judges by
    # the rounding bound, issue 10): then it must still be named, as a rounding note at least
    wanted = ("error",) if abs(delta) > D("0.01") else ("error", "warning", "info")
    named = [f for f in report.findings if f.severity in wanted and any(
        (c.sheet, c.cell) == (sheet, address) for c in f.cells)]
    assert named, f"{sheet}!{address} {value} → {new}: {[f.message for f in report.findings]}"


def test_hand_typed_disclosure_with_classic_mistakes(demo_workbook, tmp_path):
    rows = export_csv_rows(demo_workbook)
    by = {(r[0], r[1], r[2]): r for r in rows}
    # 1. a 05 项 row retyped wrong: 项目支出 one 万元 short, 小计 left as it was
    by[("05", "2110301", "3")][3] = str(D(by[("05", "2110301", "3")][3]) - 1)
    # 2. 02 合计 财政拨款收入 copied from 本年收入合计 (so it includes 事业收入 and 其他收入)
    by[("02", "合计", "2")][3] = by[("02", "合计", "1")][3]
    # 3. 05 missing its 类 row 208
    rows = [r for r in rows if not (r[0] == "05" and r[1] == "208")]
    # 4. 06 公用经费 typed 0.01 higher (30201, 302 and 公用经费合计 alike) than 05 基本支出 implies
    for key in (("06", "30201", ""), ("06", "302", ""), ("06", "公用经费合计", "")):
        by[key][3] = str(D(by[key][3]) + D("0.01"))
    csv_path = write_csv(tmp_path / "typed.csv", rows)
    xlsx = tmp_path / "typed.xlsx"
    run_cli("import", str(csv_path), "-o", str(xlsx), "--dept", "某市生态环境局", "--year", "2019", "--format", "2019",
            check=True)
    proc = run_cli("check", str(xlsx), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["valid"] is False

    def at(tid, key, col):
        sheet, cell, _ = cell_of(xlsx, tid, key, col)
        return sheet, cell

    def code_cell(tid, key):
        sheet, cell, _ = cell_of(xlsx, tid, key, "subtotal")
        return sheet, "A" + cell[1:]

    expected_errors = {
        ("R04-05-rowsum", at("05", "2110301", "subtotal")),  # 1
        ("R03-05-hierarchy", at("05", "21103", "project")),  # 1
        ("R04-02-rowsum", at("02", "total", "total")),  # 2
        ("R03-02-hierarchy", at("02", "total", "fiscal")),  # 2
        ("R08-income-fiscal", at("02", "total", "fiscal")),  # 2
        ("R10-fiscal-income", at("02", "total", "fiscal")),  # 2
        ("R03-05-hierarchy", at("05", "total", "subtotal")),  # 3: 合计 ≠ Σ 类
        ("R03-05-hierarchy", at("05", "total", "basic")),  # 3
        ("R03-05-hierarchy", code_cell("05", "20805")),  # 3: 款 rows without their 类
        ("R03-05-hierarchy", code_cell("05", "20808")),  # 3
        ("R11-gp-classes", at("04", "208", "gp")),  # 3: 04 lists 208, 05 doesn't
    }
    found = {(f["rule"], (f["cells"][0]["sheet"], f["cells"][0]["cell"]))
             for f in data["findings"] if f["severity"] == "error"}
    assert found == expected_errors
    notes = [f for f in data["findings"] if f["severity"] == "info"]
    assert [(f["rule"], f["expected"], f["actual"], f["difference"]) for f in notes] == [
        ("R13-basic-vs-06", str(D(by[("05", "合计", "2")][3]) + D("0.01")), by[("05", "合计", "2")][3], "-0.01")]
    assert "舍入差异" in notes[0]["message"]
    assert data["stats"]["errors"] == len(data["findings"]) - 1
    for f in data["findings"]:
        for amount in (f["expected"], f["actual"], f["difference"]):
            assert amount is None or (isinstance(amount, str) and len(amount.split(".")[1]) == 2)


def test_import_reports_unknown_lines(tmp_path):
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text("table,row,column,value\n01,25,,1\n11,1,1,1\n02,本年收入合计,1,2\n05,合计,9,1\n"
                        "06,30201,,abc\n", encoding="utf-8")
    proc = run_cli("import", str(csv_path), "-o", str(tmp_path / "o.xlsx"), "--format", "2019")
    assert proc.returncode == 2
    text = "".join(ch for ch in proc.stderr if not ch.isspace() and ch not in "│┃")  # the table wraps lines
    for line in ("第3行：", "第4行：", "第5行：", "第6行："):
        assert line in text
    assert "第2行：" not in text
    assert not (tmp_path / "o.xlsx").exists()


def test_text_output_groups_by_table(demo_workbook, tmp_path):
    sheet, cell, value = cell_of(demo_workbook, "05", "total", "basic")
    bad = modified(demo_workbook, tmp_path / "bad.xlsx", {(sheet, cell): float(value + 3)})
    proc = run_cli("check", str(bad))
    assert proc.returncode == 1
    assert "== 公开05表" in proc.stdout and "错误" in proc.stdout.splitlines()[-1] + proc.stdout
