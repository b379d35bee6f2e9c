"""MS-OVBA helpers: the RLE-style compression of section 2.4.1 and the ``dir`` stream records.

Written from the [MS-OVBA] specification (v20.0, sections 2.3.4.2 and 2.4.1).  Only what the
add-in build needs: compress/decompress a CompressedContainer and list the modules of a
VBA project (stream name, source offset, code page).
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ModuleInfo:
    """One MODULE record of the dir stream (2.3.4.2.3.2)."""

    name: str
    stream_name: str
    text_offset: int


@dataclass(frozen=True)
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
