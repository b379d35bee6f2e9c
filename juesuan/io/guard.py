"""Pre-read guard of an .xlsx package: what is checked *before* openpyxl or python-calamine
sees the file (读取前的安全检查).

Every read entry point (:func:`juesuan.io.xlsx.check_workbook_file`) runs :func:`scan_workbook`
first. In one streaming pass over the zip members, never holding a whole part in memory,
it refuses (exit 2, :class:`~juesuan.errors.InputError`):

- unsafe member names (absolute paths, ``..``, back-slashes: zip-slip);
- more inflated bytes than the limit (the declared sizes first, then the real ones as
  they stream, so a lying header cannot get past), and damaged members (CRC, sizes, an
  early end: the members are inflated here, by zlib-ng when installed, checked as
  :mod:`zipfile` checks them);
- any DTD or entity declaration in an XML part: a part that does not start plainly (at
  most a UTF-8 XML declaration, white space, then the root element) has its prolog parsed
  with defusedxml (``forbid_dtd``) up to its root element — a declaration can only stand
  there — so the same defused parsing protects every reader, calamine included; and every
  part is searched for ``<!DOCTYPE``/``<!ENTITY`` anywhere;
- sheets whose stored cells, or whose used range (rows × columns, the grid a reader
  allocates), exceed the limits.

The sheet check has two speeds. The quick one counts bytes (C-speed ``count``/``find`` and a
few regular expressions) and trusts the canonical spelling every writer uses (Excel, WPS,
LibreOffice, openpyxl: ``<c r="A1"``, one space, double quotes, no prefix). XML allows other
spellings that python-calamine reads just as well (single quotes, tabs or line breaks between
attributes, spaces around ``=``, a namespace prefix ``<x:c>``, character references); any trace
of one in a sheet part, or a part holding ``sheetData`` under another name than
``xl/worksheets/*.xml`` (the relationships may point anywhere), sends the part to the exact
one: a streaming expat parse (DTDs refused) that places every row and cell as a spreadsheet
does, those without an address included (they take the next row or column).

The limits are a finance bureau's setting: defaults in :data:`DEFAULT_LIMITS`, overridden by
``limits.yaml`` beside the bundled specs (``workbooks/limits.yaml``) and then by the
environment variables ``JUESUAN_MAX_CELLS``, ``JUESUAN_MAX_GRID_CELLS`` and
``JUESUAN_MAX_INFLATED_MB``. The defaults are far beyond any real department (100,000 ledger
lines are ≈ 700,000 cells).

The scan also notes which sheets hold cells with error values (``t="e"``: #DIV/0!, #VALUE!,
#REF! …), which python-calamine reads as blanks; :func:`error_cells` reads them back. On the
quick path that is one byte search (``"e"``, then ``t="e"`` counted where found: a sheet
without error values pays nothing more) and, on reading, one regular expression over the
canonical spelling. A sheet whose error cells that expression could not place (``t = "e"``
with spaces, an error value in a cell without an address first in its tag) takes the exact
path, whose parse notes every error cell where the placer puts it (any spelling, prefix or
quoting): the scan keeps them for :func:`error_cells`. It notes too which sheets hold
formulas, whose cells without a cached value python-calamine reads as blanks as well
(:class:`juesuan.io.xlsx.CalamineBook` marks them): any ``f`` element, with an end tag or
self-closing (a What-If data table's ``<f t="dataTable" …/>``), prefixed or not. A chunk of
rows and cells spells no ``f`` but in a formula (or inline text), so one memchr-speed search
passes it; only a chunk holding one (a part's first and last, with ``ref=``, ``footer=``,
``<formula1>``) is searched for the element (:func:`_holds_formula`).

A large worksheet (100,000 ledger lines: 52 MB of XML) has its byte counts and address
searches done by numpy instead, over the byte pairs of each chunk (:func:`_vector_counts`:
the same figures, a third of the time), once numpy is imported — the engine imports it —
or when the part is so large that importing it pays.
"""

from __future__ import annotations

import functools
import os
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from juesuan.errors import fail
from juesuan.lazy_re import lazy
from juesuan.port import CellError
from juesuan.records import record

LARGE_MEMBER = 1 << 21  # inflated bytes from which zlib-ng pays its import (≈4 ms; it saves ≈1.7 ms per MB)
_declared_so_far = 0  # bytes of the members inflated so far in this process (a consolidation: many units)


@functools.lru_cache(maxsize=1)
def _fast_zlib() -> Any:
    """zlib-ng, which inflates and checks CRCs about twice as fast (same formats, same
    results), imported on first use; the standard library's zlib where it is not installed."""
    try:
        from zlib_ng import zlib_ng

        return zlib_ng
    except ImportError:  # pragma: no cover - an install without it
        return zlib

MB = 1024 * 1024
CHUNK = 1 << 20
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG = 4096  # a part's first bytes, fed to the prolog parser on their own
_TAIL = 64  # bytes kept between chunks so that no address or marker is cut in two


@record(frozen=True)
class Limits:
    """How large a workbook may be before it is read (a bureau-configurable setting)."""

    max_inflated: int = 500 * MB  # sum of the decompressed members
    max_cells: int = 2_000_000  # stored cells, all sheets together
    max_grid_cells: int = 5_000_000  # rows × columns of any one sheet's used range
    max_members: int = 10_000


DEFAULT_LIMITS = Limits()
_ENV = {"JUESUAN_MAX_CELLS": ("max_cells", 1), "JUESUAN_MAX_GRID_CELLS": ("max_grid_cells", 1),
        "JUESUAN_MAX_INFLATED_MB": ("max_inflated", MB)}
_YAML = {"max_cells": ("max_cells", 1), "max_grid_cells": ("max_grid_cells", 1),
         "max_inflated_mb": ("max_inflated", MB), "max_members": ("max_members", 1)}


def current_limits() -> Limits:
    """The limits in force: defaults ← ``workbooks/limits.yaml`` ← environment variables (the
    settings file is read once per process and its file state; the environment each time)."""
    limits = _file_limits(*_limits_file_state())
    for name, (attr, unit) in _ENV.items():
        raw = os.environ.get(name, "").strip()
        if raw.isascii() and raw.isdigit() and int(raw) > 0:
            limits = replace(limits, **{attr: int(raw) * unit})
    return limits


def _limits_file_state() -> tuple[str, float]:
    from juesuan.spec.loader import spec_dir

    path = spec_dir() / "limits.yaml"
    try:
        return str(path), path.stat().st_mtime
    except OSError:
        return str(path), -1.0


@functools.lru_cache(maxsize=4)
def _file_limits(path_text: str, mtime: float) -> Limits:
    """Defaults ← the bureau's ``limits.yaml`` (cached by path and modification time in the
    process, and across runs by content in the spec cache: no YAML parser on a plain run)."""
    path = Path(path_text)
    if mtime < 0 or not path.is_file():
        return DEFAULT_LIMITS
    from juesuan.spec.cache import cached

    return cached(path, _parse_limits)


def _parse_limits(path: Path) -> tuple[Limits, list[Path]]:
    limits = DEFAULT_LIMITS
    try:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, (attr, unit) in _YAML.items():
            if isinstance(data.get(key), int) and data[key] > 0:
                limits = replace(limits, **{attr: data[key] * unit})
    except (OSError, ValueError, ImportError, AttributeError):
        pass  # a damaged settings file leaves the defaults in force
    except Exception:  # noqa: BLE001 - yaml.YAMLError and friends: the defaults stay
        pass
    return limits, [path]


@record
class Scan:
    """What the guard learnt about a workbook package."""

    inflated: int = 0
    has_workbook: bool = False  # xl/workbook.xml present
    cells: int = 0
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name → worksheet part
    error_parts: set[str] = field(default_factory=set)  # worksheet parts with error values
    formula_parts: set[str] = field(default_factory=set)  # worksheet parts holding formulas
    # the error cells of the parts the exact path parsed: part → 0-based (row, col) → "#N/A" …
    # (a CellError: whether a formula calculated it, or the cell holds it without one)
    errors: dict[str, dict[tuple[int, int], CellError]] = field(default_factory=dict)


_SCANS: dict[tuple[str, int, int, Limits], Scan] = {}
SCANS_KEPT = 256  # a consolidation opens every unit before reading them: each must stay remembered


def scan_workbook(path: Path, limits: Limits | None = None) -> Scan:
    """Check the package at ``path`` (see the module docstring); raise ``InputError`` or
    return what was learnt. Results are remembered per (path, size, mtime, limits)."""
    limits = limits or current_limits()
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, limits)
    cached = _SCANS.get(key)
    if cached is not None:
        return cached
    scan = _scan(path, limits)
    stale = [k for k in _SCANS if k[0] == key[0]]  # an older state of the same file
    for k in stale:
        del _SCANS[k]
    if len(_SCANS) >= SCANS_KEPT:
        del _SCANS[next(iter(_SCANS))]  # the oldest: a Scan is small, a few hundred are nothing
    _SCANS[key] = scan
    return scan


def _scan(path: Path, limits: Limits) -> Scan:
    where = str(path)
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > limits.max_members:
                raise fail("file-too-large", path=where, what=f"{len(infos)} 个部件 / parts",
                           limit=f"{limits.max_members}")
            for info in infos:
                _check_name(info.filename, where)
            declared = sum(info.file_size for info in infos)
            if declared > limits.max_inflated:
                raise fail("file-too-large", path=where, what=_mb(declared), limit=_mb(limits.max_inflated))
            scan = Scan()
            scan.has_workbook = "xl/workbook.xml" in {info.filename for info in infos}
            scan.sheets.update(sheet_parts(z))  # sheets wherever the relationships put them
            targets = set(scan.sheets.values())
            with path.open("rb") as raw:
                for info in infos:
                    if info.is_dir():
                        continue
                    _scan_member(z, info, scan, limits, where, info.filename in targets, raw)
    except zipfile.LargeZipFile as exc:
        raise fail("file-corrupt", path=where, reason=str(exc)) from exc
    except (zipfile.BadZipFile, EOFError, zlib.error, RuntimeError, ValueError, NotImplementedError) as exc:
        raise fail("file-corrupt", path=where, reason=str(exc) or type(exc).__name__) from exc
    except OSError as exc:
        raise fail("file-not-xlsx", path=where, reason=exc.strerror or str(exc)) from exc
    return scan


def _mb(n: int) -> str:
    return f"{n / MB:.0f} MB"


def _check_name(name: str, where: str) -> None:
    if (not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ".." in name.split("/")
            or re.match(r"^[A-Za-z]:", name)):
        raise fail("unsafe-part", path=where, part=_printable(name))


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)[:120]


# A part's start that holds no DTD: an optional XML declaration (version 1.0, UTF-8,
# standalone; nothing else), XML white space, then the root element's start. Such a part
# needs no prolog parse; any other start (a BOM, UTF-16, a comment, a processing
# instruction, a DOCTYPE, another declaration) is parsed by defusedxml.
_PLAIN_PROLOG = lazy(rb'(?:<\?xml version="1\.0"(?: encoding="(?:UTF-8|utf-8)")?(?: standalone="(?:yes|no)")?\?>)?'
                           rb"[ \t\r\n]*<[A-Za-z_]")


class _Stop(Exception):
    """Raised by the prolog handler at the root element: the prolog is clean."""


class _RootStop:
    """The parser target of a part's prolog: stops at the root element."""

    def start(self, tag: str, attrib: Any) -> None:
        raise _Stop

    def end(self, tag: str) -> None:
        return None

    def data(self, data: str) -> None:
        return None

    def close(self) -> None:
        return None


def _prolog_parser() -> Any:
    """defusedxml's ElementTree parser (DTDs, entities and external references refused) fed
    the part up to its root element (its SAX reader would import xml.sax.saxutils and with it
    urllib.request, http.client and ssl: 80 ms of every run)."""
    from defusedxml.ElementTree import DefusedXMLParser

    return DefusedXMLParser(target=_RootStop(), forbid_dtd=True, forbid_entities=True, forbid_external=True)


_ANY_ROW_R = lazy(rb'<row\b[^>]*?\sr="(\d+)"')
_ANY_CELL_R = lazy(rb'<c\b[^>]*?\sr="([A-Za-z]+)(\d+)"')  # calamine reads "c5" as C5
_DIMENSION = lazy(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def column_number(letters: bytes) -> int:
    """Column letters of an A1 reference (bytes, either case) → 1-based number: ``b\"AB\"`` → 28."""
    n = 0
    for ch in letters:
        n = n * 26 + ((ch | 0x20) - 96)
    return n


def _split(data: bytes) -> tuple[bytes, bytes]:
    """``data`` cut before its last ``<`` when what follows may continue in the next chunk
    (a short end, or a tag still open, however long: a cell tag padded with attributes must
    not be read in two halves): every pattern looked for starts with ``<`` and holds no
    other, so a match in the first part is complete and no match is seen twice. A tag open
    for more than a chunk is left cut (:func:`_open_tag` tells; a worksheet then takes the
    exact path)."""
    cut = data.rfind(b"<")
    if cut == -1 or (len(data) - cut > _TAIL and (data.find(b">", cut) != -1 or len(data) - cut > CHUNK)):
        return data, b""
    return data[:cut], data[cut:]


def _split_after(tail: bytes, chunk: bytes) -> tuple[bytes, bytes]:
    """``_split(tail + chunk)``, the body built with one copy of the chunk instead of two (a
    large part's chunks cost as much again to copy as to search)."""
    cut = chunk.rfind(b"<")
    if cut == -1:
        return _split(tail + chunk)
    left = len(chunk) - cut  # what follows the last "<", itself included
    if left > _TAIL and (chunk.find(b">", cut) != -1 or left > CHUNK):
        return tail + chunk, b""
    return b"".join((tail, memoryview(chunk)[:cut])), chunk[cut:]


def _open_tag(body: bytes) -> bool:
    """Whether ``body`` ends inside a tag (one longer than a chunk, see :func:`_split`)."""
    cut = body.rfind(b"<")
    return cut != -1 and body.find(b">", cut) == -1


@functools.lru_cache(maxsize=8)
def _maybe_beyond(n: int) -> re.Pattern[bytes]:
    """A quick sieve for :func:`_beyond` (a third faster to run over a part): any address
    beyond column Z, starting with a character reference, or with as many digits as ``n``
    (after a letter taken at once: most addresses are refused in two steps); only a chunk it
    finds is searched exactly."""
    return re.compile(rb' r="[A-Za-z]?+(?:[A-Za-z&]|\d{' + str(len(str(n))).encode() + rb'})')


@functools.lru_cache(maxsize=8)
def _beyond(n: int) -> re.Pattern[bytes]:
    """An address beyond column Z, or whose row number is greater than ``n`` (one search;
    leading zeros don't hide a row number: readers ignore them)."""
    text = str(n)
    alts = [rf"[1-9]\d{{{len(text)},}}"]
    for i, digit in enumerate(text):
        if digit != "9":
            alts.append(f"{text[:i]}[{int(digit) + 1}-9]" + (rf"\d{{{len(text) - i - 1}}}" if i < len(text) - 1 else ""))
    return re.compile(rb' r="(?:&|[A-Za-z]{2}|[A-Za-z]?0*(?:' + "|".join(alts).encode() + rb')")')  # 0…: leading zeros; &#…


class _Bounds:
    """Counts and used range of one worksheet part, accumulated chunk by chunk.

    The quick pass (:meth:`feed`) costs a few C-speed scans per chunk: it counts cells and
    rows, and only asks whether any address lies beyond one letter of columns or beyond the
    rows the limit allows at 26 columns. Only then (or when addresses are missing or not
    first in their tag) :func:`_exact_bounds` reads every address."""

    def __init__(self, limits: Limits, vector: bool = False):
        rows = max(limits.max_grid_cells // 26, 1)
        self.beyond_re, self.sieve = _beyond(rows), _maybe_beyond(rows)
        self.digits = len(str(rows))  # the sieve's run of digits
        self.vector = vector  # large bodies counted by numpy (:func:`_vector_counts`)
        self.max_row = self.max_col = self.cells = self.rows = 0
        self.tagged_cells = 0
        self.error = self.beyond = self.odd = self.formula = False
        self.first = True
        self.errors: dict[tuple[int, int], CellError] | None = None  # placed by the exact path, when it ran

    def feed(self, body: bytes) -> None:
        if self.first:
            self.first = False
            found = _DIMENSION.search(body)
            if found:
                self.max_col = column_number(found.group(3) or found.group(1))
                self.max_row = int(found.group(4) or found.group(2))
        if self.vector and len(body) >= VECTOR_BODY:
            cells, tagged, beyond, quoted_e = _vector_counts(body, self.beyond_re, self.digits, self.beyond)
        else:
            cells, tagged = body.count(b"<c ") + body.count(b"<c>"), body.count(b'<c r="')
            beyond = not self.beyond and self.sieve.search(body) is not None and self.beyond_re.search(body) is not None
            quoted_e = b'"e"' in body
        self.cells += cells
        self.tagged_cells += tagged
        self.beyond = self.beyond or beyond
        if quoted_e:  # an error cell's type, however spaced: one search where there is none
            canonical = body.count(b't="e"')
            self.error = self.error or canonical > 0
            if canonical < body.count(b'"e"') and _SPACED_TYPE.search(body) is not None:
                self.odd = True  # t = "e": the byte test and error_cells would not see it, the exact parse does
        self.odd = self.odd or _odd_spelling(body) or _open_tag(body)
        if not self.formula and b"f" in body:  # (memchr speed: rows and cells spell no "f", a formula does)
            self.formula = _holds_formula(body)

    @property
    def needs_exact(self) -> bool:
        """Whether the quick bound (≤ 26 columns × the rows the limit allows) may not hold:
        an address beyond it, or cells whose address is not first in the tag, or missing
        (their rows then place them)."""
        return self.beyond or self.tagged_cells < self.cells


VECTOR_BODY = 1 << 16  # bytes of a body from which numpy counts it (below, its call overheads cost more)
VECTOR_MEMBER = 16 * MB  # inflated bytes of a worksheet from which numpy is imported for it (≈0.15 s, once)


def _vector_member(info: zipfile.ZipInfo) -> bool:
    """Whether the worksheet ``info`` is counted by numpy: when numpy is already imported (the
    engine imports it), or the part is so large that its import pays for itself."""
    if "numpy" not in sys.modules and info.file_size < VECTOR_MEMBER:
        return False
    try:
        import numpy  # noqa: F401
    except ImportError:  # pragma: no cover - pandas requires it
        return False
    return True


_LT_C, _SPACE_R, _EQ_QUOTE, _QUOTE_E = (int.from_bytes(pair, "little") for pair in (b"<c", b" r", b'="', b'"e'))
_FEW = 64  # addresses the sieve may let through that are matched one by one (more: one search of the body)


@functools.lru_cache(maxsize=1)
def _pair_kinds() -> tuple[Any, Any]:
    """Two lookup tables over byte pairs (``first | second << 8``) for the sieve of
    :func:`_vector_counts`: of an address's first two bytes, 1 = the second is a letter or
    ``&``, 2 = the first is ``&``, 4 = the first is a letter, 8 = the first is a digit; of the
    pair ending where the sieve's run of digits ends, 4 = its second byte is a digit, 8 = its
    first is."""
    import numpy as np

    pair = np.arange(1 << 16)
    first, second = pair & 0xFF, pair >> 8

    def letter(b: Any) -> Any:
        return ((b | 32) >= 97) & ((b | 32) <= 122)

    def digit(b: Any) -> Any:
        return (b >= 48) & (b <= 57)

    head = ((letter(second) | (second == 38)) * 1 + (first == 38) * 2 + letter(first) * 4 + digit(first) * 8)
    end = digit(second) * 4 + digit(first) * 8
    return head.astype(np.uint8), end.astype(np.uint8)


def _vector_counts(body: bytes, beyond_re: re.Pattern[bytes], digits: int, beyond: bool) -> tuple[int, int, bool, bool]:
    """What :meth:`_Bounds.feed` learns from ``body`` by byte counts and searches, found by numpy
    in a few vector passes over the body's byte pairs instead (the same figures, the same
    verdict): ``body.count(b"<c ") + body.count(b"<c>")``, ``body.count(b'<c r="')``, whether
    ``beyond_re`` finds an address (unless ``beyond`` is known already) and ``b'"e"' in body``.

    The pairs at even and at odd offsets are compared with ``"<c"``, ``" r"`` and ``'"e'``
    (the odd ones in a copy of the body from its second byte: aligned, as the fast comparisons
    want). Every ``' r="'`` is placed (a ``" r"`` whose next pair is ``'="'``); a cell's
    ``'<c r="'`` is one whose previous pair is ``"<c"``. When the body holds no other ``"<c"``
    (no ``<c>``, no ``<c t=…`` without an address first, no ``<col``: a middle chunk of rows
    and cells), its cells are those; else they are counted as :meth:`_Bounds.feed` counts them.

    An address can make ``beyond_re`` match only if the sieve of :func:`_maybe_beyond` lets it
    through, and then (``digits`` being the sieve's run) its second byte is a letter or ``&``,
    its first is ``&``, or its first is a letter and the byte ``digits`` on a digit, or its
    first is a digit and the byte ``digits - 1`` on one: two byte pairs gathered per address
    and looked up in :func:`_pair_kinds` find those few (an address of 100,000 rows and more,
    a column beyond Z), which ``beyond_re`` matches one by one (when they are many, it searches
    the body once); the addresses within a few bytes of the body's ends are matched by it too."""
    import numpy as np

    n = len(body)
    head_kinds, end_kinds = _pair_kinds()
    views = (np.frombuffer(body, "<u2", count=n // 2),  # views[k][j]: the bytes at 2j + k
             np.frombuffer(body[1:], "<u2", count=(n - 1) // 2))  # (a copy: aligned, as fast comparisons want)
    found = tagged = 0
    quoted_e = False
    lim = n - 5 - digits  # an address at q ≤ lim has its sieve's bytes inside the body
    end = 5 + digits  # its sieve's last pair at q + end - 2 …
    candidates: list[Any] = []
    for k, pairs in enumerate(views):
        lt_c = pairs == _LT_C
        found += int(np.count_nonzero(lt_c))
        i = np.flatnonzero(pairs[1:-1] == _SPACE_R)
        i = i[np.take(pairs[2:], i) == _EQ_QUOTE]  # ' r="' at q = 2i + 2 + k
        tagged += int(np.count_nonzero(np.take(lt_c, i)))  # "<c" at q - 2
        quoted_e = quoted_e or bool((pairs == _QUOTE_E).any())
        if not beyond:
            i = i[:int(np.searchsorted(i, (lim - 2 - k) // 2, "right"))]  # q ≤ lim
            head = np.take(head_kinds, np.take(pairs[3:], i))  # the address's first two bytes (at q + 4)
            last = views[(end + k) % 2][(end + k) // 2:]  # … whose pair i is at 2i + end + k = q + 3 + digits
            sieve = (head & 3) | (head & np.take(end_kinds, np.take(last, i)) & 12)
            candidates.append(i[np.flatnonzero(sieve)] * 2 + 2 + k)
    if found == tagged:
        cells = tagged  # (tagged ≤ cells ≤ the "<c" found)
    else:
        cells = body.count(b"<c ") + body.count(b"<c>")
    if not beyond:
        at = np.concatenate(candidates)
        if len(at) > _FEW:
            beyond = beyond_re.search(body) is not None
        else:
            beyond = (any(beyond_re.match(body, int(q)) is not None for q in (0, 1, *at))
                      or beyond_re.search(body, max(lim + 1, 0)) is not None)
    return cells, tagged, beyond, quoted_e and b'"e"' in body


_FORMULA = lazy(rb"<f[\s/>]")  # <f>, <f t="…">, <f t="dataTable" …/>, <f/> (not <formula1>)
# a prefixed formula element first in a cell (a cell's formula is its first child): <x:c r="A1"><x:f …>,
# not the <xm:f> of an Excel 2010 data validation's <x14:formula1>
_PREFIXED_FORMULA = lazy(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^<>]*>\s*<[A-Za-z_][\w.-]*:f[\s/>]")


def _holds_formula(body: bytes) -> bool:
    """Whether ``body`` (a chunk of a worksheet part holding an ``f``) holds a formula element in
    any spelling: with an end tag or self-closing (a data table's ``<f t="dataTable" …/>``, a
    shared formula's follower), attributes quoted either way, a tab or line break after its name,
    a namespace prefix. Data validations' ``<formula1>`` and ``<xm:f>`` are none. Two byte
    searches where there are none (the first and last chunk of a part: ``ref=``, ``footer=``);
    a middle chunk of rows and cells without formulas holds no ``f`` at all and costs one memchr."""
    at = body.find(b"<f")
    for _ in range(32):  # each "<f" looked at (a few <formula1>), else one regular expression
        if at == -1 or body[at + 2:at + 3] in _AFTER_NAME:
            break
        at = body.find(b"<f", at + 2)
    else:
        at = -1 if _FORMULA.search(body, at) is None else at
    return at != -1 or (b":f" in body and _PREFIXED_FORMULA.search(body) is not None)


_AFTER_NAME = frozenset((b" ", b"/", b">", b"\t", b"\n", b"\r"))
_WS_IN_TAG = lazy(rb"[\t\n\r][^<>]*>")  # a tab or line break before the end of a tag
_QUOTED = lazy(rb"=[ \t\r\n]*'")  # a single-quoted attribute value
_PREFIXED = lazy(rb":(?:c|row)(?:>|[\s/][^<>]*>)")  # <x:c …>, <x:row …> (not "x:c" in text)
_WS_AROUND_EQ = lazy(rb"(?: +=|= +)[^<>]*>")
_SPACED_TYPE = lazy(rb't(?: += *|= +)"e"')  # t = "e", t ="e", t= "e" (tabs, line breaks: _WS_IN_TAG)


def _odd_spelling(body: bytes) -> bool:
    """Whether ``body`` (a chunk of a worksheet part) may spell a row or cell in a way the
    quick count would not see: a tab or line break inside a tag, a single-quoted value, a
    prefixed ``c`` or ``row``, UTF-16. Each test is a memchr-speed ``in`` or one regular
    expression with a rare first byte; a second expression confirms a hit (line breaks in
    cell text, a formula naming ``'Sheet 2'!A1`` are no reason to leave the quick path)."""
    return (b"\x00" in body
            or ((b"\t" in body or b"\n" in body or b"\r" in body) and _WS_IN_TAG.search(body) is not None)
            or (b"'" in body and _QUOTED.search(body) is not None)
            or _prefixed(body))


def _prefixed(body: bytes) -> bool:
    """A ``<x:c …>`` or ``<x:row …>`` in ``body``: where colons are few (a canonical part has
    them in ranges: ``ref="A1:H9"``) each is looked at, else one regular expression."""
    at = body.find(b":")
    for _ in range(32):
        if at == -1:
            return False
        if body[at + 1:at + 2] in (b"c", b"r") and _PREFIXED.match(body, at) is not None:
            return True
        at = body.find(b":", at + 1)
    return _PREFIXED.search(body, at) is not None


def _odd_address(body: bytes) -> bool:
    """The spellings the quick count already sends to :func:`_exact_bounds` (a cell not
    starting ``<c r="``, an address starting with ``&``) that its regular expressions would
    still misread: spaces around ``=``, a character reference in an address."""
    return (((b" =" in body or b"= " in body) and _WS_AROUND_EQ.search(body) is not None)
            or b' r="&' in body)  # (after a space: ``error="&#…"`` of a data validation is no address)


_DECLARATION = lazy(rb"<!(?:DOCTYPE|ENTITY)")


def _declarations(body: bytes, name: str, where: str) -> None:
    """A DTD or entity declaration anywhere in a part (not only in its prolog, where the
    defused parser already refuses it): readers must never see one."""
    if b"!" in body and b"<!" in body and _DECLARATION.search(body):  # "!" first: memchr speed
        raise fail("xml-entity", path=where, part=name, reason="DOCTYPE/ENTITY")


_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)
_UTF8_NAME = 0x800  # general purpose flag: the name is UTF-8
_ENCRYPTED = 0x1


def _inflated(z: zipfile.ZipFile, info: zipfile.ZipInfo, raw: Any) -> Iterator[bytes]:
    """A member's inflated bytes in chunks of at most :data:`CHUNK`, never more at once.

    A stored or deflated member is read from ``raw`` (the package file) and inflated here,
    with zlib-ng when installed, as :mod:`zipfile` would (its local header checked, its name
    against the directory's); it is damaged (``BadZipFile``) when its stream ends early, or
    inflates to more or fewer bytes than the directory says, or to another CRC. Any other
    member (encrypted, another method) is read through :mod:`zipfile`."""
    if raw is None or info.flag_bits & _ENCRYPTED or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with z.open(info) as member:
            while chunk := member.read(CHUNK):
                yield chunk
        return
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile("Truncated file header")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != zipfile.stringFileHeader:
        raise zipfile.BadZipFile("Bad magic number for file header")
    name = raw.read(fields[10])
    raw.seek(fields[11], 1)  # the extra field
    encoding = "utf-8" if fields[3] & _UTF8_NAME else (getattr(z, "metadata_encoding", None) or "cp437")
    if name.decode(encoding, "replace") != info.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
    global _declared_so_far
    # zlib-ng for a large member, or once this process has inflated that much (its import paid once)
    lib = _fast_zlib() if max(info.file_size, _declared_so_far) >= LARGE_MEMBER else zlib
    _declared_so_far += info.file_size
    inflate = lib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    try:
        yield from _inflate_member(info, raw, inflate, lib)
    except lib.error as exc:  # zlib-ng's own kind: damaged as zipfile would say
        raise zipfile.BadZipFile(f"{info.filename}: {exc}") from exc


def _inflate_member(info: zipfile.ZipInfo, raw: Any, inflate: Any, lib: Any) -> Iterator[bytes]:
    """The body of :func:`_inflated`: ``raw`` stands at the member's data."""
    left, size, crc = info.compress_size, 0, 0
    while True:
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.decompress(inflate.unconsumed_tail, CHUNK)
        elif left:
            data = raw.read(min(CHUNK, left))
            if not data:
                raise EOFError("the package ends inside a member")
            left -= len(data)
            if inflate is not None:
                data = inflate.decompress(data, CHUNK)
        elif inflate is not None and not inflate.eof:
            data = inflate.decompress(b"", CHUNK)  # output still held back by the chunk bound
            if not data:
                break
        else:
            break
        size += len(data)
        if size > info.file_size:
            raise zipfile.BadZipFile(f"{info.filename}: more bytes than its header declares")
        crc = lib.crc32(data, crc)
        if data:
            yield data
    if inflate is not None and not inflate.eof:
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")


def _scan_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, scan: Scan, limits: Limits, where: str,
                 target: bool = False, raw: Any = None) -> None:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    name = info.filename
    sheet = target or (name.startswith("xl/worksheets/") and name.endswith(".xml") and name.count("/") == 2)
    is_xml = sheet or name.lower().endswith(_XML_SUFFIXES)
    parser: Any = None  # the prolog parser, for a part that does not start plainly
    bounds = _Bounds(limits, vector=bool(sheet) and _vector_member(info))
    tail = b""
    carry = b""  # the end of the previous chunk, for "sheetData" cut in two
    seen = 0
    for chunk in _inflated(z, info, raw):
        if not seen and is_xml and not _PLAIN_PROLOG.match(chunk):  # (a plain start holds no DTD)
            parser = _prolog_parser()
        seen += len(chunk)
        scan.inflated += len(chunk)
        if not sheet and not bounds.odd:
            bounds.odd = b"sheetData" in carry + chunk[:16] or b"sheetData" in chunk  # a sheet under another name
            carry = chunk[-16:]
        if scan.inflated > limits.max_inflated:
            raise fail("file-too-large", path=where, what=f"> {_mb(limits.max_inflated)}",
                       limit=_mb(limits.max_inflated))
        if parser is not None:
            try:
                parser.feed(chunk[:_PROLOG])  # the prolog is short: expat copies all it is fed
                parser.feed(chunk[_PROLOG:])
            except _Stop:
                parser = None
            except DefusedXmlException as exc:
                raise fail("xml-entity", path=where, part=name, reason=type(exc).__name__) from exc
            except ParseError as exc:
                raise fail("file-corrupt", path=where, reason=f"{name}: {exc}") from exc
        if is_xml:  # the last chunk (the whole part, mostly) needs no cut
            body, tail = (tail + chunk, b"") if seen == info.file_size else _split_after(tail, chunk)
            _declarations(body, name, where)
            if sheet:
                bounds.feed(body)
    if tail:
        _declarations(tail, name, where)
        if sheet:
            bounds.feed(tail)
    if parser is not None:
        try:
            parser.close()
        except _Stop:
            pass
        except DefusedXmlException as exc:
            raise fail("xml-entity", path=where, part=name, reason=type(exc).__name__) from exc
        except ParseError:
            pass  # an empty or odd part: the readers decide
    if not sheet and not bounds.odd:
        return
    if not bounds.odd and bounds.needs_exact:
        if sheet and bounds.error and bounds.tagged_cells < bounds.cells:
            bounds.odd = True  # an error value may stand in a cell without an address: the placer finds it
        else:
            bounds.odd = not _exact_bounds(z, info, bounds)
    if bounds.odd:
        _parsed_bounds(z, info, bounds, where, strict=sheet)
    scan.cells += bounds.cells
    if scan.cells > limits.max_cells:
        raise fail("too-many-cells", path=where, found=f"{scan.cells:,}", limit=f"{limits.max_cells:,}")
    if not bounds.odd and not bounds.needs_exact and bounds.tagged_cells:
        bounds.max_col = max(bounds.max_col, 1)  # one letter at most: within the quick bound
        bounds.max_row = max(bounds.max_row, 1)
    if bounds.max_row * bounds.max_col > limits.max_grid_cells:
        raise fail("sheet-too-large", path=where, part=name, rows=f"{bounds.max_row:,}",
                   cols=f"{bounds.max_col:,}", limit=f"{limits.max_grid_cells:,}")
    if sheet and bounds.errors is not None:  # the exact path's parse: its error cells, however spelt
        scan.errors[name] = bounds.errors
        if bounds.errors:
            scan.error_parts.add(name)
    elif bounds.error:
        scan.error_parts.add(name)
    if bounds.formula:
        scan.formula_parts.add(name)


def _exact_bounds(z: zipfile.ZipFile, info: zipfile.ZipInfo, bounds: _Bounds) -> bool:
    """Every row and cell address of the part, in any attribute order; a row or cell
    without an address may be the next one, so the counts bound it. False, and the bounds
    left unfinished, when an address is spelt in a way these expressions misread
    (:func:`_odd_address`): the part then needs :func:`_parsed_bounds`."""
    tail = b""
    tagged_rows = tagged_cells = 0

    def feed(body: bytes) -> None:
        nonlocal tagged_rows, tagged_cells
        bounds.rows += body.count(b"<row ") + body.count(b"<row>") + body.count(b"<row/>")
        bounds.cells += body.count(b"<c/>")  # no value, but it moves the next cell without an address
        rows = _ANY_ROW_R.findall(body)
        cells = _ANY_CELL_R.findall(body)
        tagged_rows += len(rows)
        tagged_cells += len(cells)
        if rows:
            bounds.max_row = max(bounds.max_row, max(map(int, rows)))
        if cells:
            bounds.max_row = max(bounds.max_row, max(int(r) for _, r in cells))
            bounds.max_col = max(bounds.max_col, max(column_number(c) for c in {c for c, _ in cells}))

    with z.open(info) as member:
        while chunk := member.read(CHUNK):
            body, tail = _split(tail + chunk)
            if _odd_address(body):
                return False
            feed(body)
    if tail:
        if _odd_address(tail):
            return False
        feed(tail)
    if tagged_rows < bounds.rows:
        bounds.max_row = max(bounds.max_row, bounds.rows) + (bounds.rows - tagged_rows)
    if tagged_cells < bounds.cells:
        bounds.max_col = max(bounds.max_col, 1) + (bounds.cells - tagged_cells)
    return True


_CELL_ADDRESS = lazy(r"([A-Za-z]+)([0-9]+)")


class _Placer:
    """Rows and cells placed as a spreadsheet reader places them (python-calamine included):
    an element named ``row`` or ``c`` under any prefix, inside ``sheetData``; its ``r``
    attribute (any quoting, spacing or character reference: expat has resolved them) gives
    its place, and one without a readable address takes the next row, or the next column.

    The bounds (``max_row``, ``max_col``) err on the large side: a row without an address
    follows the lowest cell placed so far. A cell's own place is python-calamine's: its
    address, or the next column of its row element's row (``line``). Cells holding an error
    value (``t="e"``) are noted there with their value (``errors``, 0-based): while one is
    open, ``parser`` (the expat parser feeding this placer) calls the handlers that read its
    ``v`` element (and note whether a formula element stands in it: a pasted error value has
    none), so the other cells cost one dictionary look-up more."""

    def __init__(self, parser: Any = None) -> None:
        self.depth = 0  # open sheetData elements
        self.row = self.col = self.max_row = self.max_col = self.cells = 0
        self.line = 0  # the row element's row (python-calamine's place for a cell without an address)
        self.parser = parser
        self.errors: dict[tuple[int, int], CellError] = {}
        self._error_at = (0, 0)  # the open error cell's place
        self._text: list[str] = []
        self._value = ""  # the open error cell's value, once its v element has ended
        self._formula = False  # whether the open error cell holds a formula element

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "sheetData":
            self.depth += 1
        elif self.depth and local == "row":
            r = attrs.get("r", "").strip()
            if r.isascii() and r.isdigit():
                self.row = self.line = int(r)
            else:
                self.row, self.line = self.row + 1, self.line + 1
            self.col = 0
            self.max_row = max(self.max_row, self.row)
        elif self.depth and local == "c":
            self.cells += 1
            found = _CELL_ADDRESS.fullmatch(attrs.get("r", "").strip())
            if found and found.group(1).isascii():
                self.col = column_number(found.group(1).encode())
                at = int(found.group(2))
                self.row = max(self.row, at)  # later rows without an address follow it
                self.max_row = max(self.max_row, self.row)
            else:
                self.col += 1
                at = self.line or 1
                self.max_row = max(self.max_row, self.row, 1)
            self.max_col = max(self.max_col, self.col)
            if attrs.get("t") == "e" and self.parser is not None and at > 0:
                self._error_at = (at - 1, self.col - 1)
                self._text, self._value, self._formula = [], "", False
                self.parser.StartElementHandler = self._error_start
                self.parser.EndElementHandler = self._error_end

    def end(self, name: str) -> None:
        if self.depth and name.rpartition(":")[2] == "sheetData":
            self.depth -= 1

    def _error_start(self, name: str, attrs: dict[str, str]) -> None:
        """Inside an error cell: its value's text is collected, its formula element noted;
        anything else placed as usual."""
        local = name.rpartition(":")[2]
        if local == "v":
            self._text = []
            self.parser.CharacterDataHandler = self._text.append
        elif local == "f":
            self._formula = True
        else:
            self.start(name, attrs)

    def _error_end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "v":
            self.parser.CharacterDataHandler = None
            self._value = "".join(self._text).strip()
        elif local == "c":
            if self._value:
                self.errors[self._error_at] = CellError(self._value, formula=self._formula)
            self.parser.StartElementHandler = self.start
            self.parser.EndElementHandler = self.end
        else:
            self.end(name)


def _parsed_bounds(z: zipfile.ZipFile, info: zipfile.ZipInfo, bounds: _Bounds, where: str,
                   strict: bool = True) -> None:
    """The exact, slow path for a part spelt otherwise than canonically: the part is inflated
    again and streamed through expat (a DTD or entity declaration refused), and its cell
    count and used range replace the quick ones (a ``<dimension>`` already read still counts).
    A worksheet (``strict``) that expat cannot parse is refused as damaged: python-calamine
    is more lenient (control characters, a repeated attribute) and would read on past the
    fault; another part mentioning ``sheetData`` keeps what was placed before it."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    placer = _Placer(parser if strict else None)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: Any) -> None:
        raise fail("xml-entity", path=where, part=info.filename, reason="DOCTYPE/ENTITY")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = placer.start
    parser.EndElementHandler = placer.end
    try:
        with z.open(info) as member:
            while chunk := member.read(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        if strict:
            raise fail("file-corrupt", path=where, reason=f"{info.filename}: {exc}") from exc
    bounds.cells = placer.cells
    bounds.errors = placer.errors
    bounds.max_row = max(bounds.max_row, placer.max_row)
    bounds.max_col = max(bounds.max_col, placer.max_col)


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from xl/workbook.xml and its relationships (parsed with
    defusedxml); empty when they are missing or malformed (the readers report that)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    out: dict[str, str] = {}
    try:
        names = set(z.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return out
        book = fromstring(z.read("xl/workbook.xml"), forbid_dtd=True)
        rels = fromstring(z.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except (DefusedXmlException, ParseError):
        return out
    targets = {}
    for rel in rels.iter(f"{_NS_PKG}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        odd = not part or "//" in part or "/." in part or part.startswith(".") or part.endswith("/")
        targets[rel.get("Id")] = str(PurePosixPath(part)) if odd else part  # (else already normal)
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        part = targets.get(sheet.get(f"{_NS_REL}id"))
        if part and sheet.get("name"):
            out[sheet.get("name")] = part
    return out


# A cell tag (not self-closing), then (what stands before it: a formula?) its value element
# (``<v>``, or prefixed within a canonical sheet: python-calamine reads ``<x:v>`` too) before the cell ends.
_ERROR_CELL = lazy(rb'<c\b([^>]*)(?<!/)>((?:(?!</c>).)*?)<(?:[A-Za-z_][\w.-]*:)?v(?:\s[^>]*)?>\s*(#[^<\s]+)\s*</',
                         re.S)
_FORMULA_ELEMENT = lazy(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_ATTR_R = lazy(rb'\sr="([A-Za-z]+)(\d+)"')
_ATTR_T_E = lazy(rb'\st="e"')


def error_cells(path: Path, sheet: str, scan: Scan | None = None) -> dict[tuple[int, int], CellError]:
    """The cells of ``sheet`` holding an error value, 0-based (row, col) → ``#DIV/0!`` … as a
    :class:`~juesuan.port.CellError` that says whether a formula calculated it (empty unless
    the guard saw error values on that sheet; ``scan``: the guard's scan of ``path`` when the
    caller holds it). A sheet the exact path parsed gives the cells it placed; a canonical one
    is searched here (every error cell then has its address first)."""
    scan = scan or scan_workbook(path)
    part = scan.sheets.get(sheet)
    if part is None or part not in scan.error_parts:
        return {}
    placed = scan.errors.get(part)
    if placed is not None:
        return dict(placed)
    out: dict[tuple[int, int], CellError] = {}
    with zipfile.ZipFile(path) as z:
        data = z.read(part)  # bounded by the inflated-size limit checked above
    formulas = part in scan.formula_parts  # (none in the sheet: none in its error cells)
    for attrs, before, value in _ERROR_CELL.findall(data):
        if not _ATTR_T_E.search(attrs):
            continue
        m = _ATTR_R.search(attrs)
        if m:
            formula = formulas and _FORMULA_ELEMENT.search(before) is not None
            out[(int(m.group(2)) - 1, column_number(m.group(1)) - 1)] = CellError(value.decode("ascii", "replace"),
                                                                                 formula=formula)
    return out
