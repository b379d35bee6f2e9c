"""Painting a :class:`~juesuan.validate.marks_plan.MarksPlan` into an .xlsx with openpyxl,
and clearing it again.

Each marked cell's own fill and note are remembered on the hidden state sheet
(:data:`juesuan.marks.STATE_SHEET`: sheet | cell | fill XML | note JSON) before the cell is
painted; :func:`clear_marks` restores them exactly and removes the state and results
sheets. Painting always clears the previous marks first, so re-running replaces them.

The state sheet is input like any other (a workbook may come from anywhere): every row is
validated before any cell is restored — a single cell address within Excel's grid, a fill
that parses (defusedxml, no DTD) as an openpyxl fill, a note that is a small JSON object —
and a bad row is a located error (exit 2), never a traceback or a runaway range.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.fills import Fill

from juesuan.errors import InputError, Problem
from juesuan.io.text import clean_cell_text, set_text
from juesuan.io.xlsx import load_for_write, replace_sheets, save_atomic
from juesuan.lazy_re import lazy
from juesuan.marks import MARK_COLOURS, NOTE_AUTHOR, RESULTS_SHEET, STATE_SHEET
from juesuan.validate.marks_plan import MarksPlan

STATE_HEADER = ("sheet", "cell", "fill", "comment")
MAX_STATE_ROWS = 200_000
MAX_FILL_XML = 20_000
MAX_NOTE_JSON = 100_000
_ADDRESS = lazy(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")
NOTE_WIDTH = 420  # px: a note holds each message in Chinese and, on the next line, in English
NOTE_UNITS_PER_LINE = 64  # what fits on a line of the note, a CJK character counting two
NOTE_MAX_HEIGHT = 600


def note_size(text: str) -> tuple[int, int]:
    """Width and height (px) of a note showing ``text`` without cutting it off: the lines it
    wraps to at :data:`NOTE_WIDTH` (a CJK character as wide as two Latin ones), capped."""
    lines = 0
    for line in text.split("\n"):
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)
        lines += max(1, math.ceil(units / NOTE_UNITS_PER_LINE))
    return NOTE_WIDTH, min(24 + 16 * lines, NOTE_MAX_HEIGHT)


def _fill_xml(fill: Any) -> str:
    return tostring(fill.to_tree(), encoding="unicode")


def _fill_from_xml(text: str) -> Any:
    return Fill.from_tree(fromstring(text, forbid_dtd=True))


def _comment_json(comment: Comment | None) -> str:
    if comment is None:
        return ""
    return json.dumps({"text": comment.text, "author": comment.author, "width": comment.width,
                       "height": comment.height}, ensure_ascii=False)


def _comment_from_json(text: str | None) -> Comment | None:
    if not text:
        return None
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) \
            or not isinstance(data.get("author"), str | None):
        raise ValueError("not a note")
    comment = Comment(clean_cell_text(data["text"]), clean_cell_text(data["author"] or ""))
    for key in ("width", "height"):
        if key in data:
            if not _number(data[key]):
                raise ValueError(f"bad {key}")
            setattr(comment, key, data[key])
    return comment


def _valid_address(cell: Any) -> bool:
    m = _ADDRESS.match(cell) if isinstance(cell, str) else None
    if m is None:
        return False
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return col <= 16384 and int(m.group(2)) <= 1048576


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
        and 0 < value <= 10_000


def _state_row(row: tuple[Any, ...], n: int) -> tuple[tuple[str, str, Any, Comment | None] | None, str | None]:
    """One state row → (sheet, cell, fill, note) or a reason it is invalid."""
    sheet, cell, fill, comment = (tuple(row) + (None,) * 4)[:4]
    if sheet is None and cell is None and fill is None and comment is None:
        return None, None
    if not isinstance(sheet, str) or not sheet:
        return None, "工作表名无效 / bad sheet name"
    if not _valid_address(cell):
        return None, f"单元格地址无效 / bad cell address {str(cell)[:40]!r}"
    if not isinstance(fill, str) or len(fill) > MAX_FILL_XML:
        return None, "格式记录无效 / bad fill record"
    try:
        restored_fill = _fill_from_xml(fill)
    except (DefusedXmlException, ParseError, TypeError, ValueError, KeyError, AttributeError) as exc:
        return None, f"格式记录无效 / bad fill record ({type(exc).__name__})"
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_NOTE_JSON):
        return None, "批注记录无效 / bad note record"
    try:
        note = _comment_from_json(comment)
    except (ValueError, TypeError, KeyError) as exc:
        return None, f"批注记录无效 / bad note record ({type(exc).__name__})"
    return (sheet, cell, restored_fill, note), None


def _read_state(wb: Any) -> list[tuple[str, str, Any, Comment | None]]:
    """The validated rows of the state sheet; raise ``InputError`` naming every bad row."""
    state = wb[STATE_SHEET]
    if state.max_row > MAX_STATE_ROWS + 1:
        raise InputError([Problem("marks-state", {"row": state.max_row, "reason": "行数过多 / too many rows"},
                                  STATE_SHEET)])
    rows, problems = [], []
    for n, row in enumerate(state.iter_rows(min_row=2, max_col=4, values_only=True), start=2):
        entry, reason = _state_row(row, n)
        if reason is not None:
            problems.append(Problem("marks-state", {"row": n, "reason": reason}, STATE_SHEET, f"A{n}"))
        elif entry is not None:
            rows.append(entry)
    if problems:
        raise InputError(problems)
    return rows


def clear_marks(wb: Any) -> int:
    """Restore every cell recorded on the state sheet; drop the state and results sheets.
    Returns the number of cells restored."""
    restored = 0
    if STATE_SHEET in wb.sheetnames:
        for sheet, cell, fill, note in _read_state(wb):
            if sheet not in wb.sheetnames:
                continue
            target = wb[sheet][cell]
            if isinstance(target, MergedCell):
                continue
            target.fill = fill
            target.comment = note
            restored += 1
        del wb[STATE_SHEET]
    if RESULTS_SHEET in wb.sheetnames:
        del wb[RESULTS_SHEET]
    return restored


def apply_marks(wb: Any, plan: MarksPlan) -> int:
    """Replace previous marks with ``plan``: paint cells, write notes, the results sheet with
    links, and the hidden state sheet. Returns the number of cells painted."""
    clear_marks(wb)
    state = wb.create_sheet(STATE_SHEET)
    state.append(STATE_HEADER)
    painted = 0
    for mark in plan.marks:
        if mark.sheet not in wb.sheetnames:
            continue
        cell = wb[mark.sheet][mark.cell]
        if isinstance(cell, MergedCell):
            continue
        n = state.max_row + 1
        for c, text in enumerate((mark.sheet, mark.cell, _fill_xml(cell.fill), _comment_json(cell.comment)), 1):
            set_text(state.cell(row=n, column=c), text)  # text is text, even a sheet named "=…"
        colour = MARK_COLOURS.get(mark.severity, MARK_COLOURS["error"])
        cell.fill = PatternFill("solid", fgColor=colour, bgColor=colour)
        note = Comment(clean_cell_text(mark.note), NOTE_AUTHOR)
        note.width, note.height = note_size(mark.note)
        cell.comment = note
        painted += 1
    state.sheet_state = "hidden"
    replace_sheets(wb, [plan.results])
    ws = wb[RESULTS_SHEET]
    for (r, c), (sheet, address) in plan.links.items():
        link_cell = ws.cell(row=r + 1, column=c + 1)
        link_cell.hyperlink = f"#'{sheet}'!{address}"
        link_cell.font = Font(name=link_cell.font.name, size=link_cell.font.sz, color="0563C1", underline="single")
    return painted


def mark_file(path: str | Path, plan: MarksPlan, out: str | Path) -> Path:
    """Write a copy of ``path`` (or ``path`` itself) with the marks of ``plan`` to ``out``."""
    wb = load_for_write(Path(path))
    apply_marks(wb, plan)
    save_atomic(wb, out)
    return Path(out)


def has_marks(path: str | Path) -> bool:
    """Whether the workbook holds marks to clear (the state or the results sheet), from the
    read guard's scan (no load)."""
    from juesuan.io.guard import scan_workbook

    names = scan_workbook(Path(path)).sheets
    return STATE_SHEET in names or RESULTS_SHEET in names


def clear_file(path: str | Path, out: str | Path | None = None) -> tuple[Path, int]:
    """Remove every mark from ``path``; write to ``out`` (default: in place). A workbook
    without marks is left exactly as it is in place (nothing rewritten), or copied byte for
    byte to ``out``."""
    if not has_marks(path):
        if out is None:
            return Path(path), 0
        from juesuan.io.safe_write import atomic_write

        data = Path(path).read_bytes()
        atomic_write(out, lambda tmp: tmp.write_bytes(data))
        return Path(out), 0
    wb = load_for_write(Path(path))
    restored = clear_marks(wb)
    target = Path(out) if out else Path(path)
    save_atomic(wb, target)
    return target, restored
