"""Build ``juesuan.xlam`` from the ribbon add-in template that ships with xlwings.

What changes compared to xlwings' ``quickstart_addin_ribbon.xlam``:

* the customUI part is replaced by ``addin/customUI.xml`` (the 决算 tab);
* the VBA dispatcher ``RunMain(control As IRibbonControl)`` calls
  ``juesuan.excel.macros.on_ribbon(control.Id)`` through xlwings' ``RunPython``;
* the xlwings VBA module's ``PROJECT_NAME`` becomes ``juesuan``, so the add-in reads its
  settings from the ``juesuan.conf`` sheet and ``~/.juesuan/juesuan.conf``;
* the settings sheet is enabled (``juesuan.conf``) with ``UDF Modules = juesuan_udfs``.

The VBA project is patched in place: module sources are stored MS-OVBA-compressed at the
end of each module stream and the template's ``_VBA_PROJECT`` stream has version 0xFFFF,
so Office recompiles from that source.  We re-compress the new source to exactly the old
byte count (padding it with a VBA comment) and overwrite the stream's own sectors, leaving
every other byte of the OLE container untouched.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from juesuan.excel import ovba
from juesuan.excel.cfb import CfbError, CompoundFile
from juesuan.excel.ribbon_ids import CUSTOMUI_NS, CUSTOMUI_PATH

TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
PROJECT_NAME = "juesuan"
CONF_SHEET = f"{PROJECT_NAME}.conf"
UDF_MODULES = "juesuan_udfs"
MACROS_MODULE = "juesuan.excel.macros"
VBA_PART = "xl/vbaProject.bin"

#: Relationship type Office 2010+ uses for a customUI part in the 2009/07 namespace.
UI_REL_2010 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
UI_REL_2007 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OFFICE_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

#: The dispatcher (ASCII only: the VBA project's code page is 1252).
DISPATCHER = (
    "Sub RunMain(control As IRibbonControl)",
    f"    RunPython \"import {MACROS_MODULE} as m; m.on_ribbon('\" & control.Id & \"')\"",
    "End Sub",
)
_RUNMAIN_RE = re.compile(rb"^Sub RunMain\(control As IRibbonControl\)\r?\n.*?^End Sub\r?\n", re.M | re.S)
_PROJECT_NAME_RE = re.compile(rb'^(Public Const PROJECT_NAME As String = ")([^"]*)(")', re.M)


class AddinBuildError(RuntimeError):
    """The add-in could not be built (usually: the xlwings template changed shape)."""


def _fail(zh: str, en: str) -> AddinBuildError:
    return AddinBuildError(f"加载项构建失败：{zh}\nAdd-in build failed: {en}")


def template_path() -> Path:
    """``quickstart_addin_ribbon.xlam`` inside the installed xlwings package."""
    import xlwings

    path = Path(xlwings.__file__).resolve().parent / TEMPLATE_NAME
    if not path.is_file():
        raise _fail(
            f"已安装的 xlwings {xlwings.__version__} 中找不到模板 {TEMPLATE_NAME}。",
            f"template {TEMPLATE_NAME} not found in installed xlwings {xlwings.__version__}.",
        )
    return path


# -- VBA -----------------------------------------------------------------------------------
def _padding(count: int, newline: bytes) -> bytes:
    """``count`` deterministic, poorly compressible characters as VBA comment lines."""
    alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    state = 0x2545F491
    chars = bytearray()
    for _ in range(count):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        chars.append(alphabet[(state >> 16) % len(alphabet)])
    return b"".join(b"'" + chars[i : i + 80] + newline for i in range(0, len(chars), 80))


def fit_compressed(source: bytes, size: int) -> bytes:
    """Compress ``source`` to exactly ``size`` bytes.

    Two knobs make up the difference: a trailing VBA comment of ``n`` pseudo-random
    characters (about 9/8 byte each) and encoding the first ``k`` matches as literals
    (a byte or so each).  The first ``(n, k)`` that lands exactly on ``size`` wins.
    """
    newline = b"\r\n" if b"\r\n" in source else b"\n"
    packed = ovba.compress(source)
    if len(packed) > size:
        raise _fail(
            f"新的 VBA 源码压缩后 {len(packed)} 字节，超过原模块的 {size} 字节。",
            f"new VBA source compresses to {len(packed)} bytes, more than the module's {size}.",
        )

    def packed_size(count: int) -> int:
        return len(ovba.compress(source + _padding(count, newline)))

    # largest padding that still fits (compressed size grows ~monotonically with padding)
    lo, hi = 0, 2 * (size - len(packed)) + 2
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if packed_size(mid) <= size else (lo, mid - 1)
    for count in range(lo, max(lo - 16, -1), -1):
        padded = source + _padding(count, newline)
        for literals in range(64):
            candidate = ovba.compress(padded, literals)
            if len(candidate) == size and ovba.decompress(candidate) == padded:
                return candidate
            if len(candidate) > size:
                break
    raise _fail(
        f"无法把 VBA 源码填充到恰好 {size} 字节。",
        f"could not pad the VBA source to exactly {size} compressed bytes.",
    )


def _module_sources(cf: CompoundFile) -> tuple[ovba.ProjectInfo, dict[str, bytes]]:
    try:
        header = cf.read("VBA/_VBA_PROJECT")
        project = ovba.parse_dir(ovba.decompress(cf.read("VBA/dir")))
        sources = {}
        for m in project.modules:
            stream = cf.read(f"VBA/{m.stream_name}")
            if m.text_offset >= len(stream):
                raise _fail(
                    f"模块 {m.name} 的源码偏移 {m.text_offset} 超出流长度 {len(stream)}。",
                    f"module {m.name}: source offset {m.text_offset} beyond stream size {len(stream)}.",
                )
            sources[m.name] = ovba.decompress(stream[m.text_offset :])
    except (CfbError, ovba.OvbaError) as exc:
        raise _fail(f"vbaProject.bin 无法解析（{exc}）。", f"cannot parse vbaProject.bin ({exc}).") from exc
    if header[2:4] != b"\xff\xff":
        raise _fail(
            "_VBA_PROJECT 版本不是 0xFFFF，Office 不会从源码重新编译。",
            "_VBA_PROJECT version is not 0xFFFF, so Office would not recompile from source.",
        )
    return project, sources


def _rewrite_module(cf: CompoundFile, module: ovba.ModuleInfo, new_source: bytes) -> None:
    path = f"VBA/{module.stream_name}"
    stream = cf.read(path)
    packed = fit_compressed(new_source, len(stream) - module.text_offset)
    cf.overwrite(path, stream[: module.text_offset] + packed)


def _new_dispatcher(source: bytes) -> bytes:
    newline = "\r\n" if b"\r\n" in source else "\n"
    block = newline.join(DISPATCHER).encode("ascii") + newline.encode("ascii")
    return _RUNMAIN_RE.sub(lambda _m: block, source, count=1)


def _new_project_name(source: bytes) -> bytes:
    return _PROJECT_NAME_RE.sub(lambda m: m.group(1) + PROJECT_NAME.encode("ascii") + m.group(3), source)


def patch_vba_project(data: bytes) -> bytes:
    """Return ``vbaProject.bin`` with the dispatcher and PROJECT_NAME rewritten in place."""
    cf = CompoundFile(data)
    project, sources = _module_sources(cf)
    by_name = {m.name: m for m in project.modules}
    edits: list[tuple[re.Pattern[bytes], Callable[[bytes], bytes], str, str]] = [
        (_RUNMAIN_RE, _new_dispatcher, "RunMain(control As IRibbonControl) 分派过程", "the RunMain dispatcher"),
        (_PROJECT_NAME_RE, _new_project_name, "xlwings 模块的 PROJECT_NAME 常量", "xlwings' PROJECT_NAME constant"),
    ]
    for pattern, edit, zh, en in edits:
        hits = [name for name, src in sources.items() if pattern.search(src)]
        if len(hits) != 1:
            raise _fail(f"模板中应恰有一个模块含有{zh}，实际 {len(hits)} 个。",
                        f"expected exactly one module with {en}, found {len(hits)}.")
        _rewrite_module(cf, by_name[hits[0]], edit(sources[hits[0]]))
    return bytes(cf.data)


# -- package parts ---------------------------------------------------------------------------
def _customui_part(parts: dict[str, bytes]) -> tuple[str, bytes]:
    """Path of the customUI part and the package ``_rels/.rels`` pointing at it (2010 type)."""
    rels = parts.get("_rels/.rels")
    if rels is None:
        raise _fail("模板缺少 _rels/.rels。", "template has no _rels/.rels.")
    root = ElementTree.fromstring(rels)
    ui = [r for r in root.iter(f"{{{_PKG_REL_NS}}}Relationship") if r.get("Type") in (UI_REL_2010, UI_REL_2007)]
    if len(ui) != 1 or ui[0].get("Target", "").lstrip("/") not in parts:
        raise _fail("模板中找不到唯一的功能区 (customUI) 关系。",
                    "template has no single ribbon (customUI) relationship.")
    target = ui[0].get("Target", "").lstrip("/")
    text = rels.decode("utf-8")
    text = text.replace(f'Type="{UI_REL_2007}"', f'Type="{UI_REL_2010}"')
    return target, text.encode("utf-8")


def _conf_sheet_part(parts: dict[str, bytes]) -> tuple[str, str]:
    """``(old sheet name, worksheet part path)`` of the template's ``*.conf`` settings sheet."""
    wb = ElementTree.fromstring(parts["xl/workbook.xml"])
    sheets = list(wb.iter(f"{{{_MAIN_NS}}}sheet"))
    conf = [s for s in sheets if s.get("name", "").endswith(".conf")]
    if len(sheets) != 1 or len(conf) != 1:
        raise _fail("模板应只有一张 *.conf 设置表。", "template should have exactly one *.conf settings sheet.")
    rid = conf[0].get(f"{{{_OFFICE_REL_NS}}}id")
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if r.get("Id") == rid:
            return conf[0].get("name", ""), "xl/" + r.get("Target", "").lstrip("/").removeprefix("xl/")
    raise _fail("设置表的关系缺失。", "relationship of the settings sheet is missing.")


def _conf_rows(parts: dict[str, bytes], sheet_part: str) -> list[tuple[str, str, str]]:
    """Template settings as ``(key, cell type, value)``; keys without a value are dropped.

    xlwings reads *every* key listed on the sheet, so an empty ``Interpreter_Win`` row would
    hide the value written to ``~/.juesuan/juesuan.conf`` by ``juesuan addin install``.
    """
    sst = ElementTree.fromstring(parts["xl/sharedStrings.xml"])
    strings = ["".join(si.itertext()) for si in sst.iter(f"{{{_MAIN_NS}}}si")]
    sheet = ElementTree.fromstring(parts[sheet_part])
    keys: dict[int, str] = {}
    values: dict[int, tuple[str, str]] = {}
    for c in sheet.iter(f"{{{_MAIN_NS}}}c"):
        ref = re.fullmatch(r"([AB])(\d+)", c.get("r", ""))
        v = c.find(f"{{{_MAIN_NS}}}v")
        if ref is None or v is None or v.text is None:
            continue
        kind = c.get("t", "n")
        text = strings[int(v.text)] if kind == "s" else v.text
        if ref.group(1) == "A":
            keys[int(ref.group(2))] = text
        else:
            values[int(ref.group(2))] = (kind, text)
    if "UDF Modules" not in keys.values():
        raise _fail("设置表中没有 “UDF Modules” 一行。", "settings sheet has no 'UDF Modules' row.")
    rows = [(keys[r], *values[r]) for r in sorted(keys) if r in values and keys[r] != "UDF Modules"]
    return [("UDF Modules", "s", UDF_MODULES), *rows]


def _settings_parts(parts: dict[str, bytes], old_name: str, sheet_part: str) -> dict[str, bytes]:
    rows = _conf_rows(parts, sheet_part)
    strings: list[str] = []

    def sid(text: str) -> int:
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    xml_rows = []
    for i, (key, kind, value) in enumerate(rows, start=1):
        if kind == "s":
            b_cell = f'<c r="B{i}" s="1" t="s"><v>{sid(value)}</v></c>'
        else:
            b_cell = f'<c r="B{i}" s="1" t="{escape(kind)}"><v>{escape(value)}</v></c>'
        xml_rows.append(f'<row r="{i}" spans="1:2"><c r="A{i}" s="1" t="s"><v>{sid(key)}</v></c>{b_cell}</row>')
    sheet = parts[sheet_part].decode("utf-8")
    sheet, n_data = re.subn(r"<sheetData>.*</sheetData>|<sheetData\s*/>",
                            lambda _m: "<sheetData>" + "".join(xml_rows) + "</sheetData>", sheet, flags=re.S)
    sheet = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{len(rows)}" />', sheet)
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="{_MAIN_NS}" count="{2 * len(rows)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    workbook, n_name = re.subn(f'name="{re.escape(old_name)}"', f'name="{CONF_SHEET}"', workbook)
    if n_data != 1 or n_name != 1:
        raise _fail("设置表或工作簿 XML 结构与预期不符。", "settings sheet or workbook XML has an unexpected shape.")
    return {
        sheet_part: sheet.encode("utf-8"),
        "xl/sharedStrings.xml": sst.encode("utf-8"),
        "xl/workbook.xml": workbook.encode("utf-8"),
    }


def _check_customui(xml: bytes) -> None:
    root = ElementTree.fromstring(xml)
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise _fail(f"customUI.xml 的命名空间必须是 {CUSTOMUI_NS}。", f"customUI.xml must use namespace {CUSTOMUI_NS}.")


def build_addin(out_path: Path, *, template: Path | None = None, customui: Path | None = None) -> Path:
    """Write ``juesuan.xlam`` to ``out_path`` and return it.

    ``template`` and ``customui`` default to the xlwings template and ``addin/customUI.xml``;
    tests pass a modified template to check that shape changes fail loudly.
    """
    template = template_path() if template is None else Path(template)
    ui_xml = Path(customui or CUSTOMUI_PATH).read_bytes()
    _check_customui(ui_xml)
    try:
        with zipfile.ZipFile(template) as zin:
            infos = zin.infolist()
            parts = {i.filename: zin.read(i) for i in infos}
    except (OSError, zipfile.BadZipFile) as exc:
        raise _fail(f"无法读取模板 {template}（{exc}）。", f"cannot read template {template} ({exc}).") from exc
    for needed in (VBA_PART, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml"):
        if needed not in parts:
            raise _fail(f"模板缺少部件 {needed}。", f"template lacks part {needed}.")

    ui_part, rels = _customui_part(parts)
    old_name, sheet_part = _conf_sheet_part(parts)
    new_parts = {ui_part: ui_xml, "_rels/.rels": rels, VBA_PART: patch_vba_project(parts[VBA_PART])}
    new_parts.update(_settings_parts(parts, old_name, sheet_part))

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zout:
        for info in infos:
            zout.writestr(info, new_parts.get(info.filename, parts[info.filename]), compress_type=info.compress_type)
    tmp.replace(out_path)
    return out_path
