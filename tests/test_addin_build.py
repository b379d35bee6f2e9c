"""The add-in as a mail gateway, an antivirus, LibreOffice and Excel read it: a VBA project
with source only, the functions inside it, no template residue, settings xlwings reads."""

from __future__ import annotations

import contextlib
import inspect
import io
import random
import re
import shutil
import subprocess
import sys
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import olefile
import pytest
from defusedxml import ElementTree
from oletools.olevba import VBA_Parser, decompress_stream

from juesuan.excel import ovba, udf_vba
from juesuan.excel.addin_build import (
    ADDIN_MODULE,
    CONF_SHEET,
    FUNCTION_SHEET,
    UI_REL_2010,
    AddinBuildError,
    build_addin,
    template_path,
)
from juesuan.excel.addin_install import AddinInstallError, install_addin
from juesuan.excel.cfb import CompoundFile, write_compound
from juesuan.excel.ribbon_ids import CUSTOMUI_PATH

DISPATCH_LINE = "RunPython \"import juesuan.excel.macros as m; m.on_ribbon('\" & control.Id & \"')\""
MODULES = {"ThisWorkbook", "Sheet2", "FunctionTable", "Dictionary", "xlwings", ADDIN_MODULE, "xlwings_udfs"}
ROOT = Path(__file__).resolve().parents[1]
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

sys.path.insert(0, str(ROOT / "udfs"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin") / "juesuan.xlam")


@pytest.fixture(scope="module")
def sources(built: Path) -> dict[str, str]:
    parser = VBA_Parser(str(built))
    try:
        return {Path(vba_name).stem: code for _f, _s, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()


def _vba_bin(xlam: Path) -> bytes:
    with zipfile.ZipFile(xlam) as z:
        return z.read("xl/vbaProject.bin")


def _sheet_cells(xlam: Path, part: str) -> dict[str, object]:
    with zipfile.ZipFile(xlam) as z:
        sheet = ElementTree.fromstring(z.read(part))
    cells: dict[str, object] = {}
    for c in sheet.iter(f"{NS}c"):
        if c.get("t") == "inlineStr":
            cells[c.get("r")] = "".join(c.find(f"{NS}is").itertext())
        else:
            v = c.find(f"{NS}v")
            cells[c.get("r")] = (v.text == "1") if c.get("t") == "b" else float(v.text)
    return cells


# -- MS-OVBA compression and the compound file writer ------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"a",
        b"abcabcabcabcabcabc" * 50,
        b"Attribute VB_Name = \"M\"\r\nSub X()\r\nEnd Sub\r\n" * 300,
        random.Random(1).randbytes(9000),  # forces raw chunks
        bytes(random.Random(2).choices(b"ab ", k=12289)),
    ],
)
def test_compress_roundtrip_and_olevba_agrees(data: bytes) -> None:
    packed = ovba.compress(data)
    assert ovba.decompress(packed) == data
    assert bytes(decompress_stream(bytearray(packed))) == data


def test_compression_matches_office_on_the_template_module() -> None:
    cf = CompoundFile(_vba_bin(template_path()))
    stream = cf.read("VBA/xlwings")
    source = ovba.decompress(stream)
    assert len(ovba.compress(source)) == len(stream)


def _check_red_black(entries: list, sid: int) -> int:
    """Black height of the sibling tree at ``sid``; asserts order and colour rules."""
    if sid == 0xFFFFFFFF:
        return 1
    e = entries[sid]
    key = (len(e.name), e.name.upper())
    for side in (e.left, e.right):
        if side != 0xFFFFFFFF:
            child = entries[side]
            assert ((len(child.name), child.name.upper()) < key) == (side == e.left)
            assert not (e.black is False and child.black is False), "red node with a red child"
    left, right = _check_red_black(entries, e.left), _check_red_black(entries, e.right)
    assert left == right, "unequal black heights"
    return left + (1 if e.black else 0)


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 40])
def test_compound_file_round_trips_through_olefile(count: int) -> None:
    rng = random.Random(count)
    streams = {"PROJECT": b"ID=1\r\n", "VBA/dir": rng.randbytes(1300), "VBA/empty": b"",
               "VBA/cutoff": rng.randbytes(4096), "VBA/big": rng.randbytes(70_000)}
    streams |= {f"VBA/Module{i}": rng.randbytes(rng.randrange(1, 9000)) for i in range(count)}
    data = write_compound(streams)
    ole = olefile.OleFileIO(data, raise_defects=olefile.DEFECT_INCORRECT)
    assert {"/".join(p) for p in ole.listdir()} == set(streams)
    for path, payload in streams.items():
        assert ole.openstream(path).read() == payload
        assert CompoundFile(data).read(path) == payload
    # streams under 4096 bytes live in the mini stream, the others in regular sectors
    assert ole.get_size("VBA/cutoff") == 4096 and ole.root.size % 64 == 0
    assert ole.root.size == sum(-(-len(v) // 64) * 64 for v in streams.values() if len(v) < 4096)

    cf = CompoundFile(data)
    raw = cf._read_chain(int.from_bytes(data[0x30:0x34], "little"))
    entries = []
    for e in cf.entries:
        colour = raw[e.sid * 128 + 0x43]
        entries.append(type("E", (), {"name": e.name, "left": e.left, "right": e.right, "black": colour == 1}))
    for e in cf.entries:
        if e.kind in (1, 5):
            _check_red_black(entries, e.child)


# -- the VBA project: source only, as olevba and pcodedmp read it ------------------------------
def test_olevba_finds_no_stomping_and_every_module(built: Path, sources: dict[str, str]) -> None:
    assert set(sources) == MODULES
    parser = VBA_Parser(str(built))
    try:
        assert parser.detect_vba_stomping() is False
    finally:
        parser.close()
    # the check can fail: the template carries compiled p-code beside its source
    assert "Line #" in _pcode_dump(template_path())


def _pcode_dump(path: Path) -> str:
    """What oletools' p-code disassembler (pcodedmp) prints for the file's VBA project."""
    from pcodedmp import pcodedmp

    args = type("Args", (), {"disasmOnly": True, "verbose": False})()
    out = io.StringIO()
    with redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pcodedmp.processFile(str(path), args, output_file=out)
    return out.getvalue()


def test_pcode_dump_finds_no_compiled_code(built: Path) -> None:
    dump = _pcode_dump(built)
    assert "Module streams:" in dump and "Line #" not in dump
    cf = CompoundFile(_vba_bin(built))
    project = ovba.parse_dir(ovba.decompress(cf.read("VBA/dir")))
    assert {m.name for m in project.modules} == MODULES
    assert all(m.text_offset == 0 for m in project.modules)  # no performance cache before the source
    assert cf.read("VBA/_VBA_PROJECT") == ovba.VBA_PROJECT_STREAM
    ole = olefile.OleFileIO(_vba_bin(built))
    assert not [p for p in ole.listdir() if p[-1].startswith("__SRP_")]


def _olevba_keywords(path: Path) -> dict[str, set[str]]:
    parser = VBA_Parser(str(path))
    try:
        found: dict[str, set[str]] = {}
        for kind, keyword, _description in parser.analyze_macros(show_decoded_strings=False):
            found.setdefault(kind, set()).add(keyword.lower())
        return found
    finally:
        parser.close()


def test_olevba_sees_nothing_beyond_what_xlwings_needs(built: Path, sources: dict[str, str]) -> None:
    ours, theirs = _olevba_keywords(built), _olevba_keywords(template_path())
    assert ours.get("Suspicious", set()) <= theirs.get("Suspicious", set())
    # one auto-exec routine: ThisWorkbook's Workbook_Open, and all it does is describe the functions
    assert ours.get("AutoExec") == {"workbook_open"}
    opening = [name for name, code in sources.items() if "Workbook_Open" in code]
    assert opening == ["ThisWorkbook"]
    body = sources["ThisWorkbook"].split("Private Sub Workbook_Open()")[1].split("End Sub")[0]
    assert [line.strip() for line in body.splitlines() if line.strip() and not line.strip().startswith("'")] == \
        [f"{ADDIN_MODULE}.DescribeFunctions"]


def test_modules_are_the_expected_ones(sources: dict[str, str]) -> None:
    assert 'Public Const PROJECT_NAME As String = "juesuan"' in sources["xlwings"]
    assert "Public Function RunPython(PythonCommand As String)" in sources["xlwings"]
    assert "Public Property Get Count() As Long" in sources["Dictionary"]
    addin = sources[ADDIN_MODULE]
    assert "Sub RunMain(control As IRibbonControl)" in addin and DISPATCH_LINE in addin
    assert sources["xlwings_udfs"].replace("\r\n", "\n").strip() == \
        udf_vba.vba_module(udf_vba.read_udfs()).replace("\r\n", "\n").strip()


# -- no template residue -------------------------------------------------------------------------
def _all_text(xlam: Path) -> str:
    with zipfile.ZipFile(xlam) as z:
        parts = [z.read(n) for n in z.namelist()]
        vba = z.read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(vba)
    texts = [p.decode("utf-8", "replace") for p in parts if not p.startswith(b"\xd0\xcf")]
    texts += [ole.openstream(p).read().decode("cp1252", "replace") for p in ole.listdir()]
    texts.append(ovba.decompress(ole.openstream("VBA/dir").read()).decode("cp1252", "replace"))
    for m in ovba.parse_dir(ovba.decompress(ole.openstream("VBA/dir").read())).modules:
        stream = ole.openstream(f"VBA/{m.stream_name}").read()
        texts.append(ovba.decompress(stream[m.text_offset :]).decode("cp1252", "replace"))
    return "\n".join(texts)


def test_no_template_residue(built: Path) -> None:
    text = _all_text(built)
    for residue in ("MyAddin", "myaddin", "C:\\Users", "felix", "Felix", "mymodule", "MSForms"):
        assert residue not in text, residue
    # the check can fail: the template has each of them
    template = _all_text(template_path())
    assert all(r in template for r in ("MyAddin", "C:\\Users", "Felix", "MSForms"))
    cf = CompoundFile(_vba_bin(built))
    project = cf.read("PROJECT").decode("cp1252")
    assert 'Name="juesuan"' in project.splitlines()
    info = ovba.split_dir(ovba.dir_records(ovba.decompress(cf.read("VBA/dir"))))
    assert info.raw_name() == "juesuan"
    assert [r.name for r in info.references] == ["Office"]  # IRibbonControl's library


# -- package parts --------------------------------------------------------------------------------
def test_customui_part_is_ours(built: Path) -> None:
    with zipfile.ZipFile(built) as z:
        assert z.read("customUI/customUI.xml") == CUSTOMUI_PATH.read_bytes()
        rels = ElementTree.fromstring(z.read("_rels/.rels"))
        types = {r.get("Target"): r.get("Type") for r in rels}
        assert types["customUI/customUI.xml"] == UI_REL_2010
        with zipfile.ZipFile(template_path()) as t:
            assert sorted(z.namelist()) == sorted([*t.namelist(), "xl/worksheets/juesuan_functions.xml"])


def _getconfig_keys(sources: dict[str, str]) -> set[str]:
    """Every key the xlwings VBA module asks ``GetConfig`` for (it upper-cases sheet keys)."""
    return {k.upper() for k in re.findall(r'GetConfig\("([^"]+)"', sources["xlwings"])}


def test_settings_sheet_uses_the_names_xlwings_reads(built: Path, sources: dict[str, str]) -> None:
    with zipfile.ZipFile(built) as z:
        wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
    assert [s.get("name") for s in wb.iter(f"{NS}sheet")] == [CONF_SHEET, FUNCTION_SHEET]
    cells = _sheet_cells(built, "xl/worksheets/sheet1.xml")
    conf = {cells[f"A{i}"]: cells.get(f"B{i}") for i in range(1, 20) if f"A{i}" in cells}
    assert conf["UDF Modules"] == "juesuan_udfs"
    assert "Interpreter_Win" not in conf  # empty sheet keys would hide ~/.juesuan/juesuan.conf
    assert {k.upper() for k in conf} <= _getconfig_keys(sources)
    assert "UDF MODULES" in _getconfig_keys(sources) and "INTERPRETER_WIN" in _getconfig_keys(sources)


def test_interpreter_settings_for_an_it_department(tmp_path: Path, sources: dict[str, str]) -> None:
    settings = {"Interpreter_Win": r"%ProgramFiles%\Python311\pythonw.exe", "Interpreter_Mac": "",
                "PYTHONPATH": r"C:\juesuan\udfs"}
    out = build_addin(tmp_path / "it.xlam", settings=settings)
    cells = _sheet_cells(out, "xl/worksheets/sheet1.xml")
    conf = {cells[f"A{i}"]: cells.get(f"B{i}") for i in range(1, 20) if f"A{i}" in cells}
    assert conf["Interpreter_Win"] == settings["Interpreter_Win"] and conf["PYTHONPATH"] == settings["PYTHONPATH"]
    assert "Interpreter_Mac" not in conf
    assert {k.upper() for k in conf} <= _getconfig_keys(sources)


def test_cli_build_puts_the_interpreter_on_the_sheet(tmp_path: Path) -> None:
    from conftest import run_cli

    out = tmp_path / "dist" / "juesuan.xlam"
    proc = run_cli("addin", "build", "-o", str(out), "--interpreter-win", r"D:\Python\pythonw.exe", check=True)
    assert str(out) in proc.stdout
    cells = _sheet_cells(out, "xl/worksheets/sheet1.xml")
    assert cells["A2"] == "Interpreter_Win" and cells["B2"] == r"D:\Python\pythonw.exe"


def test_function_sheet_describes_every_wrapper(built: Path) -> None:
    cells = _sheet_cells(built, "xl/worksheets/juesuan_functions.xml")
    functions = udf_vba.read_udfs()
    for row, f in enumerate(functions, start=2):
        assert cells[f"A{row}"] == f.name and cells[f"B{row}"] == "决算助手"
        assert cells[f"C{row}"] and len(str(cells[f"C{row}"])) <= 255
        assert cells[f"D{row}"] == len(f.args)
        docs = [cells.get(f"{chr(69 + k)}{row}") for k in range(len(f.args))]
        assert all(docs) and all(len(str(d)) <= 255 for d in docs)
    assert f"A{len(functions) + 2}" not in cells
    # DescribeFunctions reads the same columns
    with zipfile.ZipFile(built) as z:
        sheet = ElementTree.fromstring(z.read("xl/worksheets/juesuan_functions.xml"))
    assert sheet.find(f"{NS}sheetPr").get("codeName") == "FunctionTable"


# -- the ribbon against the Office customUI schema ([MS-CUSTOMUI2], 2009/07 namespace) ------------
# The schema's rules are checked by hand here (no copy of the XSD is vendored): element
# nesting, the attributes each element may carry, ST_ID (an NCName of 1-1024 characters,
# unique in the document), exactly one of id/idMso/idQ, at most one image attribute,
# ST_String lengths (1-1024), ST_Size, ST_Keytip (1-3 characters), callbacks as ST_Delegate.
CUI = "{http://schemas.microsoft.com/office/2009/07/customui}"
CHILDREN = {
    "customUI": {"commands", "ribbon", "backstage", "contextMenus"},
    "ribbon": {"officeMenu", "qat", "tabs", "contextualTabs"},
    "tabs": {"tab"},
    "tab": {"group"},
    "group": {"button", "toggleButton", "checkBox", "editBox", "comboBox", "dropDown", "gallery", "menu",
              "dynamicMenu", "splitButton", "box", "buttonGroup", "separator", "labelControl", "dialogBoxLauncher"},
    "button": set(),
}
_COMMON = {"id", "idMso", "idQ", "tag", "visible", "getVisible", "insertAfterMso", "insertBeforeMso",
           "insertAfterQ", "insertBeforeQ", "keytip", "getKeytip"}
ATTRIBUTES = {
    "customUI": {"onLoad", "loadImage"},
    "ribbon": {"startFromScratch"},
    "tabs": set(),
    "tab": _COMMON | {"label", "getLabel"},
    "group": _COMMON | {"label", "getLabel", "image", "imageMso", "getImage", "screentip", "getScreentip",
                        "supertip", "getSupertip", "autoScale", "centerVertically"},
    "button": _COMMON | {"label", "getLabel", "image", "imageMso", "getImage", "size", "getSize", "onAction",
                         "enabled", "getEnabled", "screentip", "getScreentip", "supertip", "getSupertip",
                         "description", "getDescription", "showLabel", "getShowLabel", "showImage", "getShowImage"},
}
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
CALLBACKS = {"onLoad", "loadImage", "onAction", "getLabel", "getImage", "getSize", "getEnabled", "getVisible",
             "getScreentip", "getSupertip", "getKeytip", "getDescription", "getShowLabel", "getShowImage"}


def _customui() -> ElementTree.Element:
    return ElementTree.parse(str(CUSTOMUI_PATH)).getroot()


def test_customui_follows_the_schema_rules() -> None:
    root = _customui()
    assert root.tag == f"{CUI}customUI"
    ids: list[str] = []

    def visit(el, parent: str | None) -> None:
        assert el.tag.startswith(CUI), el.tag
        name = el.tag[len(CUI):]
        assert name in ATTRIBUTES, f"element {name} is not checked by this test"
        if parent is not None:
            assert name in CHILDREN[parent], f"{name} inside {parent}"
        extra = set(el.attrib) - ATTRIBUTES[name]
        assert not extra, f"{name}: attributes not in the schema {extra}"
        if name in ("tab", "group", "button"):
            assert len({"id", "idMso", "idQ"} & set(el.attrib)) == 1, f"{name} needs exactly one id"
            assert len({"image", "imageMso", "getImage"} & set(el.attrib)) <= 1
        if "id" in el.attrib:
            assert _NCNAME.match(el.get("id")) and len(el.get("id")) <= 1024
            ids.append(el.get("id"))
        for attr in ("label", "screentip", "supertip", "description"):
            if attr in el.attrib:
                assert 1 <= len(el.get(attr)) <= 1024, (name, attr)
        if "size" in el.attrib:
            assert el.get("size") in ("normal", "large")
        if "keytip" in el.attrib:
            assert 1 <= len(el.get("keytip")) <= 3
        for attr in CALLBACKS & set(el.attrib):
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.!]*", el.get(attr)) and len(el.get(attr)) <= 1024
        for child in el:
            visit(child, name)

    visit(root, None)
    assert len(ids) == len(set(ids)), "ids must be unique"


def test_every_callback_is_a_macro_of_the_addin(sources: dict[str, str]) -> None:
    callbacks = {el.get(attr) for el in _customui().iter() for attr in CALLBACKS & set(el.attrib)}
    code = "\n".join(sources.values())
    for name in callbacks:
        assert re.search(rf"^(Public )?Sub {name}\(control As IRibbonControl\)", code, re.M), name


def test_tooltips_say_what_the_buttons_do() -> None:
    tips = {b.get("id"): b.get("supertip") for b in _customui().iter(f"{CUI}button")}
    assert "明细表" in tips["js_fill"] and "科目余额表" not in tips["js_fill"]
    assert "格式" in tips["js_new"]
    assert "校验结果" in tips["js_validate"] and "项目名称" in tips["js_eval_add"]
    assert all(tip and tip.endswith("。") for tip in tips.values())


# -- the generated wrappers against the Python functions -----------------------------------------
def _vba_functions(source: str) -> dict[str, dict]:
    out = {}
    for m in re.finditer(r"^Function (\w+)\(([^)]*)\)\n(.*?)^End Function", source.replace("\r\n", "\n"), re.M | re.S):
        params = [p.strip() for p in m.group(2).split(",") if p.strip()]
        call = re.search(r'XLPy\.CallUDF\("(\w+)", "(\w+)", Array\(([^)]*)\), ActiveWorkbook, Application\.Caller\)',
                         m.group(3))
        out[m.group(1)] = {"params": params, "body": m.group(3), "call": call}
    return out


def test_generated_vba_matches_the_python_signatures(sources: dict[str, str]) -> None:
    import juesuan_udfs

    python = {n: getattr(juesuan_udfs, n) for n in dir(juesuan_udfs) if n.startswith("JS_")}
    vba = _vba_functions(sources["xlwings_udfs"])
    assert set(vba) == set(python) and len(vba) == 10
    for name, fn in python.items():
        sig = inspect.signature(fn).parameters.values()
        # xlwings' reserved `caller` (the calling range) is no Excel argument: `Nothing` holds its
        # place in the call and xlwings' call_udf puts Application.Caller there
        expected = [("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
                    for p in sig if p.name != "caller"]
        assert vba[name]["params"] == expected, name
        call = vba[name]["call"]
        assert call is not None, name
        assert (call.group(1), call.group(2)) == ("juesuan_udfs", name)
        assert [a.strip() for a in call.group(3).split(",")] == \
            ["Nothing" if p.name == "caller" else p.name for p in sig]
        assert "Application.Volatile" not in vba[name]["body"]  # none depends on anything but its arguments
    # functions said to return a range do so from Python, and their wrappers say so
    for name in juesuan_udfs.ARRAY_RESULTS:
        assert "returns a range" in vba[name]["body"]
        assert "数组" in python[name].__doc__ or "区域" in python[name].__doc__  # the wizard says so too
    assert isinstance(juesuan_udfs.JS_ROLLUP([[2150510]], [[1.0]]), list)
    assert isinstance(juesuan_udfs.JS_SHARES([[1], [2]]), list)


def test_generator_follows_the_decorators(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import xlwings as xw\nARRAY_RESULTS = ('F',)\n"
        "@xw.func(category='C', volatile=True, call_in_wizard=False)\n@xw.arg('a', doc='甲')\n"
        "def F(a, b=2):\n    '''说明'''\n    return a\n"
        "def not_a_udf(x):\n    return x\n", encoding="utf-8")
    (f,) = udf_vba.read_udfs(path)
    assert (f.name, f.category, f.volatile, f.call_in_wizard, f.array) == ("F", "C", True, False, True)
    assert [(a.name, a.optional, a.default, a.doc) for a in f.args] == [("a", False, None, "甲"), ("b", True, 2, "参数 2")]
    text = udf_vba.vba_module([f])
    assert "Function F(a, Optional b)" in text and "Application.Volatile" in text and "CommandBars" in text
    path.write_text("import xlwings as xw\n@xw.func\n@xw.arg('b', doc='乙')\n"
                    "def G(a, b=None, caller=None):\n    return a\n", encoding="utf-8")
    (g,) = udf_vba.read_udfs(path)
    assert [(a.name, a.doc) for a in g.args] == [("a", "参数 1"), ("b", "乙")]  # caller: not for the wizard
    assert udf_vba.function_rows([g])[1][3:] == [2, "参数 1", "可选：乙"]
    assert "Function G(a, Optional b)\n" in udf_vba.vba_module([g]) and "Array(a, b, Nothing)" in udf_vba.vba_module([g])
    path.write_text("import xlwings as xw\n@xw.func\n@xw.arg('caller', doc='x')\ndef G(caller):\n    return 1\n",
                    encoding="utf-8")
    with pytest.raises(udf_vba.UdfSourceError, match="caller"):
        udf_vba.read_udfs(path)
    path.write_text("import xlwings as xw\n@xw.func\ndef F(*a):\n    return a\n", encoding="utf-8")
    with pytest.raises(udf_vba.UdfSourceError):
        udf_vba.read_udfs(path)
    path.write_text("import xlwings as xw\n@xw.func\ndef F(Next):\n    return 1\n", encoding="utf-8")
    with pytest.raises(udf_vba.UdfSourceError, match="VBA"):
        udf_vba.read_udfs(path)


_FORMULA = re.compile(r"=(JS_[A-Z]+)\(")


def _formula_args(text: str, start: int) -> list[str]:
    """Top-level arguments of the call whose '(' is at ``start`` (quotes and braces respected)."""
    depth, quoted, args, current = 0, False, [], ""
    for ch in text[start + 1 :]:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "({":
            depth += 1
        elif not quoted and ch in ")}":
            if depth == 0:
                args.append(current)
                return [a.strip() for a in args if a.strip()]
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            args.append(current)
            current = ""
            continue
        current += ch
    raise AssertionError(f"unclosed formula near {text[start:start + 40]!r}")


@pytest.mark.parametrize("doc", ["docs/udfs.md", "docs/excel-acceptance.md"])
def test_documented_examples_fit_the_wrappers(doc: str, sources: dict[str, str]) -> None:
    vba = _vba_functions(sources["xlwings_udfs"])
    text = (ROOT / doc).read_text(encoding="utf-8")
    seen = 0
    for m in _FORMULA.finditer(text):
        name = m.group(1)
        assert name in vba, f"{doc}: {name} is not in the add-in"
        params = vba[name]["params"]
        required = sum(1 for p in params if not p.startswith("Optional "))
        count = len(_formula_args(text, m.end() - 1))
        assert required <= count <= len(params), f"{doc}: {m.group(0)}… has {count} arguments, {name} takes " \
                                                  f"{required}–{len(params)}"
        seen += 1
    assert seen >= 20


# -- LibreOffice reads every module ---------------------------------------------------------------
def _code_lines(source: str) -> list[str]:
    return [line.strip() for line in source.replace("\r\n", "\n").split("\n")
            if line.strip() and not line.startswith("Attribute ")]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_imports_every_module(built: Path, sources: dict[str, str], tmp_path: Path) -> None:
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "fods", "--outdir", str(tmp_path), str(built)],
        check=True, capture_output=True, timeout=240,
    )
    fods = ElementTree.parse(str(tmp_path / "juesuan.fods")).getroot()
    ooo = "{http://openoffice.org/2004/office}"
    modules = {m.get(f"{ooo}name"): "".join(m.itertext()) for m in fods.iter(f"{ooo}module")}
    assert set(modules) == MODULES
    for name, source in sources.items():
        imported = set(_code_lines(modules[name]))
        missing = [line for line in _code_lines(source) if line not in imported]
        assert not missing, (name, missing[:5])
    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    assert [t.get(f"{table}name") for t in fods.iter(f"{table}table")] == [CONF_SHEET, FUNCTION_SHEET]


# -- a template that changed shape must fail loudly ------------------------------------------------
def _variant(tmp_path: Path, edit) -> Path:
    src = template_path()
    out = tmp_path / "changed.xlam"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, edit(info.filename, zin.read(info)))
    return out


def _edit_module(module: str, change):
    """Rewrite one module stream of the template's VBA project (any size: a new container)."""
    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/vbaProject.bin":
            return data
        ole = olefile.OleFileIO(data)
        streams = {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}
        info = {m.name: m for m in ovba.parse_dir(ovba.decompress(streams["VBA/dir"])).modules}[module]
        stream = streams[f"VBA/{module}"]
        streams[f"VBA/{module}"] = change(stream, info.text_offset)
        return write_compound(streams)

    return edit


def _recompressed(old: bytes, new: bytes):
    return lambda stream, at: stream[:at] + ovba.compress(ovba.decompress(stream[at:]).replace(old, new))


def _drop_ribbon_rel(name: str, data: bytes) -> bytes:
    return data.replace(b"ui/extensibility", b"ui/other") if name == "_rels/.rels" else data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_edit_module("xlwings", lambda s, at: s[:at] + b"\x00" + s[at + 1 :]), "cannot parse vbaProject.bin"),
        (_edit_module("xlwings", _recompressed(b"Const PROJECT_NAME", b"Const PROJECT_TITLE")), "PROJECT_NAME"),
        (_edit_module("xlwings", _recompressed(b"Public Function RunPython(", b"Public Function Run(")),
         "xlwings module"),
        (_drop_ribbon_rel, "customUI"),
        (lambda n, d: d.replace(b"UDF Modules", b"UDF Mods") if n.endswith("sharedStrings.xml") else d, "UDF Modules"),
    ],
)
def test_changed_template_raises(tmp_path: Path, edit, message: str) -> None:
    template = _variant(tmp_path, edit)
    with pytest.raises(AddinBuildError, match=message) as info:
        build_addin(tmp_path / "out.xlam", template=template)
    assert "加载项构建失败" in str(info.value)
    assert not (tmp_path / "out.xlam").exists()


def test_unsupported_udf_module_raises(tmp_path: Path) -> None:
    bad = tmp_path / "juesuan_udfs.py"
    bad.write_text("import xlwings as xw\n@xw.func\ndef JS_X(**kw):\n    return 1\n", encoding="utf-8")
    with pytest.raises(AddinBuildError, match="worksheet function module"):
        build_addin(tmp_path / "out.xlam", udfs=bad)


# -- install --------------------------------------------------------------------------------------
def test_install_dry_run_lists_steps() -> None:
    steps = install_addin(dry_run=True)
    text = "\n".join(steps)
    assert "XLSTART" in text and f"Interpreter_Win = {sys.executable}" in text and "juesuan.conf" in text


def test_install_builds_for_this_python(tmp_path: Path, sources: dict[str, str]) -> None:
    """What install puts on the settings sheet is accepted by the build, under xlwings' names."""
    from juesuan.excel.addin_install import config_settings

    for platform in ("win", "mac"):
        settings = config_settings(platform)
        out = build_addin(tmp_path / f"{platform}.xlam", settings=settings)
        cells = _sheet_cells(out, "xl/worksheets/sheet1.xml")
        conf = {cells[f"A{i}"]: cells.get(f"B{i}") for i in range(1, 20) if f"A{i}" in cells}
        key = "Interpreter_Win" if platform == "win" else "Interpreter_Mac"
        assert conf[key] == sys.executable
        assert {k.upper() for k in conf} <= _getconfig_keys(sources)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux-only behaviour")
def test_install_on_linux_needs_excel() -> None:
    with pytest.raises(AddinInstallError, match="Excel"):
        install_addin(dry_run=False)

