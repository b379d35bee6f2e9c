"""Crafted workbook packages for the read guard's tests: a minimal openpyxl workbook whose one
sheet gets raw XML."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path


def book(tmp_path: Path, cells: str = "", name: str = "b.xlsx", *,
         sheet: Callable[[bytes], bytes] | None = None, part: str | None = None) -> Path:
    """A minimal openpyxl package whose one sheet gets ``cells`` (raw XML before
    ``</sheetData>``), then ``sheet`` applied to its whole XML, stored as ``part`` if given
    (the workbook's relationship pointing there)."""
    import openpyxl

    plain = tmp_path / "plain.xlsx"
    if not plain.exists():
        wb = openpyxl.Workbook()
        wb.active["A1"] = "x"
        wb.save(plain)
    out = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data, member = src.read(info), info.filename
            if member == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", cells.encode() + b"</sheetData>")
                data = sheet(data) if sheet else data
                member = part or member
            elif member == "xl/_rels/workbook.xml.rels" and part:
                data = data.replace(b"/xl/worksheets/sheet1.xml", f"/{part}".encode())
                data = data.replace(b"worksheets/sheet1.xml", part.removeprefix("xl/").encode())
            dst.writestr(member, data)
    return out
