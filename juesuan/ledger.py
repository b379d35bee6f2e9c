"""Reading the detail (input) sheets into ledger lines.

Input sheets are laid out by :mod:`juesuan.layout`: row 1 title, row 2 column headers,
data from row 3; the 基本信息 form has label/value pairs from row 3. Every problem is
collected with its sheet and cell; the whole list is raised at the end so the accountant
sees everything at once. Blank rows are skipped; negative amounts are allowed.

A large ledger (:data:`COLUMNS_FROM` lines) keeps its clean sheets as columns
(:class:`LineColumns`): its :class:`LedgerLine` objects are built only if ``Ledger.lines``
is asked for; Fill's and Check's hot consumers work on :meth:`Ledger.chunks` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import field
from decimal import Decimal
from itertools import chain, repeat
from types import NoneType
from typing import Any

from juesuan.code_names import scheme_of, typed_path
from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, BadCode, CodeWithName, normalise_code, split_code_name
from juesuan.errors import InputError, Problem, error_value_code
from juesuan.money import NotANumber, parse_amount
from juesuan.port import NO_CACHED_VALUE, CellError, Grid, WorkbookPort, a1, cell_at, read_sheet_raw
from juesuan.records import record
from juesuan.spec.model import InputSheetSpec, TemplateSpec

INPUT_HEADER_ROW = 1  # 0-based row of column headers on list sheets
INPUT_FIRST_ROW = 2  # 0-based first data row


@record(frozen=True)
class LedgerLine:
    """One detail row: amount in 元 plus its classification. Empty dimensions are ''."""

    ledger: str
    amount: Decimal
    func: str = ""
    econ: str = ""
    kind: str = ""
    fund: str = ""
    item: str = ""
    project: str = ""
    name: str = ""
    sheet: str = ""
    row: int = 0  # 1-based Excel row
    unit: str = ""  # 单位 column of a department's consolidated ledger ('' = 本级)

    def __init__(self, ledger: str, amount: Decimal, func: str = "", econ: str = "", kind: str = "", fund: str = "",
                 item: str = "", project: str = "", name: str = "", sheet: str = "", row: int = 0, unit: str = ""):
        # written out (the dataclass keeps it): a frozen dataclass's own __init__ sets each field
        # through object.__setattr__, 2.5× slower, and a department reads hundreds of thousands
        d = self.__dict__
        d["ledger"], d["amount"], d["func"], d["econ"], d["kind"], d["fund"] = ledger, amount, func, econ, kind, fund
        d["item"], d["project"], d["name"], d["sheet"], d["row"], d["unit"] = item, project, name, sheet, row, unit


COLUMNS_FROM = 2000  # ledger lines from which read_ledger keeps clean sheets as columns (numpy for their consumers)
CODED_FROM = COLUMNS_FROM  # rows of a clean sheet from which its key columns are coded as they are read
_CENTS_BELOW = 10**13  # 元: below this, a float's spacing is under 0.01, so one multiple of 0.01 at most rounds to it


class LineColumns:
    """The lines of one detail sheet read column by column (:func:`_fast_list`), kept as
    columns: the hot consumers (:mod:`juesuan.grouping`, :mod:`juesuan.sanity`,
    :mod:`juesuan.code_names`) work on them, or on their distinct values, instead of one
    :class:`LedgerLine` per row; :meth:`lines` builds those for every other consumer.

    ``amounts`` are the cells' numbers as read (int or finite float, each line's amount is
    ``Decimal(repr(value))``); ``fields`` maps a key of :data:`_LINE_KEYS` (and ``unit``) to
    its column of text ('' blank); a missing key is blank on every line."""

    __slots__ = ("ledger", "sheet", "rows", "amounts", "fields", "_cents", "_codes", "_blank")

    def __init__(self, ledger: str, sheet: str, rows: Sequence[int], amounts: list[Any], fields: dict[str, list[str]]):
        self.ledger, self.sheet, self.rows, self.amounts, self.fields = ledger, sheet, rows, amounts, fields
        self._cents: Any = _BAD
        self._codes: dict[str, tuple[list[str], Any]] = {}
        self._blank: list[str] | None = None

    def __len__(self) -> int:
        return len(self.amounts)

    def column(self, key: str) -> list[str]:
        """Every line's ``key`` (``func``, ``econ``, …, ``unit``), in row order."""
        found = self.fields.get(key)
        if found is None:
            found = self._blank = self._blank or [""] * len(self.amounts)
        return found

    def decimals(self) -> list[Decimal]:
        """Every line's amount, exactly as :class:`LedgerLine` holds it."""
        return list(map(Decimal, map(repr, self.amounts)))

    def lines(self) -> list[LedgerLine]:
        n = len(self.amounts)
        return list(map(LedgerLine, repeat(self.ledger, n), self.decimals(),
                        *(self.column(k) for k in _LINE_KEYS[1:]), repeat(self.sheet, n), self.rows,
                        self.column("unit")))

    def cents(self) -> Any:
        """Every amount in integer cents (an int64 array) when each is exactly a number of
        cents — its ``Decimal(repr(value))`` has two decimals at most — and under 10¹³ 元;
        else None (the consumers then take the amounts as Decimals)."""
        if self._cents is _BAD:
            import numpy as np

            values = np.array(self.amounts, dtype=np.float64)
            cents = np.rint(values * 100)
            # c / 100 == v (IEEE division, correctly rounded): v is the float nearest c/100, and
            # below 10¹³ no other multiple of 0.01 is, so repr(v) shows c/100 (two decimals or fewer)
            exact = len(values) == 0 or (float(np.abs(values).max()) < _CENTS_BELOW
                                         and bool(np.array_equal(cents / 100, values)))
            self._cents = cents.astype(np.int64) if exact else None
        return self._cents

    def codes(self, key: str) -> tuple[list[str], Any]:
        """A column as its distinct values (in no particular order) and each line's index into
        them (an int64 array)."""
        found = self._codes.get(key)
        if found is None:
            import numpy as np

            column = self.column(key)
            distinct = list(dict.fromkeys(column))
            if len(distinct) <= 1:  # (a blank column: nothing to look up)
                found = (distinct, np.zeros(len(column), dtype=np.int64))
            else:
                ids = {v: n for n, v in enumerate(distinct)}
                found = (distinct, np.fromiter(map(ids.__getitem__, column), dtype=np.int64, count=len(column)))
            self._codes[key] = found
        return found


Chunk = LineColumns | list[LedgerLine]  # the lines of one detail sheet, as columns or as lines


@record
class Ledger:
    """The detail sheets as read: the form's information, the ledger lines, names and records typed.

    ``lines`` is built on first use when :func:`read_ledger` kept a large sheet as columns
    (:class:`LineColumns`): :meth:`chunks` gives the lines sheet by sheet, columns where
    still kept, for the consumers that work on columns. Once ``lines`` has been asked for (or
    set), it alone is the ledger's lines and :meth:`chunks` gives it whole."""

    info: dict[str, Any]
    lines: list[LedgerLine]
    typed_names: dict[str, str] = field(default_factory=dict)  # 功能分类 (2…) or 经济分类 (3…) code → name typed on a detail sheet
    warnings: list[Problem] = field(default_factory=list)
    own_names: dict[str, dict[str, str]] = field(default_factory=dict)  # scheme → code → name (科目表 sheet)
    own_cells: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)  # (scheme, code) → name, sheet, A1
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # list sheets without a ledger (单位构成)
    typed_units: set[str] = field(default_factory=set)  # 单位 values typed on the detail sheets

    def chunks(self) -> list[Chunk]:
        """The lines in order, sheet by sheet: a :class:`LineColumns` or a list of lines each."""
        d = self.__dict__
        return [d["_lines"]] if d.get("_lines") is not None else list(d.get("_chunks") or ())

    @property
    def line_count(self) -> int:
        """len(lines), without building them."""
        return sum(map(len, self.chunks()))


def _get_lines(self: Ledger) -> list[LedgerLine]:
    d = self.__dict__
    lines = d.get("_lines")
    if lines is None:
        lines = d["_lines"] = [line for chunk in d.get("_chunks") or () for line in
                               (chunk.lines() if type(chunk) is LineColumns else chunk)]
        d["_chunks"] = None
    return lines


def _set_lines(self: Ledger, lines: list[LedgerLine] | None) -> None:
    self.__dict__["_lines"], self.__dict__["_chunks"] = lines, None


Ledger.lines = property(_get_lines, _set_lines, doc="The ledger lines, in order (built on first use).")  # type: ignore[assignment]


def _text(value: Any) -> str:
    if value is None or value is NO_CACHED_VALUE:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    return str(value).strip()


class _Reader:
    def __init__(self, spec: TemplateSpec):
        self.spec = spec
        self.problems: list[Problem] = []
        self._code_cache: dict[Any, str | None] = {}
        self.attached_names: dict[str, str] = {}  # a code cell's text → the name it carried ("2080505 机关…")

    def problem(self, code: str, sheet: str, row: int, col: int, **params: Any) -> None:
        self.problems.append(Problem(code, params, sheet, a1(row, col)))

    def code(self, value: Any, levels: tuple[int, ...], sheet: str, row: int, col: int, what: str) -> str | None:
        key = (value, levels)
        if not isinstance(value, float | int | str) or value is True or value is False:
            key = None
        if key is not None and key in self._code_cache:
            code = self._code_cache[key]
        else:
            try:
                try:
                    code = normalise_code(value)
                except BadCode:  # a ledger export's "[2080505]机关…": the code, its name kept aside
                    named = split_code_name(value) if isinstance(value, str) else None
                    if named is None:
                        raise
                    code = named.code
                    if named.name:
                        self.attached_names[value] = named.name
                if code is not None and len(code) not in levels:
                    raise BadCode(code)
            except BadCode:
                lengths = "/".join(str(n) for n in levels)
                self.problem("bad-code", sheet, row, col, value=_text(value),
                             expected=f"{what}应为 {lengths} 位数字 / {what} must be {lengths} digits")
                return None
            if key is not None:
                self._code_cache[key] = code
        return code

    def amount(self, value: Any, sheet: str, row: int, col: int) -> Decimal | None:
        if value is NO_CACHED_VALUE:
            self.problem("formula-no-value", sheet, row, col)
            return None
        if type(value) is CellError:
            self.problem(error_value_code(value), sheet, row, col, value=str(value))
            return None
        try:
            return parse_amount(value)
        except NotANumber:
            self.problem("not-a-number", sheet, row, col, value=_text(value))
            return None


def form_values(grid: Grid) -> dict[str, Any]:
    """A form sheet (基本信息) as label → raw value: label in column A, value in column B."""
    by_label = {}
    for r in range(len(grid)):
        label = _text(cell_at(grid, r, 0))
        if label:
            by_label[label] = cell_at(grid, r, 1)
    return by_label


def form_value(grid: Grid, label: str) -> str:
    """The value beside ``label`` on a form sheet, as text ('' when absent)."""
    return _text(form_values(grid).get(label))


def info_value(spec: TemplateSpec, port: WorkbookPort, key: str) -> str:
    """A 基本信息 field (``dept``, ``year``, ``format``) as the workbook shows it ('' when absent)."""
    sheet = spec.info.sheet
    if sheet not in port.sheet_names():
        return ""
    grid, label = port.read_sheet(sheet), spec.info_label(key)
    rows = [r for r in range(len(grid)) if _text(cell_at(grid, r, 0)) == label]
    value = cell_at(grid, rows[-1], 1) if rows else None
    if value is NO_CACHED_VALUE or type(value) is CellError:  # never "#REF!" as a 部门名称: named at its cell
        reader = _Reader(spec)
        reader.amount(value, sheet, rows[-1], 1)
        raise InputError(reader.problems)
    return _text(value)


def read_info(spec: TemplateSpec, grid: Grid, sheet_spec: InputSheetSpec) -> dict[str, Any]:
    """The form sheet (基本信息): label in column A, value in column B."""
    by_label = form_values(grid[INPUT_FIRST_ROW:])
    info: dict[str, Any] = {}
    for f in sheet_spec.fields:
        value = by_label.get(f.label)
        info[f.key] = _text(value) if f.type != "year" else (_text(value) or None)
    return info


def read_ledger(spec: TemplateSpec, port: WorkbookPort, unit: str = "") -> Ledger:
    """Read every input sheet named by the spec; raise :class:`InputError` with all problems.
    ``unit``: the unit a consolidation reads this workbook as, given to every line whose 单位
    is blank (:attr:`Ledger.typed_units` keeps the 单位 values typed on the sheets)."""
    reader = _Reader(spec)
    names = set(port.sheet_names())
    # optional sheets (科目表, 单位构成): workbooks made before they existed still fill
    missing = [s.sheet for s in spec.inputs if s.sheet not in names and not s.optional]
    if missing:
        raise InputError([Problem("sheet-missing", {"sheet": s}, s) for s in missing])
    info: dict[str, Any] = {}
    notices: list[Problem] = []
    chunks: list[Chunk] = []
    typed: dict[str, str] = {}
    records: dict[str, list[dict[str, Any]]] = {}
    own: dict[str, dict[str, str]] = {}
    own_cells: dict[tuple[str, str], tuple[str, str, str]] = {}
    typed_units: set[str] = set()
    for sheet_spec in spec.inputs:
        if sheet_spec.sheet not in names:  # an optional sheet this workbook lacks
            continue
        if sheet_spec.kind != "form" and sheet_spec.ledger not in (None, OWN_CODES):  # a detail sheet's lines
            chunks.append(_read_list(reader, sheet_spec, port, typed, unit, typed_units))
            continue
        grid = port.read_sheet(sheet_spec.sheet)
        if sheet_spec.kind == "form":
            info.update(read_info(spec, grid, sheet_spec))
            labels = {f.label for f in sheet_spec.fields}
            for r in range(INPUT_FIRST_ROW, len(grid)):  # a formula's error value is no 部门名称 …
                value = cell_at(grid, r, 1)
                if (value is NO_CACHED_VALUE or type(value) is CellError) and _text(cell_at(grid, r, 0)) in labels:
                    reader.amount(value, sheet_spec.sheet, r, 1)  # named at its cell, as on the detail sheets
            for row, f in enumerate(sheet_spec.fields, start=INPUT_FIRST_ROW):
                if f.required and not info.get(f.key):
                    notices.append(Problem("info-missing", {"field": f.label}, sheet_spec.sheet, a1(row, 1),
                                           severity="warning"))
            continue
        present = _check_headers(reader, sheet_spec, grid)
        if sheet_spec.ledger == OWN_CODES:  # the department's own code names (科目表)
            _read_own_codes(reader, sheet_spec, grid, own, own_cells)
            continue
        records[sheet_spec.id] = _read_records(reader, sheet_spec, grid, present)
    found = info.get("format")
    if found and str(found) != spec.format:
        reader.problems.insert(0, Problem("template-version", {"found": found, "expected": spec.format}, spec.info.sheet))
    if reader.problems:
        raise InputError(reader.problems)
    columns = sum(len(c) for c in chunks if type(c) is LineColumns) >= COLUMNS_FROM
    out = Ledger(info=info, lines=None if columns else  # type: ignore[arg-type]
                 [line for c in chunks for line in (c.lines() if type(c) is LineColumns else c)],
                 typed_names=typed, warnings=notices, own_names=own, own_cells=own_cells, records=records,
                 typed_units=typed_units)
    if columns:  # a large ledger: its lines are built if ever asked for
        out.__dict__["_chunks"] = chunks
    return out


OWN_CODES = "codes"  # the ``ledger`` of the 科目表 input sheet: (分类, 科目编码, 科目名称) rows, no amounts


def _read_own_codes(reader: _Reader, sheet_spec: InputSheetSpec, grid: Grid, own: dict[str, dict[str, str]],
                    cells: dict[tuple[str, str], tuple[str, str, str]]) -> None:
    """The department's own code names (科目表): 分类 | 科目编码 | 科目名称; a code named twice
    with two names is a problem at the second row."""
    sheet = sheet_spec.sheet
    keys = [c.key for c in sheet_spec.columns]
    at = {k: keys.index(k) for k in ("scheme", "code", "name") if k in keys}
    if len(at) < 3:
        return
    for r in range(INPUT_FIRST_ROW, len(grid)):
        raw = [cell_at(grid, r, at[k]) for k in ("scheme", "code", "name")]
        if all(_text(v) == "" for v in raw):
            continue
        scheme = scheme_of(raw[0])
        if scheme is None:
            reader.problem("unknown-choice", sheet, r, at["scheme"], value=_text(raw[0]), field="分类",
                           choices="功能分类、经济分类")
            continue
        levels = FUNC_LEVELS if scheme == "functional" else ECON_LEVELS
        code = reader.code(raw[1], levels, sheet, r, at["code"], "功能分类编码" if scheme == "functional" else "经济分类编码")
        name = _text(raw[2])
        if code is None:
            if _text(raw[1]) == "":
                reader.problem("required", sheet, r, at["code"], field="科目编码")
            continue
        if not name:
            reader.problem("required", sheet, r, at["name"], field="科目名称")
            continue
        known = own.setdefault(scheme, {}).get(code)
        if known is not None and known != name:
            reader.problem("own-name-twice", sheet, r, at["name"], code=code, name=name, first=known)
            continue
        own[scheme][code] = name
        cells.setdefault((scheme, code), (name, sheet, a1(r, at["name"])))


def read_records(spec: TemplateSpec, port: WorkbookPort, input_id: str) -> list[dict[str, Any]]:
    """The rows of one list sheet without a ledger (单位构成) as dicts; [] when the spec or the
    workbook lacks the sheet or its rows can't be read (Fill and check report those)."""
    sheet_spec = next((s for s in spec.inputs if s.id == input_id and s.kind == "list"), None)
    if sheet_spec is None or sheet_spec.sheet not in port.sheet_names():
        return []
    reader = _Reader(spec)
    grid = port.read_sheet(sheet_spec.sheet)
    rows = _read_records(reader, sheet_spec, grid, _check_headers(reader, sheet_spec, grid))
    return [] if reader.problems else rows


def _check_headers(reader: _Reader, sheet_spec: InputSheetSpec, grid: Grid) -> int:
    """Check the header row; return how many columns the sheet has (an optional column with a
    blank header, and those after it, are absent: a workbook made before they existed)."""
    for c, col in enumerate(sheet_spec.columns):
        found = _text(cell_at(grid, INPUT_HEADER_ROW, c))
        if col.optional and not found:
            return c
        if found != col.label:
            reader.problem("header-mismatch", sheet_spec.sheet, INPUT_HEADER_ROW, c, expected=col.label, found=found)
    return len(sheet_spec.columns)


def _read_records(reader: _Reader, sheet_spec: InputSheetSpec, grid: Grid, width: int) -> list[dict[str, Any]]:
    """A list sheet without money (单位构成): one dict per non-blank row, text values."""
    out = []
    cols = sheet_spec.columns[:width]
    for r in range(INPUT_FIRST_ROW, len(grid)):
        values = [_text(cell_at(grid, r, c)) for c in range(width)]
        if not any(values):
            continue
        for c, col in enumerate(cols):
            if col.required and not values[c]:
                reader.problem("required", sheet_spec.sheet, r, c, field=col.label)
        out.append({col.key: values[c] for c, col in enumerate(cols)} | {"row": r + 1})
    return out


def _column_reader(reader: _Reader, col: Any, ledger: str, sheet: str,
                   vocab: tuple[str, ...] | None) -> Callable[[Any, int, int], Any]:
    """A converter for one column (value, row, col) → value or ``_BAD`` (problem recorded).
    Frequent values are cached per column: a ledger repeats its codes and vocabulary."""
    cache: dict[Any, Any] = {}
    if col.type == "money":
        def money(value: Any, r: int, c: int) -> Any:
            if type(value) is float and math.isfinite(value) and -1e15 < value < 1e15:
                return Decimal(repr(value))
            out = reader.amount(value, sheet, r, c)
            return _BAD if out is None and value is not None and not (isinstance(value, str) and not value.strip()) \
                else out
        return money
    if col.type in ("func_code", "econ_code"):
        levels = (FUNC_LEVELS if ledger == "balance" else FUNC_LEVELS[-1:]) if col.type == "func_code" \
            else ECON_LEVELS[-1:]
        what = "功能分类编码" if col.type == "func_code" else "经济分类编码"

        def code(value: Any, r: int, c: int) -> Any:
            try:
                hit = cache.get(value)
            except TypeError:
                hit = None
            if hit is not None:
                return hit
            before = len(reader.problems)
            out = reader.code(value, levels, sheet, r, c, what)
            if len(reader.problems) != before:
                return _BAD
            out = out or ""
            if out and type(value) is str and value in reader.attached_names:
                out = CodeWithName(out, reader.attached_names[value])  # the name serves where 科目名称 is blank
            if isinstance(value, str | int | float):
                cache[value] = out
            return out
        return code
    if col.type == "choice":
        allowed = set(vocab or ())

        def choice(value: Any, r: int, c: int) -> Any:
            if type(value) is str and value in allowed:
                return value
            text = _text(value)
            if text and text not in allowed:
                reader.problem("unknown-choice", sheet, r, c, value=text, field=col.label,
                               choices="、".join(vocab or ()))
                return _BAD
            return text
        return choice

    def text(value: Any, r: int, c: int) -> Any:
        return value.strip() if type(value) is str else _text(value)
    return text


_BAD = object()


_NUMBER_TYPES = frozenset({bool, int, float})
_MONEY_TYPES = frozenset({int, float})
_LINE_KEYS = ("amount", "func", "econ", "kind", "fund", "item", "project", "name")


# Values already converted without a problem, per kind of column (type, the ledger where it
# sets a code's levels, vocabulary) → (type, value) → converted: a department's units repeat
# one another's codes and vocabulary. Conversions are pure, so the memo is never stale.
_CLEAN: dict[tuple[Any, ...], dict[tuple[type, Any], Any]] = {}
_CLEAN_KEPT = 50_000


class _Slow(Exception):
    """Raised by the fast reading of a list sheet: something there needs the row-by-row reading."""


def _read_list(reader: _Reader, sheet_spec: InputSheetSpec, port: WorkbookPort, typed: dict[str, str],
               unit: str = "", typed_units: set[str] | None = None) -> Chunk:
    """The ledger lines of one list sheet: column by column when every cell is plain (each
    distinct value converted once; kept as columns; from the sheet as read, its blanks
    perhaps ``""``: :func:`~juesuan.port.read_sheet_raw`), else row by row with every
    problem located."""
    units = typed_units if typed_units is not None else set()
    grid = read_sheet_raw(port, sheet_spec.sheet)
    width = _check_headers(reader, sheet_spec, grid)
    try:
        columns, pairs = _fast_list(reader, sheet_spec, grid, width, unit, units)
    except _Slow:
        out: list[LedgerLine] = []
        _slow_list(reader, sheet_spec, port.read_sheet(sheet_spec.sheet), out, typed, width, unit, units)
        return out
    for func, name in pairs:
        for node, node_name in typed_path(func, name):
            typed.setdefault(node, node_name)
    return columns


def _fast_list(reader: _Reader, sheet_spec: InputSheetSpec, grid: Grid, width: int, unit: str,
               typed_units: set[str]) -> tuple[LineColumns, list[tuple[str, str]]]:
    """The lines of a list sheet whose every cell converts without a problem, read column by
    column; raise :class:`_Slow` (nothing recorded) at the first cell that doesn't, or holds an
    error value, a formula without value, or a number beside a bool (equal as keys)."""
    spec = reader.spec
    sheet = sheet_spec.sheet
    cols = sheet_spec.columns[:width]
    ledger = sheet_spec.ledger or sheet_spec.id
    body = grid[INPUT_FIRST_ROW:]
    lengths = set(map(len, body))
    columns = _columns_of(body, width, lengths) if body and len(lengths) == 1 and min(lengths) >= width else []
    try:
        leading = set(columns[0]) if columns else None  # (a str equals no other type: the distinct values tell)
    except TypeError:  # an unhashable value
        leading = None
    if leading and all(type(v) is str and v.strip() for v in leading):
        rows: list[Any] = body  # rectangular, and every row starts with text: no blank row to skip
        numbers: Sequence[int] = range(INPUT_FIRST_ROW + 1, INPUT_FIRST_ROW + 1 + len(body))
    else:
        rows, numbers, leading = [], [], None
        for r in range(INPUT_FIRST_ROW, len(grid)):
            raw = grid[r]
            first = raw[0] if raw else None
            if ((first is None or (type(first) is str and not first.strip()))
                    and all(v is None or (type(v) is str and not v.strip()) for v in raw[:width])):
                continue
            rows.append(raw)
            numbers.append(r + 1)  # type: ignore[attr-defined]
        if rows and min(map(len, rows)) < width:
            rows = [row if len(row) >= width else [*row, *([None] * (width - len(row)))] for row in rows]
        columns = _columns_of(rows, width) if rows else [[] for _ in cols]
    n = len(rows)
    by_key: dict[str, Any] = {}
    attached: list[str] = []
    econ_named: list[tuple[str, str]] = []
    outcomes: dict[str, set[Any]] = {}  # each column's distinct converted values
    coded: dict[str, tuple[list[str], Any]] = {}
    for c, col in enumerate(cols):
        values = columns[c]
        if col.type == "money":
            if not set(map(type, values)) <= _MONEY_TYPES:
                raise _Slow
            try:
                if not all(map(math.isfinite, values)) or (values and not (-1e15 < min(values) and max(values) < 1e15)):
                    raise _Slow
            except OverflowError:  # an int too large for a float
                raise _Slow from None
            by_key[col.key] = values  # (a list of this sheet's own)
            continue
        try:
            distinct = leading if c == 0 and leading is not None else set(values)
        except TypeError:  # an unhashable value (a signalling NaN): the careful reading
            raise _Slow from None
        kinds = set(map(type, distinct))  # exact unless numbers: 1, 1.0 and True are one key
        if kinds & _NUMBER_TYPES:
            kinds = set(map(type, values))
        if not kinds <= {str, NoneType, *_NUMBER_TYPES} or len(kinds & _NUMBER_TYPES) > 1:
            raise _Slow
        vocab = spec.vocabularies.get(col.vocabulary or "")
        memo = _CLEAN.setdefault((col.type, ledger if col.type == "func_code" else "", vocab), {})
        convert = None
        before = len(reader.problems)
        mapping = {}
        for value in distinct:
            got = memo.get((type(value), value), _BAD)
            if got is _BAD:
                convert = convert or _column_reader(reader, col, ledger, sheet, vocab)
                got = convert(value, 0, c)
                if got is _BAD or len(reader.problems) != before:
                    del reader.problems[before:]
                    raise _Slow
                if len(memo) < _CLEAN_KEPT:
                    memo[(type(value), value)] = got
            if col.required and (got is None or got == ""):
                raise _Slow
            mapping[value] = got
        if col.type in ("func_code", "econ_code") and any(type(g) is CodeWithName for g in mapping.values()):
            named = mapping
            mapping = {v: g.code if type(g) is CodeWithName else g for v, g in named.items()}
            if col.key == "func":
                attached = [g.name if type(g) is CodeWithName else "" for g in map(named.__getitem__, values)]
            elif col.key == "econ":  # a 经济分类 name typed in its code cell names that code, as for 功能分类
                econ_named = [(g.code, g.name) for g in dict.fromkeys(map(named.__getitem__, values))
                              if type(g) is CodeWithName and g.name]  # first row first, as row by row
        outcomes[col.key] = set(mapping.values())
        if n >= CODED_FROM and col.key in _CODED:  # a large sheet: its grouping columns coded now, while at hand
            coded[col.key] = _coded(outcomes[col.key], mapping, values)
        # text as typed (or only stripped of nothing): the column as it is
        same = all(got is value or (type(got) is str and type(value) is str and got == value)
                   for value, got in mapping.items())
        by_key[col.key] = values if same else list(map(mapping.__getitem__, values))
    blank = [""] * n
    if attached:  # names typed in the code cells, where the row's own 科目名称 is blank
        by_key["name"] = [own or cell for own, cell in zip(by_key.get("name") or blank, attached, strict=True)]
    fields = [by_key.get(k) or blank for k in _LINE_KEYS]
    if n and "amount" not in by_key:  # (a required column: never so in a spec)
        raise _Slow
    fiscal = spec.fiscal
    if (ledger == "expense" and outcomes.get("fund", {""}) & set(fiscal.funds)
            and not outcomes.get("kind", {""}) <= set(fiscal.fund_kinds)):  # (else no pair to test)
        for fund, kind in set(zip(by_key.get("fund") or blank, by_key.get("kind") or blank, strict=True)):
            if fund in fiscal.funds and kind not in fiscal.fund_kinds:
                raise _Slow
    if ledger == "balance":
        for item, fund, func in set(zip(fields[5], fields[4], fields[1], strict=True)):
            if item == fiscal.opening_balance_item and fund in fiscal.coded_balance_funds and not func:
                raise _Slow
    units = by_key.get("unit") or blank
    typed_units.update(u for u in set(units) if u)
    if unit:
        units = [u or unit for u in units]
    kept = {k: v for k, v in zip(_LINE_KEYS[1:], fields[1:], strict=True) if v is not blank}
    if units is not blank:
        kept["unit"] = units
    pairs = [p for p in dict.fromkeys(zip(fields[1], fields[7], strict=True)) if p[0] and p[1]] \
        if any(fields[7]) else []
    pairs += econ_named
    out = LineColumns(ledger, sheet, numbers, fields[0], kept)
    out._codes.update(coded)
    return out, pairs


_CODED = frozenset({"func", "econ", "kind", "fund", "item"})  # the columns grouping codes (the leaves' key)


def _coded(distinct: set[Any], mapping: dict[Any, Any], values: list[Any]) -> tuple[list[str], Any]:
    """:meth:`LineColumns.codes` of a column read as ``values``, converted by ``mapping`` to
    the ``distinct`` values."""
    import numpy as np

    out = list(distinct)
    if len(out) <= 1:
        return out, np.zeros(len(values), dtype=np.int64)
    position = {v: n for n, v in enumerate(out)}
    index = {value: position[got] for value, got in mapping.items()}
    return out, np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))


def _columns_of(rows: list[Any], width: int, lengths: set[int] | None = None) -> list[list[Any]]:
    """The first ``width`` columns of ``rows`` (each at least that long; ``lengths``: the rows'
    lengths when known), through one flat list: ``zip(*rows)`` makes an iterator per row, and
    so many new objects start the garbage collector over the whole grid, again and again (3×
    slower at 100,000 rows; with the collector paused, still 1.6× slower)."""
    lengths = set(map(len, rows)) if lengths is None else set(lengths)
    if len(lengths) == 1:
        step, flat = lengths.pop(), list(chain.from_iterable(rows))
    else:
        step, flat = width, list(chain.from_iterable(row[:width] for row in rows))
    return [flat[c::step] for c in range(width)]


def _slow_list(reader: _Reader, sheet_spec: InputSheetSpec, grid: Grid, out: list[LedgerLine],
               typed: dict[str, str], width: int, unit: str, typed_units: set[str]) -> None:
    spec = reader.spec
    sheet = sheet_spec.sheet
    cols = sheet_spec.columns[:width]
    ledger = sheet_spec.ledger or sheet_spec.id
    converters = [_column_reader(reader, col, ledger, sheet, spec.vocabularies.get(col.vocabulary or ""))
                  for col in cols]
    keys = [col.key for col in cols]
    required = [col.required for col in cols]
    kind_col = keys.index("kind") if "kind" in keys else 0
    fiscal = spec.fiscal
    for r in range(INPUT_FIRST_ROW, len(grid)):
        raw = grid[r][:width]
        first = raw[0] if raw else None
        if ((first is None or (type(first) is str and not first.strip()))  # cheap test first: most rows start filled
                and all(v is None or (type(v) is str and not v.strip()) for v in raw)):
            continue
        if len(raw) < width:
            raw = [*raw, *([None] * (width - len(raw)))]
        record: dict[str, Any] = {}
        econ_named: tuple[str, str] | None = None
        bad = False
        for c in range(width):
            value = raw[c]
            if value is NO_CACHED_VALUE or type(value) is CellError:  # a formula, in any column
                reader.amount(value, sheet, r, c)
                bad = True
                continue
            value = converters[c](value, r, c)
            if value is _BAD:
                bad = True
                continue
            if required[c] and (value is None or value == ""):
                reader.problem("required", sheet, r, c, field=cols[c].label)
                bad = True
            record[keys[c]] = value
        if bad:
            continue
        for key in ("func", "econ"):
            value = record.get(key)
            if type(value) is CodeWithName:
                record[key] = value.code
                if key == "func" and not record.get("name"):
                    record["name"] = value.name  # the name typed in the code cell, where 科目名称 is blank
                elif key == "econ" and value.name:  # a 经济分类 name names its code, as for 功能分类
                    econ_named = (value.code, value.name)
        get = record.get
        line = LedgerLine(ledger, record["amount"], get("func") or "", get("econ") or "", get("kind") or "",
                          get("fund") or "", get("item") or "", get("project") or "", get("name") or "", sheet, r + 1,
                          get("unit") or unit)
        if ledger == "expense" and line.fund in fiscal.funds and line.kind not in fiscal.fund_kinds:
            reader.problem("fiscal-kind", sheet, r, kind_col, fund=line.fund, kind=line.kind,
                           kinds="或".join(fiscal.fund_kinds))
            continue
        if (ledger == "balance" and line.item == fiscal.opening_balance_item and line.fund in fiscal.coded_balance_funds
                and not line.func):
            reader.problem("fund-needs-code", sheet, r, 0, fund=line.fund)
            continue
        if line.name and line.func:
            for node, node_name in typed_path(line.func, line.name):
                typed.setdefault(node, node_name)
        for node, node_name in typed_path(*econ_named) if econ_named else ():
            typed.setdefault(node, node_name)
        if get("unit"):
            typed_units.add(get("unit"))
        out.append(line)
