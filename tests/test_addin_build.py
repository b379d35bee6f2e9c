"""The ribbon add-in build: MS-OVBA compression, in-place VBA rewrite, customUI, settings sheet."""

from __future__ import annotations

import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
from defusedxml import ElementTree
from oletools.olevba import VBA_Parser, decompress_stream

from juesuan.excel import ovba
from juesuan.excel.addin_build import (
    UI_REL_2010,
    AddinBuildError,
    build_addin,
    fit_compressed,
    template_path,
)
from juesuan.excel.addin_install import AddinInstallError, install_addin, merge_config
from juesuan.excel.cfb import CompoundFile
from juesuan.excel.ribbon_ids import CUSTOMUI_PATH

DISPATCH_LINE = "RunPython \"import juesuan.excel.macros as m; m.on_ribbon('\" & control.Id & \"')\""
REWRITTEN = {"VBA/RibbonMyAddin", "VBA/xlwings"}
MODULES = {"ThisWorkbook", "Dictionary", "RibbonMyAddin", "Sheet2", "xlwings"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_addin(tmp_path_factory.mktemp("addin") / "juesuan.xlam")


def _vba_bin(xlam: Path) -> bytes:
    with zipfile.ZipFile(xlam) as z:
        return z.read("xl/vbaProject.bin")


# -- MS-OVBA compression ------------------------------------------------------------------------
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


@pytest.mark.parametrize("extra", [0, 1, 2, 3, 5, 17, 40, 300, 1000])
def test_fit_compressed_hits_exact_size(extra: int) -> None:
    source = b"Attribute VB_Name = \"M\"\r\nSub RunMain(control As IRibbonControl)\r\nEnd Sub\r\n"
    size = len(ovba.compress(source)) + extra
    packed = fit_compressed(source, size)
    assert len(packed) == size
    assert ovba.decompress(packed).startswith(source)


def test_fit_compressed_refuses_growth() -> None:
    source = bytes(random.Random(3).choices(range(32, 127), k=300))
    with pytest.raises(AddinBuildError, match="Add-in build failed"):
        fit_compressed(source, 100)


# -- the built add-in ------------------------------------------------------------------------
def test_olevba_lists_every_module_and_the_dispatcher(built: Path) -> None:
    parser = VBA_Parser(str(built))
    try:
        sources = {Path(vba_name).stem: code for _f, _s, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert set(sources) == MODULES
    ribbon = sources["RibbonMyAddin"]
    assert "Sub RunMain(control As IRibbonControl)" in ribbon
    assert DISPATCH_LINE in ribbon
    assert "mymodule" not in ribbon
    assert 'Public Const PROJECT_NAME As String = "juesuan"' in sources["xlwings"]
    assert "Public Function RunPython(PythonCommand As String)" in sources["xlwings"]
    assert "Public Property Get Count() As Long" in sources["Dictionary"]


def test_customui_part_is_ours(built: Path) -> None:
    with zipfile.ZipFile(built) as z:
        assert z.read("customUI/customUI.xml") == CUSTOMUI_PATH.read_bytes()
        rels = ElementTree.fromstring(z.read("_rels/.rels"))
        types = {r.get("Target"): r.get("Type") for r in rels}
        assert types["customUI/customUI.xml"] == UI_REL_2010
        with zipfile.ZipFile(template_path()) as t:
            assert sorted(z.namelist()) == sorted(t.namelist())


def test_ole_container_identical_outside_rewritten_streams(built: Path) -> None:
    old, new = _vba_bin(template_path()), _vba_bin(built)
    assert len(old) == len(new)
    old_ole, new_ole = olefile.OleFileIO(old), olefile.OleFileIO(new)
    cf = CompoundFile(new)
    changed = set()
    for parts in old_ole.listdir():
        path = "/".join(parts)
        # our sector map must reproduce what olefile reads, so the mask below is right
        assert cf.read(path) == new_ole.openstream(path).read()
        if old_ole.openstream(path).read() != new_ole.openstream(path).read():
            changed.add(path)
    assert changed == REWRITTEN
    mask = bytearray(len(new))
    for path in REWRITTEN:
        for off, n in cf.extents(path):
            mask[off : off + n] = b"\1" * n
    diff = [i for i in range(len(new)) if old[i] != new[i] and not mask[i]]
    assert diff == []


def test_settings_sheet_loads_our_udfs(built: Path) -> None:
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(built) as z:
        wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
        strings = ["".join(si.itertext()) for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml"))]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    assert [s.get("name") for s in wb.iter(f"{ns}sheet")] == ["juesuan.conf"]
    cells = {}
    for c in sheet.iter(f"{ns}c"):
        v = c.find(f"{ns}v").text
        cells[c.get("r")] = strings[int(v)] if c.get("t") == "s" else v
    conf = {cells[f"A{i}"]: cells[f"B{i}"] for i in range(1, 5)}
    assert conf["UDF Modules"] == "juesuan_udfs"
    assert "Interpreter_Win" not in conf  # empty sheet keys would hide ~/.juesuan/juesuan.conf
    assert "A5" not in cells


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_addin_and_sees_the_dispatcher(built: Path, tmp_path: Path) -> None:
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "fods", "--outdir", str(tmp_path), str(built)],
        check=True, capture_output=True, timeout=240,
    )
    fods = ElementTree.parse(str(tmp_path / "juesuan.fods")).getroot()
    ooo = "{http://openoffice.org/2004/office}"
    modules = {m.get(f"{ooo}name"): "".join(m.itertext()) for m in fods.iter(f"{ooo}module")}
    assert MODULES <= set(modules)
    assert "Sub RunMain(control As IRibbonControl)" in modules["RibbonMyAddin"]
    assert DISPATCH_LINE in modules["RibbonMyAddin"]


# -- a template that changed shape must fail loudly ------------------------------------------------
def _variant(tmp_path: Path, edit) -> Path:
    src = template_path()
    out = tmp_path / "changed.xlam"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, edit(info.filename, zin.read(info)))
    return out


def _patch_vba(edit_cf):
    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/vbaProject.bin":
            return data
        cf = CompoundFile(data)
        edit_cf(cf)
        return bytes(cf.data)

    return edit


def _corrupt_module(cf: CompoundFile) -> None:
    stream = bytearray(cf.read("VBA/RibbonMyAddin"))
    stream[978] = 0x00  # the compressed container's signature byte
    cf.overwrite("VBA/RibbonMyAddin", bytes(stream))


def _rename_runmain(cf: CompoundFile) -> None:
    stream = cf.read("VBA/RibbonMyAddin")
    source = ovba.decompress(stream[978:]).replace(b"Sub RunMain(", b"Sub Go(")
    cf.overwrite("VBA/RibbonMyAddin", stream[:978] + fit_compressed(source, len(stream) - 978))


def _compiled_project(cf: CompoundFile) -> None:
    cf.overwrite("VBA/_VBA_PROJECT", bytes.fromhex("cc61b2000001 00"))


def _drop_ribbon_rel(name: str, data: bytes) -> bytes:
    return data.replace(b"ui/extensibility", b"ui/other") if name == "_rels/.rels" else data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_patch_vba(_corrupt_module), "cannot parse vbaProject.bin"),
        (_patch_vba(_rename_runmain), "RunMain dispatcher"),
        (_patch_vba(_compiled_project), "0xFFFF"),
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


# -- install --------------------------------------------------------------------------------------
def test_install_dry_run_lists_steps() -> None:
    steps = install_addin(dry_run=True)
    text = "\n".join(steps)
    assert "XLSTART" in text and "INTERPRETER_" in text and "juesuan.conf" in text


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="Linux-only behaviour")
def test_install_on_linux_needs_excel() -> None:
    with pytest.raises(AddinInstallError, match="Excel"):
        install_addin(dry_run=False)


def test_merge_config_keeps_other_keys() -> None:
    merged = merge_config('"CONDA PATH","C:\\conda"\n"INTERPRETER_WIN","old"\n', {"INTERPRETER_WIN": "new"})
    assert merged == '"CONDA PATH","C:\\conda"\n"INTERPRETER_WIN","new"\n'
