"""Fill writes only the computed sheets (juesuan.io.patch): every other part of the package
keeps its content byte for byte, and the computed sheets read back exactly as the openpyxl
path writes them (values, number formats, fonts, fills, borders, alignment, protection,
merged ranges, print titles, sheet protection) — on a juesuan-made workbook, on its first
fill, and on a workbook LibreOffice re-saved (its own styles and shared strings). LibreOffice
opens the patched file and reads the same figures. (On a LibreOffice-saved workbook the
openpyxl path takes LibreOffice's rewrite of juesuan's named styles and the patch juesuan's
own: the same look, spelled differently; compared as a reader sees it.)"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli

import juesuan.io.files as files
from juesuan.io.files import fill_file, write_new
from juesuan.io.patch import has_formulas
from juesuan.sample import sample_inputs
from juesuan.spec import load_spec

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _fill_with_openpyxl(src: Path, dst: Path, monkeypatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(files, "has_formulas", lambda *a: True)  # the openpyxl path
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
            cells[c.coordinate] = (c.value, c.number_format, repr(c.font), repr(c.fill), repr(c.border),
                                   repr(c.alignment), repr(c.protection))
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
    assert not has_formulas(demo_workbook, [s.sheet for s in load_spec("2019").inputs])
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
    for name in _computed(resaved):
        wa, wb = openpyxl.load_workbook(patched), openpyxl.load_workbook(reference)
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
