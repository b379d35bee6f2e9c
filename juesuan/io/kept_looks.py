"""The look of a cell Fill carries outside a table (表外单元格的格式): its number format, font
and alignment, read from the package's ``styles.xml`` by the cell's ``s=`` index.

:mod:`juesuan.io.kept_extras` carries what the accountant typed under or beside a table;
without its look a date typed there (2026-03-31, 2026年3月31日) came out as its serial
number 46112, a bold footer lost its bold, a percentage its %. Each carried cell with a
style of its own gets a :class:`juesuan.port.CellLook`, which both writers lay over the
``kept`` role (:mod:`juesuan.io.fresh_package`, :mod:`juesuan.io.styles`). A built-in
number format is named by its code (a Chinese Excel's 27–36 and 50–58, whose meaning
depends on the locale, by the code they show in a Chinese Excel, ECMA-376 §18.8.30), so
that every writer writes it alike. Fills and borders are not carried.

``styles.xml`` is read once per Fill, and only when a carried cell has a style.
"""

from __future__ import annotations

import zipfile
from typing import Any

from juesuan.io.fresh_package import BUILTIN_FORMATS
from juesuan.io.kept_formulas import _local
from juesuan.port import CellLook

_BUILTIN_CODES = {i: code for code, i in BUILTIN_FORMATS.items()}
# The locale's own built-in formats as a Chinese (zh-CN) Excel shows them (ECMA-376 §18.8.30).
_ZH_CN = {27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy", 31: 'yyyy"年"m"月"d"日"',
          32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"', 34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"',
          36: 'yyyy"年"m"月"', 50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
          54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"', 57: 'yyyy"年"m"月"',
          58: 'm"月"d"日"'}
_TRUE = ("1", "true", None)


def _on(elem: Any) -> bool:
    return elem is not None and elem.get("val") in _TRUE


class Looks:
    """The looks of a package's cell formats (``s=`` index → :class:`CellLook` or None),
    parsed from ``styles.xml`` the first time one is asked for."""

    def __init__(self, z: zipfile.ZipFile):
        self.z = z
        self.xfs: list[Any] | None = None
        self.fonts: list[Any] = []
        self.formats: dict[int, str] = {}
        self.memo: dict[int, CellLook | None] = {}

    def _load(self) -> None:
        from defusedxml.ElementTree import fromstring

        from juesuan.io.patch import _related, sheet_parts

        self.xfs = []
        wb_part, _ = sheet_parts(self.z)
        part = _related(self.z, wb_part, "/styles")
        if part is None or part not in self.z.NameToInfo:
            return
        for section in fromstring(self.z.read(part), forbid_dtd=True):
            name = _local(section.tag)
            if name == "numFmts":
                for e in section:
                    try:
                        self.formats[int(e.get("numFmtId", ""))] = e.get("formatCode") or "General"
                    except ValueError:
                        continue
            elif name == "fonts":
                self.fonts = list(section)
            elif name == "cellXfs":
                self.xfs = list(section)

    def look(self, index: str | None) -> CellLook | None:
        """The look of cell format ``index`` (a cell's ``s=``); None for the default format,
        an unknown index or a format with nothing to carry."""
        if not index or not index.isdigit() or int(index) == 0:
            return None
        i = int(index)
        if i not in self.memo:
            if self.xfs is None:
                self._load()
            self.memo[i] = self._look(self.xfs[i]) if i < len(self.xfs or []) else None
        return self.memo[i]

    def _look(self, xf: Any) -> CellLook | None:
        try:
            fmt_id, font_id = int(xf.get("numFmtId", "0")), int(xf.get("fontId", "0"))
        except ValueError:
            return None
        code = self.formats.get(fmt_id) or _BUILTIN_CODES.get(fmt_id) or _ZH_CN.get(fmt_id)
        number_format = code if code and code != "General" else None
        font: dict[str, Any] = {}
        if 0 <= font_id < len(self.fonts):
            font = _font(self.fonts[font_id])
        alignment = next((e for e in xf if _local(e.tag) == "alignment"), None)
        align: dict[str, Any] = {"h": "general"}  # (none: the cell's own, not the role's)
        if alignment is not None:
            align["h"] = alignment.get("horizontal") or "general"
            align["v"] = alignment.get("vertical")
            align["wrap"] = alignment.get("wrapText") in ("1", "true")
            indent = alignment.get("indent") or "0"
            align["indent"] = int(indent) if indent.isdigit() else 0
        return CellLook(number_format=number_format, **font, **align)


def _font(elem: Any) -> dict[str, Any]:
    parts = {_local(e.tag): e for e in elem}
    out: dict[str, Any] = {"bold": _on(parts.get("b")), "italic": _on(parts.get("i"))}
    if "name" in parts and parts["name"].get("val"):
        out["font_name"] = parts["name"].get("val")
    if "sz" in parts:
        try:
            out["size"] = float(parts["sz"].get("val", ""))
        except ValueError:
            pass
    if "u" in parts:
        out["underline"] = parts["u"].get("val") or "single"
        if out["underline"] == "none":
            del out["underline"]
    color = parts.get("color")
    if color is not None:
        if color.get("rgb"):
            rgb = color.get("rgb", "").upper()
            if len(rgb) in (6, 8) and all(ch in "0123456789ABCDEF" for ch in rgb):
                out["color"] = "rgb:" + (rgb if len(rgb) == 8 else "FF" + rgb)
        elif (color.get("theme") or "").isdigit():
            try:
                tint = float(color.get("tint") or 0)
            except ValueError:
                tint = 0.0
            out["color"] = f"theme:{int(color.get('theme'))}" + (f":{tint!r}" if tint else "")
        elif (color.get("indexed") or "").isdigit():
            out["color"] = f"indexed:{int(color.get('indexed'))}"
    return out
