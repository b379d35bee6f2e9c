"""Writing many detail rows fast: a package (the parts of
:func:`juesuan.io.fresh_package.package_parts`, or a workbook saved by openpyxl) gets the data
rows of some sheets streamed straight into their worksheet XML.

openpyxl styles and writes each cell as an object (a department of 100,000 ledger lines takes
minutes); here every row is one formatted string. Each bulk sheet of the package holds its
title, header and one styled data row (the prototype: its cells' style ids are reused for
every row); its ``<sheetData>`` is replaced by the header rows and the data rows, its
``<dimension>`` and data-validation ranges stretched to the last row. Text is written as
inline strings (codes stay text), numbers as numbers, blank values as no cell. The rows are
deflated a batch at a time as they are formatted (by zlib-ng when installed).
The result appears atomically.
"""

from __future__ import annotations

import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from pathlib import Path
from types import NoneType
from typing import Any

from defusedxml import ElementTree

from juesuan.io.text import clean_cell_text
from juesuan.io.xmltext import escape
from juesuan.lazy_re import lazy
from juesuan.port import column_letter

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_SHEET_DATA = lazy(r"<sheetData>(.*?)</sheetData>|<sheetData\s*/>", re.S)
_ROW = lazy(r'<row r="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.S)
_CELL_STYLE = lazy(r'<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?')
_DIMENSION = lazy(r'<dimension ref="[^"]*"\s*/>')
_SQREF = lazy(r'sqref="([A-Z]+)(\d+):([A-Z]+)\d+"')
COMPRESSION = 1  # deflate level: the rows compress well even at the fastest level

try:  # zlib-ng deflates about three times as fast at that level (a valid deflate stream all the same)
    from zlib_ng import zlib_ng as _deflater
except ImportError:  # pragma: no cover - an install without it: zipfile's own zlib
    _deflater = None


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its worksheet part (``xl/worksheets/sheet3.xml``)."""
    return _sheet_parts(z.read)


def _sheet_parts(read: Callable[[str], bytes]) -> dict[str, str]:
    """:func:`sheet_parts` of a package whose parts ``read`` gives by name."""
    book = ElementTree.fromstring(read("xl/workbook.xml"))
    rels = ElementTree.fromstring(read("xl/_rels/workbook.xml.rels"))
    targets = {r.attrib["Id"]: r.attrib["Target"] for r in rels.findall("rel:Relationship", _NS)}
    out = {}
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        target = targets[sheet.attrib[f"{{{_NS['r']}}}id"]]
        out[sheet.attrib["name"]] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _text(value: Any, cache: dict[Any, str]) -> str:
    """A value's XML text (escaped), cached: a ledger repeats its codes and vocabulary."""
    out = cache.get(value)
    if out is None:
        text = clean_cell_text(str(value))  # no control character XML cannot hold
        out = cache[value] = escape(text) if ("&" in text or "<" in text or ">" in text) else text
    return out


def _rows_xml(rows: Sequence[Sequence[Any]], first: int, styles: list[str]) -> bytes:
    """The ``<row>`` elements of ``rows`` from row ``first`` (UTF-8); blank values write no cell."""
    return b"".join(_rows_pieces(rows, first, styles))


BATCH = 4096  # rows joined at a time: a few MB, still in the caches when they are deflated


def _rows_pieces(rows: Sequence[Sequence[Any]], first: int, styles: list[str]) -> Iterator[bytes]:
    """:func:`_rows_xml` in pieces of :data:`BATCH` rows.

    Built column by column in bytes, each distinct text escaped and encoded once; then each
    row is one ``%`` formatting of a row template (a column never blank is spelt in the
    template, its row number and value filled in; any other column is one ready cell per
    row) and the rows of a batch are joined in one pass: a department has a million cells."""
    width = len(styles)
    n = len(rows)
    if not n:
        return
    numbers = list(map(str.encode, map(str, range(first, first + n))))
    table = rows if set(map(len, rows)) == {width} else [
        tuple(row[:width]) + (None,) * (width - len(row)) if len(row) != width else row for row in rows]
    columns = list(zip(*table, strict=True)) if width else []
    template = [b'<row r="%b">']
    args: list[list[bytes]] = [numbers]
    for c, values in enumerate(columns):
        letter, attrs = column_letter(c), f' s="{styles[c]}"' if styles[c] else ""
        spelt = _spelt_column(values, letter, attrs)
        if spelt is None and set(map(type, values)) <= _BLANK_TYPES and not any(values):
            continue  # blank all the way down: no cell at all
        if spelt is None:  # blanks or mixed values: a whole cell (or nothing) per row
            template.append(b"%b")
            args.append(_column_xml(values, numbers, letter, attrs))
        else:
            head, middle, end, cells = spelt
            template.append(head.replace(b"%", b"%%") + b"%b" + middle.replace(b"%", b"%%") + b"%b" + end)
            args += [numbers, cells]
    template.append(b"</row>")
    formatted = map(b"".join(template).__mod__, zip(*args, strict=True))
    for _ in range(0, n, BATCH):
        yield b"".join(islice(formatted, BATCH))


_NUMBERS = frozenset({int, float, Decimal})
_BLANK_TYPES = frozenset({str, NoneType})  # a column of these and nothing truthy: '' and None only


def _spelt_column(values: Sequence[Any], letter: str,
                  attrs: str) -> tuple[bytes, bytes, bytes, list[bytes]] | None:
    """A column with a value in every row, all text or all numbers: the cell's start before
    its row number, the rest before its value, its end, and each row's value (the cells of
    :func:`_column_xml`); None for any other column."""
    kinds = set(map(type, values))
    head = f'<c r="{letter}'.encode()
    if kinds == {str}:
        if "" in values:
            return None
        cache: dict[Any, str] = {}
        texts = {v: _text(v, cache).encode() for v in set(values)}
        return head, f'"{attrs} t="inlineStr"><is><t>'.encode(), b"</t></is></c>", list(map(texts.__getitem__, values))
    if kinds and kinds <= _NUMBERS:
        return head, f'"{attrs}><v>'.encode(), b"</v></c>", list(map(str.encode, map(str, values)))
    return None


def _column_xml(values: Sequence[Any], numbers: list[bytes], letter: str, attrs: str) -> list[bytes]:
    """One column's cells, one UTF-8 string per row (b'' where the value is blank)."""
    kinds = set(map(type, values)) - {NoneType}
    head = f'<c r="{letter}'.encode()
    if kinds <= {str}:
        cache: dict[Any, str] = {}
        tails = {v: f'"{attrs} t="inlineStr"><is><t>{_text(v, cache)}</t></is></c>'.encode()
                 for v in set(values) if v}
        return [head + r + tails[v] if v else b"" for r, v in zip(numbers, values, strict=True)]
    if kinds <= _NUMBERS:
        middle = f'"{attrs}><v>'.encode()
        return [head + r + middle + str(v).encode() + b"</v></c>" if v is not None else b""
                for r, v in zip(numbers, values, strict=True)]
    cache = {}
    return [_cell_xml(v, f'<c r="{letter}{r.decode()}"{attrs}', cache).encode()
            for r, v in zip(numbers, values, strict=True)]


def _cell_xml(value: Any, start: str, cache: dict[Any, str]) -> str:
    """One cell of any type: text as an inline string, bools, numbers; blank → ''."""
    if value is None or value == "":
        return ""
    kind = type(value)
    if kind is str:
        return f'{start} t="inlineStr"><is><t>{_text(value, cache)}</t></is></c>'
    if kind is bool:
        return f'{start} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'{start}><v>{value}</v></c>'
    return f'{start} t="inlineStr"><is><t>{_text(value, cache)}</t></is></c>'


def _with_rows(xml: str, rows: Sequence[Sequence[Any]], first: int) -> bytes:
    """A worksheet's XML with the data rows from row ``first`` (1-based) on replaced by ``rows``."""
    return b"".join(_with_rows_pieces(xml, rows, first))


def _with_rows_pieces(xml: str, rows: Sequence[Sequence[Any]], first: int) -> Iterator[bytes]:
    """:func:`_with_rows` in pieces (the rows a batch at a time)."""
    match = _SHEET_DATA.search(xml)
    if match is None:
        raise ValueError("no sheetData")
    body = match.group(1) or ""
    kept, styles = [], []
    for row in _ROW.finditer(body):
        r = int(row.group(1))
        if r < first:
            kept.append(row.group(0))
        elif r == first:
            found = {col: style or "" for col, rr, style in _CELL_STYLE.findall(row.group(0)) if int(rr) == r}
            width = max((_col_index(c) for c in found), default=-1) + 1
            styles = [found.get(column_letter(c), "") for c in range(width)]
    width = max(len(styles), max(map(len, rows), default=0))
    styles += [""] * (width - len(styles))
    end = max(first + len(rows) - 1, first - 1)
    head, tail = xml[: match.start()], xml[match.end():]
    head = _DIMENSION.sub(f'<dimension ref="A1:{column_letter(max(width, 1) - 1)}{end}"/>', head, count=1)
    tail = _SQREF.sub(lambda m: f'sqref="{m.group(1)}{m.group(2)}:{m.group(3)}{max(end, int(m.group(2)))}"', tail)
    yield f"{head}<sheetData>{''.join(kept)}".encode()
    yield from _rows_pieces(rows, first, styles)
    yield f"</sheetData>{tail}".encode()


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def save_with_rows(wb: Any, target: str | Path, rows: dict[str, Sequence[Sequence[Any]]], first: int = 3) -> Path:
    """Save ``wb`` (openpyxl) to ``target`` with the data rows of each sheet named in ``rows``
    (sheet → rows from Excel row ``first``) streamed in; atomically
    (:func:`juesuan.io.safe_write.atomic_write`)."""
    from juesuan.io.live_temps import _drop_temp
    from juesuan.io.safe_write import _new_temp, atomic_write

    target = Path(target)

    def write(final: Path) -> None:
        plain = _new_temp(final.parent, ".xlsx")
        try:
            wb.save(plain)
            with zipfile.ZipFile(plain) as src, zipfile.ZipFile(final, "w", zipfile.ZIP_DEFLATED) as dst:
                parts = {part: name for name, part in sheet_parts(src).items() if name in rows}
                for info in src.infolist():
                    data = src.read(info.filename)
                    if info.filename in parts:
                        data = _with_rows(data.decode("utf-8"), rows[parts[info.filename]], first)
                    dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION)
        finally:
            _drop_temp(plain)

    atomic_write(target, write)
    return target


def save_parts_with_rows(parts: dict[str, bytes], target: str | Path, rows: dict[str, Sequence[Sequence[Any]]],
                         first: int = 3) -> Path:
    """Write the package ``parts`` (part name → bytes, in package order; e.g.
    :func:`juesuan.io.fresh_package.package_parts`) to ``target`` with the data rows of each
    sheet named in ``rows`` streamed in as :func:`save_with_rows` does; atomically."""
    from juesuan.io.safe_write import atomic_write

    target = Path(target)
    bulk = {part: name for name, part in _sheet_parts(parts.__getitem__).items() if name in rows}

    def write(final: Path) -> None:
        with zipfile.ZipFile(final, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION) as dst:
            for name, data in parts.items():
                pieces = _with_rows_pieces(data.decode("utf-8"), rows[bulk[name]], first) if name in bulk else [data]
                _write_member(dst, name, pieces)

    atomic_write(target, write)
    return target


def _write_member(dst: zipfile.ZipFile, name: str, pieces: Iterable[bytes]) -> None:
    """One member, its bytes given in ``pieces`` (streamed: a department's sheet is never
    whole in memory), written as :meth:`zipfile.ZipFile.writestr` writes a member (deflated
    at :data:`COMPRESSION`, dated now), the deflating done by zlib-ng when it is installed:
    zipfile takes its compressor from the standard zlib, so the member's writer is handed
    zlib-ng's (zipfile still writes the headers, sizes and CRC). Where a zipfile lacks that
    writer attribute, its own compressor stays: the same package, deflated more slowly."""
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = COMPRESSION  # noqa: SLF001 - as writestr sets it
    info.external_attr = 0o600 << 16  # as writestr sets it
    with dst.open(info, "w") as member:  # (its sizes and CRC are written as it closes)
        if _deflater is not None and hasattr(member, "_compressor"):
            member._compressor = _deflater.compressobj(COMPRESSION, zlib.DEFLATED, -15)  # noqa: SLF001
        for data in pieces:
            member.write(data)
