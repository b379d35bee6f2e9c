"""Sheet layouts: where every title, header, row and figure of a table sits.
:func:`render_table` turns table values into a :class:`SheetPicture` (template build,
Fill, import); :mod:`juesuan.reading` reads a sheet back with the same geometry.

Table sheet rows (0-based, :func:`geometry`): title · 公开0X表 label (when printed) ·
部门/单位 line · header rows · 栏次 row (when printed) · body · note line (· the empty-table
sentence). Panels stand side by side, left to right.
"""

from __future__ import annotations

from typing import Any

from juesuan.port import SheetPicture, column_letter
from juesuan.records import record
from juesuan.spec.model import ColumnSpec, InputSheetSpec, TableSpec, TemplateSpec
from juesuan.tables import TableRow, TableValues

TITLE_ROW = 0
DEFAULT_WIDTHS = {"label": 30.0, "line": 6.0, "code": 12.0, "name": 28.0, "amount": 14.0}


@record(frozen=True)
class ColumnPlace:
    """Where a table column sits on its sheet: panel and 0-based sheet column."""

    panel: int
    index: int  # 0-based sheet column
    spec: ColumnSpec


def columns(table: TableSpec) -> list[ColumnPlace]:
    out, index = [], 0
    for p, panel in enumerate(table.panels):
        for col in panel.columns:
            out.append(ColumnPlace(p, index, col))
            index += 1
    return out


@record(frozen=True)
class Geometry:
    """The rows (0-based) of a table sheet's parts; ``None`` where the format prints no such row."""

    title: int
    label: int | None
    info: int  # 部门：… | 单位：万元
    header: int
    lanci: int | None
    body: int


def geometry(table: TableSpec) -> Geometry:
    label = 1 if table.layout.label and table.label else None
    info = (label if label is not None else TITLE_ROW) + 1
    header = info + 1
    lanci = header + table.header_depth if table.layout.lanci else None
    body = (lanci + 1) if lanci is not None else header + table.header_depth
    return Geometry(TITLE_ROW, label, info, header, lanci, body)


def body_row(table: TableSpec) -> int:
    return geometry(table).body


# -- rendering -------------------------------------------------------------------------
# Looks only (no geometry): row heights in points and the width of one CJK character in
# Excel column-width units (宋体 10 pt), used to size wrapped header and note rows.
BODY_HEIGHT, TITLE_HEIGHT, LINE_HEIGHT = 15.0, 30.0, 13.5
CJK_WIDTH = 1.9


def text_lines(text: Any, width: float) -> int:
    """How many lines ``text`` wraps to in a cell ``width`` units wide (CJK counted double)."""
    if text is None or width <= 0:
        return 1
    units = sum(CJK_WIDTH if ord(ch) > 0x2E7F else 1.0 for ch in str(text))
    return max(1, -int(-units // max(width - 1.0, 1.0)))


def render_table(table: TableSpec, values: TableValues, dept: str, unit: str = "万元",
                 blank: bool = False) -> SheetPicture:
    """The whole sheet of one table. ``blank`` leaves every figure empty (the template)."""
    pic = SheetPicture(name=table.sheet, kind="table", protect=True)
    places = columns(table)
    last = len(places) - 1
    for pl in places:
        pic.column_widths[pl.index] = float(pl.spec.width or DEFAULT_WIDTHS[pl.spec.role])
    geo = geometry(table)
    pic.put(TITLE_ROW, 0, table.title, "title", merge_to=(TITLE_ROW, last))
    if geo.label is not None:
        pic.put(geo.label, last, table.label, "label")
    half = max(0, last // 2)
    if table.layout.dept:
        pic.put(geo.info, 0, f"部门：{dept}", "dept", merge_to=(geo.info, half) if half else None)
    pic.put(geo.info, last, f"单位：{unit}", "unit")
    _render_header(pic, table, places, geo)
    first = geo.body
    panel_offset = [next(pl.index for pl in places if pl.panel == p) for p in range(len(table.panels))]
    height = max(len(rows) for rows in values.panels)
    for p, rows in enumerate(values.panels):
        panel = table.panels[p]
        for i, row in enumerate(rows):
            _render_row(pic, panel.columns, panel_offset[p], first + i, row, blank)
        for r in range(first + len(rows), first + height):  # filler rows keep the grid ruled
            _render_filler(pic, panel.columns, panel_offset[p], r)
    footer_row = first + height
    has_footer = any(f is not None for f in values.footers)
    for p, footer in enumerate(values.footers):
        if footer is not None:
            _render_row(pic, table.panels[p].columns, panel_offset[p], footer_row, footer, blank)
    if has_footer:
        _merge_label_footers(pic, table, values, panel_offset, footer_row)
    note_row = footer_row + (1 if has_footer else 0)
    empty = values.empty and not blank
    note = table.empty_note if (empty and table.empty_note) else table.note
    pic.put(note_row, 0, note, "note", merge_to=(note_row, last))
    total_width = sum(pic.column_widths.values())
    pic.row_heights[TITLE_ROW] = TITLE_HEIGHT
    for r in range(TITLE_ROW + 1, note_row):
        pic.row_heights.setdefault(r, BODY_HEIGHT)
    pic.row_heights[note_row] = max(BODY_HEIGHT, text_lines(note, total_width) * LINE_HEIGHT + 3)
    if empty and table.empty_sentence:
        sentence = empty_sentence(table, dept)
        pic.put(note_row + 1, 0, sentence, "note", merge_to=(note_row + 1, last))
        pic.row_heights[note_row + 1] = max(BODY_HEIGHT, text_lines(sentence, total_width) * LINE_HEIGHT + 3)
    pic.print_title_rows = (geo.header, geo.body - 1)
    pic.freeze = (first, 0)
    return pic


def empty_sentence(table: TableSpec, dept: str) -> str:
    """The sentence printed below an empty table (2020: ``说明：<部门>本年度没有…，故本表无数据。``)."""
    return (table.empty_sentence or "").replace("{dept}", dept or "本部门")


def _render_filler(pic: SheetPicture, cols: list[ColumnSpec], offset: int, r: int) -> None:
    """An empty, ruled body row of a panel shorter than its neighbours (公开06表)."""
    roles = {"label": "body-label", "line": "body-line", "code": "body-code", "name": "body-label"}
    for k, col in enumerate(cols):
        pic.put(r, offset + k, None, roles.get(col.role, "amount"))


def _merge_label_footers(pic: SheetPicture, table: TableSpec, values: TableValues, offsets: list[int],
                         r: int) -> None:
    """A label-only footer (公用经费合计) spans its own panel and the label cells of the next
    panel, whose footer carries the figure without a label: one footer over two panels."""
    for p, footer in enumerate(values.footers[:-1]):
        spec_footer = table.panels[p].footer
        nxt = values.footers[p + 1]
        if footer is None or spec_footer is None or spec_footer.derive is not None or nxt is None or nxt.label:
            continue
        next_cols = table.panels[p + 1].columns
        last_label = max((k for k, c in enumerate(next_cols) if c.role != "amount"), default=None)
        if last_label is None:
            continue
        start, end = offsets[p], offsets[p + 1] + last_label
        for c in range(start, end + 1):
            pic.put(r, c, None, "total-label")
        pic.put(r, start, footer.label, "total-label", merge_to=(r, end))


def _render_header(pic: SheetPicture, table: TableSpec, places: list[ColumnPlace], geo: Geometry) -> None:
    depth = table.header_depth
    top = geo.header
    for level in range(depth):
        i = 0
        while i < len(places):
            path = places[i].spec.header
            if len(path) <= level:
                i += 1
                continue
            j = i
            while (j + 1 < len(places) and len(places[j + 1].spec.header) > level
                   and places[j + 1].spec.header[: level + 1] == path[: level + 1]):
                j += 1
            bottom = top + (depth - 1 if len(path) == level + 1 else level)
            merge = (bottom, places[j].index) if (j > i or bottom > top + level) else None
            pic.put(top + level, places[i].index, path[level], "header", merge_to=merge)
            for k in range(i, j + 1):  # cells covered by the merge still need borders
                for r in range(top + level, bottom + 1):
                    if (r, places[k].index) not in pic.cells:
                        pic.put(r, places[k].index, None, "header")
            i = j + 1
    for level in range(depth):  # tall enough for the wrapped headers of one-row cells
        r, need = top + level, 1
        for (rr, c), (text, style) in pic.cells.items():
            if rr != r or text is None:
                continue
            r2, c2 = style.merge_to or (r, c)
            if r2 == r:
                width = sum(pic.column_widths.get(k, 8.43) for k in range(c, c2 + 1))
                need = max(need, text_lines(text, width))
        pic.row_heights[r] = max(BODY_HEIGHT, need * LINE_HEIGHT + 4)
    if geo.lanci is None:
        return
    row = geo.lanci
    numbered = any(pl.spec.lanci for pl in places)
    for pl in places:
        pic.put(row, pl.index, pl.spec.lanci if pl.spec.role == "amount" else None, "lanci")
    if not numbered:  # no 栏次 numbers (公开06表): a thin ruled line keeps the geometry
        pic.row_heights[row] = 6.0
        return
    for p in range(len(table.panels)):  # "栏次" spans each panel's leading text columns
        panel = [pl for pl in places if pl.panel == p]
        lead = 0
        while lead < len(panel) and panel[lead].spec.role != "amount":
            lead += 1
        if lead:
            first, last = panel[0].index, panel[lead - 1].index
            pic.put(row, first, "栏次", "lanci", merge_to=(row, last) if last > first else None)


def _render_row(pic: SheetPicture, cols: list[ColumnSpec], offset: int, r: int, row: TableRow, blank: bool) -> None:
    total = row.role in ("total", "footer")
    code_col = next((k for k, c in enumerate(cols) if c.role == "code"), None)
    name_col = next((k for k, c in enumerate(cols) if c.role == "name"), None)
    for k, col in enumerate(cols):
        c = offset + k
        if col.role == "label":
            pic.put(r, c, row.label or None, "total-label" if total else "body-label")
        elif col.role == "line":
            pic.put(r, c, row.line, "body-line")
        elif col.role == "code":
            if row.code is None and row.role != "spare" and name_col is not None:
                pic.put(r, c, row.label or None, "total-label", merge_to=(r, offset + name_col))
            else:
                pic.put(r, c, row.code, "body-code")
        elif col.role == "name":
            if row.code is None and code_col is not None and row.role != "spare":
                pic.put(r, c, None, "total-label")
            else:
                pic.put(r, c, row.label or None, "body-label")
        else:
            value = None if blank else row.values.get(col.key)
            pic.put(r, c, value, "total-amount" if total else "amount")


def render_input(sheet: InputSheetSpec, rows: list[list[Any]] | None = None, spec: TemplateSpec | None = None,
                 blank_rows: int = 200) -> SheetPicture:
    """A detail sheet: title, header with notes, data rows (unlocked), validations, frozen header."""
    pic = SheetPicture(name=sheet.sheet, kind="input", protect=sheet.kind == "form")
    items = sheet.columns if sheet.kind == "list" else sheet.fields
    rows = rows or []
    if sheet.kind == "form":
        pic.put(0, 0, sheet.title, "input-title", merge_to=(0, 2))
        for c, text in enumerate(("项目", "内容", "说明")):
            pic.put(1, c, text, "input-header")
        values = {str(r[0]): r[1] for r in rows if r}
        for i, f in enumerate(sheet.fields):
            pic.put(2 + i, 0, f.label, "form-label")
            pic.put(2 + i, 1, values.get(f.label, f.value), "input" if not f.locked else "form-label")
            pic.put(2 + i, 2, f.note, "note-small")
        pic.column_widths.update({0: 16.0, 1: 36.0, 2: 48.0})
        for i, f in enumerate(sheet.fields):  # only the fields the user fills stay editable
            if not f.locked:
                pic.unlocked_ranges.append(f"B{3 + i}")
        pic.row_heights[0] = 24.0
        return pic
    last = len(items) - 1
    pic.put(0, 0, sheet.title, "input-title", merge_to=(0, last) if last else None)
    for c, col in enumerate(items):
        pic.put(1, c, col.label, "input-header")
        if col.note:
            pic.comments[(1, c)] = col.note
        pic.column_widths[c] = float(col.width or 16)
    end = 2 + max(len(rows), blank_rows)
    for i in range(end - 2):  # data rows, then blank rows formatted for input (codes as text)
        values = rows[i] if i < len(rows) else []
        for c, col in enumerate(items):
            value = values[c] if c < len(values) else None
            pic.put(2 + i, c, value, "input-money" if col.type == "money" else "input-text")
    for c, col in enumerate(items):
        rng = f"{column_letter(c)}3:{column_letter(c)}{end}"
        if col.type == "choice" and spec is not None and col.vocabulary:
            pic.validations.append((rng, spec.vocabularies[col.vocabulary]))
    pic.row_heights[0] = 24.0
    pic.row_heights[1] = max(BODY_HEIGHT, max(text_lines(col.label, pic.column_widths[c])
                                              for c, col in enumerate(items)) * LINE_HEIGHT + 4)
    pic.freeze = (2, 0)
    pic.print_title_rows = (1, 1)
    pic.unlocked_ranges.append(f"A3:{column_letter(last)}{end}")
    return pic
