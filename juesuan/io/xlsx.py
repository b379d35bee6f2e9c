"""File adapter: read .xlsx with python-calamine (fast, cached values), write with openpyxl.

Opening refuses clearly what it cannot use: a missing file, a file that is not .xlsx
(an old .xls, a CSV renamed), an encrypted/password-protected workbook (an OLE container),
a corrupt zip. Saving is atomic: a temporary file beside the target, then ``os.replace``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.gcpause import freeze_for, gc_paused, thaw_for
from juesuan.io.cached import uncached_formula_cells
from juesuan.io.guard import error_cells, scan_workbook
from juesuan.lazy_re import lazy
from juesuan.port import NO_CACHED_VALUE, CellError, Grid, SheetPicture

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_workbook_file(path: str | Path) -> Path:
    """Raise :class:`InputError` unless ``path`` looks like a readable .xlsx/.xlsm that is
    safe to hand to a reader (:func:`juesuan.io.guard.scan_workbook`: names, sizes, DTDs)."""
    p = Path(path)
    if not p.exists():
        raise fail("file-missing", path=str(p))
    if p.is_dir():
        raise fail("file-not-xlsx", path=str(p), reason="这是一个文件夹 / this is a folder")
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise fail("file-not-xlsx", path=str(p), reason=exc.strerror or str(exc)) from exc
    if head.startswith(OLE_MAGIC):
        if _is_encrypted_ole(p):
            raise fail("file-encrypted", path=str(p))
        raise fail("file-not-xlsx", path=str(p), reason="旧版 .xls 格式 / legacy .xls format")
    if not head.startswith(b"PK"):
        reason = "空文件 / empty file" if not head else "不是 zip 容器 / not a zip container"
        raise fail("file-not-xlsx", path=str(p), reason=reason)
    scan = scan_workbook(p)
    if not scan.has_workbook:
        raise fail("file-not-xlsx", path=str(p), reason="缺少 xl/workbook.xml / no workbook part")
    if p.suffix.lower() in _OTHER_READERS:  # a reader would take it by its name for another format
        raise fail("file-not-xlsx", path=str(p),
                   reason=f"扩展名为 {p.suffix}，内容却是 .xlsx 工作簿，请改名为 .xlsx / named {p.suffix} but it holds "
                          f"an .xlsx workbook: rename it to .xlsx")
    return p


_OTHER_READERS = (".xls", ".xla", ".xlsb", ".ods")  # extensions python-calamine reads as another format


def _is_encrypted_ole(p: Path) -> bool:
    data = p.read_bytes()
    return "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data


class CalamineBook:
    """Read-only port over an .xlsx file (cached values of formulas, as Excel last saved them;
    :data:`NO_CACHED_VALUE` where a formula has none, a :class:`CellError` for an error value)."""

    def __init__(self, path: str | Path):
        from python_calamine import CalamineWorkbook

        self.path = check_workbook_file(path)
        try:
            self._wb = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine raises its own error types
            raise fail("file-corrupt", path=str(self.path), reason=str(exc)) from exc
        self._scan = scan_workbook(self.path)  # remembered: the guard's notes for every sheet read
        self._cache: dict[str, Grid] = {}
        self._raw: dict[str, Grid] = {}  # read_sheet_raw's grids, until read_sheet converts them
        self._closed = False
        self._frozen = False  # whether a large grid read holds the objects out of the collector's walks

    def sheet_names(self) -> list[str]:
        return list(self._wb.sheet_names)

    def formula_sheets(self) -> set[str]:
        """The sheets holding formulas (the read guard's notes): their cells without a cached
        value read as :data:`NO_CACHED_VALUE`, never as blanks."""
        return {name for name, part in self._scan.sheets.items() if part in self._scan.formula_parts}

    def read_sheet(self, name: str) -> Grid:
        grid = self._cache.get(name)
        if grid is None:
            raw = self._raw.pop(name, None)
            if raw is None:
                raw = self._read(name)
            with gc_paused():
                grid = [[None if v == "" else v for v in row] for row in raw]
            self._cache[name] = grid
        return grid

    def read_sheet_raw(self, name: str) -> Grid:
        """:meth:`read_sheet`, but blank cells may read ``""`` instead of None — python-calamine's
        own spelling, without the pass that turns 700,000 cells of a large detail sheet into
        None (for readers to whom the two are the same; :func:`juesuan.port.read_sheet_raw`)."""
        grid = self._cache.get(name)
        if grid is None:
            grid = self._raw.get(name)
            if grid is None:
                grid = self._raw[name] = self._read(name)
        return grid

    def _read(self, name: str) -> Grid:
        """A sheet as python-calamine reads it (blanks ``""``), with the formulas without a cached
        value and the error values it reads as blanks put back."""
        if name not in self._wb.sheet_names:
            raise fail("sheet-missing", sheet=name)
        with gc_paused():  # a large sheet is ~100,000 row lists: no collector walks meanwhile
            try:
                grid = self._wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception as exc:  # calamine raises its own error types
                if "error value" not in str(exc):
                    raise fail("file-corrupt", path=str(self.path), reason=f"{name}: {exc}") from exc
                grid = self._read_with_known_errors(name, exc)
            if len(grid) >= FREEZE_ROWS and not self._frozen:  # … nor later, while this book keeps it
                freeze_for()
                self._frozen = True
        part = self._scan.sheets.get(name)
        if part in self._scan.formula_parts:  # a formula without a cached value reads as blank
            _put_uncached(grid, uncached_formula_cells(self.path, part))
        _put_errors(grid, error_cells(self.path, name, self._scan))
        return grid

    def _read_with_known_errors(self, name: str, exc: Exception) -> list[list[Any]]:
        """``name`` read from a copy of the package in memory where each error value
        python-calamine does not know (``#SPILL!``, ``#CALC!``, ``#FIELD!`` … of newer Excel:
        it refuses the whole sheet) reads ``#N/A``; :func:`error_cells` then puts the real
        values back from the file, so such a cell is reported as what it holds."""
        from python_calamine import CalamineWorkbook

        part = self._scan.sheets.get(name)
        buffer = io.BytesIO()
        with zipfile.ZipFile(self.path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as copy:
            for info in src.infolist():  # (inflated sizes within the guard's limits)
                data = src.read(info)
                copy.writestr(info.filename, _KNOWN_ERROR_CELL.sub(_known_error, data) if info.filename == part else data)
        buffer.seek(0)
        try:
            wb = CalamineWorkbook.from_filelike(buffer)
            try:
                return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            finally:
                wb.close()
        except Exception:  # calamine raises its own error types
            raise fail("file-corrupt", path=str(self.path), reason=f"{name}: {exc}") from exc

    def close(self) -> None:
        """Close the file and let go of the grids read (closing twice does nothing)."""
        if self._closed:
            return
        self._closed = True
        self._wb.close()
        self._cache.clear()
        self._raw.clear()
        if self._frozen:
            self._frozen = False
            thaw_for()


FREEZE_ROWS = 20_000  # rows of a sheet from which its reading is held out of the collector's walks
# the error values python-calamine reads; any other (#SPILL!, #CALC! …) makes it refuse the sheet
_CALAMINE_ERRORS = frozenset({b"#DIV/0!", b"#N/A", b"#NAME?", b"#NULL!", b"#NUM!", b"#REF!", b"#VALUE!"})
_KNOWN_ERROR_CELL = lazy(rb"<((?:[A-Za-z_][\w.-]*:)?c)\b([^>]*?)(?<!/)>(.*?)</\1>", re.S)
_ERROR_TYPE = lazy(rb"\st\s*=\s*[\"']e[\"']")
_ERROR_V = lazy(rb"(<(?:[A-Za-z_][\w.-]*:)?v(?:\s[^>]*)?>)\s*(#[^<\s]+)\s*(?=<)")  # (spaces around: refused too)


def _known_error(cell: re.Match[bytes]) -> bytes:
    """A cell (``<c …>…</c>``) whose error value python-calamine does not know, with ``#N/A``."""
    if not _ERROR_TYPE.search(cell.group(2)):
        return cell.group(0)
    return _ERROR_V.sub(lambda v: v.group(1) + (v.group(2) if v.group(2) in _CALAMINE_ERRORS else b"#N/A"), cell.group(0))


def _put_uncached(grid: Grid, cells: list[tuple[int, int]]) -> None:
    """Mark formulas without a cached value (blanks to python-calamine) as :data:`NO_CACHED_VALUE`."""
    for r, c in cells:
        while len(grid) <= r:
            grid.append([])
        line = grid[r]
        while len(line) <= c:
            line.append(None)
        if line[c] is None or line[c] == "":  # (blank: "" as python-calamine reads it)
            line[c] = NO_CACHED_VALUE


def _put_errors(grid: Grid, errors: dict[tuple[int, int], CellError]) -> None:
    """Put the error values python-calamine reads as blanks back into ``grid`` (each saying
    whether a formula calculated it)."""
    for (r, c), value in errors.items():
        while len(grid) <= r:
            grid.append([])
        line = grid[r]
        while len(line) <= c:
            line.append(None)
        line[c] = value


class LoadedBook:
    """Port over a workbook openpyxl has loaded for writing (Fill): values come from the cells
    openpyxl already parsed, so the file is read once. A sheet holding formulas is read with
    python-calamine instead, for the values Excel last calculated (``NO_CACHED_VALUE`` where
    the file has none); so is a sheet loaded as blank (``skipped``, see :func:`load_for_write`)."""

    def __init__(self, wb: Any, path: Path, calamine: CalamineBook | None = None):
        self.wb, self.path = wb, path
        self._cache: dict[str, Grid] = {}
        self._calamine: CalamineBook | None = calamine
        self._formula_sheets: list[str] = []
        self.skipped: frozenset[str] = frozenset(getattr(wb, "_juesuan_skipped", ()))

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def read_sheet(self, name: str) -> Grid:
        grid = self._cache.get(name)
        if grid is None:
            if name not in self.wb.sheetnames:
                raise fail("sheet-missing", sheet=name)
            if name in self.skipped:  # loaded blank: its cells are in the file only
                if self._calamine is None:
                    self._calamine = CalamineBook(self.path)
                grid = self._cache[name] = self._calamine.read_sheet(name)  # (formulas without a value marked)
                return grid
            grid, formulas = _parsed_values(self.wb[name])
            if formulas:  # the values last calculated, NO_CACHED_VALUE where a formula has none
                if self._calamine is None:  # (read from the XML: a calculated empty text is no such formula)
                    self._calamine = CalamineBook(self.path)
                grid = self._calamine.read_sheet(name)
                self._formula_sheets.append(name)
            self._cache[name] = grid
        return grid

    def formula_values(self) -> dict[str, dict[tuple[int, int], Any]]:
        """The cached values read for the formula cells of every sheet read so far that
        still holds formulas: sheet → (0-based row, col) → value (errors included)."""
        out: dict[str, dict[tuple[int, int], Any]] = {}
        for name in self._formula_sheets:
            if name not in self.wb.sheetnames:
                continue
            grid = self._cache[name]
            values = {}
            for (r, c), cell in self.wb[name]._cells.items():  # noqa: SLF001 - one pass
                if cell.data_type == "f" and r <= len(grid) and c <= len(grid[r - 1]):
                    value = grid[r - 1][c - 1]
                    if value is not NO_CACHED_VALUE:  # (blank: a calculated empty text)
                        values[(r - 1, c - 1)] = "" if value is None else value
            if values:
                out[name] = values
        return out

    def close(self) -> None:
        if self._calamine is not None:
            self._calamine.close()


def _parsed_values(ws: Any) -> tuple[Grid, bool]:
    """A worksheet's stored values as a grid (one pass over openpyxl's cells), and whether
    any cell holds a formula. An error value (``t="e"``, however spelt: openpyxl parses the
    XML) is a :class:`CellError`, as :class:`CalamineBook` reads it (pasted: no formula here;
    a sheet holding formulas is read by calamine)."""
    cells = ws._cells  # noqa: SLF001 - one pass over the parsed cells is what keeps this cheap
    if not cells:
        return [], False
    rows = max(r for r, _ in cells)
    cols = max(c for _, c in cells)
    grid: Grid = [[None] * cols for _ in range(rows)]
    formulas = False
    for (r, c), cell in cells.items():
        value = cell._value  # noqa: SLF001
        if value is not None and value != "":
            kind = cell.data_type
            if kind == "f":
                formulas = True
            elif kind == "e" and type(value) is str:
                value = CellError(value, formula=False)  # (a formula's cell is of kind "f")
            grid[r - 1][c - 1] = value
    while grid and all(v is None for v in grid[-1]):  # formatted but empty rows at the end
        grid.pop()
    return grid, formulas


EMPTY_WORKSHEET = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   b'<sheetData/></worksheet>')


class _SkippingZip(zipfile.ZipFile):
    """The package as openpyxl opens it, except that the worksheet parts in ``skipped`` open
    as an empty worksheet (their cells, merged ranges and styles are never parsed)."""

    skipped: frozenset[str] = frozenset()

    def open(self, name: Any, mode: str = "r", pwd: bytes | None = None, **kwargs: Any) -> Any:  # type: ignore[override]
        filename = name.filename if isinstance(name, zipfile.ZipInfo) else name
        if mode == "r" and filename in self.skipped:
            return io.BytesIO(EMPTY_WORKSHEET)
        return super().open(name, mode, pwd, **kwargs)


def load_for_write(path: Path, skip: Iterable[str] = ()) -> Any:
    """The workbook loaded by openpyxl for writing. Sheets named in ``skip`` are loaded as
    empty sheets: Fill replaces them whole (the computed tables), so parsing their cells —
    above all openpyxl's per-cell styling of every merged range, most of the load time of a
    typical department — would be wasted. The workbook records them as ``_juesuan_skipped``;
    they must be replaced before saving."""
    from openpyxl.reader.excel import ExcelReader

    skip = frozenset(skip)

    class _Reader(ExcelReader):
        def read_worksheets(self) -> None:
            if skip:
                self.archive.skipped = frozenset(rel.target for sheet, rel in self.parser.find_sheets()
                                                 if sheet.name in skip)
            super().read_worksheets()

    try:
        reader = _Reader(path, keep_vba=path.suffix.lower() == ".xlsm", rich_text=False)
        reader.archive.close()
        reader.archive = _SkippingZip(path)
        reader.read()
    except Exception as exc:  # openpyxl raises many kinds on bad input
        raise fail("file-corrupt", path=str(path), reason=str(exc)) from exc
    wb = reader.wb
    wb._juesuan_skipped = skip & set(wb.sheetnames)  # noqa: SLF001 - our own marker
    return wb


def replace_sheets(wb: Any, pictures: Iterable[SheetPicture], order: list[str] | None = None) -> None:
    """Recreate each pictured sheet at its place (computed sheets only: they are ours entirely)."""
    from juesuan.io.styles import apply_picture, register_styles
    from juesuan.io.text import keep_as_text, prepare_picture

    register_styles(wb)
    memo: dict = {}
    for pic in pictures:
        literal = prepare_picture(pic)  # text is text: no string becomes a formula
        index = wb.sheetnames.index(pic.name) if pic.name in wb.sheetnames else len(wb.sheetnames)
        if pic.name in wb.sheetnames:
            del wb[pic.name]
        ws = wb.create_sheet(pic.name, index)
        apply_picture(ws, pic, memo)
        keep_as_text(ws, literal)
        _put_formulas(ws, pic)
        if pic.hidden:
            ws.sheet_state = "veryHidden"


def _put_formulas(ws: Any, pic: SheetPicture) -> None:
    """The accountant's formulas carried into ``pic`` (:mod:`juesuan.io.kept_formulas`) written
    as formulas (their cached values are put back when the package is saved)."""
    if not pic.formulas:
        return
    from openpyxl.worksheet.formula import ArrayFormula

    for (r, c), formula in pic.formulas.items():
        cell = ws.cell(row=r + 1, column=c + 1)
        cell.value = ArrayFormula(formula.array, "=" + formula.text) if formula.array else "=" + formula.text


def new_workbook(pictures: Iterable[SheetPicture]) -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    replace_sheets(wb, pictures)
    return wb


def save_atomic(wb: Any, target: str | Path, backup: bool = False) -> Path | None:
    """Save ``wb`` at ``target`` through :func:`juesuan.io.safe_write.atomic_write` (temporary file
    beside it, renamed into place; mode, owner and symlink kept; optionally a .bak). The
    extension must match the package: .xlsm with macros, else .xlsx. Returns the backup path."""
    from juesuan.io.safe_write import atomic_write

    target = Path(target)
    expected = ".xlsm" if getattr(wb, "vba_archive", None) is not None else ".xlsx"
    if target.suffix.lower() != expected:
        raise fail("output-type", path=str(target), expected=expected,
                   reason="须与工作簿的类型一致 / it must match the workbook's type")
    return atomic_write(target, lambda tmp: wb.save(tmp), backup=backup)
