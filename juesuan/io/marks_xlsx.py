"""Painting a :class:`~juesuan.validate.marks_plan.MarksPlan` into an .xlsx with openpyxl,
and clearing it again.

Each marked cell's own fill and note are remembered on the hidden state sheet
(:data:`juesuan.marks.STATE_SHEET`: sheet | cell | fill XML | note JSON) before the cell is
painted; :func:`clear_marks` restores them exactly and removes the state and results
sheets. Painting always clears the previous marks first, so re-running replaces them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import fromstring, tostring

from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.fills import Fill

from juesuan.io.xlsx import load_for_write, replace_sheets, save_atomic
from juesuan.marks import MARK_COLOURS, NOTE_AUTHOR, RESULTS_SHEET, STATE_SHEET
from juesuan.validate.marks_plan import MarksPlan

STATE_HEADER = ("sheet", "cell", "fill", "comment")


def _fill_xml(fill: Any) -> str:
    return tostring(fill.to_tree(), encoding="unicode")


def _fill_from_xml(text: str) -> Any:
    return Fill.from_tree(fromstring(text))


def _comment_json(comment: Comment | None) -> str:
    if comment is None:
        return ""
    return json.dumps({"text": comment.text, "author": comment.author, "width": comment.width,
                       "height": comment.height}, ensure_ascii=False)


def _comment_from_json(text: str | None) -> Comment | None:
    if not text:
        return None
    data = json.loads(text)
    comment = Comment(data["text"], data["author"])
    comment.width, comment.height = data["width"], data["height"]
    return comment


def clear_marks(wb: Any) -> int:
    """Restore every cell recorded on the state sheet; drop the state and results sheets.
    Returns the number of cells restored."""
    restored = 0
    if STATE_SHEET in wb.sheetnames:
        state = wb[STATE_SHEET]
        for sheet, cell, fill, comment in state.iter_rows(min_row=2, values_only=True):
            if not sheet or sheet not in wb.sheetnames:
                continue
            target = wb[sheet][cell]
            if isinstance(target, MergedCell):
                continue
            target.fill = _fill_from_xml(fill)
            target.comment = _comment_from_json(comment)
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
        state.append((mark.sheet, mark.cell, _fill_xml(cell.fill), _comment_json(cell.comment)))
        colour = MARK_COLOURS.get(mark.severity, MARK_COLOURS["error"])
        cell.fill = PatternFill("solid", fgColor=colour, bgColor=colour)
        note = Comment(mark.note, NOTE_AUTHOR)
        note.width, note.height = 320, min(60 + 18 * mark.note.count("\n"), 400)
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


def clear_file(path: str | Path, out: str | Path | None = None) -> tuple[Path, int]:
    """Remove every mark from ``path``; write to ``out`` (default: in place)."""
    wb = load_for_write(Path(path))
    restored = clear_marks(wb)
    target = Path(out) if out else Path(path)
    save_atomic(wb, target)
    return target, restored
