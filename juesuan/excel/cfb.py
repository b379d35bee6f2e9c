"""Just enough of the Compound File Binary format ([MS-CFB]) for the add-in build.

Reading: :class:`CompoundFile` locates the byte ranges (``extents``) a stream occupies —
regular sectors via the FAT, small streams via the mini FAT inside the root entry's mini
stream — to read a stream or overwrite it in place (tests use that to damage a template).
Writing: :func:`write_compound` lays out a whole new version-3 file from ``{path: bytes}``,
so streams may grow or shrink (the VBA project is written from source, see addin_build).
"""

from __future__ import annotations

from juesuan.records import record

MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ENDOFCHAIN = 0xFFFFFFFE
_FREESECT = 0xFFFFFFFF
_NOSTREAM = 0xFFFFFFFF
_MAX_REG = 0xFFFFFFFA


class CfbError(ValueError):
    """The file is not a compound file we can patch."""


@record(frozen=True)
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


# -- writing a whole container ----------------------------------------------------------------
_SECTOR = 512
_MINI = 64
_CUTOFF = 4096
_FATSECT = 0xFFFFFFFD
_PER_FAT = _SECTOR // 4


def _name_key(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4 order of siblings: shorter names first, then by upper-cased UTF-16 code units."""
    return len(name.encode("utf-16-le")), name.upper()


@record
class _Node:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: dict[str, _Node] | None = None
    sid: int = 0
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    black: bool = True
    start: int = _ENDOFCHAIN


def _tree(streams: dict[str, bytes]) -> _Node:
    root = _Node("Root Entry", 5, children={})
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            assert node.children is not None
            node = node.children.setdefault(part.upper(), _Node(part, 1, children={}))
            if node.kind != 1:
                raise CfbError(f"{path!r}: {part!r} is a stream, not a storage")
        leaf = parts[-1]
        if not leaf or len(leaf) > 31 or node.children is None or leaf.upper() in node.children:
            raise CfbError(f"bad or duplicate stream name {path!r}")
        node.children[leaf.upper()] = _Node(leaf, 2, data=bytes(data))
    return root


def _link_siblings(nodes: list[_Node], depth: int, height: int) -> int:
    """A size-balanced binary search tree of ``nodes`` (sorted); returns the root's sid.

    Nodes on the deepest level are red, all others black: with sizes balanced, every path
    from the root to a leaf then passes the same number of black nodes (a valid red-black tree).
    """
    if not nodes:
        return _NOSTREAM
    mid = len(nodes) // 2
    node = nodes[mid]
    node.black = depth < height
    node.left = _link_siblings(nodes[:mid], depth + 1, height)
    node.right = _link_siblings(nodes[mid + 1 :], depth + 1, height)
    return node.sid


def _entry(node: _Node) -> bytes:
    name = node.name.encode("utf-16-le") + b"\0\0"
    size = len(node.data)  # a stream, or the root's mini stream; storages hold none
    return b"".join([
        name.ljust(64, b"\0"),
        len(name).to_bytes(2, "little"),
        bytes([node.kind, 1 if node.black else 0]),
        node.left.to_bytes(4, "little"),
        node.right.to_bytes(4, "little"),
        node.child.to_bytes(4, "little"),
        bytes(16 + 4 + 8 + 8),  # CLSID, state bits, creation and modification times
        (0 if node.kind == 1 else node.start).to_bytes(4, "little"),  # storages: zero (MS-CFB 2.6.3)
        size.to_bytes(8, "little"),
    ])


def _pad(data: bytes, unit: int) -> bytes:
    return data + bytes(-len(data) % unit)


def write_compound(streams: dict[str, bytes]) -> bytes:
    """A complete version-3 compound file holding ``streams`` (``"VBA/dir"`` → bytes).

    Deterministic (no timestamps, no CLSIDs). Streams under 4096 bytes live in the mini
    stream, as [MS-CFB] requires; storages are created from the paths.
    """
    root = _tree(streams)
    order: list[_Node] = []

    def number(node: _Node) -> None:
        node.sid = len(order)
        order.append(node)
        for child in sorted((node.children or {}).values(), key=lambda n: _name_key(n.name)):
            number(child)

    number(root)
    for node in order:
        if node.children:
            kids = sorted(node.children.values(), key=lambda n: _name_key(n.name))
            height = max(len(kids).bit_length() - 1, 0)
            node.child = _link_siblings(kids, 0, height)

    # mini stream: small streams, 64-byte aligned
    mini = bytearray()
    minifat: list[int] = []
    for node in order:
        if node.kind == 2 and 0 < len(node.data) < _CUTOFF:
            first = len(mini) // _MINI
            count = -(-len(node.data) // _MINI)
            node.start = first
            minifat += [first + i + 1 for i in range(count - 1)] + [_ENDOFCHAIN]
            mini += _pad(node.data, _MINI)
    big = [n for n in order if n.kind == 2 and len(n.data) >= _CUTOFF]

    # regular sectors: directory, mini FAT, mini stream, big streams (FAT sectors go first)
    blocks: list[tuple[str, bytes]] = []
    directory_len = -(-len(order) * 128 // _SECTOR)
    blocks.append(("dir", bytes(directory_len * _SECTOR)))
    if minifat:
        blocks.append(("minifat", _pad(b"".join(x.to_bytes(4, "little") for x in minifat), _SECTOR)))
        blocks.append(("mini", _pad(bytes(mini), _SECTOR)))
    for node in big:
        blocks.append((f"big{node.sid}", _pad(node.data, _SECTOR)))
    content = sum(len(b) // _SECTOR for _, b in blocks)
    fat_count = 1
    while fat_count * _PER_FAT < content + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise CfbError("compound file too large for a header-only DIFAT")
    fat = [_FATSECT] * fat_count
    starts: dict[str, int] = {}
    for tag, block in blocks:
        n = len(block) // _SECTOR
        starts[tag] = len(fat)
        fat += [len(fat) + i + 1 for i in range(n - 1)] + [_ENDOFCHAIN]
    fat += [_FREESECT] * (-len(fat) % _PER_FAT)

    root.start = starts.get("mini", _ENDOFCHAIN)
    root.data = bytes(len(mini)) if minifat else b""
    for node in big:
        node.start = starts[f"big{node.sid}"]
    directory = b"".join(_entry(n) for n in order)
    directory += (b"\0" * 64 + b"\0\0" + b"\0\0" + b"\xff" * 12 + bytes(16 + 4 + 16 + 4 + 8)) * (
        directory_len * _SECTOR // 128 - len(order))
    blocks[0] = ("dir", directory)
    if minifat:
        blocks[2] = ("mini", _pad(bytes(mini), _SECTOR))

    header = b"".join([
        MAGIC, bytes(16),
        (0x003E).to_bytes(2, "little"), (3).to_bytes(2, "little"), (0xFFFE).to_bytes(2, "little"),
        (9).to_bytes(2, "little"), (6).to_bytes(2, "little"), bytes(6),
        (0).to_bytes(4, "little"),  # directory sectors (0 in version 3)
        fat_count.to_bytes(4, "little"),
        starts["dir"].to_bytes(4, "little"),
        (0).to_bytes(4, "little"),  # transaction signature
        _CUTOFF.to_bytes(4, "little"),
        starts.get("minifat", _ENDOFCHAIN).to_bytes(4, "little"),
        (len(blocks[1][1]) // _SECTOR if minifat else 0).to_bytes(4, "little"),
        _ENDOFCHAIN.to_bytes(4, "little"), (0).to_bytes(4, "little"),  # no DIFAT sectors
        b"".join(i.to_bytes(4, "little") for i in range(fat_count)),
        b"\xff" * (4 * (109 - fat_count)),
    ])
    fat_bytes = b"".join(x.to_bytes(4, "little") for x in fat)
    return header + fat_bytes + b"".join(block for _, block in blocks)
