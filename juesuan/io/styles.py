"""How the official tables look in openpyxl: named styles per cell role, merges, widths,
print setup (A4 landscape, fit to width, repeated header rows), frozen panes, drop-downs,
header notes and sheet protection that locks computed cells only."""

from __future__ import annotations

import copy

from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet

from juesuan.port import SheetPicture, a1, column_letter

FONT = "宋体"
TITLE_FONT = "黑体"
MONEY = "#,##0.00"
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
# Print setup: margins in inches (A4 landscape), and the longest table (in rows) still
# squeezed onto one page tall; longer tables flow onto further pages, fitted to width.
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.55, "header": 0.25, "footer": 0.25}
ONE_PAGE_ROWS = 48
PAGE_FOOTER = "第 &P 页，共 &N 页"


def _style(name: str, *, size: float = 10, bold: bool = False, font: str = FONT, h: str = "left",
           v: str = "center", wrap: bool = False, border: bool = False, fill: PatternFill | None = None,
           number_format: str = "General", locked: bool = True, indent: int = 0,
           shrink: bool = False) -> NamedStyle:
    style = NamedStyle(name=name)
    style.font = Font(name=font, size=size, bold=bold)
    style.alignment = Alignment(horizontal=h, vertical=v, wrap_text=wrap, indent=indent, shrink_to_fit=shrink)
    if border:
        style.border = BORDER
    if fill is not None:
        style.fill = fill
    style.number_format = number_format
    style.protection = Protection(locked=locked)
    return style


ROLE_STYLES: dict[str, NamedStyle] = {
    "title": _style("js-title", size=18, font=TITLE_FONT, h="center"),
    "label": _style("js-label", size=10, h="right"),
    "dept": _style("js-dept", size=10),
    "unit": _style("js-unit", size=10, h="right"),
    "header": _style("js-header", bold=True, h="center", wrap=True, border=True),
    "lanci": _style("js-lanci", h="center", border=True),
    "body-label": _style("js-body-label", border=True, indent=1, shrink=True),
    "body-code": _style("js-body-code", border=True, number_format="@", indent=1),
    "body-line": _style("js-body-line", h="center", border=True),
    "amount": _style("js-amount", h="right", border=True, number_format=MONEY),
    "total-label": _style("js-total-label", bold=True, h="center", border=True),
    "total-amount": _style("js-total-amount", bold=True, h="right", border=True, number_format=MONEY),
    "note": _style("js-note", size=9, wrap=True, v="top"),
    "note-small": _style("js-note-small", size=9, wrap=True),
    "input-title": _style("js-input-title", size=14, font=TITLE_FONT),
    "input-header": _style("js-input-header", bold=True, h="center", wrap=True, border=True, fill=HEADER_FILL),
    "form-label": _style("js-form-label", bold=True, border=True),
    "input": _style("js-input", border=True, fill=INPUT_FILL, locked=False, number_format="@"),
    # Detail rows: unlocked and formatted (codes as text) but not ruled, so that the 200
    # blank rows prepared for input don't print as empty ruled pages.
    "input-text": _style("js-input-text", locked=False, number_format="@"),
    "input-money": _style("js-input-money", h="right", locked=False, number_format=MONEY),
    # self-evaluations and the 说明 (issue 5)
    "percent": _style("js-percent", h="right", border=True, number_format="0.00%"),
    "eval-input": _style("js-eval-input", border=True, fill=INPUT_FILL, locked=False, wrap=True),
    "eval-input-money": _style("js-eval-input-money", h="right", border=True, fill=INPUT_FILL, locked=False,
                               number_format=MONEY),
    "heading": _style("js-heading", size=12, bold=True, font=TITLE_FONT),
    "body-text": _style("js-body-text", size=11, wrap=True, v="top"),
}


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
        if style.merge_to is not None:
            r2, c2 = style.merge_to
            if (r2, c2) != (r, c):
                merge_cells(ws, r + 1, c + 1, r2 + 1, c2 + 1, memo)
    for c, width in pic.column_widths.items():
        ws.column_dimensions[column_letter(c)].width = width
    for r, height in pic.row_heights.items():
        ws.row_dimensions[r + 1].height = height
    if pic.freeze:
        ws.freeze_panes = a1(*pic.freeze)
    _print_setup(ws, pic)
    for (r, c), text in pic.comments.items():
        comment = Comment(text, "决算助手")
        comment.width, comment.height = 240, 80
        ws.cell(row=r + 1, column=c + 1).comment = comment
    for rng, choices in pic.validations:
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="无效的选项", error="请从下拉列表中选择。",
                            showInputMessage=True, promptTitle="请选择", prompt="从下拉列表中选择一项。")
        dv.add(rng)
        ws.add_data_validation(dv)
    _protect(ws, pic)


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
    ws.oddFooter.center.size = 9
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
