"""The read guard's grid check on crafted worksheet XML (juesuan.io.guard), and its memory of
scans: one per file state *and* limits, so lower limits are never answered from a scan made
under higher ones."""

from __future__ import annotations

import pytest
from guard_helpers import book

from juesuan.errors import InputError
from juesuan.io import guard

LIMITS = guard.Limits(max_grid_cells=100_000)  # 3,846 rows at 26 columns


@pytest.mark.parametrize("cells", [
    '<row r="300000"><c r="C300000" t="n"><v>1</v></c></row>',
    '<row><c r="C0300000" t="n"><v>1</v></c></row>',  # leading zeros: readers ignore them
    '<row r="0300000"><c r="C0300000" t="n"><v>1</v></c></row>',
    '<row r="5"><c r="AB5" t="n"><v>1</v></c></row><row r="3847"><c r="Z3847"><v>1</v></c></row>',
    '<row><c t="n" r="A400000"><v>1</v></c></row>',  # the address not first in its tag
], ids=["far-row", "leading-zeros", "leading-zeros-row", "wide-and-long", "address-not-first"])
def test_addresses_beyond_the_grid_limit_are_refused(tmp_path, cells):
    with pytest.raises(InputError) as caught:
        guard.scan_workbook(book(tmp_path, cells), LIMITS)
    assert caught.value.problems[0].code == "sheet-too-large"


@pytest.mark.parametrize("cells", [
    '<row r="3846"><c r="Z3846" t="n"><v>1</v></c></row>',  # 26 × 3,846 = 99,996: within
    '<row r="99999"><c r="A99999" t="n"><v>1</v></c></row>',  # 5 digits, one column: 99,999
    '<row r="100"><c r="A100" t="inlineStr"><is><t>r=&quot;AB999999&quot; r="</t></is></c></row>',  # text
], ids=["corner", "long-narrow", "text-not-address"])
def test_addresses_within_the_limit_pass(tmp_path, cells):
    scan = guard.scan_workbook(book(tmp_path, cells), LIMITS)
    assert scan.has_workbook


def test_a_scan_is_remembered_per_limits(tmp_path):
    path = book(tmp_path, '<row r="2000"><c r="Z2000" t="n"><v>1</v></c></row>')  # 52,000 cells of grid
    assert guard.scan_workbook(path, LIMITS) is guard.scan_workbook(path, LIMITS)
    with pytest.raises(InputError):
        guard.scan_workbook(path, guard.Limits(max_grid_cells=50_000))


def test_many_workbooks_stay_remembered(tmp_path):
    """A consolidation opens every unit before reading any: each one's scan is kept."""
    paths = [book(tmp_path, "", f"u{i}.xlsx") for i in range(5)]
    scans = [guard.scan_workbook(p, LIMITS) for p in paths]
    assert all(guard.scan_workbook(p, LIMITS) is s for p, s in zip(paths, scans, strict=True))


# -- the guard's own inflating of the members (zlib-ng when installed) ----------------------

def _package(tmp_path, members: dict[str, tuple[bytes, int]]):
    import zipfile

    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, (data, method) in members.items():
            z.writestr(name, data, compress_type=method)
    return path


def test_members_inflate_as_zipfile_reads_them(tmp_path):
    """Stored and deflated members, empty and larger than one chunk, come out byte for byte
    as :mod:`zipfile` reads them, in chunks of at most one MB."""
    import random
    import zipfile

    rng = random.Random(5)
    noise = bytes(rng.getrandbits(8) for _ in range(300_000))
    members = {"a.xml": (b"<a/>" * 700_000, zipfile.ZIP_DEFLATED), "b.bin": (noise * 5, zipfile.ZIP_DEFLATED),
               "c.xml": (b"<c/>" * 400_000, zipfile.ZIP_STORED), "e.xml": (b"", zipfile.ZIP_DEFLATED)}
    path = _package(tmp_path, members)
    with zipfile.ZipFile(path) as z, path.open("rb") as raw:
        for info in z.infolist():
            chunks = list(guard._inflated(z, info, raw))  # noqa: SLF001
            assert all(0 < len(c) <= guard.CHUNK for c in chunks)
            assert b"".join(chunks) == z.read(info) == members[info.filename][0]


@pytest.mark.parametrize("inflater", ["zlib-ng", "zlib"])
@pytest.mark.parametrize("damage", ["crc", "cut", "size", "garbage"])
def test_a_damaged_member_is_refused(tmp_path, monkeypatch, damage, inflater):
    """A wrong CRC, a deflate stream cut short, a directory size smaller than the stream, a
    stream overwritten with noise: the workbook is refused as damaged (as zipfile refuses
    it), never read on — by zlib-ng (large members) and by zlib alike."""
    import struct
    import zipfile

    monkeypatch.setattr(guard, "LARGE_MEMBER", 0 if inflater == "zlib-ng" else 1 << 40)

    data = bytes(range(256)) * 8000
    path = _package(tmp_path, {"xl/workbook.xml": (b"<workbook/>", zipfile.ZIP_DEFLATED),
                               "xl/media/x.bin": (data, zipfile.ZIP_DEFLATED)})
    blob = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/media/x.bin")
    central = blob.rfind(b"PK\x01\x02")  # the last member's directory entry
    if damage == "crc":
        blob[central + 16:central + 20] = struct.pack("<I", info.CRC ^ 1)
    elif damage == "cut":  # the directory says the stream is half as long: it ends before its end marker
        blob[central + 20:central + 24] = struct.pack("<I", info.compress_size // 2)
    elif damage == "size":
        blob[central + 24:central + 28] = struct.pack("<I", 1000)
    else:
        start = info.header_offset + 30 + len(info.filename) + 10
        blob[start:start + 200] = bytes(range(200))
    path.write_bytes(bytes(blob))
    with pytest.raises(InputError) as caught:
        guard.scan_workbook(path)
    assert caught.value.problems[0].code == "file-corrupt"


def _rewritten(path, part: str, change):
    """``path`` with its member ``part`` changed (every other member as it was)."""
    import zipfile

    out = path.with_name("re-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == part else data)
    return out


@pytest.mark.parametrize("part", ["xl/styles.xml", "xl/worksheets/sheet1.xml"])
@pytest.mark.parametrize("start", [
    '<?xml version="1.0" encoding="UTF-16"?>',  # a DTD only a parser reads: UTF-16
    '<?xml version="1.0"?><!-- a comment first -->',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
], ids=["utf-16", "comment", "plain-declaration"])
def test_a_dtd_in_any_encoding_or_after_any_prolog_is_refused(tmp_path, start, part):
    """The prolog of a part that does not start plainly (a declaration of UTF-8 at most, then
    the root) is parsed by defusedxml: a DTD there is refused, in UTF-16 too."""
    def dtd(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        text = start + '<!DOCTYPE w [<!ENTITY e "x">]>' + body.decode("utf-8")
        return text.encode("utf-16") if "UTF-16" in start else text.encode("utf-8")

    with pytest.raises(InputError) as caught:
        guard.scan_workbook(_rewritten(book(tmp_path, ""), part, dtd))
    assert caught.value.problems[0].code == "xml-entity"


def test_a_plain_start_still_needs_a_clean_part(tmp_path):
    """A part starting plainly skips the prolog parse only: a declaration later on is refused."""
    path = book(tmp_path, '<row r="1"><c r="A1"><v>1</v></c></row>',
                sheet=lambda xml: b'<?xml version="1.0" encoding="UTF-8"?>\n' + xml.replace(
                    b"<sheetData>", b'<!DOCTYPE x [<!ENTITY a "b">]><sheetData>', 1))
    with pytest.raises(InputError) as caught:
        guard.scan_workbook(path)
    assert caught.value.problems[0].code == "xml-entity"
