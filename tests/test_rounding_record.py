"""Fill keeps a record of its rounding in the workbook (juesuan.rounding_record), and check
takes it instead of rounding the ledger again (issue 14: at 100,000 lines the rounding was
most of a check) — with the same findings as without it, on every workbook: as filled, with
figures typed over, with a detail line changed since (a stale record), with a forged or
damaged record, after LibreOffice re-saved it."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from check_helpers import modified, tables_of
from conftest import run_cli

import juesuan.leaves
from juesuan import rounding_record
from juesuan.fill import Computation
from juesuan.io.files import write_new
from juesuan.io.xlsx import CalamineBook
from juesuan.ledger import read_ledger
from juesuan.sample import synthetic_inputs
from juesuan.spec import load_spec
from juesuan.validate import check_workbook

SHEET = rounding_record.SHEET
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """A department of ≈500 ledger lines (2019 format) filled by ``juesuan fill``: two dozen of
    its figures are a cent or more from exact, so Fill keeps a record."""
    folder = tmp_path_factory.mktemp("record")
    path = folder / "dept.xlsx"
    write_new(path, load_spec("2019"), inputs=synthetic_inputs(300, spec=load_spec("2019")))
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0, proc.stderr
    return path


def _without_record(path: Path, out: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    del wb[SHEET]
    wb.save(out)
    return out


def _findings(path: Path, monkeypatch: pytest.MonkeyPatch | None = None, rounds: list | None = None) -> list:
    """check's findings (in process); ``rounds`` collects each time the leaves are rounded afresh."""
    if monkeypatch is not None and rounds is not None:
        original = juesuan.leaves.round_leaves

        def counted(*args, **kwargs):
            rounds.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(juesuan.fill, "round_leaves", counted)
    book = CalamineBook(path)
    try:
        report = check_workbook(load_spec("2019"), book)
    finally:
        book.close()
    return [(f.rule, f.severity, f.message, [str(c) for c in f.cells], f.expected, f.actual) for f in report.findings]


def _fill_rounding(path: Path) -> dict[str, list[int]]:
    spec = load_spec("2019")
    book = CalamineBook(path)
    try:
        computation = Computation(spec, read_ledger(spec, book))
    finally:
        book.close()
    computation.accounts()
    return {name: list(data.cents) for name, data in computation.leaves.items()}


def _recorded_rounding(path: Path) -> dict[str, list[int]]:
    """The leaves' cents as the workbook's record gives them (the record must apply)."""
    spec = load_spec("2019")
    book = CalamineBook(path)
    try:
        computation = Computation(spec, read_ledger(spec, book))
        assert rounding_record.apply(book, spec, computation.leaves)
    finally:
        book.close()
    return {name: list(d.cents) for name, d in computation.leaves.items()}


def test_fill_keeps_the_record_very_hidden(filled, tmp_path):
    wb = openpyxl.load_workbook(filled)
    assert wb[SHEET].sheet_state == "veryHidden"
    assert [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"] == [SHEET]
    # the record holds Fill's rounding of exactly this ledger
    assert _recorded_rounding(filled) == _fill_rounding(filled)
    # a second fill keeps one record, up to date, and writes nothing else anew
    again = tmp_path / "again.xlsx"
    assert run_cli("fill", str(filled), "-o", str(again)).returncode == 0
    assert [ws.title for ws in openpyxl.load_workbook(again).worksheets].count(SHEET) == 1
    with zipfile.ZipFile(filled) as a, zipfile.ZipFile(again) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        assert sum(a.read(n) != b.read(n) for n in a.namelist()) == 0  # same ledger: same parts, byte for byte


def test_the_demo_needs_no_record(demos):
    """Every figure of the demo is within a cent of exact: a check decides on exact values, and
    Fill adds no sheet."""
    for path in demos.values():
        assert SHEET not in openpyxl.load_workbook(path, read_only=True).sheetnames


def test_check_takes_the_record_and_finds_the_same(filled, tmp_path, monkeypatch):
    spec = load_spec("2019")
    tables = tables_of(filled, spec)
    book = CalamineBook(filled)
    try:
        accounts = Computation(spec, read_ledger(spec, book)).accounts()
    finally:
        book.close()
    # figures Fill moved a cent or more from exact: one typed a cent further out, one a cent in
    moved = [(tid, key, col) for (tid, key, col), exact in sorted(accounts.exact.items())
             if abs(accounts.tables[tid].row(key).values[col] - exact) >= Decimal("0.01")
             and tables[tid].row(key) is not None and tables[tid].row(key).cells.get(col)]
    assert len(moved) >= 2
    changes = {}
    for n, (tid, key, col) in enumerate(moved[:2]):
        have = accounts.tables[tid].row(key).values[col]
        step = (1 if have > accounts.exact[(tid, key, col)] else -1) * (1 if n == 0 else -1)
        changes[(spec.table(tid).sheet, tables[tid].row(key).cells[col])] = float(have + step * Decimal("0.01"))
    typed = modified(filled, tmp_path / "typed.xlsx", changes)
    for path in (filled, typed):
        rounds: list = []
        with_record = _findings(path, monkeypatch, rounds)
        assert rounds == []  # the record decided: no rounding afresh
        monkeypatch.undo()
        rounds_without: list = []
        without = _findings(_without_record(path, tmp_path / f"bare-{path.name}"), monkeypatch, rounds_without)
        monkeypatch.undo()
        assert rounds_without == [1]
        assert with_record == without
    assert len([f for f in _findings(typed) if "按明细" in f[2]]) == 1  # a cent further out: one error


def test_a_stale_record_is_not_taken(filled, tmp_path, monkeypatch):
    """A detail line changed after Fill: the record no longer matches the ledger, so check
    rounds afresh — and finds what it finds without a record."""
    wb = openpyxl.load_workbook(filled)
    ws = wb["支出明细"]
    money = next(c for c in range(1, ws.max_column + 1) if "金额" in str(ws.cell(2, c).value))
    ws.cell(3, money).value = float(Decimal(str(ws.cell(3, money).value)) + Decimal("1234.56"))
    stale = tmp_path / "stale.xlsx"
    wb.save(stale)
    rounds: list = []
    found = _findings(stale, monkeypatch, rounds)
    monkeypatch.undo()
    assert rounds == [1]
    assert found == _findings(_without_record(stale, tmp_path / "bare.xlsx"))
    assert any("按明细" in f[2] for f in found)


def _rewrite_record(path: Path, out: Path, edit) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    edit(rows)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c).value = value
    wb.save(out)
    return out


def test_a_forged_or_damaged_record_is_not_trusted(filled, tmp_path, monkeypatch):
    spec = load_spec("2019")
    book = CalamineBook(filled)
    try:
        leaves = Computation(spec, read_ledger(spec, book)).leaves
    finally:
        book.close()
    expense = leaves["expense"]
    ceiling = "".join("1" if u % expense.per_cent else "0" for u in expense.units)  # every leaf up: far off

    def every_leaf_up(rows):
        row = next(r for r in rows if r[0] == "expense")
        row[2:] = [rounding_record.MARK + rounding_record._pack(ceiling)] + [None] * (len(row) - 3)

    name, exact = next((name, i) for name, data in sorted(leaves.items())
                       for i, u in enumerate(data.units) if u % data.per_cent == 0)

    def exact_leaf_up(rows):  # a leaf already exact has nothing to round up
        row = next(r for r in rows if r[0] == name)
        bits = list(rounding_record._unpack(row[2][1:], row[1]))
        bits[exact] = "1"
        row[2] = rounding_record.MARK + rounding_record._pack("".join(bits))

    def garbled(rows):
        row = next(r for r in rows if r[0] == "expense")
        row[2] = row[2][:-8] + "!!!!!!!!"

    bare = _findings(_without_record(filled, tmp_path / "bare.xlsx"))
    for n, edit in enumerate((every_leaf_up, exact_leaf_up, garbled)):
        forged = _rewrite_record(filled, tmp_path / f"forged{n}.xlsx", edit)
        rounds: list = []
        assert _findings(forged, monkeypatch, rounds) == bare, edit.__name__
        monkeypatch.undo()
        assert rounds == [1], edit.__name__


def test_another_engine_version_rounds_again(filled, monkeypatch):
    """A record written by another rounding engine, release or spec is not taken."""
    spec = load_spec("2019")
    book = CalamineBook(filled)
    try:
        leaves = Computation(spec, read_ledger(spec, book)).leaves
        assert rounding_record.apply(book, spec, leaves)
        for name, value in (("VERSION", "999"), ("__version__", "9.9.9")):
            with monkeypatch.context() as m:
                m.setattr(rounding_record, name, value)
                assert not rounding_record.apply(book, spec, leaves), name
        # a spec changed by the bureau (another digest of its files) rounds again too
        assert spec.sources
        assert not rounding_record.apply(book, dataclasses.replace(spec, sources="another"), leaves)
    finally:
        book.close()


def test_an_accountants_own_sheet_of_that_name_is_kept(filled, tmp_path):
    """A sheet the accountant called ``_juesuan_rounding`` is never replaced: Fill then keeps
    no record (and a check rounds again)."""
    wb = openpyxl.load_workbook(filled)
    del wb[SHEET]
    mine = wb.create_sheet(SHEET)
    mine["A1"], mine["B2"] = "我的备忘", 42
    own = tmp_path / "own.xlsx"
    wb.save(own)
    assert run_cli("fill", str(own)).returncode == 0
    back = openpyxl.load_workbook(own)[SHEET]
    assert (back["A1"].value, back["B2"].value, back.sheet_state) == ("我的备忘", 42, "visible")


def test_bits_pack_and_unpack():
    for bits in ("", "0", "1", "10", "0000000", "00000001", "1" * 9, "0110" * 5000):
        packed = rounding_record._pack(bits)
        assert packed[:1] not in ("=", "+", "-", "@")
        assert rounding_record._unpack(packed, len(bits)) == bits
    assert rounding_record._unpack(rounding_record._pack("101"), 20) is None  # another leaf count


def test_a_long_record_spans_cells(filled, tmp_path, monkeypatch):
    """Bits longer than a cell holds go over several cells, and read back whole."""
    monkeypatch.setattr(rounding_record, "CHUNK", 16)
    out = tmp_path / "long.xlsx"
    from juesuan.io.files import fill_file

    fill_file(filled, out)
    wb = openpyxl.load_workbook(out)
    row = next(r for r in wb[SHEET].iter_rows(values_only=True) if r[0] == "expense")
    assert len([v for v in row[2:] if v]) > 3
    assert _recorded_rounding(out) == _fill_rounding(out)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_record_survives_libreoffice(filled, tmp_path):
    """LibreOffice re-saves the workbook: the record stays hidden, check still takes it and
    passes, from a CLI process."""
    folder = tmp_path / "lo"
    folder.mkdir()
    shutil.copy(filled, folder / "dept.xlsx")
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--calc", "--convert-to", "xlsx", "--outdir", str(tmp_path / "back"),
                           str(folder / "dept.xlsx")], capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr
    back = tmp_path / "back" / "dept.xlsx"
    assert openpyxl.load_workbook(back)[SHEET].sheet_state in ("hidden", "veryHidden")  # (LibreOffice: hidden)
    spec = load_spec("2019")
    book = CalamineBook(back)
    try:
        assert rounding_record.apply(book, spec, Computation(spec, read_ledger(spec, book)).leaves)
    finally:
        book.close()
    report = json.loads(run_cli("check", str(back), "--format", "json").stdout)
    assert report["valid"], [f for f in report["findings"] if f["severity"] == "error"]


def test_the_ribbon_keeps_the_record_too(filled, tmp_path, monkeypatch):
    """填充 in Excel (xlwings' remote engine) writes the same record, on a hidden sheet; a check
    of the saved workbook takes it."""
    from remote_payload import apply_actions, payload_from_xlsx, remote_available

    reason = remote_available()
    if reason is not None:
        pytest.skip(reason)
    import xlwings as xw

    from juesuan.excel import macros

    bare = _without_record(filled, tmp_path / "bare.xlsx")
    book = xw.Book(json=payload_from_xlsx(bare))
    book.set_mock_caller()
    assert macros.on_ribbon("js_fill") is not None
    xl_out = apply_actions(bare, book.json()["actions"], tmp_path / "xl.xlsx")
    assert openpyxl.load_workbook(xl_out)[SHEET].sheet_state != "visible"
    rounds: list = []
    assert _findings(xl_out, monkeypatch, rounds) == []
    assert rounds == []  # taken from the record the ribbon wrote


@pytest.mark.parametrize("numpy_from", [0, 10**9])
def test_cents_from_bits_both_ways(numpy_from, monkeypatch):
    """A big ledger's bits become cents on whole arrays, a small one's leaf by leaf: the same
    integers, and the same refusal of an exact leaf rounded up."""
    import juesuan.rounding
    from juesuan.leaves import Leaves

    monkeypatch.setattr(juesuan.rounding, "NUMPY_FROM", numpy_from)
    data = Leaves([("a",)] * 6, [0] * 6, [0, 150, -150, 199, 200, -1], 100)
    assert rounding_record._cents(data, "010100") == [0, 2, -2, 2, 2, -1]
    assert rounding_record._cents(data, "011001") == [0, 2, -1, 1, 2, 0]
    assert rounding_record._cents(data, "110000") is None  # 0 is exact: nothing to round up
    assert rounding_record._cents(data, "010010") is None  # 200 is exact too

