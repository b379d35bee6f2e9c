"""The checked-in template (workbooks/template-2019.xlsx) is exactly what the build makes.

The fresh build runs through the real CLI (``juesuan template build``), so every sheet that
``TEMPLATE_EXTRAS`` adds is included exactly as the lead's rebuild command includes it.
When the bytes differ, the failure message lists the semantic differences first.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import ROOT, run_cli

from juesuan.spec import load_spec

CHECKED_IN = ROOT / "workbooks" / "template-2019.xlsx"
FORMATS = ("2019", "2020", "2020-b")  # every shipped format has its checked-in template


def rebuild(fmt: str) -> str:
    return f"juesuan template build --format {fmt}   # rewrites workbooks/template-{fmt}.xlsx"


def _style(cell: Any) -> tuple:
    f, a, b, p = cell.font, cell.alignment, cell.border, cell.protection
    return (cell.style, f.name, f.sz, f.b, a.horizontal, a.vertical, a.wrap_text, a.indent, a.shrink_to_fit,
            *(getattr(side, "style", None) for side in (b.left, b.right, b.top, b.bottom)), cell.fill.fgColor.rgb,
            cell.number_format, p.locked)


def snapshot(path: Path) -> dict[str, dict[str, Any]]:
    """Everything a user sees of each sheet: values, styles, merges, sizes, validations,
    comments, protection, panes and print settings."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, dict[str, Any]] = {"<workbook>": {"sheets": wb.sheetnames}}
    for ws in wb.worksheets:
        cells = {c.coordinate: (c.value, _style(c)) for row in ws.iter_rows() for c in row
                 if c.value is not None or c.has_style}
        ps, pr = ws.page_setup, ws.protection
        out[ws.title] = {
            "cells": cells,
            "merges": sorted(str(m) for m in ws.merged_cells.ranges),
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height is not None},
            "validations": sorted((str(dv.sqref), dv.type, dv.formula1) for dv in ws.data_validations.dataValidation),
            "comments": {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment},
            "protection": (pr.sheet, pr.password, pr.formatColumns, pr.formatRows),
            "freeze": ws.freeze_panes,
            "print": (ps.paperSize, ps.orientation, ps.fitToWidth, ps.fitToHeight,
                      ws.sheet_properties.pageSetUpPr.fitToPage, ws.print_options.horizontalCentered,
                      ws.print_title_rows, ws.page_margins.left, ws.page_margins.top, ws.oddFooter.center.text),
        }
    return out


def differences(a: dict, b: dict, limit: int = 30) -> list[str]:
    """Readable differences between two snapshots (``a`` checked in, ``b`` fresh)."""
    found: list[str] = []
    if a["<workbook>"] != b["<workbook>"]:
        found.append(f"sheets: {a['<workbook>']['sheets']} != {b['<workbook>']['sheets']}")
    for sheet in [s for s in b if s in a and s != "<workbook>"]:
        for part, fresh in b[sheet].items():
            old = a[sheet][part]
            if old == fresh:
                continue
            if isinstance(fresh, dict):
                for key in sorted(set(old) | set(fresh), key=str):
                    if old.get(key) != fresh.get(key):
                        found.append(f"{sheet}!{part}[{key}]: {old.get(key)!r} -> {fresh.get(key)!r}")
            else:
                found.append(f"{sheet} {part}: {old!r} -> {fresh!r}")
    return found[:limit]


@pytest.fixture(scope="module", params=FORMATS)
def fresh(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("template") / f"template-{request.param}.xlsx"
    run_cli("template", "build", "--format", request.param, "-o", str(target), check=True)
    return target


def test_checked_in_template_equals_a_fresh_build(fresh: Path) -> None:
    checked_in = ROOT / "workbooks" / fresh.name
    fmt = fresh.stem.removeprefix("template-")
    assert checked_in.exists(), f"missing {checked_in}; build it with: {rebuild(fmt)}"
    if checked_in.read_bytes() == fresh.read_bytes():
        return
    diff = differences(snapshot(checked_in), snapshot(fresh))
    detail = "\n".join(diff) if diff else "(same contents, different bytes: zip or XML serialisation)"
    pytest.fail(f"workbooks/{fresh.name} is stale; rebuild it with: {rebuild(fmt)}\n{detail}")


def test_build_is_reproducible(fresh: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.xlsx"
    run_cli("template", "build", "--format", fresh.stem.removeprefix("template-"), "-o", str(again), check=True)
    assert again.read_bytes() == fresh.read_bytes()
    with zipfile.ZipFile(again) as z:
        infos = z.infolist()
        core = z.read("docProps/core.xml").decode()
    assert infos[0].filename == "[Content_Types].xml"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert "2020-01-01T00:00:00Z" in core


def test_default_output_is_beside_the_spec(tmp_path: Path) -> None:
    """Without ``-o`` the build rewrites template-<format>.xlsx next to the spec file."""
    from juesuan.io.template_file import default_path


    assert default_path(load_spec("2019")) == CHECKED_IN
    work = tmp_path / "workbooks"
    shutil.copytree(ROOT / "workbooks", work, ignore=shutil.ignore_patterns("template-*.xlsx"))
    from juesuan.spec import load_spec_file

    copy_spec = load_spec_file(work / "spec-2019.yaml")
    assert default_path(copy_spec) == work / "template-2019.xlsx"


def test_the_comparison_sees_a_changed_look(fresh: Path, tmp_path: Path) -> None:
    """The semantic fallback is not blind: a changed value, style or validation shows up."""
    spec = load_spec(fresh.stem.removeprefix("template-"))
    first, fifth = spec.tables[0].sheet, spec.tables[4].sheet
    wb = openpyxl.load_workbook(fresh)
    ws = wb[first]
    ws["A1"] = "改过的标题"
    wb["收入明细"].column_dimensions["A"].width = 5
    wb[fifth].protection.sheet = False
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    diff = "\n".join(differences(snapshot(fresh), snapshot(changed)))
    assert f"{first}!cells[A1]" in diff and "改过的标题" in diff
    assert "收入明细!widths[A]" in diff
    assert f"{fifth} protection" in diff
