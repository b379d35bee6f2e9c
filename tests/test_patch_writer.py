"""Fill writes only the computed sheets (juesuan.io.patch): every other part of the package
keeps its content byte for byte, and the computed sheets read back exactly as the openpyxl
path writes them (values, number formats, fonts, fills, borders, alignment, protection,
merged ranges, print titles, sheet protection) — on a juesuan-made workbook, on its first
fill, and on a workbook LibreOffice re-saved (its own styles and shared strings). LibreOffice
opens the patched file and reads the same figures. (On a LibreOffice-saved workbook the
openpyxl path takes LibreOffice's rewrite of juesuan's named styles and the patch juesuan's
own: the same look, spelled differently; compared as a reader sees it.)

The computed sheets' fresh parts are written directly (juesuan.io.fresh_package, no openpyxl):
on the demo of every format (with a self-evaluation sheet) the filled package is the same,
byte for byte, as when openpyxl draws them, and reads back the same cell for cell and setting
for setting; the writer's parts equal openpyxl's on pictures made to hit its corners."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from style_helpers import style_reprs

import juesuan.io.files as files
from juesuan.io.files import fill_file, write_new
from juesuan.port import CellFormula, CellLook, SheetPicture
from juesuan.sample import sample_inputs
from juesuan.spec import available_formats, load_spec

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_round_trip(books: dict[str, Path], tmp_path: Path) -> dict[Path, Path]:
    """Each workbook copied as ``<key>.xlsx`` and converted back to .xlsx by LibreOffice in
    one headless run (own profile): copy → converted file."""
    folder = tmp_path / "ours"
    folder.mkdir()
    copies = []
    for key, book in books.items():
        copies.append(folder / f"{key}.xlsx")
        shutil.copy(book, copies[-1])
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                           "--calc", "--convert-to", "xlsx", "--outdir", str(tmp_path / "back"), *map(str, copies)],
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for path in copies:
        back = tmp_path / "back" / path.name
        assert back.exists(), f"soffice did not convert {path.name}:\n{proc.stdout}\n{proc.stderr}"
        out[path] = back
    return out


def assert_same_values(path: Path, back: Path) -> tuple:
    """``back`` (``path`` converted by LibreOffice) has the same sheets, each with the same
    values in the same cells; returns both workbooks (openpyxl) for further comparisons."""
    ours, theirs = openpyxl.load_workbook(path), openpyxl.load_workbook(back)
    assert theirs.sheetnames == ours.sheetnames
    for name in ours.sheetnames:
        mine = {(c.coordinate, c.value) for row in ours[name].iter_rows() for c in row if c.value is not None}
        lo = {(c.coordinate, c.value) for row in theirs[name].iter_rows() for c in row if c.value is not None}
        assert mine == lo, (path.name, name)
    return ours, theirs


def _fill_with_openpyxl(src: Path, dst: Path, monkeypatch) -> None:
    """Fill through openpyxl's careful path (the one a workbook with formulas takes when the
    patch does not handle its package)."""
    from juesuan.io.xlsx import CalamineBook

    with monkeypatch.context() as m:
        m.setattr(files, "plan_patch", lambda *a, **k: None)
        m.setattr(CalamineBook, "formula_sheets", lambda self: set(self.sheet_names()))
        fill_file(src, dst)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _sheet_facts(ws) -> dict:
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            cells[c.coordinate] = (c.value, c.number_format, *style_reprs(c))
    return {
        "cells": cells,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "print_titles": (ws.print_title_rows, ws.print_title_cols),
        "protection": (ws.protection.sheet, ws.protection.formatColumns, ws.protection.formatRows),
        "widths": {k: v.width for k, v in ws.column_dimensions.items()},
        "freeze": ws.freeze_panes,
        "setup": (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight),
    }


def _looks(ws) -> dict:
    """What a reader sees of each cell (value, number format, font name/size/bold, fill,
    border line styles, alignment, locking): a re-saved workbook may spell the same
    formatting differently (LibreOffice adds charset/family to fonts, drops border colours
    that are automatic black)."""
    from openpyxl.cell.cell import MergedCell

    out = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and (not c.has_style or isinstance(c, MergedCell)):
                continue  # (a covered cell of a merged range shows nothing of its own)
            b = c.border
            out[c.coordinate] = (
                c.value, c.number_format, c.font.name, c.font.sz, bool(c.font.b), c.fill.fill_type,
                str(c.fill.fgColor.rgb)[-6:] if c.fill.fill_type else None,  # (alpha is not shown)
                tuple((getattr(b, side).style if getattr(b, side) else None)
                      for side in ("left", "right", "top", "bottom")),
                c.alignment.horizontal, c.alignment.vertical, bool(c.alignment.wrap_text), c.protection.locked)
    return out


def _assert_same_workbooks(a: Path, b: Path, sheets: list[str]) -> None:
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    assert wa.sheetnames == wb.sheetnames
    for name in sheets:
        assert _sheet_facts(wa[name]) == _sheet_facts(wb[name]), name


def _computed(path: Path) -> list[str]:
    spec = load_spec("2019")
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    inputs = {s.sheet for s in spec.inputs}
    return [n for n in names if n not in inputs]


def test_refill_keeps_every_part(demo_workbook, tmp_path):
    out = tmp_path / "again.xlsx"
    from juesuan.io.xlsx import CalamineBook

    book = CalamineBook(demo_workbook)
    assert not book.formula_sheets()
    book.close()
    fill_file(demo_workbook, out)
    assert _parts(out) == _parts(demo_workbook)  # same figures, same styles: nothing to change


def test_first_fill_matches_the_openpyxl_path(tmp_path, monkeypatch):
    src = tmp_path / "new.xlsx"
    write_new(src, load_spec("2019"), inputs=sample_inputs())
    patched, reference = tmp_path / "patched.xlsx", tmp_path / "reference.xlsx"
    fill_file(src, patched)
    _fill_with_openpyxl(src, reference, monkeypatch)
    _assert_same_workbooks(patched, reference, _computed(src))
    before, after = _parts(src), _parts(patched)
    spec = load_spec("2019")
    with zipfile.ZipFile(src) as z:
        from juesuan.io.patch import sheet_parts

        computed_parts = {part for name, part in sheet_parts(z)[1] if name not in {s.sheet for s in spec.inputs}}
    def notes(parts: dict[str, bytes]) -> set[str]:
        """The computed sheets' rels and the comments/VML parts they name."""
        out = set()
        for part in computed_parts:
            rels = f"xl/worksheets/_rels/{part.rsplit('/', 1)[1]}.rels"
            if rels in parts:
                out.add(rels)
                out |= {t.lstrip("/").replace("../", "xl/") for t in re.findall(r'Target="([^"]+)"', parts[rels].decode())}
        return out

    changed = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    # detail sheets, names, strings … untouched; the computed sheets' notes travel with them
    assert changed <= computed_parts | notes(before) | notes(after) | {"xl/styles.xml", "[Content_Types].xml"}
    assert run_cli("check", str(patched)).returncode == 0


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")
def test_a_libreoffice_saved_workbook(tmp_path, monkeypatch):
    from test_libreoffice_roundtrip import soffice_convert

    src = tmp_path / "src.xlsx"
    write_new(src, load_spec("2019"), inputs=sample_inputs())
    resaved = soffice_convert(src, tmp_path / "lo", "xlsx", tmp_path / "profile")
    assert "xl/sharedStrings.xml" in _parts(resaved)  # LibreOffice's own package layout
    patched, reference = tmp_path / "patched.xlsx", tmp_path / "reference.xlsx"
    fill_file(resaved, patched)
    _fill_with_openpyxl(resaved, reference, monkeypatch)
    wa, wb = openpyxl.load_workbook(patched), openpyxl.load_workbook(reference)
    for name in _computed(resaved):
        a, b = _sheet_facts(wa[name]), _sheet_facts(wb[name])
        assert _looks(wa[name]) == _looks(wb[name]), name
        assert a["merged"] == b["merged"] and a["widths"] == b["widths"] and a["freeze"] == b["freeze"], name
        assert a["print_titles"] == b["print_titles"] and a["protection"] == b["protection"], name
    assert run_cli("check", str(patched)).returncode == 0
    # LibreOffice opens the patched package and reads the same figures
    back = soffice_convert(patched, tmp_path / "back", "xlsx", tmp_path / "profile")
    assert run_cli("check", str(back)).returncode == 0
    filled = openpyxl.load_workbook(patched, data_only=True)["公开01表"]
    again = openpyxl.load_workbook(back, data_only=True)["公开01表"]
    figures = [(c.coordinate, c.value) for row in filled.iter_rows() for c in row if isinstance(c.value, float)]
    assert figures and all(again[coord].value == value for coord, value in figures)


# -- the direct writer (juesuan.io.fresh_package) against openpyxl's fresh workbook -----------

FORMATS = available_formats()


def _unfilled_demo(fmt: str, path: Path) -> Path:
    """The demo department of ``fmt`` before Fill (as ``juesuan demo`` builds it), with a blank
    project self-evaluation sheet added (its drop-down lists and notes)."""
    from juesuan.evaluation.steps import new_sheet
    from juesuan.io.demo_file import add_demo_extras
    from juesuan.io.xlsx import CalamineBook, load_for_write, replace_sheets, save_atomic

    spec = load_spec(fmt)
    write_new(path, spec, inputs=sample_inputs(spec=spec))
    add_demo_extras(path)
    book = CalamineBook(path)
    picture = new_sheet(spec, book, "大气污染防治")
    book.close()
    wb = load_for_write(path)
    replace_sheets(wb, [picture])
    save_atomic(wb, path)
    return path


def _fill_direct(src: Path, dst: Path, monkeypatch) -> None:
    """Fill through the direct writer, failing if openpyxl's fresh workbook is drawn."""
    def refuse(pictures):
        raise AssertionError("the openpyxl fresh workbook was drawn")

    with monkeypatch.context() as m:
        m.setattr(files, "new_workbook", refuse)
        fill_file(src, dst)


def _fill_openpyxl_fresh(src: Path, dst: Path, monkeypatch) -> None:
    """Fill through the same patch, with the fresh sheets drawn by openpyxl (the path before)."""
    with monkeypatch.context() as m:
        m.setattr(files, "fresh_parts", lambda pictures: None)
        fill_file(src, dst)


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """For every format: the unfilled demo (with a self-evaluation sheet) and the workbook the
    direct writer fills from it."""
    out = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for fmt in FORMATS:
            folder = tmp_path_factory.mktemp(f"direct-{fmt}")
            src = _unfilled_demo(fmt, folder / "demo.xlsx")
            _fill_direct(src, folder / "direct.xlsx", monkeypatch)
            out[fmt] = (src, folder / "direct.xlsx")
    return out


def _everything(ws) -> dict:
    """All a reader can see of a sheet through openpyxl: each cell's value, type and style,
    and the sheet's merges, sizes, panes, print setup, protection, drop-downs and notes."""
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style and c.comment is None:
                continue
            cells[c.coordinate] = (c.value, c.data_type, c.number_format, *style_reprs(c), c.style)
    setup = ws.page_setup
    return {
        "cells": cells,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "widths": {k: (v.width, v.customWidth) for k, v in ws.column_dimensions.items()},
        "heights": {k: (v.height, v.customHeight) for k, v in ws.row_dimensions.items()},
        "freeze": ws.freeze_panes,
        "view": repr(ws.sheet_view),
        "print_titles": (ws.print_title_rows, ws.print_title_cols),
        "setup": (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight,
                  ws.sheet_properties.pageSetUpPr.fitToPage, ws.print_options.horizontalCentered,
                  repr(ws.page_margins), str(ws.oddFooter.center.text), ws.oddFooter.center.font,
                  ws.oddFooter.center.size),
        "protection": repr(ws.protection),
        "validations": [(str(v.sqref), v.type, v.formula1, v.allow_blank, v.showErrorMessage, v.errorTitle, v.error,
                         v.showInputMessage, v.promptTitle, v.prompt) for v in ws.data_validations.dataValidation],
        "comments": {c.coordinate: (c.comment.text, c.comment.author) for row in ws.iter_rows() for c in row
                     if c.comment is not None},
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_direct_writer_fills_every_format_as_openpyxl_does(fmt, demos, tmp_path, monkeypatch):
    src, direct = demos[fmt]
    reference = tmp_path / "reference.xlsx"
    _fill_openpyxl_fresh(src, reference, monkeypatch)
    assert _parts(direct) == _parts(reference)  # the same package, byte for byte
    # … and so the same for a reader, on every computed sheet
    wa, wb = openpyxl.load_workbook(direct), openpyxl.load_workbook(reference)
    assert wa.sheetnames == wb.sheetnames
    assert wa.defined_names == wb.defined_names
    inputs = {s.sheet for s in load_spec(fmt).inputs}
    seen = {"sheets": 0, "merged": 0, "validations": 0, "comments": 0, "unlocked": 0}
    for name in wa.sheetnames:
        if name in inputs:
            continue
        a, b = _everything(wa[name]), _everything(wb[name])
        assert a == b, name
        seen["sheets"] += 1
        seen["merged"] += len(a["merged"])
        seen["validations"] += len(a["validations"])
        seen["comments"] += len(a["comments"])
        seen["unlocked"] += sum("locked=False" in cell[7] for cell in a["cells"].values())
    assert all(seen.values()), seen  # the comparison covered every kind of setting
    # a refill changes nothing
    again = tmp_path / "again.xlsx"
    _fill_direct(direct, again, monkeypatch)
    assert _parts(again) == _parts(direct)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")
def test_libreoffice_opens_the_direct_writers_workbooks(demos, tmp_path):
    """LibreOffice converts the filled workbook of every format (one run for all) and reads the
    same values, merges and findings."""
    converted = libreoffice_round_trip({fmt: direct for fmt, (_, direct) in demos.items()}, tmp_path)
    for path, back in converted.items():
        # the same findings (the blank self-evaluation is reported alike), the same figures
        ours_check, lo_check = (run_cli("check", str(p), "--format", "json") for p in (path, back))
        assert ours_check.returncode == lo_check.returncode
        assert json.loads(ours_check.stdout) == json.loads(lo_check.stdout)
        ours, theirs = assert_same_values(path, back)
        for name in ours.sheetnames:
            assert sorted(map(str, ours[name].merged_cells.ranges)) == sorted(map(str, theirs[name].merged_cells.ranges))


def test_fill_does_not_import_openpyxl(demo_copy, tmp_path):
    code = ("import sys\nfrom juesuan.io.files import fill_file\n"
            "fill_file(sys.argv[1], sys.argv[2])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'numpy')))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(demo_copy), str(tmp_path / "out.xlsx")],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def _corner_pictures() -> list[SheetPicture]:
    """Pictures meant to hit the writer's corners: merges of ruled and unlocked cells with
    styled covered cells, unlocked ranges over merges and beyond the cells, notes on blank
    cells, drop-downs on one cell and on a block, every kind of frozen pane, values of every
    kind (text needing escapes or kept spaces, text that looks like a formula or an error,
    truth values, Decimal, huge and inexact floats, NaN, characters beyond the BMP)."""
    p = SheetPicture("a&b'c", kind="input", protect=False, landscape=False)
    p.put(0, 0, " x ", "title", (1, 2))
    p.put(3, 0, True, "input")
    p.put(3, 1, "", "input")
    p.put(3, 2, "=A1", "note")
    p.put(3, 3, "#N/A", "note")
    p.put(4, 4, 1.5, "amount")
    p.put(5, 0, Decimal("12.30"), "input", (7, 2))
    p.put(6, 1, None, "input-header")
    p.put(7, 2, None, "amount")
    p.put(10, 0, "块", "header", (12, 3))
    p.put(11, 3, None, "total-amount")
    p.put(12, 0, None, "header")
    p.put(14, 0, "a\u00e9\U0001F600<&>\"'\t\n", "eval-input", (14, 5))
    p.put(15, 0, 10**17, "amount")
    p.put(15, 1, -0.1 + 0.2, "percent")
    p.put(16, 0, float("nan"), "header")
    p.put(17, 0, "  ", "body-text")
    # an accountant's formulas carried into the picture (a plain one, an array, one whose
    # cached value is text that looks like a formula), written as openpyxl writes them
    p.put(18, 0, 447.69, "eval-input-money")
    p.formulas[(18, 0)] = CellFormula('SUM(A1:A3)&"<&>"')
    p.put(18, 1, "x", "eval-input")
    p.formulas[(18, 1)] = CellFormula("A1", "B19")
    p.put(18, 2, "=text", "eval-input")
    p.formulas[(18, 2)] = CellFormula('"="&"text"')
    p.freeze = (2, 3)
    p.validations += [("G5:G5", ("a", 'b&"<')), ("A3:B9", ("≥", "≤"))]
    p.row_heights[9] = 12.25
    p.row_heights[0] = 30
    p.print_title_rows = (1, 1)
    p.column_widths[3] = 7.5
    p.column_widths[0] = 10
    p.comments[(6, 6)] = "  note <x> "
    p.comments[(3, 0)] = "n2"
    p.comments[(20, 0)] = "   "
    p.unlocked_ranges += ["A8:B9", "A11:E13", "Z30"]
    q = SheetPicture("z", kind="table")
    q.put(0, 0, "a", "header", (0, 3))
    q.put(1, 0, "b", "input", (3, 0))
    q.put(1, 1, "c", "lanci", (1, 2))
    q.freeze = (0, 2)
    q.comments[(0, 0)] = "t"
    r = SheetPicture("r", kind="table")
    r.put(0, 0, 1, "amount")
    # cells carried outside a table with their own looks (kept_looks): custom and built-in
    # number formats, fonts with every kind of colour, alignments; one look twice
    r.put(5, 0, 46112, "kept")
    r.looks[(5, 0)] = CellLook(number_format="yyyy-mm-dd")
    r.put(5, 1, 46112, "kept")
    r.looks[(5, 1)] = CellLook(number_format='yyyy"年"m"月"d"日"', font_name="宋体", size=11, bold=True,
                               color="theme:1:-0.249977111117893", h="general")
    r.put(5, 2, 0.125, "kept")
    r.looks[(5, 2)] = CellLook(number_format="0.00%", italic=True, underline="single", color="rgb:FFFF0000",
                               h="center", v="top", wrap=True, indent=2)
    r.put(5, 3, "00123", "kept")
    r.looks[(5, 3)] = CellLook(number_format="@", color="indexed:10", size=10.5)
    r.put(6, 0, 46112, "kept")
    r.looks[(6, 0)] = CellLook(number_format="mm-dd-yy", color="theme:4")
    r.put(6, 1, 46112, "kept")
    r.looks[(6, 1)] = CellLook(number_format="yyyy-mm-dd")
    r.freeze = (3, 0)
    r.print_title_rows = (0, 2)
    return [p, q, r, SheetPicture("empty")]


def _styles_sections(xml: bytes) -> dict[str, list[bytes]]:
    import xml.etree.ElementTree as ET  # noqa: S405 - serialising only

    from defusedxml import ElementTree

    return {child.tag.split("}")[1]: [ET.tostring(e) for e in child]
            for child in ElementTree.fromstring(xml) if not child.tag.endswith("colors")}


@pytest.mark.parametrize("case", ["corners", *FORMATS])
def test_direct_parts_equal_openpyxls(case):
    import copy
    import io

    from juesuan.io.fresh_package import fresh_parts
    from juesuan.io.xlsx import new_workbook
    from juesuan.jobs import template_pictures

    if case == "corners":
        pictures = _corner_pictures()
    else:  # every sheet of a new workbook of the format: detail sheets, blank tables, …
        spec = load_spec(case)
        pictures = template_pictures(spec, "某局", "2025", inputs=sample_inputs(spec=spec))
    mine = fresh_parts(copy.deepcopy(pictures))
    assert mine is not None
    buffer = io.BytesIO()
    new_workbook(copy.deepcopy(pictures)).save(buffer)
    with zipfile.ZipFile(buffer) as z:
        theirs = {n: z.read(n) for n in z.namelist()}
    for name, data in mine.items():
        if name == "xl/styles.xml":  # the same entries in the same order (the colour table aside)
            assert _styles_sections(data) == _styles_sections(theirs[name])
        elif name == "xl/workbook.xml":  # the print titles
            find = re.compile(rb"<definedName\b.*?</definedName>")
            assert find.findall(data) == find.findall(theirs[name])
        elif name not in ("[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels"):
            assert data == theirs[name], name  # sheets, notes, their drawings and links
    assert set(theirs) - set(mine) == {"docProps/app.xml", "docProps/core.xml", "xl/theme/theme1.xml"}


def test_a_picture_the_writer_leaves_to_openpyxl():
    import datetime

    from juesuan.io.fresh_package import fresh_parts

    pic = SheetPicture("s")
    pic.put(0, 0, datetime.date(2025, 1, 1), "body-text")
    assert fresh_parts([pic]) is None
    covered = SheetPicture("s")
    covered.put(0, 0, "a", "header", (0, 1))
    covered.put(0, 1, "b", "header")  # a value under a merge: openpyxl refuses it, so do we
    assert fresh_parts([covered]) is None
    crossed = SheetPicture("s")
    crossed.put(0, 1, "a", "header", (2, 1))
    crossed.put(1, 0, "b", "header", (1, 2))  # merges that cross
    assert fresh_parts([crossed]) is None
    assert fresh_parts([SheetPicture("s"), SheetPicture("s")]) is None  # one sheet twice
    assert fresh_parts([SheetPicture("s"), SheetPicture("t")]) is not None


def test_builtin_number_formats_are_openpyxls():
    """The direct writer names a built-in number format by the id openpyxl gives its code, so
    a carried cell's format is written alike on both paths."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    from juesuan.io.fresh_package import BUILTIN_FORMATS as DIRECT

    assert DIRECT == {code: i for i, code in BUILTIN_FORMATS.items()}
