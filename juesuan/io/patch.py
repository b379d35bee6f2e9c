"""Writing Fill's computed sheets into the package without rewriting anything else.

Fill replaces whole sheets (the tables, self-evaluations, the 说明) and changes nothing
else. Instead of loading the whole workbook into openpyxl and saving every part again, the
computed sheets are pictured into a fresh, small openpyxl workbook, and their worksheet
parts are patched into a copy of the original package:

- every other part (detail sheets, styles already there, names, shared strings, comments,
  VBA, custom XML, printer settings …) keeps its content byte for byte;
- the fresh sheets' cell formats are added to the original ``styles.xml`` (fonts, fills,
  borders, number formats, named styles and cell formats; an identical entry is reused, so
  Fill after Fill does not grow the file) and their ``s=`` indices renumbered;
- their shared strings (if the writer used any) become inline strings;
- the workbook's print titles of those sheets are replaced by the fresh ones;
- a sheet keeps its tab selection.

:func:`plan_patch` returns ``None`` for a package outside what this handles (a computed
sheet that is new or has parts of its own — comments, drawings —, conditional formats in
the fresh styles …); the caller then uses the openpyxl path. A calculation chain is dropped
(Excel rebuilds it), and where formulas stay the workbook asks for a full recalculation on
opening.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import field
from pathlib import Path, PurePosixPath
from typing import Any

from defusedxml import ElementTree as SafeET

from juesuan.lazy_re import lazy
from juesuan.records import record

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
N = f"{{{MAIN}}}"


def _et() -> Any:
    import xml.etree.ElementTree as ET  # noqa: S405 - serialising parsed elements only; parsing uses defusedxml

    return ET


def _rels_path(part: str) -> str:
    p = PurePosixPath(part)
    return str(p.parent / "_rels" / f"{p.name}.rels")


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    parts: list[str] = []
    for piece in (str(PurePosixPath(base_part).parent) + "/" + target).split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


def sheet_parts(z: Any) -> tuple[str, list[tuple[str, str]]]:
    """The workbook part and its sheets in order: (name, worksheet part path)."""
    root = SafeET.fromstring(z.read("_rels/.rels"))
    wb_part = next(_resolve("", r.get("Target", "")) for r in root
                   if r.get("Type", "").endswith("/officeDocument"))
    rels = {r.get("Id"): _resolve(wb_part, r.get("Target", ""))
            for r in SafeET.fromstring(z.read(_rels_path(wb_part)))}
    book = SafeET.fromstring(z.read(wb_part))
    sheets = [(s.get("name", ""), rels.get(s.get(f"{{{REL}}}id"), "")) for s in book.iter(f"{N}sheet")]
    return wb_part, sheets


# -- styles --------------------------------------------------------------------------------

_SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")


def _section(root: Any, name: str) -> list[Any]:
    node = root.find(f"{N}{name}")
    return list(node) if node is not None else []


def _key(elem: Any) -> bytes:
    return _et().tostring(elem)


class _StyleMerge:
    """The fresh workbook's styles added to the original's; maps of fresh → merged indices."""

    def __init__(self, original: bytes, fresh: bytes):
        self.original = original
        self.orig = SafeET.fromstring(original)
        self.fresh = SafeET.fromstring(fresh)
        self.added: dict[str, list[Any]] = {name: [] for name in _SECTIONS}
        self.supported = not _section(self.fresh, "dxfs")
        self.num_fmt = self._num_fmts()
        self.font = self._plain("fonts")
        self.fill = self._plain("fills")
        self.border = self._plain("borders")
        self.style_xf = self._named_styles()
        self.cell_xf = self._xfs("cellXfs", self.style_xf)

    def _num_fmts(self) -> dict[int, int]:
        existing = {e.get("formatCode"): int(e.get("numFmtId", "0")) for e in _section(self.orig, "numFmts")}
        top = max([163, *existing.values()])
        out: dict[int, int] = {}
        for e in _section(self.fresh, "numFmts"):
            fid, code = int(e.get("numFmtId", "0")), e.get("formatCode")
            if code in existing:
                out[fid] = existing[code]
                continue
            top += 1
            new = _et().Element(f"{N}numFmt", {"numFmtId": str(top), "formatCode": code or ""})  # noqa: S314
            self.added["numFmts"].append(new)
            existing[code] = out[fid] = top
        return out

    def _plain(self, name: str) -> dict[int, int]:
        orig = _section(self.orig, name)
        index: dict[bytes, int] = {}
        for i, e in enumerate(orig):
            index.setdefault(_key(e), i)
        out: dict[int, int] = {}
        for i, e in enumerate(_section(self.fresh, name)):
            k = _key(e)
            if k not in index:
                index[k] = len(orig) + len(self.added[name])
                self.added[name].append(e)
            out[i] = index[k]
        return out

    def _remapped(self, xf: Any, style_xf: dict[int, int] | None) -> Any:
        new = SafeET.fromstring(_key(xf))  # a copy
        for attr, table in (("numFmtId", self.num_fmt), ("fontId", self.font), ("fillId", self.fill),
                            ("borderId", self.border), ("xfId", style_xf)):
            value = new.get(attr)
            if value is None or table is None:
                continue
            n = int(value)
            if attr == "numFmtId" and n < 164:
                continue
            new.set(attr, str(table.get(n, n) if attr != "xfId" else table.get(n, 0)))
        return new

    def _xfs(self, name: str, style_xf: dict[int, int] | None) -> dict[int, int]:
        orig = _section(self.orig, name)
        index: dict[bytes, int] = {}
        for i, e in enumerate(orig):
            index.setdefault(_key(e), i)
        out: dict[int, int] = {}
        for i, e in enumerate(_section(self.fresh, name)):
            new = self._remapped(e, style_xf)
            k = _key(new)
            if k not in index:
                index[k] = len(orig) + len(self.added[name])
                self.added[name].append(new)
            out[i] = index[k]
        return out

    def _named_styles(self) -> dict[int, int]:
        """Fresh named-style xfs → the original's of the same name (added when missing)."""
        by_name = {e.get("name"): int(e.get("xfId", "0")) for e in _section(self.orig, "cellStyles")}
        builtin = {e.get("builtinId"): int(e.get("xfId", "0")) for e in _section(self.orig, "cellStyles")
                   if e.get("builtinId") is not None}
        fresh_xfs = _section(self.fresh, "cellStyleXfs")
        n_orig = len(_section(self.orig, "cellStyleXfs"))
        out: dict[int, int] = {0: 0}
        for e in _section(self.fresh, "cellStyles"):
            xf = int(e.get("xfId", "0"))
            name = e.get("name")
            if name in by_name:
                out[xf] = by_name[name]
                continue
            if e.get("builtinId") in builtin:  # e.g. Normal, named 常规 by a Chinese Excel
                out[xf] = builtin[e.get("builtinId")]
                continue
            if xf >= len(fresh_xfs):
                self.supported = False
                continue
            out[xf] = n_orig + len(self.added["cellStyleXfs"])
            self.added["cellStyleXfs"].append(self._remapped(fresh_xfs[xf], None))
            style = SafeET.fromstring(_key(e))
            style.set("xfId", str(out[xf]))
            self.added["cellStyles"].append(style)
            by_name[name] = out[xf]
        return out

    def merged(self) -> bytes:
        """The original styles.xml with the added entries appended to their sections."""
        text = self.original
        order = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles")
        for name in order:
            added = self.added[name]
            if not added:
                continue
            body = b"".join(_strip_ns(_et().tostring(e)) for e in added)
            text = _append_to_section(text, name, body, len(_section(self.orig, name)) + len(added), order)
        return text


_NS_DECL = lazy(rb' xmlns(?::\w+)?="[^"]*"')
_NS_PREFIX = lazy(rb"<(/?)ns\d+:")


def _strip_ns(xml: bytes) -> bytes:
    """An element serialised alone carries a namespace prefix and declaration (``ns0:``);
    inside styles.xml it inherits the main namespace."""
    return _NS_PREFIX.sub(rb"<\1", _NS_DECL.sub(b"", xml))


def _append_to_section(text: bytes, name: str, body: bytes, count: int, order: tuple[str, ...]) -> bytes:
    """Insert ``body`` at the end of the ``<name>`` section (creating it in schema order)."""
    prefix = re.match(rb"<(?:\?[^>]*\?>\s*)?<(\w+:)?styleSheet", text)
    ns = prefix.group(1) if prefix and prefix.group(1) else b""
    tag = ns + name.encode()
    if ns:
        body = re.sub(rb"<(/?)(\w)", lambda m: b"<" + m.group(1) + ns + m.group(2), body)
    empty = re.search(rb"<" + tag + rb"(\s[^>]*)?/>", text)
    if empty:
        attrs = _set_count(empty.group(1) or b"", count)
        return text[:empty.start()] + b"<" + tag + attrs + b">" + body + b"</" + tag + b">" + text[empty.end():]
    close = text.find(b"</" + tag + b">")
    if close >= 0:
        open_tag = re.search(rb"<" + tag + rb"(\s[^>]*)?>", text)
        attrs = _set_count(open_tag.group(1) or b"", count)
        head = text[:open_tag.start()] + b"<" + tag + attrs + b">"
        return head + text[open_tag.end():close] + body + text[close:]
    # no such section: put it before the first later section present
    later = order[order.index(name) + 1:] + ("dxfs", "tableStyles", "colors", "extLst")
    at = len(text) - len(b"</" + ns + b"styleSheet>")
    for other in later:
        m = re.search(rb"<" + ns + other.encode() + rb"[\s/>]", text)
        if m:
            at = m.start()
            break
    return text[:at] + b"<" + tag + b' count="' + str(count).encode() + b'">' + body + b"</" + tag + b">" + text[at:]


def _set_count(attrs: bytes, count: int) -> bytes:
    if re.search(rb'\scount="\d*"', attrs):
        return re.sub(rb'\scount="\d*"', b' count="' + str(count).encode() + b'"', attrs)
    return attrs + b' count="' + str(count).encode() + b'"'


# -- sheets --------------------------------------------------------------------------------

_STYLE_ATTR = lazy(rb'(<(?:c|row)\s[^>]*?\bs=")(\d+)(")')
_COL_STYLE = lazy(rb'(<col\s[^>]*?\bstyle=")(\d+)(")')
_SHARED = lazy(rb'<c([^>]*?)\st="s"([^>]*)><v>(\d+)</v></c>')
_SI = lazy(rb"<si>(.*?)</si>", re.S)


def _sheet_xml(xml: bytes, xf: dict[int, int], strings: list[bytes], selected: bool) -> bytes:
    def style(m: re.Match) -> bytes:
        return m.group(1) + str(xf.get(int(m.group(2)), 0)).encode() + m.group(3)

    xml = _STYLE_ATTR.sub(style, xml)
    xml = _COL_STYLE.sub(style, xml)
    if strings:
        xml = _SHARED.sub(lambda m: b"<c" + m.group(1) + b' t="inlineStr"' + m.group(2) + b"><is>"
                          + strings[int(m.group(3))] + b"</is></c>", xml)
    xml = xml.replace(b' tabSelected="1"', b"")
    if selected:
        xml = xml.replace(b"<sheetView ", b'<sheetView tabSelected="1" ', 1)
    return xml


_DEFINED = lazy(rb'<definedName\b[^>]*?localSheetId="(\d+)"[^>]*>.*?</definedName>', re.S)


def _defined_names(original: bytes, fresh: bytes, moved: dict[int, int]) -> bytes:
    """The workbook part with the print titles etc. of the patched sheets (original index →
    from the fresh workbook's ``moved`` index map) replaced by the fresh ones."""
    targets = set(moved.values())
    kept = [m.group(0) for m in _DEFINED.finditer(original) if int(m.group(1)) not in targets]
    new = []
    for m in _DEFINED.finditer(fresh):
        index = int(m.group(1))
        if index in moved:
            new.append(re.sub(rb'localSheetId="\d+"', b'localSheetId="' + str(moved[index]).encode() + b'"',
                              m.group(0), count=1))
    old_block = re.search(rb"<definedNames>.*?</definedNames>|<definedNames/>", original, re.S)
    if old_block is None and not new:
        return original
    others = []
    if old_block is not None:
        others = [m.group(0) for m in re.finditer(rb"<definedName\b[^>]*>.*?</definedName>", old_block.group(0), re.S)
                  if not _DEFINED.fullmatch(m.group(0))]
    names = others + kept + new
    if old_block is not None and sorted(names) == sorted(
            re.findall(rb"<definedName\b[^>]*>.*?</definedName>", old_block.group(0), re.S)):
        return original  # nothing changed: keep the part as it was
    block = b"<definedNames>" + b"".join(names) + b"</definedNames>" if names else b""
    if old_block is not None:
        return original[:old_block.start()] + block + original[old_block.end():]
    at = original.find(b"</sheets>") + len(b"</sheets>")
    return original[:at] + block + original[at:]


@record
class Patch:
    """A package to write: the source's entries with some parts replaced. ``save(path)``
    writes it (the interface :func:`juesuan.io.xlsx.save_atomic` expects of a workbook)."""

    source: Path
    replaced: dict[str, bytes]
    added: dict[str, bytes] = field(default_factory=dict)  # new parts (a computed sheet's notes)
    removed: set[str] = field(default_factory=set)  # parts no longer referenced (the old notes)

    @property
    def vba_archive(self) -> bool | None:
        """True for a macro-enabled package (kept as .xlsm by the save), like openpyxl's attribute."""
        with zipfile.ZipFile(self.source) as z:
            return True if any(n.lower().endswith("vbaproject.bin") for n in z.namelist()) else None

    def save(self, target: str | Path) -> None:
        with zipfile.ZipFile(self.source) as zin, zipfile.ZipFile(target, "w") as zout:
            for info in zin.infolist():
                if info.filename in self.removed:
                    continue
                data = self.replaced.get(info.filename)
                if data is None:
                    data = zin.read(info.filename)
                zout.writestr(info, data, compress_type=info.compress_type)
            for name, data in self.added.items():
                zout.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


class Parts:
    """Package parts held in memory (name → bytes), read like a :class:`zipfile.ZipFile`."""

    def __init__(self, parts: dict[str, bytes]):
        self.parts = parts

    def read(self, name: str) -> bytes:
        return self.parts[name]

    def namelist(self) -> list[str]:
        return list(self.parts)

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def plan_patch(source: Path, pictures: list, fresh_book: Any, recalculate: bool = False) -> Patch | None:
    """The patch that writes ``pictures`` into ``source``; None when unsupported. ``fresh_book``
    holds exactly those sheets: the parts of :func:`juesuan.io.fresh_package.fresh_parts`, or an
    openpyxl workbook they were drawn into. ``recalculate``: formulas stay on sheets Fill does
    not replace, and may refer to the figures it changes — the workbook asks Excel to
    recalculate every formula when it opens (``fullCalcOnLoad``, as openpyxl's save did).

    A calculation chain (``calcChain.xml``, Excel's cache of the order it last calculated
    formulas in) is dropped with its relationship and content type: it names formula cells of
    the replaced sheets, and Excel builds it anew when it is missing (openpyxl drops it too)."""
    if isinstance(fresh_book, dict):
        fresh: Any = Parts(fresh_book)
    else:
        buffer = io.BytesIO()
        fresh_book.save(buffer)
        fresh = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(source) as z, fresh as f:
        names = set(z.namelist())
        wb_part, sheets = sheet_parts(z)
        index = {name: (i, part) for i, (name, part) in enumerate(sheets)}
        fresh_wb_part, fresh_sheets = sheet_parts(f)
        pictured = {p.name: p for p in pictures}
        styles_part = _related(z, wb_part, "/styles")
        if styles_part is None or styles_part not in names:
            return None
        merge = _StyleMerge(z.read(styles_part), f.read(_related(f, fresh_wb_part, "/styles") or "xl/styles.xml"))
        if not merge.supported:
            return None
        strings: list[bytes] = []
        fresh_sst = _related(f, fresh_wb_part, "/sharedStrings")
        if fresh_sst and fresh_sst in f.namelist():
            strings = _SI.findall(f.read(fresh_sst))
        replaced: dict[str, bytes] = {}
        added: dict[str, bytes] = {}
        removed: set[str] = set()
        moved: dict[int, int] = {}
        new_sheets: list[tuple[str, bytes]] = []
        for j, (name, fresh_part) in enumerate(fresh_sheets):
            if name not in index:
                pic = pictured.get(name)
                if pic is None or not pic.hidden or _rels_path(fresh_part) in f.namelist():
                    return None  # a new sheet: the openpyxl path adds it
                new_sheets.append((name, _sheet_xml(f.read(fresh_part), merge.cell_xf, strings, False)))
                continue  # a record of Fill's own, very hidden: added after the others
            i, part = index[name]
            if not part or part not in names:
                return None
            if not _notes(z, f, part, fresh_part, names, added, removed):
                return None  # parts of its own other than notes (drawings, tables …): not handled here
            original = z.read(part)
            selected = re.search(rb'<(?:\w+:)?sheetView\b[^>]*\btabSelected="(?:1|true)"', original) is not None
            xml = f.read(fresh_part)
            pic = pictured.get(name)
            if pic is not None and pic.formulas:  # the accountant's formulas: their cached values
                from juesuan.io.cached import restore_part
                from juesuan.io.kept_formulas import cached_values

                xml = restore_part(xml, cached_values(pic))
            hidden = pic is not None and pic.hidden  # (a record selected while unhidden: no longer)
            replaced[part] = _sheet_xml(xml, merge.cell_xf, strings, selected and not hidden)
            moved[j] = i
        styles = merge.merged()
        if styles != merge.original:
            replaced[styles_part] = styles
        book = _defined_names(z.read(wb_part), f.read(fresh_wb_part), moved)
        for name, pic in pictured.items():
            if pic.hidden and name in index:  # a record unhidden by hand, or only hidden by LibreOffice
                book = _very_hidden(book, name, index[name][0])
                if book is None:
                    return None
        for name, xml in new_sheets:
            rels = replaced.get(_rels_path(wb_part)) or (
                z.read(_rels_path(wb_part)) if _rels_path(wb_part) in names else None)
            grown = _add_hidden_sheet(book, rels, name, names | set(added))
            if grown is None:
                return None
            book, replaced[_rels_path(wb_part)], part = grown
            added[part] = xml
        if recalculate:
            book = _full_calc_on_load(book)
            if book is None:
                return None
        if book != z.read(wb_part):
            replaced[wb_part] = book
        chains = {n for n in names if PurePosixPath(n).name.lower() == "calcchain.xml"}
        chains |= {part for part in _related_all(z, wb_part, "/calcChain") if part in names}  # (named otherwise)
        if chains:
            book_rels = _without_calc_chain(replaced.get(_rels_path(wb_part)) or z.read(_rels_path(wb_part)))
            if book_rels is None:
                return None
            replaced[_rels_path(wb_part)] = book_rels
            removed |= chains
        if added or removed:
            types = _content_types(z.read("[Content_Types].xml"), added, removed)
            if types is None:
                return None
            replaced["[Content_Types].xml"] = types
    for name in list(added):
        if name in names:
            replaced[name] = added.pop(name)
            removed.discard(name)
    return Patch(source, replaced, added, removed)


_NOTE_TYPES = ("/comments", "/vmlDrawing")
_CHAIN_REL = lazy(rb'<(?:\w+:)?Relationship\b[^>]*\bType="[^"]*/calcChain"[^>]*/>')
_CALC_PR = lazy(rb"<calcPr\b([^>]*?)(/?)>")
_FULL_CALC = lazy(rb'\sfullCalcOnLoad\s*=\s*("[^"]*"|\'[^\']*\')')
_AFTER_CALC_PR = lazy(rb"<(?:oleSize|customWorkbookViews|pivotCaches|smartTagPr|smartTagTypes|webPublishing|"
                            rb"fileRecoveryPr|webPublishObjects|extLst)\b|</workbook>")


def _without_calc_chain(rels: bytes) -> bytes | None:
    """The workbook's relationships without the calculation chain's; None when one is left
    that this does not recognise (spelt otherwise): the openpyxl path then writes the package."""
    out = _CHAIN_REL.sub(b"", rels)
    if any(r.get("Type", "").endswith("/calcChain") for r in SafeET.fromstring(out)):
        return None
    return out


def _full_calc_on_load(book: bytes) -> bytes | None:
    """``workbook.xml`` asking for every formula to be recalculated when the workbook opens:
    ``fullCalcOnLoad="1"`` set on its ``calcPr`` (the other settings kept), or a ``calcPr``
    added in its place in the schema's order; None for a workbook part spelt with prefixes."""
    found = _CALC_PR.search(book)
    if found is not None:
        attrs = _FULL_CALC.sub(b"", found.group(1))
        return book[:found.start()] + b"<calcPr" + attrs + b' fullCalcOnLoad="1"' + found.group(2) + b">" + \
            book[found.end():]
    if re.search(rb"<\w+:(?:workbook|calcPr)\b", book):
        return None
    # (from the end of <sheets>: every element calcPr precedes comes after it, and a
    # workbookView before it may hold an extLst of its own)
    after = _AFTER_CALC_PR.search(book, max(book.find(b"</sheets>"), 0))
    if after is None:
        return None
    return book[:after.start()] + b'<calcPr fullCalcOnLoad="1"/>' + book[after.start():]


def _notes(z: zipfile.ZipFile, f: Any, part: str, fresh_part: str, names: set[str],
           added: dict[str, bytes], removed: set[str]) -> bool:
    """Carry a computed sheet's notes (comments part + VML drawing) from the fresh package,
    dropping the old sheet's; False when either sheet owns any other kind of part."""
    rels = _rels_path(part)
    if rels in names:
        for r in SafeET.fromstring(z.read(rels)):
            if not r.get("Type", "").endswith(_NOTE_TYPES) or r.get("TargetMode") == "External":
                return False
            removed.add(_resolve(part, r.get("Target", "")))
        removed.add(rels)
    fresh_rels = _rels_path(fresh_part)
    if fresh_rels not in f.namelist():
        return True
    xml = f.read(fresh_rels)
    stem = PurePosixPath(part).stem
    for r in SafeET.fromstring(xml):
        kind = r.get("Type", "")
        if not kind.endswith(_NOTE_TYPES):
            return False
        new = f"xl/comments/juesuan-{stem}.xml" if kind.endswith("/comments") else f"xl/drawings/juesuan-{stem}.vml"
        if new in names and new not in removed:
            return False
        added[new] = f.read(_resolve(fresh_part, r.get("Target", "")))
        xml = xml.replace(b'Target="' + r.get("Target", "").encode() + b'"', b'Target="/' + new.encode() + b'"')
    added[rels] = xml
    removed.discard(rels)
    return True


_COMMENTS_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_VML_DEFAULT = b'<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
_SHEET_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_SHEET_ID = lazy(rb'<sheet\b[^>]*?\ssheetId="(\d+)"')
_REL_ID = lazy(rb'\sId="([^"]*)"')
_SHEET_TAG = lazy(rb"<sheet\b[^>]*>")
_NAME_ATTR = lazy(rb"""\sname\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STATE_ATTR = lazy(rb"""\sstate\s*=\s*(?:"[^"]*"|'[^']*')""")
_ACTIVE_TAB = lazy(rb"""<workbookView\b[^>]*\sactiveTab\s*=\s*["'](\d+)""")


def _very_hidden(book: bytes, name: str, position: int) -> bytes | None:
    """``workbook.xml`` with the sheet ``name`` (at ``position``) very hidden, its other
    attributes kept; None when it is not found as an unprefixed ``<sheet>``, or is the active
    sheet (the openpyxl path then writes it, and makes another sheet active)."""
    from xml.sax.saxutils import unescape

    active = _ACTIVE_TAB.search(book)
    if active is not None and int(active.group(1)) == position:
        return None

    for found in _SHEET_TAG.finditer(book):
        tag = found.group(0)
        attr = _NAME_ATTR.search(tag)
        if attr is None or unescape((attr.group(1) or attr.group(2) or b"").decode("utf-8"),
                                    {"&quot;": '"', "&apos;": "'"}) != name:
            continue
        state = _STATE_ATTR.search(tag)
        if state is not None and b"veryHidden" in state.group(0):
            return book  # as it was, byte for byte
        tag = _STATE_ATTR.sub(b"", tag)
        end = len(tag) - (2 if tag.endswith(b"/>") else 1)
        return book[:found.start()] + tag[:end] + b' state="veryHidden"' + tag[end:] + book[found.end():]
    return None


def _add_hidden_sheet(book: bytes, rels: bytes | None, name: str, names: set[str]) -> tuple[bytes, bytes, str] | None:
    """``workbook.xml`` and its relationships with one more, very hidden, sheet after the
    others, and the new sheet's part name; None for a workbook spelt with prefixes or
    without relationships (the openpyxl path then writes the package)."""
    from xml.sax.saxutils import quoteattr

    close = book.find(b"</sheets>")
    if rels is None or close < 0 or re.search(rb"<\w+:(?:workbook|sheets)\b", book) or b"</Relationships>" not in rels:
        return None
    n = 1
    while f"xl/worksheets/juesuan-{n}.xml" in names:
        n += 1
    part = f"xl/worksheets/juesuan-{n}.xml"
    ids = set(_REL_ID.findall(rels))
    rid = next(f"rIdJuesuan{k}" for k in range(1, len(ids) + 2) if f"rIdJuesuan{k}".encode() not in ids)
    sheet_id = 1 + max((int(x) for x in _SHEET_ID.findall(book)), default=0)
    sheet = (f'<sheet xmlns:r="{REL}" name={quoteattr(name)} sheetId="{sheet_id}" state="veryHidden" '
             f'r:id="{rid}"/>').encode()
    at = rels.rfind(b"</Relationships>")
    rel = f'<Relationship Id="{rid}" Type="{REL}/worksheet" Target="/{part}"/>'.encode()
    return book[:close] + sheet + book[close:], rels[:at] + rel + rels[at:], part


def _content_types(types: bytes, added: dict[str, bytes], removed: set[str]) -> bytes | None:
    """[Content_Types].xml without the overrides of removed parts, with those of added ones
    (notes, and a new very hidden sheet);
    None when an override of a removed part is left (spelt otherwise): a content type naming a
    missing part is one more thing for Excel to repair."""
    for name in removed:  # (any quotes, spaces, prefix or end tag; part names ignore case)
        types = re.sub(rb"<((?:[A-Za-z_][\w.-]*:)?Override)\b[^>]*\bPartName\s*=\s*([\"'])/" + re.escape(name.encode())
                       + rb"\2[^>]*?(?:/>|>\s*</\1\s*>)", b"", types, flags=re.I)
    gone = {name.lower() for name in removed}
    if any(e.tag.rsplit("}", 1)[-1] == "Override" and e.get("PartName", "").lstrip("/").lower() in gone
           for e in SafeET.fromstring(types)):
        return None
    extra = b"".join(b'<Override PartName="/' + name.encode() + b'" ContentType="' + _SHEET_TYPE + b'"/>'
                     for name in added if name.endswith(".xml") and "/worksheets/" in name)  # (before the notes':
    for name in added:  # a later Fill, which adds the notes anew, then leaves the part as it was)
        if name.endswith(".xml") and "/comments/" in name:
            extra += b'<Override PartName="/' + name.encode() + b'" ContentType="' + _COMMENTS_TYPE + b'"/>'
    if any(n.endswith(".vml") for n in added) and not re.search(rb'<Default[^>]*Extension="vml"', types):
        extra = _VML_DEFAULT + extra
    close = types.rfind(b"</Types>")
    if close < 0:
        return None
    return types[:close] + extra + types[close:]


def _related_all(z: Any, wb_part: str, suffix: str) -> list[str]:
    """Every part the workbook relates to with a relationship type ending in ``suffix``."""
    rels = _rels_path(wb_part)
    if rels not in z.namelist():
        return []
    return [_resolve(wb_part, r.get("Target", "")) for r in SafeET.fromstring(z.read(rels))
            if r.get("Type", "").endswith(suffix) and r.get("TargetMode") != "External"]


def _related(z: Any, wb_part: str, suffix: str) -> str | None:
    rels = _rels_path(wb_part)
    if rels not in z.namelist():
        return None
    for r in SafeET.fromstring(z.read(rels)):
        if r.get("Type", "").endswith(suffix):
            return _resolve(wb_part, r.get("Target", ""))
    return None
