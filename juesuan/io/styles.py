"""How the official tables look in openpyxl: named styles per cell role, merges, widths,
print setup (A4 landscape, fit to width, repeated header rows), frozen panes, drop-downs,
header notes and sheet protection that locks computed cells only."""

from __future__ import annotations

import copy
from typing import Any

from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Color, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from juesuan.io.style_roles import (
    BORDER_COLOR,
    CHOICE_ERROR,
    CHOICE_ERROR_TITLE,
    CHOICE_PROMPT,
    CHOICE_PROMPT_TITLE,
    FONT,
    FOOTER_SIZE,
    MARGINS,
    NOTE_AUTHOR,
    NOTE_HEIGHT,
    NOTE_WIDTH,
    ONE_PAGE_ROWS,
    PAGE_FOOTER,
    ROLES,
    RoleStyle,
)
from juesuan.io.style_roles import HEADER_FILL as HEADER_COLOR
from juesuan.io.style_roles import INPUT_FILL as INPUT_COLOR
from juesuan.port import CellLook, SheetPicture, a1, column_letter

_THIN = Side(style="thin", color=BORDER_COLOR)
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor=HEADER_COLOR)
INPUT_FILL = PatternFill("solid", fgColor=INPUT_COLOR)
__all__ = ["BORDER", "HEADER_FILL", "INPUT_FILL", "MARGINS", "ONE_PAGE_ROWS", "ROLE_STYLES", "apply_picture",
           "merge_cells", "register_styles"]


def _style(role: RoleStyle) -> NamedStyle:
    """The openpyxl named style of a role (:data:`juesuan.io.style_roles.ROLES`)."""
    style = NamedStyle(name=role.name)
    style.font = Font(name=role.font, size=role.size, bold=role.bold)
    style.alignment = Alignment(horizontal=role.h, vertical=role.v, wrap_text=role.wrap, indent=role.indent,
                                shrink_to_fit=role.shrink)
    if role.border:
        style.border = BORDER
    if role.fill is not None:
        style.fill = PatternFill("solid", fgColor=role.fill)
    style.number_format = role.number_format
    style.protection = Protection(locked=role.locked)
    return style


ROLE_STYLES: dict[str, NamedStyle] = {role: _style(data) for role, data in ROLES.items()}


def register_styles(wb: Workbook) -> None:
    existing = set(wb.named_styles)
    for style in ROLE_STYLES.values():
        if style.name not in existing:
            wb.add_named_style(style)


def merge_cells(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, memo: dict | None = None) -> None:
    """``ws.merge_cells`` with the same result, cell for cell and style for style, at a
    fraction of the cost: openpyxl gives every edge cell of a merged range its border by
    combining Border objects and looking the result up among the workbook's borders (hashing
    every Side), once per cell; here each distinct (current border, edge, corner border)
    combination is computed that way once per workbook (``memo``) and reused by index."""
    memo = {} if memo is None else memo
    mcr = MergedCellRange(ws, CellRange(min_row=r1, min_col=c1, max_row=r2, max_col=c2).coord)
    ws.merged_cells.add(mcr)
    cells = ws._cells  # noqa: SLF001 - what Worksheet._clean_merge_range does, on the same dict
    coords = mcr.cells
    next(coords)
    for row, col in coords:
        cells[row, col] = MergedCell(ws, row, col)
    start = mcr.start_cell
    for name in ("top", "left", "right", "bottom"):  # MergedCellRange.format, memoised
        side = getattr(start.border, name)
        if side and side.style is None:
            continue
        corner = start._style.borderId  # noqa: SLF001 - reading start.border gave it a style array
        for coord in getattr(mcr, name):
            cell = cells.get(coord)
            if cell is None:
                cell = cells[coord] = MergedCell(ws, *coord)
            if not cell._style:  # noqa: SLF001 - as openpyxl's style descriptors do
                cell._style = StyleArray()  # noqa: SLF001
            key = ("border", cell._style.borderId, name, corner)  # noqa: SLF001
            known = memo.get(key)
            if known is None:
                cell.border += Border(**{name: side})
                memo[key] = cell._style.borderId  # noqa: SLF001
            else:
                cell._style.borderId = known  # noqa: SLF001
    key = ("protection", start._style.protectionId)  # noqa: SLF001
    protection = memo.get(key)
    if protection is None:
        protection = memo[key] = ws.parent._protections.add(copy.copy(start.protection))  # noqa: SLF001
        # (reading start.protection gave the start cell a style array, as openpyxl's would)
    for coord in mcr.cells:
        cell = cells.get(coord)
        if cell is None:
            cell = cells[coord] = MergedCell(ws, *coord)
        if not cell._style:  # noqa: SLF001
            cell._style = StyleArray()  # noqa: SLF001
        cell._style.protectionId = protection  # noqa: SLF001


def apply_picture(ws: Worksheet, pic: SheetPicture, memo: dict | None = None) -> None:
    """Write a picture onto an empty worksheet (values, styles, merges and sheet settings);
    ``memo`` caches merged-range border arithmetic across the sheets of one workbook."""
    memo = {} if memo is None else memo
    for (r, c), (value, style) in sorted(pic.cells.items()):
        cell = ws.cell(row=r + 1, column=c + 1)
        if value is not None:
            cell.value = value
        cell.style = ROLE_STYLES[style.role].name
        look = pic.looks.get((r, c))
        if look is not None:
            _apply_look(cell, ROLES[style.role], look)
        if style.merge_to is not None:
            r2, c2 = style.merge_to
            if (r2, c2) != (r, c):
                merge_cells(ws, r + 1, c + 1, r2 + 1, c2 + 1, memo)
    for c, width in pic.column_widths.items():
        ws.column_dimensions[column_letter(c)].width = width
        if c in pic.hidden_columns:
            ws.column_dimensions[column_letter(c)].hidden = True
    for r, height in pic.row_heights.items():
        ws.row_dimensions[r + 1].height = height
    if pic.freeze:
        ws.freeze_panes = a1(*pic.freeze)
    _print_setup(ws, pic)
    for (r, c), text in pic.comments.items():
        comment = Comment(text, NOTE_AUTHOR)
        comment.width, comment.height = NOTE_WIDTH, NOTE_HEIGHT
        ws.cell(row=r + 1, column=c + 1).comment = comment
    for rng, choices in pic.validations:
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle=CHOICE_ERROR_TITLE, error=CHOICE_ERROR,
                            showInputMessage=True, promptTitle=CHOICE_PROMPT_TITLE, prompt=CHOICE_PROMPT)
        dv.add(rng)
        ws.add_data_validation(dv)
    _protect(ws, pic)


def _color(spec: str) -> Color:
    """``rgb:FFFF0000`` / ``theme:1[:tint]`` / ``indexed:10`` (:class:`juesuan.port.CellLook`)."""
    kind, _, rest = spec.partition(":")
    if kind == "theme":
        theme, _, tint = rest.partition(":")
        return Color(theme=int(theme), tint=float(tint) if tint else 0.0)
    if kind == "indexed":
        return Color(indexed=int(rest))
    return Color(rgb=rest)


def _apply_look(cell: Any, role: RoleStyle, look: CellLook) -> None:
    """A carried cell's own number format, font and alignment over its role's named style
    (in the order :mod:`juesuan.io.fresh_package` registers them)."""
    if look.number_format is not None:
        cell.number_format = look.number_format
    if look.has_font():
        cell.font = Font(name=look.font_name or role.font, size=look.size or role.size, bold=look.bold or None,
                         italic=look.italic or None, underline=look.underline,
                         color=_color(look.color) if look.color else None)
    if look.has_alignment():
        cell.alignment = Alignment(horizontal=look.h, vertical=look.v, wrap_text=look.wrap or None,
                                   indent=look.indent)


def _print_setup(ws: Worksheet, pic: SheetPicture) -> None:
    """A4 landscape, fitted to one page wide (and one tall when short), centred, margins,
    header rows repeated on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if pic.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    short = pic.kind == "table" and pic.max_row + 1 <= ONE_PAGE_ROWS
    ws.page_setup.fitToHeight = 1 if short else 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    for side, inches in MARGINS.items():
        setattr(ws.page_margins, side, inches)
    ws.oddFooter.center.text = PAGE_FOOTER
    ws.oddFooter.center.size = FOOTER_SIZE
    ws.oddFooter.center.font = FONT
    if pic.print_title_rows:
        top, bottom = pic.print_title_rows
        ws.print_title_rows = f"{top + 1}:{bottom + 1}"


def _protect(ws: Worksheet, pic: SheetPicture) -> None:
    """Protect computed sheets without a password (locked cells stay selectable, rows and
    columns resizable); cells in ``unlocked_ranges`` stay editable under protection."""
    for rng in pic.unlocked_ranges:
        c1, r1, c2, r2 = range_boundaries(rng)
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
            for cell in row:
                if cell.protection.locked:
                    cell.protection = Protection(locked=False)
    if pic.protect:
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
    else:
        ws.protection.sheet = False
