"""Just enough of the Compound File Binary format ([MS-CFB]) to overwrite a stream in place.

The add-in build must change one VBA module stream without moving anything else in the
container, so instead of re-writing the file we locate the byte ranges (``extents``) a
stream occupies — regular sectors via the FAT, small streams via the mini FAT inside the
root entry's mini stream — and patch exactly those bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF
_MAX_REG = 0xFFFFFFFA


class CfbError(ValueError):
    """The file is not a compound file we can patch."""


@dataclass(frozen=True)
class DirEntry:
    """One 128-byte directory entry (MS-CFB 2.6)."""

    sid: int
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    left: int
    right: int
    child: int
    start: int
    size: int


def _u32(buf: bytes, pos: int) -> int:
    return int.from_bytes(buf[pos : pos + 4], "little")


class CompoundFile:
    """Read-only view of a compound file held in memory, with in-place stream patching."""

    def __init__(self, data: bytes) -> None:
        if data[:8] != MAGIC:
            raise CfbError("not an OLE/CFB file (bad signature)")
        self.data = bytearray(data)
        self.sector_size = 1 << int.from_bytes(data[0x1E:0x20], "little")
        self.mini_size = 1 << int.from_bytes(data[0x20:0x22], "little")
        self.cutoff = _u32(data, 0x38)
        self.fat = self._read_fat()
        self.entries = self._read_directory(_u32(data, 0x30))
        root = self.entries[0]
        self._mini_chain = self._chain(root.start) if root.start < _MAX_REG else []
        first_minifat = _u32(data, 0x3C)
        minifat_bytes = self._read_chain(first_minifat) if first_minifat < _MAX_REG else b""
        self.minifat = [_u32(minifat_bytes, i) for i in range(0, len(minifat_bytes), 4)]

    # -- sectors and chains -------------------------------------------------------------
    def _offset(self, sector: int) -> int:
        return (sector + 1) * self.sector_size

    def _sector(self, sector: int) -> bytes:
        off = self._offset(sector)
        if off + self.sector_size > len(self.data):
            raise CfbError(f"sector {sector} lies beyond the end of the file")
        return bytes(self.data[off : off + self.sector_size])

    def _read_fat(self) -> list[int]:
        per = self.sector_size // 4
        fat_sectors = [s for s in (_u32(self.data, 0x4C + 4 * i) for i in range(109)) if s < _MAX_REG]
        difat, guard = _u32(self.data, 0x44), 0
        while difat < _MAX_REG:
            block = self._sector(difat)
            fat_sectors += [s for s in (_u32(block, 4 * i) for i in range(per - 1)) if s < _MAX_REG]
            difat = _u32(block, 4 * (per - 1))
            guard += 1
            if guard > len(self.data) // self.sector_size:
                raise CfbError("DIFAT chain loops")
        fat: list[int] = []
        for s in fat_sectors:
            block = self._sector(s)
            fat += [_u32(block, 4 * i) for i in range(per)]
        return fat

    def _chain(self, start: int, table: list[int] | None = None) -> list[int]:
        table = self.fat if table is None else table
        chain: list[int] = []
        cur = start
        while cur != _ENDOFCHAIN:
            if cur >= len(table) or cur in (_FREESECT,) or len(chain) > len(table):
                raise CfbError(f"broken sector chain starting at {start}")
            chain.append(cur)
            cur = table[cur]
        return chain

    def _read_chain(self, start: int) -> bytes:
        return b"".join(self._sector(s) for s in self._chain(start))

    def _read_directory(self, first: int) -> list[DirEntry]:
        raw = self._read_chain(first)
        entries = []
        for sid in range(len(raw) // 128):
            e = raw[sid * 128 : (sid + 1) * 128]
            name_len = int.from_bytes(e[0x40:0x42], "little")
            name = e[: max(name_len - 2, 0)].decode("utf-16-le", errors="replace")
            size = int.from_bytes(e[0x78:0x80], "little")
            if self.sector_size == 512:
                size &= 0xFFFFFFFF  # version 3 files: high dword is undefined
            entries.append(
                DirEntry(sid, name, e[0x42], _u32(e, 0x44), _u32(e, 0x48), _u32(e, 0x4C), _u32(e, 0x74), size)
            )
        if not entries or entries[0].kind != 5:
            raise CfbError("directory has no root entry")
        return entries

    # -- lookup ----------------------------------------------------------------------
    def _children(self, storage: DirEntry) -> list[DirEntry]:
        out, todo, seen = [], [storage.child], set()
        while todo:
            sid = todo.pop()
            if sid == _NOSTREAM or sid in seen or sid >= len(self.entries):
                continue
            seen.add(sid)
            e = self.entries[sid]
            out.append(e)
            todo += [e.left, e.right]
        return out

    def find(self, path: str) -> DirEntry:
        """Entry for a ``/``-separated path such as ``VBA/dir`` (case-insensitive)."""
        cur = self.entries[0]
        for part in path.split("/"):
            match = [e for e in self._children(cur) if e.name.upper() == part.upper()]
            if not match:
                raise CfbError(f"no entry {path!r} in the compound file")
            cur = match[0]
        return cur

    def extents(self, path: str) -> list[tuple[int, int]]:
        """``(file_offset, length)`` ranges holding the stream's bytes, in stream order."""
        entry = self.find(path)
        if entry.kind != 2:
            raise CfbError(f"{path!r} is not a stream")
        remaining = entry.size
        out: list[tuple[int, int]] = []
        if entry.size < self.cutoff:
            for mini in self._chain(entry.start, self.minifat) if entry.size else []:
                pos = mini * self.mini_size
                idx, within = divmod(pos, self.sector_size)
                if idx >= len(self._mini_chain):
                    raise CfbError("mini sector outside the mini stream")
                n = min(self.mini_size, remaining)
                out.append((self._offset(self._mini_chain[idx]) + within, n))
                remaining -= n
        else:
            for sector in self._chain(entry.start):
                n = min(self.sector_size, remaining)
                out.append((self._offset(sector), n))
                remaining -= n
        if remaining > 0:
            raise CfbError(f"sector chain of {path!r} is shorter than its size")
        return [(o, n) for o, n in out if n > 0]

    def read(self, path: str) -> bytes:
        """The stream's bytes."""
        return b"".join(bytes(self.data[o : o + n]) for o, n in self.extents(path))

    def overwrite(self, path: str, payload: bytes) -> None:
        """Replace the stream's bytes in place; ``payload`` must keep the stream size."""
        extents = self.extents(path)
        total = sum(n for _, n in extents)
        if len(payload) != total:
            raise CfbError(f"{path!r}: new size {len(payload)} differs from stored size {total}")
        pos = 0
        for off, n in extents:
            self.data[off : off + n] = payload[pos : pos + n]
            pos += n
