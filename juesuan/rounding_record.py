"""The record of Fill's rounding kept in the workbook (隐藏工作表 ``_juesuan_rounding``).

Fill rounds the leaves of a ledger (controlled rounding, then the repair pass): each leaf
goes to the floor or the ceiling of its exact amount in cents of 万元. A check must judge
a published figure a cent or more from its exact value against Fill's own figure, so
without a record it runs that whole rounding again — at 100,000 ledger lines, most of a
check's time (issue 14).

So Fill keeps, on a very hidden sheet, which leaves it rounded up: one bit per leaf, per
ledger, under a digest of everything the rounding depends on (the engine's rounding
version and juesuan's release, the spec's tables and rounding settings, every leaf's
classification and exact amount). A check that computes the same digest takes the bits instead of rounding again;
any other digest (a detail line typed since, another spec or engine version, a damaged
record) and the check rounds as Fill would. The figures are then identical either way.

A record is data in the workbook, so a check does not trust it blindly: every leaf must be
at its floor or ceiling (a bit, and 0 for a leaf already exact), and every figure it gives
must lie within :data:`MAX_OFF` of exact (Fill's figures are within a few cents; a forged
record could otherwise move a figure by a cent per leaf) — else the check rounds again.

Fill writes the record only where a check needs it (:func:`wanted`): when some figure is a
cent or more from exact (a department of 1,000 ledger lines may have a dozen; where every
figure is within a cent, a check decides on exact values alone). Once written, every later
Fill keeps it up to date.
"""

from __future__ import annotations

import base64
import zlib
from array import array
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from juesuan import __version__
from juesuan.port import SheetPicture

if TYPE_CHECKING:
    from juesuan.leaves import Leaves
    from juesuan.port import Grid, WorkbookPort
    from juesuan.spec.model import TemplateSpec

SHEET = "_juesuan_rounding"
TITLE = "juesuan 填充舍入记录 / Fill's rounding record — 请勿编辑 / do not edit"
VERSION = "1"  # the rounding engine's: raise it whenever Fill would round a ledger differently
MAX_OFF = Decimal("0.05")  # 万元: a recorded rounding giving a figure further from exact is not trusted
CHUNK = 30_000  # characters per cell (Excel holds 32,767)
MARK = "b"  # before each cell's share of the bits: no cell starts like a formula or a number

try:  # the digest without importing hashlib (its OpenSSL binding costs ≈4 ms at each start)
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - CPython without the builtin module
    from hashlib import blake2b as _blake2b

_SPEC_KEYS: dict[int, tuple[Any, str]] = {}  # id(spec) → (spec, its part of the digest)


def _spec_key(spec: TemplateSpec) -> str:
    """What identifies ``spec`` for a record: the digest of the files it was loaded from, or
    for a spec built otherwise what of it decides Fill's rounding (format, tables, rounding
    settings, fiscal kinds, economic groups), computed once per spec object."""
    if spec.sources:  # loaded from files: their digest (any change to the spec makes a new key)
        return f"{spec.format}\x1e{spec.version}\x1e{spec.sources}"
    found = _SPEC_KEYS.get(id(spec))
    if found is None or found[0] is not spec:
        raw = spec.raw or {}
        text = repr((spec.format, spec.version, raw.get("tables"), raw.get("rounding"), spec.fiscal,
                     sorted(spec.econ_groups.items())))
        found = _SPEC_KEYS[id(spec)] = (spec, _blake2b(text.encode(), digest_size=16).hexdigest())
    return found[1]


def digest(spec: TemplateSpec, leaves: dict[str, Leaves]) -> str:
    """The digest a record is kept under: engine version and release, spec, and every ledger's leaves
    (classification and exact amount) in order. Each key field enters as its distinct values
    in ascending order and each leaf's rank among them (int64): the same bytes whether the
    leaves come with their fields as columns (:attr:`~juesuan.leaves.Leaves.coded`, a large
    ledger: no per-leaf work) or as key tuples."""
    h = _blake2b(digest_size=20)
    h.update(f"{VERSION}\x1d{__version__}\x1d{_spec_key(spec)}".encode())
    for name in sorted(leaves):
        data = leaves[name]
        h.update(f"\x1d{name}\x1e{data.per_cent}\x1e{len(data.keys)}".encode())
        for values, ranks in _ranked_fields(data):
            h.update(b"\x1f")
            h.update("\x1e".join(values).encode())
            h.update(b"\x1f")
            h.update(ranks)
        h.update(b"\x1d")
        try:
            h.update(array("q", data.units).tobytes())
        except OverflowError:  # an amount beyond int64 units
            h.update(",".join(map(str, data.units)).encode())
    return h.hexdigest()


def _ranked_fields(data: Leaves) -> list[tuple[list[str], bytes]]:
    """Each key field of ``data`` (func, econ, kind, fund, item) as its distinct values in
    ascending order and every leaf's rank among them (native int64 bytes)."""
    from juesuan.grouping import DIMENSIONS

    coded = data.coded
    if coded is not None and all(name in coded for name in DIMENSIONS):
        out = []
        for name in DIMENSIONS:
            values, ids = coded[name]
            if not all(a < b for a, b in zip(values, values[1:], strict=False)):  # (grouping gives them ascending)
                break
            out.append((values, ids.astype("int64").tobytes()))
        else:
            return out
    out = []
    for column in (zip(*data.keys, strict=True) if data.keys else [()] * len(DIMENSIONS)):
        values = sorted(set(column))
        rank = {v: n for n, v in enumerate(values)}
        out.append((values, array("q", map(rank.__getitem__, column)).tobytes()))
    return out


def wanted(over_a_cent: bool, port: WorkbookPort) -> bool:
    """Whether Fill writes a record: the workbook has one already (kept up to date), or some
    figure is a cent or more from exact — never over a sheet of that name that is not one
    (the accountant's own: then there is no record, and checks round again), nor beside one
    whose name differs only in case (Excel's sheet names ignore case: two would make a
    workbook Excel must repair)."""
    names = port.sheet_names()
    if SHEET in names:
        return ours(port)
    return over_a_cent and not any(n.lower() == SHEET for n in names)


def ours(port: WorkbookPort) -> bool:
    """Whether the workbook's sheet named :data:`SHEET` is a record Fill wrote (its title)."""
    grid = port.read_sheet(SHEET)
    return bool(grid) and bool(grid[0]) and grid[0][0] == TITLE


def _bits(data: Leaves) -> str | None:
    """Each leaf's rounding as '1' (ceiling) or '0' (floor); None when a leaf is neither."""
    per_cent = data.per_cent
    out = []
    for units, cents in zip(data.units, data.cents, strict=True):
        step = cents - units // per_cent
        if step == 0 or (step == 1 and units % per_cent):
            out.append("1" if step else "0")
        else:
            return None
    return "".join(out)


def _pack(bits: str) -> str:
    if not bits:
        return ""
    number = int(bits[::-1], 2)  # leaf i is bit i
    return base64.urlsafe_b64encode(zlib.compress(number.to_bytes((len(bits) + 7) // 8, "little"), 9)).decode("ascii")


def _unpack(text: str, count: int) -> str | None:
    if count == 0:
        return "" if not text else None
    try:
        data = base64.b64decode(text.encode("ascii"), altchars=b"-_", validate=True)
        raw = zlib.decompress(data, bufsize=(count + 7) // 8 + 16)
    except (ValueError, zlib.error, UnicodeEncodeError):
        return None
    if len(raw) != (count + 7) // 8:
        return None
    bits = format(int.from_bytes(raw, "little"), "b")[::-1]
    if len(bits) > count:
        return None
    return bits + "0" * (count - len(bits))


def picture(spec: TemplateSpec, leaves: dict[str, Leaves]) -> SheetPicture | None:
    """The record sheet of rounded ``leaves`` (None if a leaf is off its floor and ceiling):
    row 1 a title, row 2 version and digest, then one row per ledger — name, leaf count,
    the packed bits (zlib, URL-safe base64) over as many cells as they need, each after
    :data:`MARK`."""
    pic = SheetPicture(name=SHEET, landscape=False, hidden=True)
    pic.put(0, 0, TITLE, "input-text")
    pic.put(1, 0, VERSION, "input-text")
    pic.put(1, 1, digest(spec, leaves), "input-text")
    for r, name in enumerate(sorted(leaves), start=2):
        bits = _bits(leaves[name])
        if bits is None:
            return None
        packed = _pack(bits)
        pic.put(r, 0, name, "input-text")
        pic.put(r, 1, len(bits), "dept")
        for n, start in enumerate(range(0, len(packed), CHUNK)):
            pic.put(r, 2 + n, MARK + packed[start:start + CHUNK], "input-text")
    return pic


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def read(port: WorkbookPort) -> tuple[str, dict[str, tuple[int, str]]] | None:
    """The record as (digest, ledger name → (leaf count, packed bits)); None when the
    workbook has none, or another version's, or it can't be read."""
    if SHEET not in port.sheet_names():
        return None
    grid: Grid = port.read_sheet(SHEET)
    if len(grid) < 2 or len(grid[1]) < 2 or _text(grid[1][0]) != VERSION:
        return None
    ledgers: dict[str, tuple[int, str]] = {}
    for row in grid[2:]:
        cells = [_text(v) for v in row]
        if not any(cells):
            continue
        count = row[1] if len(row) > 1 else None
        if type(count) is float and count.is_integer():
            count = int(count)
        if type(count) is not int or count < 0 or not all(c.startswith(MARK) for c in cells[2:] if c):
            return None
        ledgers[cells[0]] = (count, "".join(c[len(MARK):] for c in cells[2:]))
    return _text(grid[1][1]), ledgers


def apply(port: WorkbookPort, spec: TemplateSpec, leaves: dict[str, Leaves]) -> bool:
    """Round ``leaves`` in place as the workbook's record says; False (leaves untouched) when
    there is no usable record for exactly these leaves. The caller still checks the figures
    (:data:`MAX_OFF`)."""
    found = read(port)
    if found is None:
        return False
    recorded, ledgers = found
    if set(ledgers) != set(leaves) or recorded != digest(spec, leaves):
        return False
    cents: dict[str, list[int]] = {}
    for name, data in leaves.items():
        count, packed = ledgers[name]
        bits = _unpack(packed, count) if count == len(data.keys) else None
        if bits is None:
            return False
        mine = _cents(data, bits)
        if mine is None:
            return False  # an exact leaf has nothing to round up
        cents[name] = mine
    for name, data in leaves.items():
        data.cents[:] = cents[name]
    return True


def _cents(data: Leaves, bits: str) -> list[int] | None:
    """Each leaf's rounded cents: its floor, plus one where its bit is 1; None when a leaf
    already exact has its bit set. Whole arrays for a big ledger (the same integers)."""
    from juesuan.rounding import NUMPY_FROM

    units, per_cent = data.units, data.per_cent
    if len(units) >= NUMPY_FROM and max(max(units), -min(units)) < 2**62:
        import numpy as np

        exact = np.array(units, dtype=np.int64)
        up = np.frombuffer(bits.encode("ascii"), dtype=np.uint8) == ord("1")
        if (up & (exact % per_cent == 0)).any():
            return None
        return (exact // per_cent + up).tolist()
    if any(b == "1" and not u % per_cent for u, b in zip(units, bits, strict=True)):
        return None
    return [u // per_cent + (b == "1") for u, b in zip(units, bits, strict=True)]
