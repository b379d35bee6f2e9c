"""The marks plan: what to paint in the workbook for a report — pure data, no spreadsheet library.

:func:`plan_marks` turns a :class:`~juesuan.report.Report` into a :class:`MarksPlan`:

* ``marks``: one :class:`~juesuan.marks.CellMark` per offending cell (sheet + A1 address),
  with the worst severity among the findings naming that cell (error > warning > info) and
  a note listing every message about it (``[rule id] message`` and its English on the next
  line). Colours by
  severity are in :data:`juesuan.marks.MARK_COLOURS`.
* ``results``: the 校验结果 sheet as a :class:`~juesuan.port.SheetPicture` (title, summary
  line, header row, one row per finding: 序号 | 级别 | 规则 | 表 | 单元格 | 说明 | 英文说明 (English) |
  应为 | 实为 | 差额).
* ``links``: results-sheet cell (0-based row, col) → (sheet, A1) each finding row links to
  (its first cell).

An adapter (openpyxl for files: :mod:`juesuan.io.marks_xlsx`; xlwings for the live workbook)
implements the plan the same way: first restore every cell recorded on the hidden
:data:`~juesuan.marks.STATE_SHEET` (previous marks), then for each mark remember the cell's
own fill and note on that sheet, fill it with the severity colour and set the note (author
:data:`~juesuan.marks.NOTE_AUTHOR`), then replace the results sheet and add the links.
"""

from __future__ import annotations

from dataclasses import field

from juesuan.marks import RESULTS_SHEET, CellMark
from juesuan.port import SheetPicture
from juesuan.records import record
from juesuan.report import SEVERITY_RANK, SEVERITY_ZH, Report

HEADERS = ("序号", "级别", "规则", "表", "单元格", "说明", "英文说明 / English", "应为", "实为", "差额")
WIDTHS = (6.0, 8.0, 20.0, 10.0, 22.0, 70.0, 70.0, 14.0, 14.0, 12.0)
FIRST_ROW = 3  # 0-based row of the first finding


@record
class MarksPlan:
    """What marking a report writes: the cell marks, the results sheet and its links."""

    marks: list[CellMark] = field(default_factory=list)
    results: SheetPicture = field(default_factory=lambda: SheetPicture(name=RESULTS_SHEET))
    links: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)


def plan_marks(report: Report, link_col: int = HEADERS.index("单元格")) -> MarksPlan:
    findings = report.sorted_findings()
    by_cell: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for f in findings:
        for c in f.cells:
            by_cell.setdefault((c.sheet, c.cell), []).append((f.severity, f"[{f.rule}] {f.message}\n{f.english}"))
    marks = []
    for (sheet, cell), items in by_cell.items():
        worst = min((s for s, _ in items), key=SEVERITY_RANK.__getitem__)
        lines = list(dict.fromkeys(text for _, text in items))
        marks.append(CellMark(sheet, cell, worst, "\n".join(lines)))
    pic = SheetPicture(name=RESULTS_SHEET, kind="input", protect=False)
    last = len(HEADERS) - 1
    pic.put(0, 0, "校验结果", "title", merge_to=(0, last))
    s = report.stats
    summary = (f"模板格式 {report.template}；{'通过' if report.valid else '未通过'}：规则 {s['rules']} 条，"
               f"错误 {s['errors']}，警告 {s['warnings']}，提示 {s['info']}（其中舍入差异 {s['rounding']}），"
               f"规则错误 {s['rule_errors']}。点击“单元格”列可跳转。"
               f" / Template format {report.template}; {'passed' if report.valid else 'failed'}: rules {s['rules']},"
               f" errors {s['errors']}, warnings {s['warnings']}, info {s['info']} (rounding {s['rounding']}),"
               f" rule errors {s['rule_errors']}. Click a cell of the 单元格 column to go there.")
    pic.put(1, 0, summary, "note", merge_to=(1, last))
    for c, text in enumerate(HEADERS):
        pic.put(2, c, text, "header")
        pic.column_widths[c] = WIDTHS[c]
    links: dict[tuple[int, int], tuple[str, str]] = {}
    for i, f in enumerate(findings):
        r = FIRST_ROW + i
        cells = "、".join(f"{c.sheet}!{c.cell}" for c in f.cells[:6]) + (" …" if len(f.cells) > 6 else "")
        table = f"公开{f.table}表" if f.table else ""
        row = (i + 1, SEVERITY_ZH[f.severity], f.rule, table, cells or None, f.message, f.english)
        for c, value in enumerate(row):
            pic.put(r, c, value, "body-label")
        for c, value in ((7, f.expected), (8, f.actual), (9, f.difference)):
            pic.put(r, c, value, "amount")
        if f.cells:
            links[(r, link_col)] = (f.cells[0].sheet, f.cells[0].cell)
    pic.freeze = (FIRST_ROW, 0)
    pic.print_title_rows = (2, 2)
    return MarksPlan(marks, pic, links)
