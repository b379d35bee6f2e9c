"""Marks in the workbook: the shared vocabulary of Validate's front ends.

Validate produces :class:`CellMark` items; each adapter (openpyxl for files, xlwings for
the live workbook) paints them, lists them on the 校验结果 sheet, and remembers each
cell's own formatting on a hidden state sheet so that 清除标记 restores it exactly.
"""

from __future__ import annotations

from juesuan.records import record

RESULTS_SHEET = "校验结果"
STATE_SHEET = "_juesuan_marks"  # hidden; one row per marked cell with its original formatting
MARK_COLOURS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}
NOTE_AUTHOR = "决算助手"


@record(frozen=True)
class CellMark:
    """A finding's mark on one cell: severity and the note shown on it."""

    sheet: str
    cell: str  # A1 address
    severity: str  # error | warning | info
    note: str  # what is wrong, in Chinese (shown as the cell's note)
