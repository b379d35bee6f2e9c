"""``check --mark`` paints the findings and lists them on 校验结果; ``clear`` restores every
cell and style exactly; marking twice replaces the previous marks."""

from __future__ import annotations

import os

from check_helpers import cell_of, check, modified
from conftest import run_cli
from openpyxl import load_workbook
from style_helpers import style_reprs

from juesuan.marks import MARK_COLOURS, RESULTS_SHEET, STATE_SHEET
from juesuan.validate.marks_plan import plan_marks


def _snapshot(path):
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                out[(ws.title, c.coordinate)] = (  # the style proxies compared by their repr
                    c.value, *style_reprs(c, copied=True), c.number_format,
                    (c.comment.text, c.comment.author) if c.comment else None)
    return wb.sheetnames, out


def test_mark_then_clear_restores_everything(demo_workbook, tmp_path):
    sheet, cell, value = cell_of(demo_workbook, "05", "2110301", "basic")
    bad = modified(demo_workbook, tmp_path / "bad.xlsx", {(sheet, cell): float(value + 2)})
    # a cell with a note and a fill of its own must get them back
    wb = load_workbook(bad)
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    wb[sheet][cell].comment = Comment("会计的批注", "张三")
    wb[sheet][cell].fill = PatternFill("solid", fgColor="00FF00")
    wb.save(bad)
    before = _snapshot(bad)
    marked = tmp_path / "marked.xlsx"
    proc = run_cli("check", str(bad), "--mark", str(marked))
    assert proc.returncode == 1
    wb = load_workbook(marked)
    assert RESULTS_SHEET in wb.sheetnames and wb[STATE_SHEET].sheet_state == "hidden"
    target = wb[sheet][cell]
    assert target.fill.fgColor.rgb.endswith(MARK_COLOURS["error"])
    assert "[R18-detail]" in target.comment.text
    results = wb[RESULTS_SHEET]
    links = [c.hyperlink.location or c.hyperlink.target for row in results.iter_rows() for c in row if c.hyperlink]
    report = check(bad)
    assert len(links) == len([f for f in report.findings if f.cells])
    assert f"'{sheet}'!{cell}" in "".join(links)
    # marking the marked workbook again replaces the marks (state holds each cell once)
    run_cli("check", str(marked), "--mark", str(marked))
    wb = load_workbook(marked)
    assert wb[STATE_SHEET].max_row - 1 == len(plan_marks(report).marks)
    cleared = tmp_path / "cleared.xlsx"
    assert run_cli("clear", str(marked), "-o", str(cleared)).returncode == 0
    assert _snapshot(cleared) == before


def test_plan_merges_findings_per_cell(demo_workbook, tmp_path):
    sheet, cell, value = cell_of(demo_workbook, "05", "total", "subtotal")
    bad = modified(demo_workbook, tmp_path / "bad.xlsx", {(sheet, cell): float(value + 1)})
    report = check(bad)
    plan = plan_marks(report)
    [mark] = [m for m in plan.marks if (m.sheet, m.cell) == (sheet, cell)]
    rules = {f.rule for f in report.findings if any((c.sheet, c.cell) == (sheet, cell) for c in f.cells)}
    assert mark.severity == "error" and len(rules) >= 2
    assert all(f"[{r}]" in mark.note for r in rules)
    assert len(plan.results.cells) > 0 and len(plan.links) == len([f for f in report.findings if f.cells])


def test_clear_leaves_a_workbook_without_marks_as_it_is(demo_workbook, tmp_path):
    """Nothing to clear: the file is not rewritten in place (it used to be, with a new
    core.xml), and ``-o`` gets a byte copy."""
    book = tmp_path / "unmarked.xlsx"
    book.write_bytes(demo_workbook.read_bytes())
    os.utime(book, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    proc = run_cli("clear", str(book))
    assert proc.returncode == 0 and "未改动" in proc.stdout and "unchanged" in proc.stdout, proc.stdout + proc.stderr
    assert book.read_bytes() == demo_workbook.read_bytes()
    assert book.stat().st_mtime_ns == 1_000_000_000_000_000_000
    copy = tmp_path / "copy.xlsx"
    run_cli("clear", str(book), "-o", str(copy), check=True)
    assert copy.read_bytes() == demo_workbook.read_bytes()
