"""xlwings' remote engine in the tests: a workbook as its JSON payload, and its actions back
onto a real .xlsx.

The remote engine (``xw.Book(json=payload)``, xlwings PRO, licensed PolyForm Noncommercial
for this project's tests) runs the real xlwings object model on a snapshot of a workbook
and records every write as an *action* (``book.json()["actions"]``) for the Excel client
to carry out. Here:

* :func:`payload_from_xlsx` builds the snapshot an Office.js client would send for an
  .xlsx (read with python-calamine): sheet names, used-range values (empty cells as
  ``""``), note addresses;
* :func:`apply_actions` plays the client: it carries the recorded actions out on the
  same .xlsx through openpyxl (values, merges, number formats, fonts, fills, borders,
  notes, widths, panes, sheets added/renamed/deleted/hidden) — and coerces a written
  string that looks like a number into a number unless the cell is text-formatted (``@``),
  as Excel does, so a test sees codes turned into numbers if an adapter forgot that; a
  string starting with ``=`` becomes a formula, unless the cell is text-formatted;
  cells shifted by an insert or delete take their merged cells along, and a merged cell
  only partly in the cells that move is refused, as Excel refuses it (its used range,
  in the snapshot, covers merged cells as Excel's does).

An action this client doesn't know raises, so a test notices any new kind of write.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from juesuan.port import column_letter

EMPTY_SHEET_KEYS = {"pictures": [], "shapes": [], "charts": [], "tables": [], "pivot_tables": [],
                    "print_area": None, "visibility": "Visible", "show_gridlines": True}
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def remote_available() -> str | None:
    """None when the remote engine works here, else why not (for ``pytest.skip``)."""
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    try:
        import xlwings as xw

        book = xw.Book(json=blank_payload())
        book.sheets[0]["A1"].value = 1
        assert book.json()["actions"]
    except Exception as exc:  # noqa: BLE001 - any failure means: skip with the reason
        return f"xlwings remote engine unavailable: {type(exc).__name__}: {exc}"
    return None


def _json_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat() + ".000Z" if value.microsecond == 0 else value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day).isoformat() + ".000Z"
    return value


def _version() -> str:
    import xlwings

    return xlwings.__version__


def blank_payload(name: str = "Book1.xlsx", sheets: tuple[str, ...] = ("Sheet1",), client: str = "Office.js") -> dict:
    return {
        "client": client, "version": _version(),
        "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [{"name": s, "values": [[]], "notes": [], "used_range_address": None, **EMPTY_SHEET_KEYS}
                   for s in sheets],
    }


def payload_from_xlsx(path: Path | str, client: str = "Office.js") -> dict:
    """The snapshot a client sends for the workbook at ``path``."""
    import openpyxl
    from python_calamine import CalamineWorkbook

    path = Path(path)
    wb = CalamineWorkbook.from_path(str(path))
    sheets_xl = openpyxl.load_workbook(path).worksheets
    notes = {ws.title: [{"address": c.coordinate} for row in ws.iter_rows() for c in row if c.comment]
             for ws in sheets_xl}
    # Excel's used range covers merged cells too (a footer merged wider than anything typed)
    merged_to = {ws.title: (max((m.max_row for m in ws.merged_cells.ranges), default=0),
                            max((m.max_col for m in ws.merged_cells.ranges), default=0)) for ws in sheets_xl}
    sheets = []
    for meta in wb.sheets_metadata:
        grid = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
        rows, cols = merged_to.get(meta.name, (0, 0))
        if grid and any(v != "" for row in grid for v in row):
            grid = grid + [[]] * (rows - len(grid))
        width = max(max((len(r) for r in grid), default=0), cols if grid else 0)
        values = [[_json_value(v) if v != "" else "" for v in row] + [""] * (width - len(row)) for row in grid]
        used = f"A1:{column_letter(width - 1)}{len(values)}" if values and width else None
        sheets.append({"name": meta.name, "values": values or [[]], "used_range_address": used,
                       "notes": notes.get(meta.name, []),
                       **EMPTY_SHEET_KEYS, "visibility": "Visible" if str(meta.visible).endswith("Visible") else "Hidden"})
    wb.close()
    return {"client": client, "version": _version(),
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}


def action_counts(actions: list[dict]) -> Counter:
    return Counter(a["func"] for a in actions)


def writes_per_sheet(actions: list[dict], func: str = "setValues") -> Counter:
    """How many ``func`` actions each sheet position received."""
    return Counter(a["sheet_position"] for a in actions if a["func"] == func)


def apply_actions(path: Path | str, actions: list[dict], out: Path | str) -> Path:
    """Carry ``actions`` out on the workbook at ``path`` (openpyxl) and save to ``out``."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    _Client(wb).run(actions)
    wb.save(out)
    return Path(out)


def apply_to_new(actions: list[dict], out: Path | str, first_sheet: str = "Sheet1") -> Path:
    """Carry ``actions`` out on a fresh one-sheet workbook (what 新建 starts from)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = first_sheet
    _Client(wb).run(actions)
    wb.save(out)
    return Path(out)


class _Client:
    """The Excel side of the remote engine, played by openpyxl."""

    def __init__(self, wb: Any):
        self.wb = wb

    def run(self, actions: list[dict]) -> None:
        for action in actions:
            handler = getattr(self, "do_" + action["func"], None)
            if handler is None:
                raise NotImplementedError(f"test client can't carry out action {action['func']!r}")
            handler(action)

    # helpers
    def _ws(self, a: dict) -> Any:
        return self.wb.worksheets[a["sheet_position"]]

    def _cells(self, a: dict):
        ws = self._ws(a)
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        rows = min(a["row_count"], ws.max_row - r0 + 1 if a["row_count"] > 10000 else a["row_count"])
        cols = min(a["column_count"], ws.max_column - c0 + 1 if a["column_count"] > 1000 else a["column_count"])
        for r in range(r0, r0 + max(rows, 0)):
            for c in range(c0, c0 + max(cols, 0)):
                yield ws.cell(row=r, column=c)

    # book and sheets
    def do_addSheet(self, a: dict) -> None:
        index, name = a["args"]
        self.wb.create_sheet(name, index)

    def do_setSheetName(self, a: dict) -> None:
        self._ws(a).title = a["args"][0]

    def do_sheetDelete(self, a: dict) -> None:
        self.wb.remove(self._ws(a))

    def do_setSheetVisibility(self, a: dict) -> None:
        self._ws(a).sheet_state = "visible" if a["args"][0] == "Visible" else "hidden"

    def do_activateSheet(self, a: dict) -> None:
        self.wb.active = a["args"][0]

    def do_sheetClear(self, a: dict) -> None:
        from copy import copy

        ws = self._ws(a)
        index = self.wb.worksheets.index(ws)
        title, state = ws.title, ws.sheet_state
        columns = {k: copy(d) for k, d in ws.column_dimensions.items()}  # Excel's clear keeps the widths
        self.wb.remove(ws)
        fresh = self.wb.create_sheet(title, index)
        fresh.sheet_state = state
        for key, dim in columns.items():
            fresh.column_dimensions[key].width, fresh.column_dimensions[key].hidden = dim.width, dim.hidden

    def do_sheetClearContents(self, a: dict) -> None:
        for row in self._ws(a).iter_rows():
            for cell in row:
                if not type(cell).__name__ == "MergedCell":
                    cell.value = None

    def do_setScreenUpdating(self, a: dict) -> None:
        return None

    def do_alert(self, a: dict) -> None:
        return None

    # ranges
    def do_setValues(self, a: dict) -> None:
        ws = self._ws(a)
        for i, row in enumerate(a["values"]):
            for j, value in enumerate(row):
                cell = ws.cell(row=a["start_row"] + 1 + i, column=a["start_column"] + 1 + j)
                if type(cell).__name__ == "MergedCell":
                    continue
                if value == "":
                    value = None
                elif isinstance(value, str) and cell.number_format != "@" and _NUMBER.match(value):
                    value = float(value) if any(ch in value for ch in ".eE") else int(value)
                cell.value = value
                if isinstance(value, str) and value.startswith("=") and cell.number_format == "@":
                    cell.data_type = "s"  # Excel keeps what is written to a text cell as text

    # cells moved and cleared as Excel does (values, styles and the formulas that move;
    # openpyxl adjusts only the moved formulas' own relative references)
    def _box(self, a: dict) -> tuple[int, int, int, int]:
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        return r0, c0, r0 + a["row_count"] - 1, c0 + a["column_count"] - 1

    def do_rangeUnmerge(self, a: dict) -> None:
        ws = self._ws(a)
        r0, c0, r1, c1 = self._box(a)
        for merged in list(ws.merged_cells.ranges):
            if merged.min_row <= r1 and merged.max_row >= r0 and merged.min_col <= c1 and merged.max_col >= c0:
                ws.unmerge_cells(str(merged))

    def do_rangeClear(self, a: dict) -> None:
        from openpyxl.cell.cell import Cell

        ws = self._ws(a)
        r0, c0, r1, c1 = self._box(a)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) in ws._cells:
                    ws._cells[(r, c)] = Cell(ws, row=r, column=c)  # no value, style, note or link

    def _shift(self, ws: Any, r_from: int, c0: int, c1: int, rows: int) -> None:
        """Move every cell of columns c0..c1 from row ``r_from`` down by ``rows`` (up if < 0),
        merged cells with them, as Excel does; a merged cell only partly in the columns that
        move makes Excel refuse (COM error 1004), and so does this client."""
        from openpyxl.utils import get_column_letter

        moving = []
        for merged in list(ws.merged_cells.ranges):
            if merged.max_row < r_from or merged.max_col < c0 or merged.min_col > c1:
                continue
            if merged.min_col < c0 or merged.max_col > c1 or merged.min_row < r_from:
                raise RuntimeError(f"Excel: 不能对合并单元格执行此操作 / we can't do that to a merged cell ({merged})")
            moving.append(merged)
            ws.unmerge_cells(str(merged))
        bottom = ws.max_row
        if bottom >= r_from:
            ws.move_range(f"{get_column_letter(c0)}{r_from}:{get_column_letter(c1)}{bottom}", rows=rows,
                          translate=True)
        for merged in moving:
            ws.merge_cells(start_row=merged.min_row + rows, start_column=merged.min_col,
                           end_row=merged.max_row + rows, end_column=merged.max_col)

    def do_rangeInsert(self, a: dict) -> None:
        shift, _origin = a["args"]
        assert shift == "down", shift
        ws = self._ws(a)
        r0, c0, r1, c1 = self._box(a)
        self._shift(ws, r0, c0, c1, r1 - r0 + 1)

    def do_rangeDelete(self, a: dict) -> None:
        assert a["args"] in ("up", ["up"]), a["args"]
        ws = self._ws(a)
        r0, c0, r1, c1 = self._box(a)
        for merged in list(ws.merged_cells.ranges):  # a merged cell in the band goes; one across its edge refuses
            if merged.max_row < r0 or merged.min_row > r1 or merged.max_col < c0 or merged.min_col > c1:
                continue
            if merged.min_row < r0 or merged.max_row > r1 or merged.min_col < c0 or merged.max_col > c1:
                raise RuntimeError(f"Excel: 不能对合并单元格执行此操作 / we can't do that to a merged cell ({merged})")
            ws.unmerge_cells(str(merged))
        self.do_rangeClear(a)
        self._shift(ws, r1 + 1, c0, c1, -(r1 - r0 + 1))

    def do_rangeMerge(self, a: dict) -> None:
        ws = self._ws(a)
        ws.merge_cells(start_row=a["start_row"] + 1, start_column=a["start_column"] + 1,
                       end_row=a["start_row"] + a["row_count"], end_column=a["start_column"] + a["column_count"])

    def do_setNumberFormat(self, a: dict) -> None:
        for cell in self._cells(a):
            cell.number_format = a["args"][0]

    def _restyle(self, cells, collection: str, key: str, change) -> None:
        """Give each cell ``change(a copy of its style object)``, the object of the workbook's
        ``collection`` its style array names by ``key`` (``"_fonts"``, ``"fontId"``): what
        ``cell.font = changed copy`` does, with each distinct object changed and looked up in
        the collection once, not once per cell."""
        from copy import copy

        from openpyxl.styles.cell_style import StyleArray

        objects = getattr(self.wb, collection)
        made: dict[int, int] = {}
        for cell in cells:
            if not cell._style:
                cell._style = StyleArray()
            old = getattr(cell._style, key)
            if old not in made:
                made[old] = objects.add(change(copy(objects[old])))
            setattr(cell._style, key, made[old])

    def do_setFontProperty(self, a: dict) -> None:
        attribute, value = a["args"]
        key = {"name": "name", "size": "sz", "bold": "b", "italic": "i", "color": "color"}[attribute]
        if attribute == "color":
            value = value.lstrip("#")

        def change(font: Any) -> Any:
            setattr(font, key, value)
            return font

        self._restyle(self._cells(a), "_fonts", "fontId", change)

    def _alignment(self, a: dict, key: str, value: Any) -> None:
        def change(al: Any) -> Any:
            setattr(al, key, value)
            return al

        self._restyle(self._cells(a), "_alignments", "alignmentId", change)

    def do_setHorizontalAlignment(self, a: dict) -> None:
        self._alignment(a, "horizontal", a["args"][0].lower())

    def do_setVerticalAlignment(self, a: dict) -> None:
        self._alignment(a, "vertical", a["args"][0].lower())

    def do_setWrapText(self, a: dict) -> None:
        self._alignment(a, "wrap_text", bool(a["args"][0]))

    def do_setRangeColor(self, a: dict) -> None:
        from openpyxl.styles import PatternFill

        colour = a["args"][0]
        fill = PatternFill() if colour is None else PatternFill("solid", fgColor=colour.lstrip("#"))
        self._restyle(self._cells(a), "_fills", "fillId", lambda _old: fill)

    def do_setBorderProperty(self, a: dict) -> None:
        from openpyxl.styles import Side

        side, attribute, value = a["args"]
        if side.startswith("inside"):
            return  # each cell's own edges carry the grid in openpyxl
        key = side.removeprefix("edge_")
        ws = self._ws(a)
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        r1, c1 = r0 + a["row_count"] - 1, c0 + a["column_count"] - 1

        def change(border: Any) -> Any:
            current = getattr(border, key) or Side()
            style = current.style or "thin"
            colour = current.color
            if attribute == "line_style":
                style = None if value in (None, "none") else "thin"
            elif attribute == "color":
                colour = value.lstrip("#")
            setattr(border, key, Side(style=style, color=colour))
            return border

        cells = (ws.cell(row=r, column=c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
        self._restyle(cells, "_borders", "borderId", change)

    def do_addNote(self, a: dict) -> None:
        from openpyxl.comments import Comment

        address, text = a["args"]
        self._ws(a)[address.replace("$", "")].comment = Comment(text, "决算助手")

    def do_deleteNote(self, a: dict) -> None:
        address = a["args"][0] if a["args"] and a["args"][0] else None
        ws = self._ws(a)
        if address is None:
            ws.cell(row=a["start_row"] + 1, column=a["start_column"] + 1).comment = None
        else:
            ws[address.replace("$", "")].comment = None

    def do_setColumnWidth(self, a: dict) -> None:
        from openpyxl.utils import get_column_letter

        ws = self._ws(a)
        for c in range(a["start_column"], a["start_column"] + a["column_count"]):
            ws.column_dimensions[get_column_letter(c + 1)].width = a["args"][0] / 5.25

    def do_setRowHeight(self, a: dict) -> None:
        ws = self._ws(a)
        for r in range(a["start_row"], a["start_row"] + a["row_count"]):
            ws.row_dimensions[r + 1].height = a["args"][0]

    def do_freezePaneAtRange(self, a: dict) -> None:
        self._ws(a).freeze_panes = a["args"][0]

    def do_addHyperlink(self, a: dict) -> None:
        address, text, tip = a["args"]
        cell = self._ws(a).cell(row=a["start_row"] + 1, column=a["start_column"] + 1)
        cell.hyperlink = address
        if text is not None:
            cell.value = text

    def do_setDataValidationList(self, a: dict) -> None:
        return None  # drop-downs are not compared
