"""Live-workbook adapter: the workbook port over an open workbook through xlwings.

The ribbon macros run the same engine on the workbook open in Excel. This adapter reads
each sheet with one range read (its used range, as plain Python values, codes left as
the text they are) and writes a computed :class:`~juesuan.port.SheetPicture` with one
value assignment for the whole picture; formatting is applied per *property* over
maximal rectangles of cells that share a value (a handful of calls per sheet, not one per
cell). The looks come from the same role styles the file writer uses
(:data:`juesuan.io.styles.ROLE_STYLES`), so a table filled in Excel looks like one
written by ``juesuan fill``.

It works on any xlwings engine: Excel on Windows/macOS at run time, and xlwings' remote
engine on a JSON snapshot in the tests. Operations an engine lacks (sheet protection,
page setup and cell locking need Excel's own object model; the remote engine's clients
differ in alignment and note support) are skipped, never fatal: values always land, and
:attr:`XlwingsBook.skipped` says which operations were left out and why.

Validate's marks (:meth:`apply_marks` / :meth:`clear_marks`) follow the openpyxl painter
(:mod:`juesuan.io.marks_xlsx`) and its hidden state sheet format, so marks written by
``juesuan check --mark`` can be cleared from the ribbon and the other way round.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from juesuan.errors import fail
from juesuan.io.kept_extras import owned_rectangle
from juesuan.io.kept_formulas import SourceFormula
from juesuan.lazy_re import lazy
from juesuan.marks import MARK_COLOURS, RESULTS_SHEET, STATE_SHEET, CellMark
from juesuan.port import Grid, SheetPicture, a1
from juesuan.records import record

# Cell properties the adapter sets, in the order it sets them.
PROPS = ("number_format", "font_name", "font_size", "bold", "h_align", "v_align", "wrap",
         "border", "fill", "locked")
# A property's value on a freshly cleared cell: nothing to write for it.
CLEARED = {"bold": False, "wrap": False, "border": None, "fill": None, "locked": True}
# Excel coerces a string that looks like a number, date, percentage or boolean into that
# type when it is written to a General cell; such strings get the text format first.
_COERCIBLE = lazy(r"^\s*([-+]?[\d.,]+%?|[-+]?\d+(\.\d*)?[eE][-+]?\d+|\d{1,4}[-/]\d{1,2}([-/]\d{1,4})?|"
                        r"true|false|TRUE|FALSE|=.*)\s*$")
TEXT_FORMAT = "@"
# Excel reads a string written to a cell of any number format as a formula when it starts
# with one of these (as if typed): such text gets the text format first, whatever the role.
_FORMULA_LIKE = lazy(r"^\s*[=+\-@]")
#: Excel column-width units (characters) → points, for engines that size columns in points.
CHAR_POINTS = 5.25
STATE_HEADER = ("sheet", "cell", "fill", "comment")  # as juesuan.io.marks_xlsx writes it
#: A table sheet's end markers: its note texts and the empty-table sentence (prefix, suffix).
TableEnd = tuple[set[str], tuple[str, str] | None]


@record(frozen=True)
class Look:
    """The engine-neutral properties of one cell role."""

    number_format: str
    font_name: str
    font_size: float
    bold: bool
    h_align: str
    v_align: str
    wrap: bool
    border: str | None  # border colour (hex) when the cell is boxed
    fill: str | None  # fill colour (hex)
    locked: bool


def _hex(color: Any) -> str | None:
    rgb = getattr(color, "rgb", None)
    if isinstance(rgb, str) and len(rgb) >= 6:
        return "#" + rgb[-6:].upper()
    return None


def role_looks() -> dict[str, Look]:
    """Each role's look, read from the openpyxl named styles the file writer uses."""
    from juesuan.io.styles import ROLE_STYLES

    looks = {}
    for role, style in ROLE_STYLES.items():
        side = style.border.left if style.border is not None else None
        fill = style.fill if style.fill is not None and style.fill.fill_type == "solid" else None
        looks[role] = Look(
            number_format=style.number_format or "General",
            font_name=style.font.name,
            font_size=float(style.font.sz or 11),
            bold=bool(style.font.b),
            h_align=style.alignment.horizontal or "general",
            v_align=style.alignment.vertical or "bottom",
            wrap=bool(style.alignment.wrap_text),
            border=(_hex(side.color) or "#000000") if side is not None and side.style else None,
            fill=_hex(fill.fgColor) if fill is not None else None,
            locked=bool(style.protection.locked) if style.protection is not None else True,
        )
    return looks


Rect = tuple[int, int, int, int]  # 0-based inclusive (row0, col0, row1, col1)


def rectangles(cells: dict[tuple[int, int], Any]) -> list[tuple[Rect, Any]]:
    """Cover ``{(row, col): value}`` with few rectangles of equal value: runs along each
    row, then runs that repeat on consecutive rows grow downwards."""
    open_: dict[tuple[int, int, Any], list[int]] = {}
    done: list[tuple[Rect, Any]] = []
    by_row: dict[int, list[tuple[int, Any]]] = {}
    for (r, c), v in cells.items():
        by_row.setdefault(r, []).append((c, v))
    for r in sorted(by_row):
        runs: list[tuple[int, int, Any]] = []
        for c, v in sorted(by_row[r], key=lambda cv: cv[0]):
            if runs and runs[-1][1] == c - 1 and runs[-1][2] == v:
                runs[-1] = (runs[-1][0], c, v)
            else:
                runs.append((c, c, v))
        seen = set()
        for c0, c1, v in runs:
            key = (c0, c1, v)
            seen.add(key)
            span = open_.get(key)
            if span is not None and span[1] == r - 1:
                span[1] = r
            else:
                if span is not None:
                    done.append(((span[0], c0, span[1], c1), v))
                open_[key] = [r, r]
        for key in [k for k, span in open_.items() if k not in seen and span[1] < r]:
            span = open_.pop(key)
            done.append(((span[0], key[0], span[1], key[1]), key[2]))
    done += [((span[0], c0, span[1], c1), v) for (c0, c1, v), span in open_.items()]
    return sorted(done, key=lambda rv: rv[0])


def _runs(sizes: dict[int, float]) -> list[tuple[int, int, float]]:
    """Consecutive indices with the same size: (first, last, size)."""
    out: list[tuple[int, int, float]] = []
    for i in sorted(sizes):
        if out and out[-1][1] == i - 1 and out[-1][2] == sizes[i]:
            out[-1] = (out[-1][0], i, sizes[i])
        else:
            out.append((i, i, sizes[i]))
    return out


def plain(value: Any) -> Any:
    """A value as Excel takes it: Decimal → float (never Excel's currency type)."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _clean(value: Any) -> Any:
    return None if value == "" else value


class XlwingsBook:
    """The workbook port (read and write) over an ``xlwings.Book``."""

    def __init__(self, book: Any):
        self.book = book
        self.skipped: dict[str, str] = {}  # operation → why it was left out
        self.reads = 0
        self._cache: dict[str, Grid] = {}
        self._looks: dict[str, Look] | None = None
        self._status_saved = False
        self._status_before: Any = False

    # -- engine facts ------------------------------------------------------------------
    @property
    def engine(self) -> str:
        try:
            return str(self.book.app.engine.name)
        except Exception:  # noqa: BLE001 - only informative
            return "unknown"

    def _try(self, operation: str, action: Callable[[], Any]) -> bool:
        """Run a formatting step; an engine that lacks it is noted, not fatal."""
        try:
            action()
            return True
        except (NotImplementedError, AttributeError, KeyError, TypeError) as exc:
            self.skipped.setdefault(operation, f"{type(exc).__name__}: {exc}"[:200])
            return False

    def _excel_api(self, obj: Any, attribute: str) -> Any:
        """``obj.api.<attribute>`` when the engine exposes Excel's object model, else None."""
        try:
            api = obj.api
        except Exception:  # noqa: BLE001 - engines without Excel's object model raise here
            return None
        if isinstance(api, dict | list | tuple) or api is None:
            return None
        return getattr(api, attribute, None)

    # -- Excel's status bar ------------------------------------------------------------
    # Long work (Fill, Check) says where it is in the status bar and gives the bar back to
    # Excel afterwards. An engine without one (xlwings' remote engine) is noted, not fatal.
    def show_status(self, text: str) -> None:
        """Show ``text`` in Excel's status bar (the first call remembers what was there)."""
        app = self.book.app
        if not self._status_saved:
            self._status_saved = True

            def remember() -> None:
                self._status_before = app.status_bar

            self._try("status_bar", remember)
        self._try("status_bar", lambda: setattr(app, "status_bar", text))

    def restore_status(self) -> None:
        """Give the status bar back: its earlier text, or Excel's own (``False``)."""
        if not self._status_saved:
            return
        before = self._status_before if isinstance(self._status_before, str) and self._status_before else False
        self._try("status_bar", lambda: setattr(self.book.app, "status_bar", before))
        self._status_saved, self._status_before = False, False

    # -- reading -----------------------------------------------------------------------
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def _sheet(self, name: str) -> Any | None:
        for sheet in self.book.sheets:
            if sheet.name == name:
                return sheet
        return None

    def read_sheet(self, name: str) -> Grid:
        """The sheet's used range as a grid anchored at A1 (one range read)."""
        grid = self._cache.get(name)
        if grid is not None:
            return grid
        sheet = self._sheet(name)
        if sheet is None:
            raise fail("sheet-missing", sheet=name)
        used = sheet.used_range
        values = used.options(ndim=2, empty=None, err_to_str=True).value
        self.reads += 1
        pad_cols = [None] * (used.column - 1)
        grid = [[] for _ in range(used.row - 1)]
        grid += [pad_cols + [_clean(v) for v in row] for row in values]
        self._cache[name] = grid
        return grid

    def entry_formulas(self, name: str) -> dict[tuple[int, int], SourceFormula] | None:
        """The formulas of sheet ``name`` (0-based cell → :class:`~juesuan.io.kept_formulas.SourceFormula`),
        read in one call (``Range.formula`` of the used range; an array formula's range asked
        cell by cell, they are few); None when the engine can't read formulas (xlwings' remote
        engine: noted in :attr:`skipped`)."""
        sheet = self._sheet(name)
        if sheet is None:
            return None
        used = sheet.used_range
        try:
            texts = used.formula
        except Exception as exc:  # noqa: BLE001 - an engine without synchronous formula reads
            self.skipped.setdefault("formulas", f"{type(exc).__name__}: {exc}"[:200])
            return None
        if not isinstance(texts, list | tuple):
            texts = ((texts,),)
        elif texts and not isinstance(texts[0], list | tuple):
            texts = (texts,) if used.shape[0] == 1 else tuple((t,) for t in texts)
        values = self.read_sheet(name)  # (read already: the engine read the entries)
        out: dict[tuple[int, int], SourceFormula] = {}
        for i, row in enumerate(texts):
            for j, text in enumerate(row):
                if isinstance(text, str) and text.startswith("=") and len(text) > 1:
                    r, c = used.row - 1 + i, used.column - 1 + j
                    value = values[r][c] if r < len(values) and c < len(values[r]) else None
                    found = self._source_formula(sheet.range((r + 1, c + 1)), text[1:], value)
                    if found is not None:
                        out[(r, c)] = found
        return out

    def _source_formula(self, cell: Any, text: str, value: Any) -> SourceFormula | None:
        """A formula as the engine holds it: an array formula with its range, or an unknown
        kind (never carried, Fill stops at it) when the engine can't say which it is; None
        for text that only starts with ``=`` (typed as ``'=…``: text stays text) — Excel's
        ``HasFormula`` tells, else the cell's value being that very text."""
        try:
            has_formula = self._excel_api(cell, "HasFormula")
            if has_formula is False or (has_formula is None and value == "=" + text):
                return None
            if not cell.has_array:
                return SourceFormula("normal", text)
            current = self._excel_api(cell, "CurrentArray")
            if current is not None:
                return SourceFormula("array", text, ref=str(current.Address(False, False)))
        except Exception:  # noqa: BLE001 - unknown: refused below rather than changed
            pass
        return SourceFormula("unknown", text)

    # -- writing -----------------------------------------------------------------------
    def looks(self) -> dict[str, Look]:
        if self._looks is None:
            self._looks = role_looks()
        return self._looks

    def ensure_sheet(self, name: str, after: str | None = None) -> Any:
        """The sheet called ``name``, added (after ``after`` or last) when missing."""
        sheet = self._sheet(name)
        if sheet is None:
            anchor = self._sheet(after) if after else None
            anchor = anchor or self.book.sheets[len(self.book.sheets) - 1]
            sheet = self.book.sheets.add(name=name, after=anchor)
        return sheet

    def unprotect(self, sheet: Any) -> None:
        unprotect = self._excel_api(sheet, "Unprotect")
        if unprotect is None:
            self.skipped.setdefault("unprotect", "engine has no sheet protection")
            return
        unprotect()

    def protect(self, sheet: Any) -> None:
        protect = self._excel_api(sheet, "Protect")
        if protect is None:
            self.skipped.setdefault("protect", "engine has no sheet protection")
            return
        protect(DrawingObjects=True, Contents=True, Scenarios=True, AllowFormattingColumns=False,
                AllowFormattingRows=False)

    def replace_sheet(self, picture: SheetPicture, after: str | None = None,
                      table: TableEnd | None = None) -> None:
        """Replace a computed sheet's contents with ``picture``: clear, merges, formats,
        then every value in one assignment, then layout (widths, panes, notes, print setup).

        ``table`` (a table sheet: its note texts and empty-table sentence, as
        :func:`juesuan.io.kept_extras.table_ends` gives them): what the accountant added
        outside the table stays as it is — see :meth:`_clear_table_only` — and so do its
        column widths once the sheet exists (the template's, or as the accountant set them and
        hid them), as ``juesuan fill`` keeps them."""
        existed = self._sheet(picture.name) is not None
        sheet = self.ensure_sheet(picture.name, after)
        self.unprotect(sheet)
        kept = existed and table is not None and self._clear_table_only(sheet, picture, table)
        if not kept:
            sheet.clear()
        self._cache.pop(picture.name, None)
        rows, cols = picture.max_row + 1, picture.max_col + 1
        if rows == 0 or cols == 0:
            return
        self._merges(sheet, picture)
        self._formats(sheet, picture)
        grid: list[list[Any]] = [[None] * cols for _ in range(rows)]
        for (r, c), (value, _style) in picture.cells.items():
            grid[r][c] = plain(value)
        arrays = []
        for (r, c), formula in picture.formulas.items():  # the accountant's, carried (kept_formulas)
            if formula.array is None:
                grid[r][c] = "=" + formula.text
            else:
                arrays.append(formula)
        sheet.range((1, 1), (rows, cols)).value = grid
        for formula in arrays:
            sheet.range(formula.array).formula_array = "=" + formula.text
        # a table sheet's widths are the accountant's once it exists; the 说明 and the
        # self-evaluations are laid out by Fill whole, as on files
        self._layout(sheet, picture, widths=not existed or table is None)
        if picture.protect:
            self.protect(sheet)
        if picture.hidden:  # Fill's own record (juesuan.rounding_record): out of the accountant's way
            self._try("hide_record_sheet", lambda: setattr(sheet, "visible", False))

    def _clear_table_only(self, sheet: Any, picture: SheetPicture, table: TableEnd) -> bool:
        """Clear only the table's own rectangle of a table sheet when the accountant added
        cells outside it (保留表外内容), as Fill does on files (:mod:`juesuan.io.kept_extras`);
        return False (nothing done) when there is nothing outside it.

        The table owns A1 to its last column and its last row (its note row as the sheet
        holds it). Cells below it keep their distance from its end: when the new table is
        longer or shorter, cells are inserted or deleted right under the old end — Excel
        itself then moves what is below, its formats, and every formula that refers to it,
        as when a user inserts rows. Cells right of the table stay where they are. Nothing
        outside the rectangle is written."""
        grid = self.read_sheet(picture.name)  # (read already when Fill looked for hand edits)
        end, last_row, last_col = owned_rectangle(picture, {r: row[0] for r, row in enumerate(grid) if row}, table)
        outside = [(r, c) for r, row in enumerate(grid) for c, v in enumerate(row)
                   if v is not None and v != "" and (r > end or c > last_col)]
        if not outside:
            return False
        # the used range's width: Excel counts a merged cell whole (a footer merged wider than
        # anything typed) and refuses to shift part of one
        width = max(last_col + 1, *map(len, grid))
        table_width = last_col + 1
        sheet.range((1, 1), (end + 1, table_width)).unmerge()
        shift = last_row - end
        if shift > 0:  # a longer table: cells in under its old end
            sheet.range((end + 2, 1), (end + 1 + shift, width)).insert("down", "format_from_left_or_above")
        elif shift < 0:  # a shorter one: the rows it no longer needs go, what was below moves up
            right_of_band = any(last_row < r <= end and c > last_col for r, c in outside)
            band_width = table_width if right_of_band else width  # never delete the accountant's cells
            sheet.range((last_row + 2, 1), (end + 1, band_width)).delete("up")
        sheet.range((1, 1), (last_row + 1, table_width)).clear()
        return True

    def _merges(self, sheet: Any, picture: SheetPicture) -> None:
        for (r, c), (_value, style) in sorted(picture.cells.items()):
            if style.merge_to is not None and style.merge_to != (r, c):
                r2, c2 = style.merge_to
                sheet.range((r + 1, c + 1), (r2 + 1, c2 + 1)).merge()

    def _cell_props(self, picture: SheetPicture) -> dict[str, dict[tuple[int, int], Any]]:
        looks = self.looks()
        props: dict[str, dict[tuple[int, int], Any]] = {p: {} for p in PROPS}
        for (r, c), (value, style) in picture.cells.items():
            look = looks.get(style.role)
            if look is None:
                continue
            for p in PROPS:
                props[p][(r, c)] = getattr(look, p)
            if (r, c) in picture.formulas:  # written as a formula: a text format would make it text
                continue
            if isinstance(value, str) and (_FORMULA_LIKE.match(value) or look.number_format == "General"
                                           and _COERCIBLE.match(value)):
                props["number_format"][(r, c)] = TEXT_FORMAT
        return props

    def _formats(self, sheet: Any, picture: SheetPicture) -> None:
        rows, cols = picture.max_row + 1, picture.max_col + 1
        whole = sheet.range((1, 1), (rows, cols))
        for prop, cells in self._cell_props(picture).items():
            if not cells:
                continue
            base = CLEARED.get(prop, ...)
            if base is ...:
                # Harmless on blank cells: set the commonest value on the whole block once.
                counts: dict[Any, int] = {}
                for v in cells.values():
                    counts[v] = counts.get(v, 0) + 1
                base = max(counts, key=lambda v: counts[v])
                if not self._set(prop, whole, base):
                    continue
            todo = {rc: v for rc, v in cells.items() if v != base}
            for (r0, c0, r1, c1), value in rectangles(todo):
                if not self._set(prop, sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)), value):
                    break

    def _set(self, prop: str, rng: Any, value: Any) -> bool:
        def action() -> None:
            if prop == "number_format":
                rng.number_format = value
            elif prop == "font_name":
                rng.font.name = value
            elif prop == "font_size":
                rng.font.size = value
            elif prop == "bold":
                rng.font.bold = value
            elif prop == "h_align":
                rng.horizontal_alignment = value
            elif prop == "v_align":
                rng.vertical_alignment = value
            elif prop == "wrap":
                rng.wrap_text = value
            elif prop == "border":
                # A continuous line is thin and black by default: name only what differs.
                if value == "#000000":
                    rng.borders.set("all", line_style="continuous")
                else:
                    rng.borders.set("all", line_style="continuous", color=value)
            elif prop == "fill":
                rng.color = value
            elif prop == "locked":
                api = self._excel_api(rng, "Locked")
                if api is None:
                    raise NotImplementedError("engine has no cell locking")
                rng.api.Locked = value
        return self._try(prop, action)

    def _layout(self, sheet: Any, picture: SheetPicture, widths: bool = True) -> None:
        points = self.engine == "remote"  # Office.js sizes columns in points
        for c0, c1, width in _runs(picture.column_widths if widths else {}):
            w = round(width * CHAR_POINTS, 2) if points else width
            self._try("column_width", lambda c0=c0, c1=c1, w=w: _set_attr(
                sheet.range((1, c0 + 1), (1, c1 + 1)), "column_width", w))
        for c in sorted(picture.hidden_columns):  # (the 说明's key column, a column the accountant hid)
            self._try("hidden_column", lambda c=c: self._hide_column(sheet, c))
        for r0, r1, height in _runs(picture.row_heights):
            self._try("row_height", lambda r0=r0, r1=r1, h=height: _set_attr(
                sheet.range((r0 + 1, 1), (r1 + 1, 1)), "row_height", h))
        if picture.freeze:
            self._try("freeze_panes", lambda: sheet.freeze_panes.freeze_at(a1(*picture.freeze)))
        for (r, c), text in sorted(picture.comments.items()):
            if not self._try("notes", lambda r=r, c=c, text=text: _note(sheet.range((r + 1, c + 1)), text)):
                break
        for rng, choices in picture.validations:
            if not self._try("data_validation", lambda rng=rng, choices=choices:
                             sheet.range(rng).data_validation.set_list(list(choices))):
                break
        for rng in picture.unlocked_ranges:
            if not self._set("locked", sheet.range(rng), False):
                break
        self._page_setup(sheet, picture)

    def _hide_column(self, sheet: Any, col: int) -> None:
        column = self._excel_api(sheet.range((1, col + 1)), "EntireColumn")
        if column is None:
            raise NotImplementedError("engine has no hidden columns")
        column.Hidden = True

    def _page_setup(self, sheet: Any, picture: SheetPicture) -> None:
        setup = self._excel_api(sheet, "PageSetup")
        if setup is None:
            self.skipped.setdefault("page_setup", "engine has no page setup")
            return
        try:
            setup.PaperSize = 9  # xlPaperA4
            setup.Orientation = 2 if picture.landscape else 1  # xlLandscape / xlPortrait
            setup.Zoom = False
            setup.FitToPagesWide = 1
            setup.FitToPagesTall = False
            setup.CenterHorizontally = True
            if picture.print_title_rows:
                top, bottom = picture.print_title_rows
                setup.PrintTitleRows = f"${top + 1}:${bottom + 1}"
        except Exception as exc:  # noqa: BLE001 - printing setup is cosmetic (no printer, …)
            self.skipped.setdefault("page_setup", str(exc)[:200])

    # -- Validate's marks --------------------------------------------------------------
    # As the openpyxl painter (juesuan.io.marks_xlsx) does, and in the same state format
    # (sheet | cell | fill XML | note JSON), so marks made by ``juesuan check --mark`` can be
    # cleared in Excel and the other way round.
    def apply_marks(self, plan: Any) -> int:
        """Replace previous marks with ``plan`` (a :class:`~juesuan.validate.marks_plan.MarksPlan`):
        remember each cell's own fill and note on the hidden state sheet, paint it with its
        severity colour, set the note, write the 校验结果 sheet with its links. Returns the
        number of cells painted. A 校验结果 sheet without the state sheet is the accountant's
        own: refused (nothing written), never replaced."""
        if self._sheet(RESULTS_SHEET) is not None and self._sheet(STATE_SHEET) is None:
            raise fail("results-sheet-taken", sheet=RESULTS_SHEET)
        self.clear_marks()
        marks = [m for m in plan.marks if self._sheet(m.sheet) is not None]
        state: list[list[Any]] = [list(STATE_HEADER)]
        by_sheet: dict[str, list[CellMark]] = {}
        for mark in marks:
            by_sheet.setdefault(mark.sheet, []).append(mark)
        for sheet_name, sheet_marks in by_sheet.items():
            sheet = self._sheet(sheet_name)
            was_protected = self._unprotect_if_protected(sheet)
            colours: dict[tuple[int, int], str] = {}
            for mark in sheet_marks:
                rng = sheet.range(mark.cell)
                state.append([mark.sheet, mark.cell, _fill_xml(self._colour_of(rng)), self._note_json(rng)])
                colours[_a1_to_rc(mark.cell)] = "#" + MARK_COLOURS.get(mark.severity, MARK_COLOURS["error"])
            for (r0, c0, r1, c1), colour in rectangles(colours):
                self._set("fill", sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)), colour)
            for mark in sheet_marks:
                rng = sheet.range(mark.cell)
                if not self._try("notes", lambda rng=rng, text=mark.note: _replace_note(rng, text)):
                    break
            if was_protected:
                self.protect(sheet)
        holder = self.ensure_sheet(STATE_SHEET)
        holder.range((1, 1), (len(state), len(STATE_HEADER))).value = state
        self._cache.pop(STATE_SHEET, None)
        self._try("hide_state_sheet", lambda: setattr(holder, "visible", False))
        self.replace_sheet(plan.results)
        results = self._sheet(plan.results.name)
        for (r, c), (sheet_name, address) in sorted(plan.links.items()):
            text = plan.results.cells.get((r, c), (None, None))[0]
            link = results.range((r + 1, c + 1))
            if not self._try("hyperlinks", lambda link=link, target=f"#'{sheet_name}'!{address}", text=text:
                             link.add_hyperlink(target, None if text is None else str(text), "转到该单元格")):
                break
        return len(marks)

    def clear_marks(self) -> int:
        """Restore every cell the state sheet lists (its own fill and note) and delete the
        state and results sheets (a 校验结果 sheet without the state sheet is the accountant's
        own: kept). Returns the number of cells restored."""
        restored = 0
        if self._sheet(STATE_SHEET) is not None:
            from juesuan.io.marks_xlsx import state_rows

            rows = self.read_sheet(STATE_SHEET)[1:]
            state_rows(rows)  # a row edited by hand stops here, named as juesuan clear names it; nothing restored
            rows = [r for r in rows if r and r[0] and len(r) > 1 and r[1]]
            by_sheet: dict[str, list[list[Any]]] = {}
            for row in rows:
                by_sheet.setdefault(str(row[0]), []).append(list(row) + [None] * (4 - len(row)))
            for sheet_name, sheet_rows in by_sheet.items():
                sheet = self._sheet(sheet_name)
                if sheet is None:
                    continue
                was_protected = self._unprotect_if_protected(sheet)
                colours = {_a1_to_rc(str(row[1])): _colour_from_xml(row[2]) for row in sheet_rows}
                for (r0, c0, r1, c1), colour in rectangles(colours):
                    self._set("fill", sheet.range((r0 + 1, c0 + 1), (r1 + 1, c1 + 1)), colour)
                for row in sheet_rows:
                    rng = sheet.range(str(row[1]))
                    note = _note_text(row[3])
                    self._try("notes", lambda rng=rng, note=note: _restore_note(rng, note))
                    restored += 1
                if was_protected:
                    self.protect(sheet)
            self._delete_sheet(STATE_SHEET)
            self._delete_sheet(RESULTS_SHEET)
        return restored

    def _delete_sheet(self, name: str) -> None:
        sheet = self._sheet(name)
        if sheet is not None:
            self._try("delete_sheet", lambda: _delete_quietly(self.book, sheet))
            self._cache.pop(name, None)

    def _unprotect_if_protected(self, sheet: Any) -> bool:
        protected = self._excel_api(sheet, "ProtectContents")
        if protected:
            self.unprotect(sheet)
        return bool(protected)

    def _colour_of(self, rng: Any) -> str | None:
        try:
            rgb = rng.color
        except (NotImplementedError, AttributeError):
            self.skipped.setdefault("read_fill", "engine can't read a cell's fill synchronously")
            return None
        if rgb is None:
            return None
        return "#{:02X}{:02X}{:02X}".format(*rgb)

    def _note_json(self, rng: Any) -> str:
        try:
            note = rng.note
            if note is None:
                return ""
            text = note.text
        except (NotImplementedError, AttributeError):
            self.skipped.setdefault("read_note", "engine can't read a note's text synchronously")
            return ""
        return json.dumps({"text": text, "author": "", "width": 144, "height": 79}, ensure_ascii=False)


def _note(rng: Any, text: str) -> None:
    """Give ``rng`` the note ``text``, replacing one it may still have (an engine that keeps
    notes through a clear, as the remote engine's model does)."""
    if rng.note is not None:
        rng.note.delete()
    rng.add_note(text)


def _set_attr(obj: Any, name: str, value: Any) -> None:
    setattr(obj, name, value)


def _a1_to_rc(cell: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Za-z]+)\$?(\d+)", cell.strip())
    if not m:
        raise ValueError(f"not a cell address: {cell!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _replace_note(rng: Any, text: str) -> None:
    if rng.note is not None:
        rng.note.delete()
    rng.add_note(text)


def _restore_note(rng: Any, text: str | None) -> None:
    if rng.note is not None:
        rng.note.delete()
    if text:
        rng.add_note(text)


def _delete_quietly(book: Any, sheet: Any) -> None:
    """Delete a sheet without Excel's "are you sure" prompt."""
    app = book.app
    try:
        alerts = app.display_alerts
        app.display_alerts = False
    except Exception:  # noqa: BLE001 - engines without the setting never ask
        alerts = None
    try:
        sheet.delete()
    finally:
        if alerts is not None:
            app.display_alerts = alerts


def _fill_xml(colour: str | None) -> str:
    """A fill as the openpyxl painter records it (``<fill>`` XML of a PatternFill)."""
    from xml.etree.ElementTree import tostring

    from openpyxl.styles import PatternFill

    fill = PatternFill() if colour is None else PatternFill("solid", fgColor=colour.lstrip("#"),
                                                            bgColor=colour.lstrip("#"))
    return tostring(fill.to_tree(), encoding="unicode")


def _colour_from_xml(text: Any) -> str | None:
    """The solid colour of a recorded fill, None for no fill (other patterns: none)."""
    if not text:
        return None
    from xml.etree.ElementTree import fromstring

    from openpyxl.styles.fills import Fill

    try:
        fill = Fill.from_tree(fromstring(str(text)))
    except Exception:  # noqa: BLE001 - a damaged state row restores to no fill
        return None
    if getattr(fill, "fill_type", None) != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    return "#" + rgb[-6:].upper() if isinstance(rgb, str) and len(rgb) >= 6 else None


def _note_text(text: Any) -> str | None:
    if not text:
        return None
    try:
        return json.loads(str(text)).get("text") or None
    except (ValueError, AttributeError):
        return None
