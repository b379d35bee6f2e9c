"""What the accountant added on a table sheet outside the table (保留公开表表外内容).

Fill re-pictures every table sheet whole. A footer typed under a table (“单位负责人：张三
制表人：李四”), a note beside it, a column made wider: the picture knows none of these. This
module reads each table sheet's worksheet part of the file once (they are small) and carries
into its picture, before either writer (the direct XML patch or openpyxl's careful path)
writes it:

- **the cells outside the table**: Fill owns the rectangle from A1 to the table's last
  column and its last row (the note row ``注：…``, or the sentence under an empty table) as
  the sheet held it; every cell holding a value or a formula outside that rectangle — right
  of the last column, or below the last row — is the accountant's. It is written again with
  its value (text, number, logical; an error value as its text) in an unlocked style (role
  ``kept``) with its own number format, font and alignment (:mod:`juesuan.io.kept_looks`: a
  date stays a date, a bold footer bold, a percentage a percentage). A cell right of the table stays at its address; a cell below the table
  keeps its distance from the table's end, so it stays at the same address when the table
  keeps its length and moves with it when the table grows or shrinks (as rows inserted in
  Excel move what is below). Cells inside the rectangle (even one the picture leaves
  empty) are Fill's, as before: a figure typed there is replaced and listed by
  :mod:`juesuan.handedits`.
- **a formula** there is written again as a formula with its cached value
  (:mod:`juesuan.io.kept_formulas`): as typed when the cell stays where it was; when it
  moves with the table's end, its references to carried cells follow them and a reference
  to a cell of the table stops Fill at that cell (exit 2), like a formula that can't be
  carried in an entry. A formula is never dropped.
- **column widths and hidden columns**: the sheet's ``<cols>`` win over the picture's
  defaults (a width the accountant set survives Fill after Fill); row heights only for the
  rows of carried cells below the table.

A sheet whose note row can't be found (deleted, retyped) is taken to end where the new
picture ends. The fills and borders of the carried cells are not kept.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.io.guard import column_number
from juesuan.io.kept_formulas import NotCarried, SourceFormula, _local, _position, moved_text, resolved
from juesuan.io.kept_looks import Looks
from juesuan.lazy_re import lazy
from juesuan.port import CellError, CellFormula, SheetPicture, a1

ROLE = "kept"
SHOWN = 20  # carried cells listed in Fill's note; the rest are counted
_MAX_COLUMNS = 16384


class _Cell:
    __slots__ = ("value", "formula")

    def __init__(self, value: Any, formula: SourceFormula | None):
        self.value, self.formula = value, formula


def _text(elem: Any) -> str:
    """The text of an ``<is>`` or ``<si>`` element (its ``<t>`` runs, phonetic runs left out)."""
    out = []
    for e in elem:
        if _local(e.tag) == "t":
            out.append(e.text or "")
        elif _local(e.tag) == "r":
            out += [t.text or "" for t in e if _local(t.tag) == "t"]
    return "".join(out)


def _read(xml: bytes) -> tuple[dict[tuple[int, int], tuple[str, Any, Any, Any]],
                               list[tuple[int, int, float | None, bool]], dict[int, float]]:
    """A worksheet part's cells ((row, col) → (type, raw ``<v>`` text, ``<is>`` element or
    None, ``s=`` or None)), ``<cols>`` entries ((first, last 0-based, width, hidden)) and
    custom row heights."""
    from defusedxml.ElementTree import fromstring

    root = fromstring(xml, forbid_dtd=True)
    cells: dict[tuple[int, int], tuple[str, Any, Any, Any]] = {}
    cols: list[tuple[int, int, float | None, bool]] = []
    heights: dict[int, float] = {}
    for part in root:
        name = _local(part.tag)
        if name == "cols":
            for col in part:
                try:
                    lo, hi = int(col.get("min", "0")) - 1, min(int(col.get("max", "0")), _MAX_COLUMNS) - 1
                    width = float(col.get("width")) if col.get("width") else None
                except ValueError:
                    continue
                if lo >= 0 and hi >= lo:
                    cols.append((lo, hi, width, col.get("hidden") in ("1", "true")))
        elif name == "sheetData":
            row = -1
            for line in part:
                if _local(line.tag) != "row":
                    continue
                given = line.get("r", "").strip()
                row = int(given) - 1 if given.isdigit() else row + 1
                if line.get("customHeight") in ("1", "true") and line.get("ht"):
                    try:
                        heights[row] = float(line.get("ht", ""))
                    except ValueError:
                        pass
                col = -1
                for c in line:
                    if _local(c.tag) != "c":
                        continue
                    at = _position(c.get("r", ""))
                    row_at, col = (row, col + 1) if at is None else at
                    v = next((e.text for e in c if _local(e.tag) == "v"), None)
                    inline = next((e for e in c if _local(e.tag) == "is"), None)
                    has_formula = any(_local(e.tag) == "f" for e in c)
                    if v is None and inline is None and not has_formula:
                        continue
                    cells[(row_at, col)] = (c.get("t", "n"), v, inline, c.get("s"))
    return cells, cols, heights


_CELL_XML = lazy(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>]*?(?:/>|>.*?</c>)', re.S)
_ROW_XML = lazy(rb"<row\b[^>]*>")
_COLS_XML = lazy(rb"<cols>.*?</cols>", re.S)


class _Lazy(dict):
    """Cells of a part spelt as Excel, openpyxl and Fill write it (no prefixes, every cell
    with its address), each parsed only when asked for (column A and the cells outside the
    table: a few), so a table sheet costs a regular-expression scan."""

    def __init__(self, found: dict[tuple[int, int], Any]):
        super().__init__()
        self.found = found

    def positions(self) -> list[tuple[int, int]]:
        return list(self.found)

    def get_cell(self, pos: tuple[int, int]) -> tuple[str, Any, Any, Any] | None:
        from defusedxml.ElementTree import fromstring

        c = fromstring(self.found[pos].group(0), forbid_dtd=True)
        v = next((e.text for e in c if e.tag == "v"), None)
        inline = next((e for e in c if e.tag == "is"), None)
        if v is None and inline is None and not any(e.tag == "f" for e in c):
            return None
        return c.get("t", "n"), v, inline, c.get("s")


def _read_fast(xml: bytes) -> tuple[_Lazy, list[tuple[int, int, float | None, bool]], dict[int, float]] | None:
    """:func:`_read` without parsing every cell (see :class:`_Lazy`); None for a part spelt
    otherwise."""
    if re.search(rb"<\w+:(?:worksheet|c|row)\b", xml):
        return None
    found = {(int(m.group(2)) - 1, column_number(m.group(1)) - 1): m for m in _CELL_XML.finditer(xml)}
    if len(found) != len(re.findall(rb"<c[\s>/]", xml)):
        return None
    cols_part = _COLS_XML.search(xml)
    cols = _read(b"<worksheet>" + cols_part.group(0) + b"</worksheet>")[1] if cols_part else []
    heights: dict[int, float] = {}
    for m in _ROW_XML.finditer(xml):
        tag = m.group(0)
        r, ht = re.search(rb'\br="(\d+)"', tag), re.search(rb'\bht="([\d.]+)"', tag)
        if r and ht and re.search(rb'\bcustomHeight="(?:1|true)"', tag):
            heights[int(r.group(1)) - 1] = float(ht.group(1))
    return _Lazy(found), cols, heights


def _cells_of(xml: bytes) -> tuple[Any, list[tuple[int, int, float | None, bool]], dict[int, float]]:
    """The part read fast where it can be, else whole; cells as (positions, get_cell)."""
    fast = _read_fast(xml)
    if fast is not None:
        return fast
    cells, cols, heights = _read(xml)
    return _Whole(cells), cols, heights


class _Whole(dict):
    def __init__(self, cells: dict[tuple[int, int], tuple[str, Any, Any, Any]]):
        super().__init__(cells)

    def positions(self) -> list[tuple[int, int]]:
        return list(self)

    def get_cell(self, pos: tuple[int, int]) -> tuple[str, Any, Any, Any] | None:
        return self.get(pos)


def _value(kind: str, raw: Any, inline: Any, _style: Any, strings: Any) -> Any:
    if kind == "inlineStr":
        return _text(inline) if inline is not None else None
    if raw is None:
        return None
    if kind == "s":
        table = strings()
        try:
            return table[int(raw)]
        except (ValueError, IndexError):
            return None
    if kind in ("str", "d"):
        return raw
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "e":
        return CellError(raw)
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def table_end_row(grid_col_a: dict[int, Any], notes: set[str], sentence: tuple[str, str] | None) -> int | None:
    """The last row of the table as the sheet holds it: its note row (or the sentence under
    an empty table, just below it); None when no note row is found."""
    rows = [r for r, v in grid_col_a.items() if isinstance(v, str) and v.strip() in notes]
    if not rows:
        return None
    end = max(rows)
    below = grid_col_a.get(end + 1)
    if sentence is not None and isinstance(below, str) and below.startswith(sentence[0]) and \
            below.endswith(sentence[1]):
        end += 1
    return end


def owned_rectangle(pic: SheetPicture, col_a: dict[int, Any], table: tuple[set[str], tuple[str, str] | None]
                    ) -> tuple[int, int, int]:
    """What Fill owns on a table sheet: (the old table's last row as the sheet holds it — its
    note row, else where the new picture ends —, the new picture's last row, its last column);
    every cell below the old end or right of that column is the accountant's."""
    last_row, last_col = picture_extent(pic)
    end = table_end_row(col_a, *table)
    return (last_row if end is None else end), last_row, last_col


def picture_extent(pic: SheetPicture) -> tuple[int, int]:
    """The picture's last row and column (merges included), 0-based."""
    rows, cols = [pic.max_row], [pic.max_col]
    for (_r, _c), (_v, style) in pic.cells.items():
        if style.merge_to is not None:
            rows.append(style.merge_to[0])
            cols.append(style.merge_to[1])
    return max(rows), max(cols)


def carry_extras(path: Path, pictures: list[SheetPicture], tables: dict[str, tuple[set[str], tuple[str, str] | None]]
                 ) -> list[str]:
    """Carry into the table pictures (``tables``: sheet → (its note texts, the empty-table
    sentence as (prefix, suffix) or None)) what the accountant added outside the tables
    (see the module's docstring); returns the carried cells as ``sheet!A1``, in order."""
    wanted = [p for p in pictures if p.name in tables]
    if not wanted:
        return []
    from juesuan.io.guard import sheet_parts

    with zipfile.ZipFile(path) as z:
        parts = sheet_parts(z)
        xml = {p.name: z.read(parts[p.name]) for p in wanted if parts.get(p.name) in z.NameToInfo}
        shared: list[str] | None = None

        def strings() -> list[str]:  # read only when a carried cell needs it
            nonlocal shared
            if shared is None:
                shared = _shared_strings(z)
            return shared

        looks = Looks(z)  # (styles.xml read only when a carried cell has a style)
        kept: list[str] = []
        for pic in wanted:
            if pic.name in xml:
                kept += _carry(pic, xml[pic.name], tables[pic.name], strings, looks)
    return kept


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    from defusedxml.ElementTree import fromstring

    from juesuan.io.patch import _related, sheet_parts

    wb_part, _ = sheet_parts(z)
    part = _related(z, wb_part, "/sharedStrings")
    if part is None or part not in z.NameToInfo:
        return []
    return [_text(si) for si in fromstring(z.read(part), forbid_dtd=True) if _local(si.tag) == "si"]


def _carry(pic: SheetPicture, xml: bytes, table: tuple[set[str], tuple[str, str] | None], strings: Any,
           looks: Looks) -> list[str]:
    book, cols, heights = _cells_of(xml)
    positions = book.positions()
    cells = {}
    for pos in positions:
        if pos[1] == 0 and (got := book.get_cell(pos)) is not None:
            cells[pos] = got
    col_a = {r: _value(*cells[(r, c)], strings) for r, c in cells}
    end, last_row, last_col = owned_rectangle(pic, col_a, table)
    shift = last_row - end
    extras = []
    for pos in sorted(positions):
        if pos[0] > end or pos[1] > last_col:
            got = cells.get(pos) or book.get_cell(pos)
            if got is not None:
                cells[pos] = got
                extras.append(pos)
    moves = {pos: (pos[0] + shift, pos[1]) if pos[0] > end else pos for pos in extras}
    moving = any(old != new for old, new in moves.items())
    formulas = _formulas(xml) if extras and _has_formula(xml) else {}
    kept: list[str] = []
    for pos in extras:
        new = moves[pos]
        value = _value(*cells[pos], strings)
        f = formulas.get(pos)
        if f is not None:
            try:
                pic.formulas[new] = _carried(f, pic.name, moves, moving and new != pos)
            except NotCarried as exc:
                raise fail("formula-not-kept", sheet=pic.name, cell=a1(*pos), reason=str(exc)) from None
        elif value is None or value == "":
            continue
        pic.put(new[0], new[1], value, ROLE)
        look = looks.look(cells[pos][3])
        if look is not None:
            pic.looks[new] = look
        pic.unlocked_ranges.append(a1(*new))
        if pos[0] > end and pos[0] in heights:
            pic.row_heights[new[0]] = heights[pos[0]]
        kept.append(f"{pic.name}!{a1(*new)}")
    widest = max([last_col, *(c for _, c in extras)])
    for lo, hi, width, hidden in cols:
        for c in range(lo, min(hi, widest) + 1):
            if width is not None and width > 0:
                pic.column_widths[c] = width
            if hidden and c in pic.column_widths:
                pic.hidden_columns.add(c)
    return kept


def _has_formula(xml: bytes) -> bool:
    return b"<f" in xml or b":f" in xml


def _formulas(xml: bytes) -> dict[tuple[int, int], SourceFormula]:
    from juesuan.io.kept_formulas import read_formulas

    return resolved(read_formulas(xml))


def _carried(f: SourceFormula, sheet: str, moves: dict[tuple[int, int], tuple[int, int]], moving: bool) -> CellFormula:
    from juesuan.io.kept_formulas import ensure_carriable

    ensure_carriable(f)
    if not moving:
        return CellFormula(f.text, f.ref if f.kind == "array" else None)
    if f.kind == "array":
        raise NotCarried("数组公式随表格末行移动 / an array formula moving with the table's end")
    return CellFormula(moved_text(f.text, sheet, moves))


def table_ends(spec: Any) -> dict[str, tuple[set[str], tuple[str, str] | None]]:
    """For each table sheet of ``spec``: the texts of its note row and the sentence under an
    empty table as (prefix, suffix) around the department's name (what :func:`carry_extras`
    looks for to find where the table ends)."""
    out: dict[str, tuple[set[str], tuple[str, str] | None]] = {}
    for t in spec.tables:
        notes = {n.strip() for n in (t.note, t.empty_note) if n}
        sentence = None
        if t.empty_sentence:
            head, _, tail = t.empty_sentence.partition("{dept}")
            sentence = (head, tail)
        out[t.sheet] = (notes, sentence)
    return out


def describe(kept: list[str]) -> str | None:
    """The note Fill prints (None when nothing was carried)."""
    if not kept:
        return None
    more = f" 等 {len(kept)} 个 / {len(kept)} in all" if len(kept) > SHOWN else ""
    return "保留表外内容 / kept outside the tables: " + "、".join(kept[:SHOWN]) + more
