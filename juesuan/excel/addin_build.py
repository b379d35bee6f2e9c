"""Build ``juesuan.xlam`` from the ribbon add-in template that ships with xlwings.

What the add-in holds, compared with xlwings' ``quickstart_addin_ribbon.xlam``:

* a VBA project named ``juesuan``, **written from source**: a new compound file whose module
  streams hold only compressed source (no compiled p-code, ``_VBA_PROJECT`` version 0xFFFF),
  so Office compiles on first load and no tool finds p-code that disagrees with the source
  ("VBA stomping"). Modules: xlwings' own (``xlwings`` with ``PROJECT_NAME = "juesuan"``,
  ``Dictionary``), ``JuesuanAddin`` (the ribbon dispatcher ``RunMain`` and the function
  descriptions), ``xlwings_udfs`` (the ``JS_*`` wrappers generated from ``udfs/juesuan_udfs.py``,
  see :mod:`juesuan.excel.udf_vba`) and the document modules;
* the customUI part ``addin/customUI.xml`` (the 决算 tab);
* the settings sheet ``juesuan.conf`` with ``UDF Modules`` (and the interpreter settings when
  given), and the sheet ``juesuan.functions`` with the functions' Chinese descriptions;
* no template residue: the unused MSForms reference (it carried a ``C:\\Users\\…`` path), the
  workbook's ``absPath``, the author and the ``MyAddin`` names are gone.

Why a rebuild and not a library: see ``docs/addin.md`` (“VBA 工程如何生成”).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from juesuan.excel import ovba, udf_vba
from juesuan.excel.cfb import CfbError, CompoundFile, write_compound
from juesuan.excel.ribbon_ids import CUSTOMUI_NS, CUSTOMUI_PATH
from juesuan.lazy_re import lazy
from juesuan.port import column_letter

TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
PROJECT_NAME = "juesuan"
CONF_SHEET = f"{PROJECT_NAME}.conf"
UDF_MODULES = udf_vba.UDF_MODULE
MACROS_MODULE = "juesuan.excel.macros"
VBA_PART = "xl/vbaProject.bin"
ADDIN_MODULE = "JuesuanAddin"
FUNCTION_SHEET = udf_vba.FUNCTION_SHEET
FUNCTION_CODENAME = "FunctionTable"
#: References the add-in's code does not use (MSForms carried the template author's temp path).
DROPPED_REFERENCES = frozenset({"MSForms"})
#: Settings the build may put on the ``juesuan.conf`` sheet, spelled as the template spells them.
SETTING_KEYS = ("Interpreter_Win", "Interpreter_Mac", "PYTHONPATH")

#: Relationship type Office 2010+ uses for a customUI part in the 2009/07 namespace.
UI_REL_2010 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
UI_REL_2007 = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OFFICE_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

#: The dispatcher (ASCII only: the VBA project's code page is 1252).
DISPATCHER = (
    "Sub RunMain(control As IRibbonControl)",
    "    ' Every button of the juesuan tab: the Python handler is chosen by the button id.",
    f"    RunPython \"import {MACROS_MODULE} as m; m.on_ribbon('\" & control.Id & \"')\"",
    "End Sub",
)

DESCRIBE_FUNCTIONS = f"""
Public Sub DescribeFunctions()
    ' Descriptions of the JS_* functions for Excel's function wizard. They are Chinese, which
    ' this project's code page cannot hold, so they are read from the sheet {FUNCTION_SHEET}
    ' (columns: name, category, description, argument count, argument descriptions).
    Dim sht As Worksheet, r As Long, n As Long, k As Long, fname As String, target As String
    Dim docs() As String
    #If Mac Then
        Exit Sub
    #End If
    On Error Resume Next
    Set sht = ThisWorkbook.Worksheets("{FUNCTION_SHEET}")
    If sht Is Nothing Then Exit Sub
    For r = 2 To 1000
        fname = ""
        fname = CStr(sht.Cells(r, 1).Value)
        If fname = "" Then Exit For
        target = "'" & ThisWorkbook.Name & "'!" & fname
        n = 0
        n = CLng(sht.Cells(r, 4).Value)
        If n > 0 Then
            ReDim docs(0 To n - 1)
            For k = 1 To n
                docs(k - 1) = CStr(sht.Cells(r, 4 + k).Value)
            Next k
            Application.MacroOptions Macro:=target, Description:=CStr(sht.Cells(r, 3).Value), _
                Category:=CStr(sht.Cells(r, 2).Value), ArgumentDescriptions:=docs
        Else
            Application.MacroOptions Macro:=target, Description:=CStr(sht.Cells(r, 3).Value), _
                Category:=CStr(sht.Cells(r, 2).Value)
        End If
    Next r
    ThisWorkbook.Saved = True
End Sub
"""

WORKBOOK_OPEN = f"""
Private Sub Workbook_Open()
    ' The only code run on opening: describe the worksheet functions.
    {ADDIN_MODULE}.DescribeFunctions
End Sub
"""


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
_PROJECT_NAME_RE = lazy(r'^(Public Const PROJECT_NAME As String = ")([^"]*)(")', re.M)
_VB_NAME_RE = lazy(r'^Attribute VB_Name = "[^"]*"', re.M)


def _template_project(data: bytes) -> tuple[ovba.DirParts, str, dict[str, tuple[str, str]]]:
    """Dir parts, PROJECT text and ``{module: (source, docstring)}`` of the template."""
    try:
        cf = CompoundFile(data)
        records = ovba.dir_records(ovba.decompress(cf.read("VBA/dir")))
        parts = ovba.split_dir(records)
        info = ovba.parse_dir(ovba.decompress(cf.read("VBA/dir")))
        codepage = f"cp{parts.codepage}"
        project_text = cf.read("PROJECT").decode(codepage)
        docstrings: dict[str, str] = {}
        current = None
        for rec in records:
            if rec.rid == 0x0019:
                current = rec.payload.decode(codepage)
            elif rec.rid == 0x001C and current is not None:
                docstrings[current] = rec.payload.decode(codepage)
        modules = {}
        for m in info.modules:
            stream = cf.read(f"VBA/{m.stream_name}")
            if m.text_offset >= len(stream):
                raise _fail(
                    f"模块 {m.name} 的源码偏移 {m.text_offset} 超出流长度 {len(stream)}。",
                    f"module {m.name}: source offset {m.text_offset} beyond stream size {len(stream)}.",
                )
            modules[m.name] = (ovba.decompress(stream[m.text_offset :]).decode(codepage), docstrings.get(m.name, ""))
    except (CfbError, ovba.OvbaError, UnicodeDecodeError) as exc:
        raise _fail(f"vbaProject.bin 无法解析（{exc}）。", f"cannot parse vbaProject.bin ({exc}).") from exc
    return parts, project_text, modules


def _need(modules: dict[str, tuple[str, str]], name: str, must_contain: str, zh: str, en: str) -> str:
    source = modules.get(name, ("", ""))[0]
    if must_contain not in source:
        raise _fail(f"模板中找不到{zh}。", f"template has no {en}.")
    return source


def vba_modules(template: dict[str, tuple[str, str]], conf_codename: str,
                functions: list[udf_vba.UdfFunction]) -> list[ovba.Module]:
    """The add-in's modules, from the template's xlwings modules and our own sources."""
    xlwings_src = _need(template, "xlwings", "Public Function RunPython(", "xlwings 模块", "xlwings module")
    xlwings_src, n = _PROJECT_NAME_RE.subn(lambda m: m.group(1) + PROJECT_NAME + m.group(3), xlwings_src)
    if n != 1:
        raise _fail("xlwings 模块中应恰有一个 PROJECT_NAME 常量。", "xlwings' PROJECT_NAME constant not found once.")
    dictionary = _need(template, "Dictionary", "VB_Name", "Dictionary 类模块", "Dictionary class module")
    this_wb = _need(template, "ThisWorkbook", "VB_Base", "ThisWorkbook 文档模块", "ThisWorkbook document module")
    sheet = _need(template, conf_codename, "VB_Base", f"设置表的文档模块 {conf_codename}",
                  f"document module {conf_codename} of the settings sheet")
    addin = "\n".join([f'Attribute VB_Name = "{ADDIN_MODULE}"',
                       "' The juesuan tab: ribbon dispatcher and worksheet function descriptions.",
                       "", *DISPATCHER]) + "\n" + DESCRIBE_FUNCTIONS
    return [
        ovba.Module("ThisWorkbook", ovba.DOCUMENT, this_wb.rstrip("\r\n") + "\n" + WORKBOOK_OPEN),
        ovba.Module(conf_codename, ovba.DOCUMENT, sheet),
        ovba.Module(FUNCTION_CODENAME, ovba.DOCUMENT,
                    _VB_NAME_RE.sub(f'Attribute VB_Name = "{FUNCTION_CODENAME}"', sheet, count=1)),
        ovba.Module("Dictionary", ovba.CLASS, dictionary, template["Dictionary"][1]),
        ovba.Module("xlwings", ovba.STANDARD, xlwings_src),
        ovba.Module(ADDIN_MODULE, ovba.STANDARD, addin),
        ovba.Module(udf_vba.VBA_MODULE, ovba.STANDARD, udf_vba.vba_module(functions)),
    ]


def build_vba_project(data: bytes, conf_codename: str, functions: list[udf_vba.UdfFunction]) -> bytes:
    """A new ``vbaProject.bin``: the template's project settings, our modules, source only."""
    parts, project_text, template = _template_project(data)
    modules = vba_modules(template, conf_codename, functions)
    references = tuple(r for r in parts.references if r.name not in DROPPED_REFERENCES)
    cp = parts.codepage
    try:
        streams = {
            "PROJECT": ovba.project_stream(project_text, PROJECT_NAME, modules).encode(f"cp{cp}"),
            "PROJECTwm": ovba.project_wm(modules, cp),
            "VBA/_VBA_PROJECT": ovba.VBA_PROJECT_STREAM,
            "VBA/dir": ovba.compress(ovba.build_dir(parts, PROJECT_NAME, references, modules)),
        }
        for m in modules:
            streams[f"VBA/{m.name}"] = ovba.module_stream(m, cp)
    except ovba.OvbaError as exc:
        raise _fail(f"VBA 工程无法生成（{exc}）。", f"cannot write the VBA project ({exc}).") from exc
    return write_compound(streams)


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


def _conf_sheet_part(parts: dict[str, bytes]) -> tuple[str, str, str]:
    """``(old sheet name, worksheet part path, sheet codeName)`` of the template's settings sheet."""
    wb = ElementTree.fromstring(parts["xl/workbook.xml"])
    sheets = list(wb.iter(f"{{{_MAIN_NS}}}sheet"))
    conf = [s for s in sheets if s.get("name", "").endswith(".conf")]
    if len(sheets) != 1 or len(conf) != 1:
        raise _fail("模板应只有一张 *.conf 设置表。", "template should have exactly one *.conf settings sheet.")
    rid = conf[0].get(f"{{{_OFFICE_REL_NS}}}id")
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    for r in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if r.get("Id") == rid:
            part = "xl/" + r.get("Target", "").lstrip("/").removeprefix("xl/")
            pr = ElementTree.fromstring(parts[part]).find(f"{{{_MAIN_NS}}}sheetPr")
            codename = pr.get("codeName", "") if pr is not None else ""
            if not codename:
                raise _fail("设置表没有 codeName。", "the settings sheet has no codeName.")
            return conf[0].get("name", ""), part, codename
    raise _fail("设置表的关系缺失。", "relationship of the settings sheet is missing.")


def _conf_rows(parts: dict[str, bytes], sheet_part: str, settings: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Settings as ``(key, cell type, value)``: ``UDF Modules``, ``settings``, then the
    template's rows that have a value.

    xlwings reads *every* key listed on the sheet before the user's config file, so a row
    without a value (the template's empty ``Interpreter_Win``) would hide the value that
    ``juesuan addin install`` writes to ``~/.juesuan/juesuan.conf``: such rows are dropped.
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
    spelled = {k.upper(): k for k in keys.values()}
    if "UDF MODULES" not in spelled:
        raise _fail("设置表中没有 “UDF Modules” 一行。", "settings sheet has no 'UDF Modules' row.")
    rows = [(spelled["UDF MODULES"], "s", UDF_MODULES)]
    for key, value in settings.items():
        if key.upper() not in spelled:
            raise _fail(f"模板设置表中没有 “{key}” 一行。", f"settings sheet has no '{key}' row.")
        if value:
            rows.append((spelled[key.upper()], "s", value))
    taken = {k.upper() for k, _, _ in rows}
    rows += [(keys[r], *values[r]) for r in sorted(keys) if r in values and keys[r].upper() not in taken]
    return rows


def _cell(ref: str, value: object, style: str = "") -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _column(index: int) -> str:
    return column_letter(index)


def _sheet_data(rows: list[list[object]], style: str = "") -> str:
    out = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_column(j)}{i}", v, style) for j, v in enumerate(row) if v not in (None, ""))
        out.append(f'<row r="{i}">{cells}</row>')
    return "<sheetData>" + "".join(out) + "</sheetData>"


def _settings_sheet(parts: dict[str, bytes], sheet_part: str, settings: Mapping[str, str]) -> bytes:
    rows = _conf_rows(parts, sheet_part, settings)
    values: list[list[object]] = []
    for key, kind, value in rows:
        values.append([key, value == "1" if kind == "b" else value])
    sheet = parts[sheet_part].decode("utf-8")
    sheet, n_data = re.subn(r"<sheetData>.*</sheetData>|<sheetData\s*/>",
                            lambda _m: _sheet_data(values, ' s="1"'), sheet, flags=re.S)
    sheet = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:B{len(rows)}" />', sheet)
    if n_data != 1:
        raise _fail("设置表 XML 结构与预期不符。", "settings sheet XML has an unexpected shape.")
    return sheet.encode("utf-8")


def _function_sheet(functions: list[udf_vba.UdfFunction]) -> bytes:
    rows = udf_vba.function_rows(functions)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_OFFICE_REL_NS}">'
        f'<sheetPr codeName="{FUNCTION_CODENAME}"/>'
        f'<dimension ref="A1:{_column(len(rows[0]) - 1)}{len(rows)}"/>'
        + _sheet_data(rows)
        + "</worksheet>"
    ).encode("utf-8")


def _workbook_parts(parts: dict[str, bytes], old_name: str) -> dict[str, bytes]:
    """workbook.xml (settings sheet renamed, functions sheet added, no ``absPath``), its rels
    and the content types."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    workbook, n_name = re.subn(f'name="{re.escape(old_name)}"', f'name="{CONF_SHEET}"', workbook)
    workbook = re.sub(r"<mc:AlternateContent\b(?:(?!</mc:AlternateContent>).)*absPath.*?</mc:AlternateContent>",
                      "", workbook, flags=re.S)
    ids = [int(x) for x in re.findall(r'sheetId="(\d+)"', workbook)]
    workbook, n_sheet = re.subn(
        r"</sheets>", f'<sheet name="{FUNCTION_SHEET}" sheetId="{max(ids, default=0) + 1}" r:id="rIdJsFunctions"/>'
                      "</sheets>", workbook)
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    rels, n_rel = re.subn(r"</Relationships>", f'<Relationship Id="rIdJsFunctions" Type="{_WORKSHEET_REL}" '
                                               'Target="worksheets/juesuan_functions.xml"/></Relationships>', rels)
    types = parts["[Content_Types].xml"].decode("utf-8")
    types, n_type = re.subn(r"</Types>", '<Override PartName="/xl/worksheets/juesuan_functions.xml" '
                                         f'ContentType="{_WORKSHEET_CT}"/></Types>', types)
    if (n_name, n_sheet, n_rel, n_type) != (1, 1, 1, 1) or "absPath" in workbook:
        raise _fail("工作簿 XML 结构与预期不符。", "workbook XML has an unexpected shape.")
    return {
        "xl/workbook.xml": workbook.encode("utf-8"),
        "xl/_rels/workbook.xml.rels": rels.encode("utf-8"),
        "[Content_Types].xml": types.encode("utf-8"),
    }


def _core_properties() -> bytes:
    """docProps/core.xml naming the add-in, not a person (``SOURCE_DATE_EPOCH`` for the date)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch and epoch.isdigit() else dt.datetime.now(dt.UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:title>决算助手</dc:title><dc:creator>juesuan</dc:creator><cp:lastModifiedBy>juesuan</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def _check_customui(xml: bytes) -> None:
    root = ElementTree.fromstring(xml)
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise _fail(f"customUI.xml 的命名空间必须是 {CUSTOMUI_NS}。", f"customUI.xml must use namespace {CUSTOMUI_NS}.")


def build_addin(out_path: Path, *, template: Path | None = None, customui: Path | None = None,
                settings: Mapping[str, str] | None = None, udfs: Path | None = None) -> Path:
    """Write ``juesuan.xlam`` to ``out_path`` and return it.

    ``settings``: values for the ``juesuan.conf`` sheet (keys of :data:`SETTING_KEYS`, e.g.
    the interpreter an IT department installs on every PC); empty values are left out.
    ``template``, ``customui`` and ``udfs`` default to the xlwings template, ``addin/customUI.xml``
    and the installed ``juesuan_udfs.py``; tests pass others to check that changes fail loudly.
    """
    template = template_path() if template is None else Path(template)
    ui_xml = Path(customui or CUSTOMUI_PATH).read_bytes()
    _check_customui(ui_xml)
    try:
        functions = udf_vba.read_udfs(udfs)
    except (OSError, SyntaxError, udf_vba.UdfSourceError) as exc:
        raise _fail(f"工作表函数模块无法读取（{exc}）。", f"cannot read the worksheet function module ({exc}).") from exc
    try:
        with zipfile.ZipFile(template) as zin:
            infos = zin.infolist()
            parts = {i.filename: zin.read(i) for i in infos}
    except (OSError, zipfile.BadZipFile) as exc:
        raise _fail(f"无法读取模板 {template}（{exc}）。", f"cannot read template {template} ({exc}).") from exc
    for needed in (VBA_PART, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
                   "[Content_Types].xml"):
        if needed not in parts:
            raise _fail(f"模板缺少部件 {needed}。", f"template lacks part {needed}.")

    ui_part, rels = _customui_part(parts)
    old_name, sheet_part, codename = _conf_sheet_part(parts)
    new_parts = {
        ui_part: ui_xml,
        "_rels/.rels": rels,
        VBA_PART: build_vba_project(parts[VBA_PART], codename, functions),
        sheet_part: _settings_sheet(parts, sheet_part, settings or {}),
        "docProps/core.xml": _core_properties(),
    }
    new_parts.update(_workbook_parts(parts, old_name))
    added = {"xl/worksheets/juesuan_functions.xml": _function_sheet(functions)}

    out_path = Path(out_path)

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as zout:
            for info in infos:
                zout.writestr(info, new_parts.get(info.filename, parts[info.filename]),
                              compress_type=zipfile.ZIP_DEFLATED)
            for name, data in added.items():
                zout.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)

    from juesuan.io.safe_write import atomic_write

    atomic_write(out_path, write)  # whole or not at all: a killed build leaves the previous add-in
    return out_path
