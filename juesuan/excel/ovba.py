"""MS-OVBA helpers: the RLE-style compression of section 2.4.1 and the ``dir`` stream records.

Written from the [MS-OVBA] specification (v20.0, sections 2.3 and 2.4.1).  Only what the
add-in build needs: compress/decompress a CompressedContainer, read the modules and the
``dir`` records of the template's VBA project, and write a project from source (``dir``,
``PROJECT``, ``PROJECTwm``, module streams without a performance cache).
"""

from __future__ import annotations

from juesuan.records import record

CHUNK = 4096
_SIGNATURE = 0x01
_CHUNK_SIGNATURE = 0b011
_MAX_CANDIDATES = 512  # how many earlier positions we try per match (speed vs. ratio)


class OvbaError(ValueError):
    """Malformed MS-OVBA data (compressed container or dir stream)."""


def _bit_count(difference: int) -> int:
    """Smallest n >= 4 with 2**n >= difference (CopyToken help, 2.4.1.3.19.1)."""
    return max((difference - 1).bit_length(), 4)


def decompress(data: bytes) -> bytes:
    """Decompress a CompressedContainer (2.4.1.3.1)."""
    if not data or data[0] != _SIGNATURE:
        raise OvbaError("compressed container must start with 0x01")
    out = bytearray()
    pos, end = 1, len(data)
    while pos < end:
        if pos + 2 > end:
            raise OvbaError("truncated chunk header")
        header = int.from_bytes(data[pos : pos + 2], "little")
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != _CHUNK_SIGNATURE:
            raise OvbaError(f"bad chunk signature at byte {pos}")
        chunk_end = min(end, pos + size)
        pos += 2
        start = len(out)
        if not header >> 15:  # raw chunk: 4096 literal bytes
            out += data[pos : pos + CHUNK]
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not (flags >> bit) & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise OvbaError("truncated copy token")
                token = int.from_bytes(data[pos : pos + 2], "little")
                pos += 2
                bits = _bit_count(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                src = len(out) - offset
                if src < start:
                    raise OvbaError("copy token points before its chunk")
                for i in range(length):
                    out.append(out[src + i])
    return bytes(out)


def _compress_chunk(chunk: bytes, skip: list[int]) -> bytes:
    """Token sequences for one decompressed chunk (2.4.1.3.7), longest-match greedy.

    ``skip[0]`` matches are emitted as literals instead (and the counter is decremented):
    a valid but larger encoding, which lets callers hit an exact output size.
    """
    n = len(chunk)
    buf = bytearray()
    seen: dict[bytes, list[int]] = {}
    pos = 0

    def remember(p: int) -> None:
        if p + 3 <= n:
            seen.setdefault(chunk[p : p + 3], []).append(p)

    while pos < n:
        flag_at = len(buf)
        buf.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len = best_off = 0
            if pos + 3 <= n:
                bits = _bit_count(pos)
                limit = min((0xFFFF >> bits) + 3, n - pos)
                for cand in reversed(seen.get(chunk[pos : pos + 3], [])[-_MAX_CANDIDATES:]):
                    length = 3
                    while length < limit and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == limit:
                            break
            if best_len >= 3 and skip[0] > 0:
                skip[0] -= 1
                best_len = 0
            if best_len >= 3:
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                buf += token.to_bytes(2, "little")
                flags |= 1 << bit
                for p in range(pos, pos + best_len):
                    remember(p)
                pos += best_len
            else:
                buf.append(chunk[pos])
                remember(pos)
                pos += 1
        buf[flag_at] = flags
    return bytes(buf)


def compress(data: bytes, literal_matches: int = 0) -> bytes:
    """Compress ``data`` into a CompressedContainer (2.4.1.3.6).

    ``literal_matches``: encode the first that many matches as literals (see _compress_chunk).
    """
    out = bytearray([_SIGNATURE])
    skip = [literal_matches]
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        body = _compress_chunk(chunk, skip)
        if len(body) > CHUNK:  # would not fit the 12-bit size: store a raw chunk (2.4.1.3.10)
            header = (CHUNK - 1) | (_CHUNK_SIGNATURE << 12)
            out += header.to_bytes(2, "little") + chunk.ljust(CHUNK, b"\x00")
        else:
            header = (len(body) + 2 - 3) | (_CHUNK_SIGNATURE << 12) | 0x8000
            out += header.to_bytes(2, "little") + body
    return bytes(out)


@record(frozen=True)
class ModuleInfo:
    """One MODULE record of the dir stream (2.3.4.2.3.2)."""

    name: str
    stream_name: str
    text_offset: int


@record(frozen=True)
class ProjectInfo:
    """What the add-in build needs from the decompressed dir stream."""

    codepage: int
    modules: tuple[ModuleInfo, ...]


def parse_dir(decompressed: bytes) -> ProjectInfo:
    """Walk the dir stream's records (2.3.4.2) and collect code page and modules."""
    codepage = 1252
    modules: list[ModuleInfo] = []
    name = stream = None
    offset = None
    pos, end = 0, len(decompressed)
    while pos + 6 <= end:
        rid = int.from_bytes(decompressed[pos : pos + 2], "little")
        size = int.from_bytes(decompressed[pos + 2 : pos + 6], "little")
        pos += 6
        if rid == 0x0009:  # PROJECTVERSION: Reserved=4 then 6 bytes of version
            pos += 6
            continue
        payload = decompressed[pos : pos + size]
        pos += size
        if rid == 0x0003:
            codepage = int.from_bytes(payload, "little")
        elif rid == 0x0019:
            name, stream, offset = payload.decode(f"cp{codepage}"), None, None
        elif rid == 0x001A:
            stream = payload.decode(f"cp{codepage}")
        elif rid == 0x0031:
            offset = int.from_bytes(payload, "little")
        elif rid == 0x002B:  # module terminator
            if name is None or stream is None or offset is None:
                raise OvbaError("incomplete MODULE record in dir stream")
            modules.append(ModuleInfo(name, stream, offset))
            name = None
        elif rid == 0x0010:  # end of dir stream
            break
    return ProjectInfo(codepage, tuple(modules))


# -- writing a project from source ([MS-OVBA] 2.3.1 PROJECT, 2.3.3 PROJECTwm, 2.3.4 VBA storage) ----
#: ``_VBA_PROJECT`` with version 0xFFFF and no performance cache (2.3.4.1): Office compiles
#: every module from its source on first load, so no p-code can disagree with the source.
VBA_PROJECT_STREAM = b"\xcc\x61\xff\xff\x00\x00\x00"

STANDARD, CLASS, DOCUMENT = "standard", "class", "document"


@record(frozen=True)
class Record:
    """One record of the decompressed ``dir`` stream, kept as its raw bytes."""

    rid: int
    payload: bytes
    raw: bytes


def dir_records(decompressed: bytes) -> list[Record]:
    """Every record of a decompressed dir stream, up to and including its terminator (0x0010)."""
    records: list[Record] = []
    pos, end = 0, len(decompressed)
    while pos + 6 <= end:
        rid = int.from_bytes(decompressed[pos : pos + 2], "little")
        size = 6 if rid == 0x0009 else int.from_bytes(decompressed[pos + 2 : pos + 6], "little")
        if pos + 6 + size > end:
            raise OvbaError(f"dir record 0x{rid:04X} runs past the end of the stream")
        records.append(Record(rid, decompressed[pos + 6 : pos + 6 + size], decompressed[pos : pos + 6 + size]))
        pos += 6 + size
        if rid == 0x0010:
            return records
    raise OvbaError("dir stream has no terminator record")


@record(frozen=True)
class Reference:
    """A PROJECTREFERENCES entry (2.3.4.2.2): its name and its records, unchanged."""

    name: str
    records: tuple[Record, ...]


@record(frozen=True)
class DirParts:
    """A dir stream split where a rebuild changes it: information, references, modules."""

    information: tuple[Record, ...]
    references: tuple[Reference, ...]
    codepage: int

    def raw_name(self) -> str:
        rec = next(r for r in self.information if r.rid == 0x0004)
        return rec.payload.decode(f"cp{self.codepage}")


def split_dir(records: list[Record]) -> DirParts:
    """Project information (through PROJECTVERSION and PROJECTCONSTANTS), then references."""
    codepage = next((int.from_bytes(r.payload, "little") for r in records if r.rid == 0x0003), 1252)
    try:
        last_info = max(i for i, r in enumerate(records) if r.rid in (0x0009, 0x000C, 0x003C))
        modules_at = next(i for i, r in enumerate(records) if r.rid == 0x000F)
    except (ValueError, StopIteration):
        raise OvbaError("dir stream lacks PROJECTVERSION or PROJECTMODULES") from None
    refs: list[list[Record]] = []
    previous = None
    for rec in records[last_info + 1 : modules_at]:
        # a REFERENCENAME (0x0016) starts a reference, except the one inside a REFERENCECONTROL
        if (rec.rid == 0x0016 and previous != 0x002F) or not refs:
            refs.append([])
        refs[-1].append(rec)
        previous = rec.rid
    references = []
    for group in refs:
        name = next((r.payload.decode(f"cp{codepage}") for r in group if r.rid == 0x0016), "")
        references.append(Reference(name, tuple(group)))
    return DirParts(tuple(records[: last_info + 1]), tuple(references), codepage)


@record(frozen=True)
class Module:
    """A module to write: its name, kind and full source (``Attribute`` lines included)."""

    name: str
    kind: str  # STANDARD, CLASS or DOCUMENT
    source: str
    docstring: str = ""


def _rec(rid: int, payload: bytes) -> bytes:
    return rid.to_bytes(2, "little") + len(payload).to_bytes(4, "little") + payload


def _text_rec(rid: int, unicode_rid: int, text: str, codepage: int) -> bytes:
    return _rec(rid, text.encode(f"cp{codepage}")) + _rec(unicode_rid, text.encode("utf-16-le"))


def build_dir(parts: DirParts, name: str, references: tuple[Reference, ...], modules: list[Module]) -> bytes:
    """The decompressed dir stream of a project called ``name`` with these references and modules.

    Every module's source starts at offset 0 of its stream (MODULEOFFSET = 0): no
    performance cache precedes it.
    """
    cp = parts.codepage
    out = bytearray()
    for rec in parts.information:
        out += _rec(0x0004, name.encode(f"cp{cp}")) if rec.rid == 0x0004 else rec.raw
    for ref in references:
        out += b"".join(r.raw for r in ref.records)
    out += _rec(0x000F, len(modules).to_bytes(2, "little"))
    out += _rec(0x0013, (0xFFFF).to_bytes(2, "little"))
    for m in modules:
        out += _text_rec(0x0019, 0x0047, m.name, cp)
        out += _text_rec(0x001A, 0x0032, m.name, cp)
        out += _text_rec(0x001C, 0x0048, m.docstring, cp)
        out += _rec(0x0031, (0).to_bytes(4, "little"))
        out += _rec(0x001E, (0).to_bytes(4, "little"))
        out += _rec(0x002C, (0xFFFF).to_bytes(2, "little"))
        out += _rec(0x0021 if m.kind == STANDARD else 0x0022, b"")
        out += _rec(0x002B, b"")
    out += _rec(0x0010, b"")
    return bytes(out)


def project_stream(template: str, name: str, modules: list[Module]) -> str:
    """The PROJECT stream (2.3.1) of the template with its name and module lines replaced.

    ID, protection (CMG/DPB/GC: encrypted with the ID as key), VersionCompatible32 and the
    host extender are kept as they are; the [Workspace] section lists every module closed.
    """
    kept: list[str] = []
    extender: list[str] = []
    section = ""
    for line in template.replace("\r\n", "\n").split("\n"):
        if line.startswith("["):
            section = line
            continue
        if not line:
            continue
        if section == "[Host Extender Info]":
            extender.append(line)
        elif not section and line.split("=", 1)[0] in ("ID", "HelpContextID", "VersionCompatible32",
                                                       "CMG", "DPB", "GC"):
            kept.append(line)
    if not kept or not kept[0].startswith("ID="):
        raise OvbaError("PROJECT stream has no ID line")
    lines = [kept[0]]
    for m in modules:
        lines.append({DOCUMENT: f"Document={m.name}/&H00000000", CLASS: f"Class={m.name}"}.get(m.kind, f"Module={m.name}"))
    lines.append(f'Name="{name}"')
    lines += kept[1:]
    lines += ["", "[Host Extender Info]", *extender, "", "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return "\r\n".join(lines) + "\r\n"


def project_wm(modules: list[Module], codepage: int) -> bytes:
    """PROJECTwm (2.3.3): each module name in the code page and in UTF-16, then a terminator."""
    out = bytearray()
    for m in modules:
        out += m.name.encode(f"cp{codepage}") + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def module_stream(module: Module, codepage: int) -> bytes:
    """A module stream holding only the compressed source (no performance cache)."""
    text = module.source.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        return compress(text.encode(f"cp{codepage}"))
    except UnicodeEncodeError as exc:
        raise OvbaError(f"module {module.name}: source has characters outside code page {codepage}") from exc
