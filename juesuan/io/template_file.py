"""The official template workbook as a reproducible file: ``workbooks/template-<format>.xlsx``.

:func:`build_template` writes the blank template (every sheet of
:func:`juesuan.jobs.template_pictures`, extensions in ``TEMPLATE_EXTRAS`` included) and makes
the file byte-for-byte reproducible: fixed document dates, and a zip rewritten with fixed
member timestamps, permissions and order. The checked-in file can thus be compared with a
fresh build (``juesuan template build``) by its bytes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.io.safe_write import atomic_write
from juesuan.io.xlsx import new_workbook, save_atomic
from juesuan.jobs import template_pictures
from juesuan.lazy_re import lazy
from juesuan.port import SheetPicture
from juesuan.spec.model import TemplateSpec

# The date written into docProps/core.xml and onto every zip member.
FIXED_DATE = dt.datetime(2020, 1, 1, 0, 0, 0)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_W3CDTF = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
_CORE_DATES = lazy(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
_FIRST = "[Content_Types].xml"


def default_path(spec: TemplateSpec) -> Path:
    """Where the checked-in template lives: ``template-<format>.xlsx`` beside the spec file
    (``workbooks/template-2019.xlsx``), or under ``workbooks/`` of the current folder."""
    folder = Path(spec.path).resolve().parent if spec.path else Path("workbooks")
    return folder / f"template-{spec.format}.xlsx"


def template_theme(spec: TemplateSpec) -> bytes | None:
    """The theme part of the format's checked-in template (the one openpyxl writes into every
    workbook, read here without importing openpyxl: ≈0.3 s), or None without that file."""
    try:
        with zipfile.ZipFile(default_path(spec)) as z:
            return z.read("xl/theme/theme1.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


def save_new_workbook(spec: TemplateSpec, pictures: Callable[[], Iterable[SheetPicture]], target: str | Path,
                      rows: dict[str, Sequence[Sequence[Any]]] | None = None) -> Path:
    """A new .xlsx at ``target`` holding the sheets ``pictures()`` draws (the first active),
    with the data rows of each sheet named in ``rows`` streamed in (:mod:`juesuan.io.bulk_rows`),
    atomically. Its parts are written directly as openpyxl would save them
    (:func:`juesuan.io.fresh_package.package_parts`, with the theme of the format's checked-in
    template): no openpyxl import (≈0.35 s). Only when a picture is left to openpyxl is an
    openpyxl workbook of ``pictures()`` (drawn again) saved instead."""
    from juesuan.io.bulk_rows import save_parts_with_rows, save_with_rows
    from juesuan.io.fresh_package import package_parts

    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise fail("output-type", path=str(target), expected=".xlsx",
                   reason="须与工作簿的类型一致 / it must match the workbook's type")
    parts = package_parts(pictures(), theme=template_theme(spec))
    if parts is not None:
        return save_parts_with_rows(parts, target, rows or {})
    wb = new_workbook(pictures())
    wb.active = 0
    if rows:
        return save_with_rows(wb, target, rows)
    save_atomic(wb, target)
    return target


def build_template(spec: TemplateSpec, path: str | Path) -> Path:
    """Write the blank template of ``spec`` to ``path`` (atomically, reproducibly)."""
    path = Path(path)
    wb = new_workbook(template_pictures(spec))
    wb.active = 0
    wb.properties.creator = "决算助手 juesuan"
    wb.properties.lastModifiedBy = "决算助手 juesuan"
    wb.properties.title = spec.name
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE  # openpyxl overwrites this on save; fixed again below
    save_atomic(wb, path)
    normalise_zip(path)
    return path


def normalise_zip(path: str | Path) -> None:
    """Rewrite an .xlsx so its bytes depend on its contents only (dates, order, attributes)."""
    path = Path(path)
    with zipfile.ZipFile(path) as src:
        members = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    members.sort(key=lambda m: (m[0] != _FIRST, m[0]))

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as dst:
            for name, data in members:
                if name == "docProps/core.xml":
                    data = _CORE_DATES.sub(lambda m: m.group(1) + _W3CDTF.encode() + m.group(3), data)
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0o644 << 16
                dst.writestr(info, data, compresslevel=6)

    atomic_write(path, write)
