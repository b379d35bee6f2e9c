"""Test helper: what openpyxl shows of a cell's style (font, fill, border, alignment,
protection) as text, worked out once per distinct style of a workbook.

A cell's style proxies are looked up through the ids of its style array in its workbook's
style lists, so two cells of one workbook with the same array show the same styles; a
comparison of every cell of a sheet then costs one ``repr`` per style, not five per cell."""

from __future__ import annotations

from copy import copy

from openpyxl.styles.cell_style import StyleArray

_CACHE = "_juesuan_test_style_reprs"


def style_reprs(cell, copied: bool = False) -> tuple[str, str, str, str, str]:
    """``repr`` of the cell's font, fill, border, alignment and protection (of copies of them
    with ``copied``: a proxy's copy is the plain style object), as computing them for the cell
    itself gives."""
    wb = cell.parent.parent
    cache = wb.__dict__.setdefault(_CACHE, {})
    key = (copied, tuple(cell._style or StyleArray()))  # (None: the default style, all ids 0)
    got = cache.get(key)
    if got is None:
        styles = (cell.font, cell.fill, cell.border, cell.alignment, cell.protection)
        got = cache[key] = tuple(repr(copy(x)) if copied else repr(x) for x in styles)
    return got
