"""Formulas typed into input cells of the sheets Fill pictures anew (保留输入单元格中的公式).

Fill rewrites each self-evaluation sheet and the 说明 as a picture: the computed cells and
the accountant's entries. The engine reads the entries as values (a formula's cached value)
and records in ``SheetPicture.origins`` where each entry was read; this module, given the
file, finds the formulas at those cells and puts them into ``SheetPicture.formulas``, so
both writers (the direct XML writer of the patch and openpyxl's careful path) write the
formula again, with its cached value, at the cell where the entry now stands.

- A formula whose entry stays where it was is written as the file spells it.
- Where entries move (the 说明's input area below a longer text), a reference to an entry
  of the same sheet follows the entry, as Excel moves references when cells are cut and
  pasted; references to other sheets and to names stay as typed.
- A shared formula (Excel's ``t="shared"``: one text for a block of cells) becomes each
  cell's own formula, translated as Excel reads it; an array formula keeps its range.
- What can't be carried faithfully (a reference to a cell of the sheet that is not an entry
  while entries move, a range whose entries move apart, a data table …) stops Fill with a
  message naming the sheet and the cell (exit 2): a user's formula is never dropped.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.io.guard import column_number
from juesuan.lazy_re import lazy
from juesuan.port import CellFormula, SheetPicture, a1
from juesuan.records import record

_CELL = lazy(r"(\$?)([A-Za-z]{1,3})(\$?)([1-9]\d{0,6})")
_REF = lazy(r"(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?(?P<a>\$?[A-Za-z]{1,3}\$?\d+)(?::(?P<b>\$?[A-Za-z]{1,3}\$?\d+))?")
_LINES = lazy(r"(?:(?:'(?:[^']|'')+'|[^'!]+)!)?\$?(?:[A-Za-z]{1,3}|\d+):\$?(?:[A-Za-z]{1,3}|\d+)")
_MAX_RANGE = 100_000  # cells of one reference checked for entries moving apart


@record(frozen=True)
class SourceFormula:
    """A formula cell as the worksheet part holds it: ``kind`` normal | shared | array |
    dataTable | other; ``text`` (None for a shared formula's dependent); ``ref`` (array or
    shared range); ``si`` (shared index)."""

    kind: str
    text: str | None
    ref: str | None = None
    si: str | None = None


def _position(address: str) -> tuple[int, int] | None:
    """``B7`` → (6, 1) (0-based), None for anything else."""
    m = _CELL.fullmatch(address.strip())
    if m is None:
        return None
    return int(m.group(4)) - 1, column_number(m.group(2).upper().encode()) - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_formulas(xml: bytes) -> dict[tuple[int, int], SourceFormula]:
    """Every formula cell of a worksheet part (0-based (row, col) → :class:`SourceFormula`),
    whatever namespace prefix the writer used; a row or cell without its address takes the
    one after the previous (as the format says, and python-calamine reads it)."""
    from defusedxml.ElementTree import fromstring

    out: dict[tuple[int, int], SourceFormula] = {}
    root = fromstring(xml, forbid_dtd=True)
    data = next((e for e in root if _local(e.tag) == "sheetData"), None)
    row = -1
    for line in data if data is not None else ():
        if _local(line.tag) != "row":
            continue
        given = line.get("r", "").strip()
        row = int(given) - 1 if given.isdigit() else row + 1
        col = -1
        for c in line:
            if _local(c.tag) != "c":
                continue
            at = _position(c.get("r", ""))
            row_at, col = (row, col + 1) if at is None else (at[0], at[1])
            f = next((child for child in c if _local(child.tag) == "f"), None)
            if f is None:
                continue
            kind = f.get("t", "normal")
            text = f.text if f.text is not None or kind != "normal" else ""
            out[(row_at, col)] = SourceFormula(kind if kind in ("normal", "shared", "array", "dataTable") else "other",
                                               text, f.get("ref"), f.get("si"))
    return out


def resolved(formulas: dict[tuple[int, int], SourceFormula]) -> dict[tuple[int, int], SourceFormula]:
    """Shared formulas resolved into each cell's own text (Excel's reading: the master's text
    with its relative references moved by the cell's offset from the master); a dependent
    whose master is missing is left as the :class:`SourceFormula` (not carried)."""
    masters = {f.si: (pos, f.text) for pos, f in formulas.items()
               if f.kind == "shared" and f.text and f.si is not None}
    out: dict[tuple[int, int], SourceFormula] = {}
    for pos, f in formulas.items():
        if f.kind != "shared":
            out[pos] = f
            continue
        master = masters.get(f.si)
        if master is None:
            out[pos] = f
            continue
        origin, text = master
        if origin == pos:
            out[pos] = SourceFormula("normal", text)
            continue
        from openpyxl.formula.translate import Translator

        try:
            out[pos] = SourceFormula("normal", Translator("=" + str(text), origin=a1(*origin)).translate_formula(a1(*pos))[1:])
        except Exception:  # openpyxl raises its own kinds on formulas it can't read  # noqa: BLE001
            out[pos] = f
    return out


class NotCarried(Exception):
    """A formula this module can't carry faithfully; the message says why (Chinese / English)."""


def _same_sheet(sheet: str | None, name: str) -> bool:
    if sheet is None:
        return True
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet == name


def _moved_cell(cell: str, delta: tuple[int, int]) -> str:
    m = _CELL.fullmatch(cell)
    assert m is not None
    row = int(m.group(4)) - 1 + delta[0]
    col = column_number(m.group(2).upper().encode()) - 1 + delta[1]
    letters = a1(row, col).rstrip("0123456789")
    return f"{m.group(1)}{letters}{m.group(3)}{row + 1}"


def moved_text(text: str, sheet: str, moves: dict[tuple[int, int], tuple[int, int]]) -> str:
    """``text`` with every reference to a cell of ``sheet`` following that cell's move
    (``moves``: old 0-based position → new, for every entry of the sheet). Raises
    :class:`NotCarried` for a reference it can't follow."""
    from openpyxl.formula.tokenizer import Tokenizer

    try:
        tokens = Tokenizer("=" + text).items
    except Exception as exc:  # openpyxl raises its own kinds on formulas it can't read
        raise NotCarried("公式无法解析 / the formula can't be parsed") from exc
    if "".join(t.value for t in tokens) != text:
        raise NotCarried("公式无法解析 / the formula can't be parsed")
    out = []
    for token in tokens:
        value = token.value
        if token.type == "OPERAND" and token.subtype == "RANGE":
            value = _moved_reference(value, sheet, moves)
        out.append(value)
    return "".join(out)


def _moved_reference(ref: str, sheet: str, moves: dict[tuple[int, int], tuple[int, int]]) -> str:
    m = _REF.fullmatch(ref)
    if m is None:
        if _LINES.fullmatch(ref) and _same_sheet(ref.rsplit("!", 1)[0] if "!" in ref else None, sheet):
            raise NotCarried(f"引用整行或整列 {ref}，而本表的输入单元格已移动 / it refers to whole rows or "
                             f"columns ({ref}) while the sheet's entries move")
        return ref  # a name, another sheet's rows, a table's column …: as typed
    if not _same_sheet(m.group("sheet"), sheet):
        return ref
    ends = [m.group("a")] + ([m.group("b")] if m.group("b") else [])
    positions = [_position(e.replace("$", "")) for e in ends]
    deltas = set()
    for e, p in zip(ends, positions, strict=True):
        if p is None or p not in moves:
            raise NotCarried(f"引用了本表中不是输入项的单元格 {e.replace('$', '')}，而本表的输入单元格已移动 / it refers to "
                             f"{e.replace('$', '')}, a cell of this sheet that is no entry, while the sheet's entries move")
        new = moves[p]
        deltas.add((new[0] - p[0], new[1] - p[1]))
    if len(positions) == 2:
        (r1, c1), (r2, c2) = positions  # type: ignore[misc]
        if (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1) > _MAX_RANGE:
            raise NotCarried(f"引用区域 {ref} 过大 / the range {ref} is too large to follow")
        for r in range(min(r1, r2), max(r1, r2) + 1):
            for c in range(min(c1, c2), max(c1, c2) + 1):
                new = moves.get((r, c))
                if new is not None:
                    deltas.add((new[0] - r, new[1] - c))
    if len(deltas) != 1:
        raise NotCarried(f"引用区域 {ref} 中的输入单元格移动后不再相邻 / the entries of the range {ref} no longer "
                         "stand together")
    delta = deltas.pop()
    moved = ":".join(_moved_cell(e, delta) for e in ends)
    prefix = f"{m.group('sheet')}!" if m.group("sheet") else ""
    return prefix + moved


def carry_formulas(path: Path, pictures: list[SheetPicture], formula_sheets: set[str]) -> None:
    """Put into each picture of an input sheet holding formulas (``formula_sheets``: the
    sheets the read guard found formulas on) the formulas typed at the cells its entries
    were read from (``origins``). Raises :class:`InputError` (exit 2, sheet and cell named)
    for a formula in an entry that can't be carried."""
    wanted = [p for p in pictures if p.origins and p.name in formula_sheets]
    if not wanted:
        return
    from juesuan.io.guard import sheet_parts

    with zipfile.ZipFile(path) as z:
        parts = sheet_parts(z)
        xml = {p.name: z.read(parts[p.name]) for p in wanted if parts.get(p.name) in z.NameToInfo}
    for pic in wanted:
        if pic.name in xml:
            carry_into(pic, resolved(read_formulas(xml[pic.name])))


def carry_into(pic: SheetPicture, formulas: dict[tuple[int, int], SourceFormula]) -> None:
    """Set ``pic.formulas`` from the sheet's ``formulas`` (resolved; 0-based cell → formula,
    as a file or a live workbook holds them) at its entries' origins; raise
    :class:`InputError` (``formula-not-kept``, sheet and cell named) for one that can't be carried."""
    origin_of = {}
    for pos, address in pic.origins.items():
        old = _position(address)
        if old is not None:
            origin_of[pos] = old
    moves = {old: new for new, old in origin_of.items()}
    moving = any(old != new for old, new in moves.items())
    for new, old in sorted(origin_of.items()):
        f = formulas.get(old)
        if f is None:
            continue
        cell = a1(*old)
        try:
            pic.formulas[new] = _carried(f, new, pic.name, moves, moving)
        except NotCarried as exc:
            raise fail("formula-not-kept", sheet=pic.name, cell=cell, reason=str(exc)) from None


def ensure_carriable(f: SourceFormula) -> None:
    """Raise :class:`NotCarried` for a formula no picture can hold as it is (a shared formula
    without its master, a data table, another kind, an empty text)."""
    if f.kind not in ("normal", "array") or f.text is None:
        kind = {"shared": "共享公式缺少主公式 / a shared formula without its master",
                "dataTable": "模拟运算表 / a data table"}.get(f.kind, f"公式类型 {f.kind} / formula type {f.kind}")
        raise NotCarried(kind)
    if not f.text.strip():
        raise NotCarried("空公式 / an empty formula")


def _carried(f: SourceFormula, at: tuple[int, int], sheet: str, moves: dict[tuple[int, int], tuple[int, int]],
             moving: bool) -> CellFormula:
    """The formula ``f`` to write at ``at`` (0-based) of the picture."""
    ensure_carriable(f)
    text = moved_text(f.text, sheet, moves) if moving else f.text
    if f.kind == "normal":
        return CellFormula(text)
    ref = f.ref or a1(*at)
    if moving and f.ref:
        ref = _moved_reference(ref, sheet, moves)
    return CellFormula(text, ref)


_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - the spreadsheet epoch (1900 date system)


def cached_values(pic: SheetPicture) -> dict[tuple[int, int], Any]:
    """The cached value of each formula of ``pic`` (0-based cell → value as
    :func:`juesuan.io.cached.restore_cached_values` stores it): the value Fill read, a blank
    as the empty text a formula may calculate, a date as its serial number."""
    out: dict[tuple[int, int], Any] = {}
    for pos in pic.formulas:
        value = pic.cells[pos][0] if pos in pic.cells else None
        if value is None:
            value = ""
        elif isinstance(value, datetime):
            value = (value - _EPOCH).total_seconds() / 86400
        elif isinstance(value, date):
            value = (value - _EPOCH.date()).days
        elif isinstance(value, time):
            value = (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
        elif isinstance(value, timedelta):
            value = value.total_seconds() / 86400
        out[pos] = value
    return out
