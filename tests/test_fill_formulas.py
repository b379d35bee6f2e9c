"""Detail sheets with formulas: Fill uses the values Excel (here LibreOffice) last calculated."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from conftest import run_cli

from juesuan.io.files import write_new
from juesuan.io.xlsx import CalamineBook
from juesuan.reading import read_table
from juesuan.spec import load_spec

SPEC = load_spec("2019")
GP = "一般公共预算财政拨款"
INPUTS = {"info": [["部门名称", "公式测试"], ["年度", "2019"], ["模板格式", "2019"]],  # E4 gets a formula
          "income": [["2110101", "", "一般公共预算财政拨款收入", Decimal("50000")]],
          "expense": [["2110101", "30101", "基本支出", GP, Decimal("10000"), "", ""],
                      ["2110101", "30201", "基本支出", GP, None, "", ""]],
          "balance": [], "sangong_budget": []}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_formula_amounts_use_their_calculated_values(tmp_path):
    inputs = copy.deepcopy(INPUTS)
    src = write_new(tmp_path / "src.xlsx", SPEC, inputs=inputs)
    wb = openpyxl.load_workbook(src)
    wb["支出明细"]["E4"] = "=E3*2+0.5"  # 20,000.50 元 once calculated
    wb.save(src)
    # let a real spreadsheet program calculate and store the result
    outdir = tmp_path / "lo"
    profile = f"file://{tmp_path / 'profile'}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--calc", "--convert-to", "xlsx",
                    "--outdir", str(outdir), str(src)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    calculated = outdir / "src.xlsx"
    work = tmp_path / "filled.xlsx"
    run_cli("fill", str(calculated), "-o", str(work), check=True)

    book = CalamineBook(work)
    table = read_table(SPEC, SPEC.table("06"), book.read_sheet("公开06表"))
    book.close()
    assert table.value("30201", "amount") == Decimal("2.00")  # 20,000.50 元 → 2.00 万元
    assert table.value("30101", "amount") == Decimal("1.00")
    # the formula itself is still there: Fill never touches an input cell
    assert str(openpyxl.load_workbook(work)["支出明细"]["E4"].value).startswith("=")



def _with_formulas(tmp_path, uncached: bool = False):
    """A workbook with a formula amount on 支出明细 (E4 = E3*2+0.5: 20,000.50 元 once
    calculated) and one typed into a table cell (公开01表, which Fill replaces); calculated and
    saved by LibreOffice (the values cached, as Excel saves them) unless ``uncached`` (as a
    program that writes formulas without values leaves them)."""
    inputs = copy.deepcopy(INPUTS)
    src = write_new(tmp_path / "src.xlsx", SPEC, inputs=inputs)
    wb = openpyxl.load_workbook(src)
    wb["支出明细"]["E4"] = "=E3*2+0.5"
    wb["公开01表"]["B5"] = "=1+1"
    wb.save(src)
    if uncached:
        return src
    from test_libreoffice_roundtrip import soffice_convert

    return soffice_convert(src, tmp_path / "lo", "xlsx", tmp_path / "profile")


CHAIN_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain"


def _with_calc_chain(src, target):
    """``src`` with a calculation chain as Excel saves one beside formulas (the part, its
    relationship from the workbook, its content type)."""
    import zipfile

    from juesuan.io.patch import sheet_parts

    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
        index = [name for name, _ in sheet_parts(z)[1]].index("支出明细") + 1
    parts["xl/calcChain.xml"] = (f'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                 f'<c r="E4" i="{index}"/></calcChain>').encode()
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", f'<Relationship Id="rIdChain" Type="{CHAIN_TYPE}" '
                                      f'Target="calcChain.xml"/></Relationships>'.encode())
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.calcChain+xml"/></Types>'))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return target


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_formulas_stay_untouched_when_fill_patches_the_package(tmp_path, monkeypatch):
    """A workbook with formulas on its detail sheets and a calculation chain (as Excel saves
    it) is filled by patching its computed sheets in, without openpyxl: the detail sheet is
    byte for byte the same (formula and cached value), every part but the computed sheets,
    the styles, the workbook (now asking for a full recalculation on opening) and the
    dropped calculation chain is untouched; the figures are those of openpyxl's careful path;
    check passes, and LibreOffice opens the result and recalculates the same."""
    import json
    import re
    import subprocess
    import sys
    import zipfile

    from fill_helpers import read_tables
    from test_libreoffice_roundtrip import soffice_convert
    from test_patch_writer import _fill_with_openpyxl

    from juesuan.io.patch import sheet_parts

    src = _with_calc_chain(_with_formulas(tmp_path), tmp_path / "excel.xlsx")
    out = tmp_path / "filled.xlsx"
    code = ("import json, sys\nfrom juesuan.io.files import fill_file\nfill_file(sys.argv[1], sys.argv[2])\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl')))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(src), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == []  # the patch, not openpyxl's load and save

    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        before = {n: a.read(n) for n in a.namelist()}
        after = {n: b.read(n) for n in b.namelist()}
        wb_part, sheets = sheet_parts(a)
    parts = dict(sheets)
    computed = {part for name, part in parts.items() if name not in {s.sheet for s in SPEC.inputs}}  # Fill's sheets
    computed |= {f"xl/worksheets/_rels/{p.rsplit('/', 1)[1]}.rels" for p in computed}
    assert after[parts["支出明细"]] == before[parts["支出明细"]]  # formula and cached value kept
    assert b"E3*2+0.5</f>" in before[parts["支出明细"]]
    assert "xl/calcChain.xml" not in after and b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in after["[Content_Types].xml"]
    def calc(book: bytes) -> bytes:
        return re.search(rb"<calcPr\b([^>]*?)/?>", book).group(1)

    def rest(book: bytes) -> bytes:  # (the print titles of the computed sheets are Fill's)
        return re.sub(rb"<definedNames>.*</definedNames>|<calcPr\b[^>]*>", b"", book, flags=re.S)

    assert calc(after[wb_part]) == calc(before[wb_part]) + b' fullCalcOnLoad="1"'  # its other settings kept
    assert rest(after[wb_part]) == rest(before[wb_part])
    loose = {"xl/styles.xml", "[Content_Types].xml", wb_part, "xl/_rels/workbook.xml.rels", "xl/calcChain.xml"}
    changed = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    assert changed - loose - computed <= {n for n in changed if n.startswith(("xl/comments", "xl/drawings/"))}  # notes

    reference = tmp_path / "careful.xlsx"
    _fill_with_openpyxl(src, reference, monkeypatch)
    figures = {tid: [(r.key, r.values) for r in t.rows()] for tid, t in read_tables(SPEC, out).items()}
    assert figures == {tid: [(r.key, r.values) for r in t.rows()] for tid, t in read_tables(SPEC, reference).items()}
    assert read_tables(SPEC, out)["06"].value("30201", "amount") == Decimal("2.00")
    assert run_cli("check", str(out)).returncode == 0
    back = soffice_convert(out, tmp_path / "back", "xlsx", tmp_path / "profile")
    assert run_cli("check", str(back)).returncode == 0
    assert openpyxl.load_workbook(back, data_only=True)["支出明细"]["E4"].value == 20000.5
    assert str(openpyxl.load_workbook(back)["支出明细"]["E4"].value).startswith("=")


def test_a_formula_without_its_value_is_reported_alike_by_check_and_fill(tmp_path):
    """A formula saved without its calculated value (by a program that does not calculate)
    is named as such at its cell by check as by Fill, never taken for a blank amount."""
    src = _with_formulas(tmp_path, uncached=True)
    check = run_cli("check", str(src))
    fill = run_cli("fill", str(src), "-o", str(tmp_path / "out.xlsx"))
    assert check.returncode == 1 and fill.returncode == 2, check.stdout + check.stderr + fill.stderr
    for proc in (check, fill):
        said = " ".join((proc.stdout + proc.stderr).split())
        assert "公式单元格没有缓存的计算结果" in said and "支出明细!E4" in said, said
        assert "“金额（元）”不能为空" not in said
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("spelling", [
    '<c r="F8" s="{s}">\n  <f>F7*0+19.74</f>\n</c>',  # pretty-printed XML
    "<c r='F8' s='{s}'><f>F7*0+19.74</f><v></v></c>",  # single-quoted attributes
    '<x:c r="f8" s="{s}"><x:f>F7*0+19.74</x:f></x:c>',  # prefixed elements, a lower-case address
])
def test_a_formula_without_its_value_in_any_spelling_is_not_read_as_blank(demo_copy, tmp_path, spelling):
    """A formula saved without a value on a self-evaluation (an optional amount: a blank
    there is zero) is named at its cell however the worksheet XML is spelt — never filled
    as a blank (Fill wrote the scores of an executed amount of 0, exit 0)."""
    import re
    import zipfile

    from juesuan.io.patch import sheet_parts

    with zipfile.ZipFile(demo_copy) as z:
        parts = {n: z.read(n) for n in z.namelist()}
        sheet = next(name for name, _ in sheet_parts(z)[1] if name.startswith("绩效自评-"))
        part = dict(sheet_parts(z)[1])[sheet]
    cell = re.search(rb'<c r="F8" s="(\d+)"[^>]*?(?:/>|>.*?</c>)', parts[part])
    xml = parts[part].replace(cell.group(0), spelling.format(s=cell.group(1).decode()).encode())
    if b"<x:" in xml:
        xml = xml.replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ', 1)
    parts[part] = xml
    src = tmp_path / "pretty.xlsx"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    fill = run_cli("fill", str(src), "-o", str(tmp_path / "out.xlsx"))
    check = run_cli("check", str(src))
    assert fill.returncode == 2 and check.returncode == 1, fill.stdout + fill.stderr
    for proc in (fill, check):
        said = " ".join((proc.stdout + proc.stderr).split())
        assert "公式单元格没有缓存的计算结果" in said and f"{sheet}!F8" in said, said
    assert not (tmp_path / "out.xlsx").exists()


def _package_problems(path) -> list[str]:
    """What makes Excel "repair" a package: a content type for a missing part, a part
    without a content type, a relationship to a missing part, relationships of a missing part."""
    import posixpath
    import zipfile

    from defusedxml import ElementTree

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    names = {n.lower() for n in parts}
    types = ElementTree.fromstring(parts["[Content_Types].xml"])
    defaults = {e.get("Extension", "").lower() for e in types if e.tag.endswith("}Default")}
    overrides = {e.get("PartName", "").lstrip("/").lower() for e in types if e.tag.endswith("}Override")}
    out = [f"content type of missing {o}" for o in sorted(overrides - names)]
    out += [f"no content type: {n}" for n in parts if n != "[Content_Types].xml"
            and n.lower() not in overrides and n.rsplit(".", 1)[-1].lower() not in defaults]
    for name, data in parts.items():
        if not name.endswith(".rels"):
            continue
        base = posixpath.dirname(posixpath.dirname(name))
        if name != "_rels/.rels" and posixpath.join(base, posixpath.basename(name)[:-5]) not in parts:
            out.append(f"relationships of a missing part: {name}")
        for r in ElementTree.fromstring(data):
            target = r.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            if r.get("TargetMode") != "External" and full not in parts:
                out.append(f"{name} {r.get('Id')} → missing {full}")
    return out


CHAIN_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"


def _demo_with_a_formula(demo):
    """The parts of ``demo`` (and its workbook part and sheets) with 支出明细!E5 a formula
    (its value plus 0) holding its value, as Excel saves one."""
    import re
    import zipfile

    from juesuan.io.patch import sheet_parts

    with zipfile.ZipFile(demo) as z:
        parts = {n: z.read(n) for n in z.namelist()}
        wb_part, sheets = sheet_parts(z)
    ledger = dict(sheets)["支出明细"]
    cell = re.search(rb'<c r="E5"( s="\d+")?[^>]*><v>([^<]+)</v></c>', parts[ledger])
    parts[ledger] = parts[ledger].replace(cell.group(0), b'<c r="E5"' + (cell.group(1) or b"") + b"><f>"
                                          + cell.group(2) + b"+0</f><v>" + cell.group(2) + b"</v></c>")
    return parts, wb_part, sheets


@pytest.mark.parametrize("chain, override", [
    ("xl/calcChain.xml", f"<Override PartName='/xl/calcChain.xml' ContentType='{CHAIN_CONTENT_TYPE}'/>"),
    ("xl/calcChain.xml", f'<Override PartName="/xl/calcChain.xml" ContentType="{CHAIN_CONTENT_TYPE}"></Override>'),
    ("xl/calcChain.xml", f'<Override PartName="/xl/CalcChain.xml" ContentType="{CHAIN_CONTENT_TYPE}"/>'),
    ("xl/calc/chain1.xml", f'<Override PartName="/xl/calc/chain1.xml" ContentType="{CHAIN_CONTENT_TYPE}"/>'),
], ids=["single-quoted", "end-tag", "other-case", "named-otherwise"])
def test_the_dropped_calculation_chain_leaves_nothing_behind(demo_copy, tmp_path, chain, override):
    """Fill drops the calculation chain (it names formula cells of the sheets Fill replaces):
    its content type went only when spelt exactly ``<Override PartName="/xl/calcChain.xml" …/>``
    (else it named a missing part), and a chain named otherwise stayed with its relationship;
    now neither is left, the detail sheet's formula stays and check passes."""
    import zipfile


    parts, wb_part, sheets = _demo_with_a_formula(demo_copy)
    ledger = dict(sheets)["支出明细"]
    index = [name for name, _ in sheets].index("支出明细") + 1
    parts[chain] = (f'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                    f'<c r="E5" i="{index}"/><c r="B5" i="{index + 1}"/></calcChain>').encode()
    rels = f"xl/_rels/{wb_part.rsplit('/', 1)[1]}.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", f'<Relationship Id="rIdChain" Type="{CHAIN_TYPE}" '
                                      f'Target="{chain[3:]}"/></Relationships>'.encode())
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", override.encode() + b"</Types>")
    src = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert _package_problems(src) == []  # (part names ignore case)
    out = tmp_path / "filled.xlsx"
    run_cli("fill", str(src), "-o", str(out), check=True)
    assert _package_problems(out) == []
    with zipfile.ZipFile(out) as z:
        after = {n: z.read(n) for n in z.namelist()}
    assert chain not in after and b"calcChain" not in after[rels] and b"calcChain" not in after["[Content_Types].xml"]
    assert after[ledger] == parts[ledger]  # the formula and its value untouched
    assert run_cli("check", str(out)).returncode == 0


def test_a_workbook_without_calculation_settings_asks_for_recalculation_in_the_right_place(demo_copy, tmp_path):
    """A workbook part without ``<calcPr>`` whose workbook view holds an ``extLst``: the
    recalculation request was put inside that view (``<workbookView><calcPr …/><extLst>``),
    out of the schema's order — Excel repairs such a file. It goes after the sheets and names."""
    import re
    import zipfile

    from defusedxml import ElementTree


    parts, wb_part, _ = _demo_with_a_formula(demo_copy)
    book = re.sub(rb"<calcPr\b[^>]*/>", b"", parts[wb_part])
    book, n = re.subn(rb"<workbookView\b([^>]*?)/>", rb'<workbookView\1><extLst><ext uri="{00000000-0000-0000-0000-'
                      rb'000000000001}"/></extLst></workbookView>', book, count=1)
    assert n == 1 and b"<calcPr" not in book
    parts[wb_part] = book
    src = tmp_path / "in.xlsx"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    out = tmp_path / "out.xlsx"
    run_cli("fill", str(src), "-o", str(out), check=True)
    with zipfile.ZipFile(out) as z:
        root = ElementTree.fromstring(z.read(wb_part))
    children = [child.tag.rsplit("}", 1)[1] for child in root]
    assert "calcPr" in children and not any(e.tag.endswith("}calcPr") for e in root.find(f"{root.tag[:-8]}bookViews").iter())
    order = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups",
             "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
             "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"]
    known = [c for c in children if c in order]
    assert known == sorted(known, key=order.index), children
    assert root.find(f"{root.tag[:-8]}calcPr").get("fullCalcOnLoad") == "1"


def test_a_formula_that_calculates_to_empty_text_is_no_missing_value(demo_copy, tmp_path, monkeypatch):
    """``=IF(A5="","",…)`` in an optional column (项目名称, 单位) calculating to the empty text
    is saved by Excel and LibreOffice as ``t="str"`` with an empty ``<v>``: a value, not a
    formula without one (openpyxl's ``<v></v>`` has no type). Fill refused it ('公式单元格没有缓存
    的计算结果', exit 2) on both paths and check reported it; both fill and check pass now."""
    import re
    import zipfile

    from test_patch_writer import _fill_with_openpyxl

    from juesuan.io.patch import sheet_parts

    with zipfile.ZipFile(demo_copy) as z:
        parts = {n: z.read(n) for n in z.namelist()}
        ledger = dict(sheet_parts(z)[1])["支出明细"]
    xml = parts[ledger]
    for ref in ("F5", "H5"):  # 项目名称, 单位 of the 2019 format
        cell = re.search(rb'<c r="' + ref.encode() + rb'"( s="\d+")?[^>]*?(?:/>|>.*?</c>)', xml)
        xml = xml.replace(cell.group(0), b'<c r="' + ref.encode() + b'"' + (cell.group(1) or b"")
                          + b' t="str"><f aca="false">IF(1=1,&quot;&quot;,&quot;x&quot;)</f><v></v></c>')
    parts[ledger] = xml
    src = tmp_path / "in.xlsx"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    check = run_cli("check", str(src))
    assert check.returncode == 0, check.stdout
    fill = run_cli("fill", str(src), "-o", str(tmp_path / "out.xlsx"))
    assert fill.returncode == 0, fill.stdout + fill.stderr
    _fill_with_openpyxl(src, tmp_path / "careful.xlsx", monkeypatch)  # openpyxl's careful path: no InputError
    assert run_cli("check", str(tmp_path / "careful.xlsx")).returncode == 0
