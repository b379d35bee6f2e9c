"""The read guard's two ways of counting a worksheet give one verdict (juesuan.io.guard).

A large worksheet's bodies are counted by numpy over byte pairs (:func:`guard._vector_counts`),
a small one's by byte counts and regular expressions (:meth:`guard._Bounds.feed`). These tests
pin that both find the same: the counting itself on generated bodies, the body cut with one
copy (:func:`guard._split_after`), and whole packages — real .xlsx files of three chunks and
more, each with one oddity placed in the first, a middle or the last chunk, or across a
chunk's end — scanned both ways: the same refusal (code and message) or the same scan.
"""

from __future__ import annotations

import zipfile

import pytest
from guard_helpers import book
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from juesuan.errors import InputError
from juesuan.io import guard

# -- the counting itself ---------------------------------------------------------------------

_TOKENS = [b'<c r="', b"<c ", b"<c>", b"<c/>", b' r="', b'<row r="', b"<row>", b"A", b"AB", b"z", b"&#65;", b"&",
           b"0", b"1", b"9", b"76923", b"76924", b"192307", b"192308", b"0000192308", b"123456", b"99999",
           b'"', b">", b"<", b'"e"', b't="e"', b"e", b"<v>", b"</c>", b" ", b"=", b"c", b"r", b's="1"', b"<col ",
           b"\n", b"x", b"<f>", b'<c r="A1" t="e"><v>#N/A</v></c>']


def _by_bytes(body: bytes, rows: int) -> tuple[int, int, bool, bool]:
    """What the byte counts and regular expressions of :meth:`guard._Bounds.feed` find."""
    beyond = guard._maybe_beyond(rows).search(body) is not None and guard._beyond(rows).search(body) is not None  # noqa: SLF001
    return body.count(b"<c ") + body.count(b"<c>"), body.count(b'<c r="'), beyond, b'"e"' in body


@settings(max_examples=400, deadline=None)
@example(parts=[b' r="', b"AB", b'"', b"<c/>" * 20], rows=192307)  # an address at the body's first byte …
@example(parts=[b"x", b' r="', b"0000192308", b'"', b"<c/>" * 20], rows=192307)  # … its second
@example(parts=[b"<c/>" * 20, b' r="', b"&"], rows=192307)  # … its last
@example(parts=[b"<c/>" * 20, b'<c r="', b"192308"], rows=192307)
@given(parts=st.lists(st.sampled_from(_TOKENS), max_size=300),
       rows=st.sampled_from([9, 99, 3846, 76923, 192307, 9_999_999]))
def test_vector_counts_are_the_byte_counts(parts, rows):
    """Cells, addressed cells, an address beyond the quick bound (any column beyond Z, a row
    beyond ``rows``, leading zeros, character references; near either end of the body too)
    and an error cell's type: the same as the byte counts and regular expressions."""
    body = b"".join(parts)
    if len(body) < 2:
        return
    digits = len(str(rows))
    expected = _by_bytes(body, rows)
    assert guard._vector_counts(body, guard._beyond(rows), digits, False) == expected  # noqa: SLF001
    known = guard._vector_counts(body, guard._beyond(rows), digits, True)  # noqa: SLF001 - beyond already found
    assert (known[0], known[1], known[3]) == (expected[0], expected[1], expected[3]) and known[2] is True


def test_many_addresses_through_the_sieve_are_searched_at_once():
    """A body of 5-digit rows under a 5-digit row limit: every address passes the sieve; the
    body is then searched once, with the same answer either way."""
    rows = 76923
    body = b"".join(b'<row r="%d"><c r="C%d" t="n"><v>1</v></c></row>' % (r, r) for r in range(70000, 76924))
    assert guard._vector_counts(body, guard._beyond(rows), 5, False) == _by_bytes(body, rows)  # noqa: SLF001
    body += b'<row r="76924"><c r="C76924"><v>1</v></c></row>' + b"<x/>" * 8
    assert guard._vector_counts(body, guard._beyond(rows), 5, False)[2] is True  # noqa: SLF001


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=st.sampled_from([b"", b"<", b"<c", b'<c r="A1"', b'<c r="A1">', b"<row " + b"x" * 80]),
       parts=st.lists(st.sampled_from([b"<", b">", b"x" * 30, b'<c r="B2">', b"<v>1</v>", b"</c>", b"y"]),
                      min_size=1, max_size=40))
def test_a_body_cut_with_one_copy_is_the_same_cut(monkeypatch, tail, parts):
    """``_split_after(tail, chunk)`` is ``_split(tail + chunk)`` (a short end, a long closed
    tag, a tag open longer than a chunk: here a chunk of 100 bytes)."""
    monkeypatch.setattr(guard, "CHUNK", 100)
    chunk = b"".join(parts)
    assert guard._split_after(tail, chunk) == guard._split(tail + chunk)  # noqa: SLF001


# -- whole packages, scanned both ways ---------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _filler(r: int) -> bytes:
    return (b'<row r="%d"><c r="A%d" t="n"><v>%d.25</v></c><c r="B%d" t="inlineStr"><is><t>&#39033;&#30446; %d'
            b'</t></is></c><c r="C%d" s="1" t="n"><v>%d</v></c></row>' % (r, r, r, r, r, r, r))


def _large_sheet(spike: bytes, where: str, size: int = 2 * guard.CHUNK + 300_000):
    """A change to a sheet's XML: rows of three cells from row 2 until ``size`` bytes, with
    ``spike`` (its own rows) starting near the start, in the middle, near the end, or cut in
    two by the end of the first chunk (``"boundary"``)."""
    def change(xml: bytes) -> bytes:
        head, end = xml.split(b"</sheetData>")
        at = {"first": len(head) + 300, "middle": guard.CHUNK + guard.CHUNK // 2,
              "last": size - 2000, "boundary": guard.CHUNK - len(spike) // 2}[where]
        out, r = [head], 2
        length = len(head)
        while length < at - 400:
            row = _filler(r)
            out.append(row)
            length, r = length + len(row), r + 1
        pad = at - length - len(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t></t></is></c></row>' % (r, r))
        row = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (r, r, b"p" * pad)
        out += [row, spike]
        length += len(row) + len(spike)
        r += 1
        while length < size:
            row = _filler(r + 100)
            out.append(row)
            length, r = length + len(row), r + 1
        xml = b"".join(out) + b"</sheetData>" + end
        assert where != "boundary" or xml.index(spike) < guard.CHUNK < xml.index(spike) + len(spike)
        return xml
    return change


_SPIKES = {
    # name: (rows of XML, expected: a refusal's code, or what the scan notes)
    "plain": (b"", "read"),
    "far-cell": (b'<row r="200000"><c r="ZZ200000" t="n"><v>1</v></c></row>', "sheet-too-large"),
    "two-letters": (b'<row r="9"><c r="AB9" t="n"><v>1</v></c></row>', "read"),
    "far-row-zeros": (b'<row r="0000300000"><c r="Z0000300000" t="n"><v>1</v></c></row>', "sheet-too-large"),
    "address-not-first": (b'<row><c t="n" r="Z400000"><v>1</v></c></row>', "sheet-too-large"),
    "no-address": (b"<row><c><v>1</v></c><c/><c t=\"n\"><v>2</v></c></row>", "read"),
    "char-ref-address": (b'<row r="7"><c r="&#65;7" t="n"><v>1</v></c></row>', "read"),
    "error-value": (b'<row r="8"><c r="B8" t="e"><v>#DIV/0!</v></c></row>', "errors"),
    "spaced-error-type": (b'<row r="8"><c r="B8" t = "e"><v>#N/A</v></c></row>', "errors"),
    "formula": (b'<row r="6"><c r="C6"><f>A6*2</f></c></row>', "formulas"),
    "data-table": (b'<row r="6"><c r="C6"><f t="dataTable" ref="C6:C7" dt2D="0" dtr="0" r1="A1"/></c></row>',
                   "formulas"),
    "f-in-text": (b'<row r="6"><c r="C6" t="inlineStr"><is><t>f(x) &lt;f&gt; of</t></is></c></row>', "read"),
    "address-in-text": (b'<row r="6"><c r="C6" t="inlineStr"><is><t> r="AB999999"</t></is></c></row>', "read"),
    "prefixed-cell": (f'<row r="6"><x:c xmlns:x="{_MAIN}" r="C6"><x:v>1</x:v></x:c></row>'.encode(), "read"),
    "entity": (b'<!ENTITY e "x">', "xml-entity"),
    "dtd": (b'<!DOCTYPE x [<!ENTITY e "x">]>', "xml-entity"),
}


def _outcome(path, limits, *, vector: bool, monkeypatch) -> tuple:
    """The scan's verdict with worksheets counted by numpy (``vector``) or by bytes."""
    monkeypatch.setattr(guard, "VECTOR_BODY", 0 if vector else 1 << 62)
    monkeypatch.setattr(guard, "_vector_member", lambda info: vector)
    guard._SCANS.clear()  # noqa: SLF001
    try:
        scan = guard.scan_workbook(path, limits)
    except InputError as exc:
        return ("refused", [(p.code, str(p)) for p in exc.problems])
    return ("read", scan.cells, sorted(scan.formula_parts), sorted(scan.error_parts), scan.errors, scan.sheets)


@pytest.mark.parametrize("where", ["first", "middle", "last", "boundary"])
@pytest.mark.parametrize("spike", list(_SPIKES))
def test_both_ways_give_one_verdict(tmp_path, monkeypatch, spike, where):
    """A worksheet of 2.3 MB (three chunks) with one oddity: the same refusal (code and
    message) or the same scan (cells, sheets with formulas or error values, error cells)
    whichever way its bodies are counted — and the verdict expected."""
    xml, expected = _SPIKES[spike]
    if spike == "plain" and where != "first":
        pytest.skip("one plain sheet is enough")
    path = book(tmp_path, sheet=_large_sheet(xml, where))
    calls = []
    real = guard._vector_counts  # noqa: SLF001
    monkeypatch.setattr(guard, "_vector_counts", lambda *a, **k: calls.append(1) or real(*a, **k))
    by_vector = _outcome(path, guard.DEFAULT_LIMITS, vector=True, monkeypatch=monkeypatch)
    assert len(calls) >= (3 if expected != "xml-entity" else 0)  # every body of the sheet counted by numpy
    calls.clear()
    by_bytes = _outcome(path, guard.DEFAULT_LIMITS, vector=False, monkeypatch=monkeypatch)
    assert not calls
    assert by_vector == by_bytes
    part = "xl/worksheets/sheet1.xml"
    if expected in ("read", "errors", "formulas"):
        assert by_vector[0] == "read", by_vector
        assert (part in by_vector[2]) == (expected == "formulas")
        assert (part in by_vector[3]) == (expected == "errors")
    else:
        assert by_vector[0] == "refused" and by_vector[1][0][0] == expected, by_vector


@pytest.mark.parametrize("limits", [guard.Limits(max_grid_cells=2_000_000), guard.Limits(max_grid_cells=300_000),
                                    guard.Limits(max_cells=30_000)],
                         ids=["5-digit-rows", "4-digit-rows-refused", "too-many-cells"])
def test_both_ways_under_other_limits(tmp_path, monkeypatch, limits):
    """Under a lower grid limit every 5-digit row passes the sieve (the body is searched at
    once), a lower one still refuses the sheet, and a cell limit counts the same cells."""
    path = book(tmp_path, sheet=_large_sheet(b'<row r="9"><c r="AB9"><v>1</v></c></row>', "middle"))
    by_vector = _outcome(path, limits, vector=True, monkeypatch=monkeypatch)
    assert by_vector == _outcome(path, limits, vector=False, monkeypatch=monkeypatch)
    assert by_vector[0] == ("read" if limits.max_grid_cells == 2_000_000 else "refused")


def test_the_sheet_written_is_the_sheet_scanned(tmp_path):
    """The crafted packages are real workbooks: python-calamine reads the large sheet's rows."""
    from python_calamine import CalamineWorkbook

    path = book(tmp_path, sheet=_large_sheet(_SPIKES["formula"][0], "boundary"))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 2 * guard.CHUNK
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert len(rows) > 14_000 and rows[1][0] == 2.25
