"""Keeping the cached values of formulas on the detail sheets when Fill saves (保留公式缓存值).

openpyxl writes a formula without its last calculated value, so after Fill the detail
sheets' formula amounts would read as empty (``check`` would report them, a second Fill
would refuse them). Fill read those values (python-calamine) before saving; this module puts
them back into the saved package: each ``<c><f>…</f><v/></c>`` whose value is known gets its
``<v>`` (number, string, boolean or error value) again. Writer-independent: it works on the
saved file, whatever wrote it.
"""

from __future__ import annotations

import math
import os
import re
import zipfile
from pathlib import Path
from typing import Any

from juesuan.io.guard import column_number
from juesuan.io.xmltext import escape
from juesuan.lazy_re import lazy
from juesuan.port import CellError

_FORMULA_CELL = lazy(rb'<c\b([^>]*)>(<f\b[^>]*/>|<f\b[^>]*>[^<]*</f>)(?:<v\s*/>|<v>[^<]*</v>)?</c>')
_R = lazy(rb'\sr="([A-Z]+)(\d+)"')
_T = lazy(rb'\st="[^"]*"')


def _col(letters: bytes) -> int:
    return column_number(letters)


def _encoded(value: Any) -> tuple[bytes, bytes] | None:
    """(type attribute, <v> text) of a cached value, or None when it can't be stored."""
    if isinstance(value, CellError):
        return b' t="e"', escape(str(value)).encode()
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, int):
        return b"", str(value).encode()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return b"", (str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)).encode()
    if isinstance(value, str):
        return b' t="str"', escape(value).encode("utf-8")
    return None  # dates and anything else: left for the spreadsheet to recalculate


def restore_part(xml: bytes, values: dict[tuple[int, int], Any]) -> bytes:
    def put(m: re.Match[bytes]) -> bytes:
        attrs, formula = m.group(1), m.group(2)
        ref = _R.search(attrs)
        if ref is None:
            return m.group(0)
        value = values.get((int(ref.group(2)) - 1, _col(ref.group(1)) - 1))
        encoded = _encoded(value) if value is not None else None
        if encoded is None:
            return m.group(0)
        kind, text = encoded
        return b"<c" + _T.sub(b"", attrs) + kind + b">" + formula + b"<v>" + text + b"</v></c>"

    return _FORMULA_CELL.sub(put, xml)


def restore_cached_values(path: Path, cached: dict[str, dict[tuple[int, int], Any]]) -> None:
    """Put ``cached`` (sheet → 0-based (row, col) → value) into the formula cells of the
    workbook saved at ``path`` (rewritten through a temporary file in the same folder)."""
    from juesuan.io.guard import sheet_parts
    from juesuan.io.live_temps import _drop_temp
    from juesuan.io.safe_write import _new_temp

    with zipfile.ZipFile(path) as src:
        parts = {part: cached[name] for name, part in sheet_parts(src).items() if name in cached}
        if not parts:
            return
        tmp = _new_temp(path.parent, ".zip")
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    data = src.read(info)
                    if info.filename in parts:
                        data = restore_part(data, parts[info.filename])
                    dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            os.replace(tmp, path)
        except BaseException:
            _drop_temp(tmp)
            raise
    _drop_temp(tmp)


# a formula cell without a value, in any spelling a writer may use: prefixed elements
# (<x:c>, <x:f>), line breaks or spaces between them, single-quoted or spaced attributes
_P = rb"(?:[A-Za-z_][\w.-]*:)?"
_UNCACHED = lazy(rb"<(" + _P + rb"c)\b([^>]*?)(?<!/)>\s*(?:<" + _P + rb"f\b[^>]*/>|<(" + _P + rb"f)\b[^>]*>[^<]*</\3\s*>)"
                       rb"\s*(<" + _P + rb"v\b[^>]*/>|<(" + _P + rb"v)\b[^>]*>\s*</\5\s*>)?\s*</\1\s*>")
# t="str" with an empty <v>: a formula whose calculated value is the empty text (=IF(A1="","",…),
# as Excel and LibreOffice save it), not one without a value (openpyxl writes <v></v> and no type)
_STR_TYPE = lazy(rb"""\st\s*=\s*["']str["']""")
_ANY_R = lazy(rb"\sr\s*=\s*[\"']\s*([A-Za-z]+)(\d+)\s*[\"']")


def uncached_formula_cells(path: Path, part: str) -> list[tuple[int, int]]:
    """The 0-based cells of the worksheet ``part`` holding a formula without a cached value
    (read from the XML: python-calamine shows them as blanks). For a part the read guard
    noted as holding formulas (``Scan.formula_parts``)."""
    with zipfile.ZipFile(path) as z:
        if part not in z.NameToInfo:
            return []
        xml = z.read(part)  # within the guard's limits
    out = []
    for m in _UNCACHED.finditer(xml):
        if m.group(4) is not None and _STR_TYPE.search(m.group(2)):
            continue  # a calculated empty text
        ref = _ANY_R.search(m.group(2))
        if ref is not None:
            out.append((int(ref.group(2)) - 1, _col(ref.group(1).upper()) - 1))
    return out
