"""The 说明 sheet: the generated text (locked, one paragraph per row) above an input area
where the accountant fills reasons, counts and budgets (unlocked, found again by the key
in column C). Fill re-pictures the sheet with the entries exactly as read.

Column C (the keys, ``cars_other`` …) is the engine's, not the reader's: it is hidden, so
that the printed or exported 说明 shows none of them; the text merged across A:C keeps its
width (B is wider by C's width), and a table's columns after the second are shown in B."""

from __future__ import annotations

from typing import Any

from juesuan.narrative.generate import Paragraph, SlotSpec
from juesuan.port import Grid, SheetPicture, a1, cell_at

INPUT_HEADER = ("需填写的内容", "内容（请填写）", "键")
WIDTHS = {0: 56.0, 1: 62.0, 2: 16.0}
KEY_COLUMN = 2  # hidden: the keys print nowhere
CHARS_PER_LINE = 58  # CJK characters across the merged A:C text area (A and B shown)
ROLE = {"title": "title", "part": "heading", "heading": "heading", "subheading": "heading", "text": "body-text"}


def _lines(text: str) -> int:
    return max(1, -(-len(text) // CHARS_PER_LINE))


def render_narrative(sheet: str, intro: str, paragraphs: list[Paragraph], slots: list[SlotSpec],
                     entries: dict[str, Any], cells: dict[str, str] | None = None) -> SheetPicture:
    """The whole 说明 sheet; ``entries`` are the input values as read (kept unchanged),
    ``cells`` the addresses they were read at (the picture's ``origins``: a formula typed
    there is carried by the file adapter)."""
    pic = SheetPicture(name=sheet, kind="input", protect=True, landscape=False)
    r = 0
    for p in paragraphs:
        if p.kind == "table":
            for n, row in enumerate(p.rows or []):
                shown = [*row[:1], "　".join(str(v) for v in row[1:] if v not in (None, ""))] if len(row) > 2 \
                    else row  # (the sheet reads back the same text: read_paragraphs joins with 　)
                for c, value in enumerate(shown):
                    pic.put(r, c, value, "header" if n == 0 else "body-label")
                r += 1
            continue
        pic.put(r, 0, p.text, ROLE[p.kind], merge_to=(r, 2))
        pic.row_heights[r] = 30.0 if p.kind == "title" else (20.0 if p.kind != "text" else 16.0 * _lines(p.text) + 4)
        r += 1
        if p.kind == "title" and intro:
            pic.put(r, 0, intro, "note", merge_to=(r, 2))
            pic.row_heights[r] = 28.0
            r += 1
    r += 1
    for c, text in enumerate(INPUT_HEADER):
        pic.put(r, c, text, "input-header")
    r += 1
    for slot in slots:
        pic.put(r, 0, slot.label, "body-label")
        pic.put(r, 1, entries.get(slot.key), "eval-input-money" if slot.type in ("money", "count") else "eval-input")
        if cells and slot.key in cells:
            pic.origins[(r, 1)] = cells[slot.key]
        pic.put(r, 2, slot.key, "note-small")
        if slot.note:
            pic.comments[(r, 1)] = slot.note
        r += 1
    pic.column_widths.update(WIDTHS)
    pic.hidden_columns.add(KEY_COLUMN)
    return pic


def read_entries(grid: Grid) -> tuple[dict[str, Any], dict[str, str]]:
    """The input area: key → value as typed, and key → address of the input cell."""
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    start = None
    for r in range(len(grid)):
        if str(cell_at(grid, r, 0) or "").strip() == INPUT_HEADER[0] and \
                str(cell_at(grid, r, 2) or "").strip() == INPUT_HEADER[2]:
            start = r + 1
            break
    if start is None:
        return values, cells
    for r in range(start, len(grid)):
        key = cell_at(grid, r, 2)
        if key is None or str(key).strip() == "":
            continue
        key = str(key).strip()
        values[key] = cell_at(grid, r, 1)
        cells[key] = a1(r, 1)
    return values, cells


def read_paragraphs(grid: Grid) -> list[str]:
    """The generated text as the sheet shows it (above the input area; table rows joined)."""
    out = []
    for r in range(len(grid)):
        if str(cell_at(grid, r, 0) or "").strip() == INPUT_HEADER[0]:
            break
        values = [str(v) for v in (cell_at(grid, r, c) for c in range(3)) if v is not None and str(v).strip()]
        if values:
            out.append("　".join(values))
    return out
