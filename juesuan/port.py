"""The workbook port: the small interface through which the engine sees a workbook.

The engine reads whole sheets as grids of plain values (None, str, int, float, bool) and
hands back whole blocks to write. Adapters implement it for files (python-calamine to read,
openpyxl to write) and for the live Excel workbook (xlwings). A formula cell whose cached
value is unknown is represented by :data:`NO_CACHED_VALUE`; one that evaluated to an error
by a :class:`CellError` (``#DIV/0!`` …).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import field
from typing import Any, Protocol

from juesuan.records import record


class _NoCachedValue:
    def __repr__(self) -> str:
        return "NO_CACHED_VALUE"


NO_CACHED_VALUE = _NoCachedValue()


class CellError(str):
    """An error value (``#DIV/0!``, ``#VALUE!``, ``#REF!`` …) as read from a file: text to code
    that only shows it, recognisable to code that needs a number. ``formula``: whether a formula
    calculated it (its cached value: the usual case) or the cell holds it without one (pasted
    as a value, typed): the reports word the two differently (:func:`juesuan.errors.error_value_code`)."""

    formula: bool = True

    def __new__(cls, value: str, formula: bool = True) -> CellError:
        self = super().__new__(cls, value)
        if not formula:
            self.formula = False  # (an instance attribute only for the rare pasted one)
        return self

Grid = list[list[Any]]


def read_sheet_raw(port: Any, name: str) -> Grid:
    """``port.read_sheet(name)``, or from a port that reads it cheaper so, the same grid with
    blank cells as ``""`` instead of None (:meth:`juesuan.io.xlsx.CalamineBook.read_sheet_raw`):
    for a reader to whom an empty string and a blank cell are the same."""
    raw = getattr(port, "read_sheet_raw", None)
    return raw(name) if raw is not None else port.read_sheet(name)


def cell_at(grid: Grid, row: int, col: int) -> Any:
    """0-based lookup that treats out-of-range as blank."""
    if row < len(grid):
        line = grid[row]
        if col < len(line):
            return line[col]
    return None


@functools.lru_cache(maxsize=4096)
def column_letter(col: int) -> str:
    """0-based column index → letters (0 → A); remembered (a sheet has few columns)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, col) → ``A1`` address."""
    return f"{column_letter(col)}{row + 1}"


@record
class CellStyle:
    """Abstract styling the engine asks for; adapters map it to their library's styles."""

    role: str  # title | label | dept | unit | header | lanci | body-label | body-code | body-line | amount | total-label | total-amount | note | input-header | input | input-title | form-label
    merge_to: tuple[int, int] | None = None  # bottom-right (row, col), 0-based, when merged


@record(frozen=True)
class CellFormula:
    """A formula the accountant typed into an input cell of a sheet Fill pictures anew (a
    self-evaluation, the 说明), carried into the picture by the file adapter: its text without
    the leading ``=``, as the file spells it, and ``array``, the range of an array formula."""

    text: str
    array: str | None = None


@record(frozen=True)
class CellLook:
    """A carried cell's own look (表外单元格的格式), laid over its role's style by the writers:
    what the accountant gave a cell Fill keeps outside a table (:mod:`juesuan.io.kept_extras`).
    ``number_format`` as a format code (``yyyy-mm-dd``, ``0.00%``, ``@``); the font's name,
    size, bold, italic, underline (``single`` …) and colour (``rgb:FFFF0000``,
    ``theme:1`` or ``theme:1:-0.25`` with its tint, ``indexed:10``); the alignment. None (or
    False) where the role's own applies."""

    number_format: str | None = None
    font_name: str | None = None
    size: float | None = None
    bold: bool = False
    italic: bool = False
    underline: str | None = None
    color: str | None = None
    h: str | None = None
    v: str | None = None
    wrap: bool = False
    indent: int = 0

    def has_font(self) -> bool:
        return bool(self.font_name or self.size or self.bold or self.italic or self.underline or self.color)

    def has_alignment(self) -> bool:
        return bool(self.h or self.v or self.wrap or self.indent)


@record
class SheetPicture:
    """Everything to write on one sheet: values and styles by 0-based position, plus layout."""

    name: str
    cells: dict[tuple[int, int], tuple[Any, CellStyle]] = field(default_factory=dict)
    column_widths: dict[int, float] = field(default_factory=dict)
    hidden_columns: set[int] = field(default_factory=set)  # 0-based columns hidden (kept as the user hid them)
    row_heights: dict[int, float] = field(default_factory=dict)
    freeze: tuple[int, int] | None = None  # first unfrozen (row, col)
    print_title_rows: tuple[int, int] | None = None  # 0-based inclusive header rows to repeat
    landscape: bool = True
    protect: bool = False
    validations: list[tuple[str, Sequence[str]]] = field(default_factory=list)  # (A1 range, choices)
    comments: dict[tuple[int, int], str] = field(default_factory=dict)
    unlocked_ranges: list[str] = field(default_factory=list)  # A1 ranges editable under protection
    kind: str = "table"  # table | input
    hidden: bool = False  # a very hidden sheet of Fill's own (juesuan.rounding_record): never shown nor printed
    # input sheets: picture cell → the A1 address (same sheet, as read) of the input it shows,
    # so an adapter can carry a formula typed there (see ``formulas``)
    origins: dict[tuple[int, int], str] = field(default_factory=dict)
    # picture cell → the formula to write there (its value in ``cells`` is the cached value)
    formulas: dict[tuple[int, int], CellFormula] = field(default_factory=dict)
    # picture cell → its own look over its role's style (cells carried outside a table)
    looks: dict[tuple[int, int], CellLook] = field(default_factory=dict)

    def put(self, row: int, col: int, value: Any, role: str, merge_to: tuple[int, int] | None = None) -> None:
        self.cells[(row, col)] = (value, CellStyle(role, merge_to))

    @property
    def max_row(self) -> int:
        return max((r for r, _ in self.cells), default=-1)

    @property
    def max_col(self) -> int:
        return max((c for _, c in self.cells), default=-1)


class WorkbookPort(Protocol):
    """What the engine needs from a workbook."""

    def sheet_names(self) -> list[str]: ...

    def read_sheet(self, name: str) -> Grid: ...


class WritableWorkbook(WorkbookPort, Protocol):
    def replace_sheet(self, picture: SheetPicture) -> None:
        """Replace a computed sheet's contents and layout with ``picture`` (one block write)."""
        ...


class MemoryWorkbook:
    """A workbook held as grids in memory: for tests and for the engine's own composition."""

    def __init__(self, sheets: dict[str, Grid] | None = None):
        self.sheets: dict[str, Grid] = dict(sheets or {})

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def read_sheet(self, name: str) -> Grid:
        return self.sheets[name]

    def replace_sheet(self, picture: SheetPicture) -> None:
        self.sheets[picture.name] = picture_to_grid(picture)


def picture_to_grid(picture: SheetPicture) -> Grid:
    rows, cols = picture.max_row + 1, picture.max_col + 1
    grid: Grid = [[None] * cols for _ in range(rows)]
    for (r, c), (value, _style) in picture.cells.items():
        grid[r][c] = value
    return grid
