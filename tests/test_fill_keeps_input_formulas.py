"""Formulas typed into the entries of the sheets Fill pictures anew (self-evaluations, 说明)
survive Fill, on the patch path and on openpyxl's careful path, for every format: the same
formula text at the same entry, its cached value kept, LibreOffice recalculating it to the
same value; text that merely starts with "=" stays text; what can't be carried is refused at
its cell (exit 2), never dropped."""

from __future__ import annotations

import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import demo_of, run_cli

from juesuan.io.guard import sheet_parts

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_lo = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")
EVAL = "绩效自评-大气污染防治"
NOTE = "说明"
TEXT = "=见附件（此为文字，不是公式）"
CAREFUL = "保留公式 / keeping the formulas"  # Fill's progress line on openpyxl's careful path
# LibreOffice recalculates every formula of an .xlsx it opens (not only those without a value)
RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item></oor:items>
"""
PRINTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/printerSettings"


def _convert(sources: list[Path], out_dir: Path, profile: Path, recalc: bool = False) -> list[Path]:
    """``sources`` converted to .xlsx by LibreOffice headless in one run (private profile; with
    ``recalc`` every formula recalculated on loading, not only those without a value)."""
    import subprocess

    if recalc:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
                           "--convert-to", "xlsx", "--outdir", str(out_dir), *map(str, sources)],
                          capture_output=True, text=True, timeout=300)
    targets = [out_dir / f"{src.stem}.xlsx" for src in sources]
    assert proc.returncode == 0 and all(t.exists() for t in targets), f"soffice:\n{proc.stdout}\n{proc.stderr}"
    return targets


def _row(ws, col: int, label: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, col).value or "").strip() == label)


def _minus(a, b) -> str:
    return str(Decimal(str(a)) - Decimal(str(b)))


def _add_formulas(wb) -> dict[tuple[str, str], str]:
    """Formulas in entries of a demo's self-evaluation and 说明 (each worth what the entry
    held, so the workbook stays consistent); returns (sheet, cell) → formula."""
    ws = wb[EVAL]
    total = _row(ws, 2, "年度资金总额")
    phone = _row(ws, 6, "联系电话")
    formulas = {(EVAL, f"F{total}"): f"=F{total + 1}+F{total + 2}+F{total + 3}",
                (EVAL, f"E{total}"): f"=SUM(E{total + 1}:E{total + 3})",
                (EVAL, f"G{phone}"): '="0571-"&"' + str(ws.cell(phone, 7).value).split("-", 1)[1] + '"'}
    note = wb[NOTE]
    rows = {str(note.cell(r, 3).value): r for r in range(1, note.max_row + 1) if note.cell(r, 3).value}
    goods, services, sme = (rows[k] for k in ("proc_goods", "proc_services", "proc_sme"))
    rest = _minus(Decimal(str(note.cell(goods, 2).value)) + Decimal(str(note.cell(services, 2).value)),
                  note.cell(sme, 2).value)
    budget = note.cell(rows["gp_budget"], 2).value
    reason = str(note.cell(rows["reason_total"], 2).value)
    formulas |= {(NOTE, f"B{sme}"): f"=B{goods}+B{services}-{rest}",
                 (NOTE, f"B{rows['gp_budget']}"): f"={_minus(budget, 100)}+100",
                 (NOTE, f"B{rows['org_setup']}"): '="本部门"&"内设5个处室"',
                 (NOTE, f"B{rows['reason_total']}"): '=基本信息!B3&"' + reason + '"'}
    for (sheet, cell), formula in formulas.items():
        wb[sheet][cell] = formula
    goal = _row(ws, 2, "年初预期目标") + 1
    ws.cell(goal, 7).value = TEXT  # typed as text: stays text
    ws.cell(goal, 7).data_type = "s"
    return formulas


def _careful(src: Path, target: Path, sheet: str = "绩效自评汇总", number: int = 1) -> Path:
    """``src`` with printer settings on ``sheet`` (as Excel saves a sheet set up for printing):
    on the 绩效自评汇总, a part of a computed sheet the patch leaves to openpyxl's careful path;
    on a table sheet, a package the patch leaves to openpyxl."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as b:
        part = sheet_parts(a)[sheet]
        folder, name = part.rsplit("/", 1)
        rels = f"{folder}/_rels/{name}.rels"
        assert rels not in a.namelist()
        for info in a.infolist():
            data = a.read(info)
            if info.filename == "[Content_Types].xml" and b'Extension="bin"' not in data:
                data = data.replace(b"<Default ", b'<Default Extension="bin" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"/><Default ', 1)
            b.writestr(info, data)
        b.writestr(f"xl/printerSettings/printerSettings{number}.bin", b"\0" * 64)
        b.writestr(rels, '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   f'package/2006/relationships"><Relationship Id="rId1" Type="{PRINTER}" '
                   f'Target="../printerSettings/printerSettings{number}.bin"/></Relationships>')
    return target


def _cells(path: Path, sheet: str) -> dict[str, bytes]:
    """The ``<c>`` elements of ``sheet`` by address, as the package spells them."""
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_parts(z)[sheet])
    return {m.group(1).decode(): m.group(0) for m in re.finditer(rb'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', xml)}


FORMATS = ("2019", "2020")
PATHS = {"patch": False, "careful": True}


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> dict:
    """For each format and path: a demo workbook with formulas in entries (calculated and
    saved by LibreOffice; on the careful path with :func:`_careful`'s printer settings) filled
    by the CLI, filled again, and the first result recalculated by LibreOffice (one cached
    value spoilt first: it must be computed). LibreOffice runs twice in all."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) 未安装 / not installed")
    tmp = tmp_path_factory.mktemp("kept")
    typed, formulas = [], {}
    for fmt in FORMATS:
        demo_of(fmt, tmp / fmt)
        wb = openpyxl.load_workbook(tmp / fmt / f"示例部门决算-{fmt}.xlsx")
        formulas[fmt] = _add_formulas(wb)
        wb.save(tmp / f"typed-{fmt}.xlsx")
        typed.append(tmp / f"typed-{fmt}.xlsx")
    calculated = dict(zip(FORMATS, _convert(typed, tmp / "lo", tmp / "profile"), strict=True))
    runs, spoilt = {}, []
    for fmt in FORMATS:
        for name, careful in PATHS.items():
            src = _careful(calculated[fmt], tmp / f"careful-{fmt}.xlsx") if careful else calculated[fmt]
            out, again = tmp / f"filled-{fmt}-{name}.xlsx", tmp / f"again-{fmt}-{name}.xlsx"
            proc = run_cli("fill", str(src), "-o", str(out))
            runs[(fmt, name)] = {"src": src, "out": out, "proc": proc, "formulas": formulas[fmt],
                                 "check": run_cli("check", str(out)) if out.exists() else None,
                                 "again": run_cli("fill", str(out), "-o", str(again)) if out.exists() else None,
                                 "again_path": again}
            if out.exists():
                (sheet, cell), _ = next(iter(formulas[fmt].items()))
                spoilt.append(_edited(out, tmp / f"spoilt-{fmt}-{name}.xlsx", sheet, lambda xml, c=cell: _spoil(xml, c)))
                runs[(fmt, name)]["spoilt"] = spoilt[-1]
    for path in _convert(spoilt, tmp / "back", tmp / "recalc", recalc=True):
        fmt, name = path.stem.split("-")[1:]
        runs[(fmt, name)]["back"] = path
    return runs


def _value(path: Path, key: tuple[str, str]):
    """The value stored at ``key`` (sheet, A1) as python-calamine reads it (a formula's cached value)."""
    from python_calamine import CalamineWorkbook

    m = re.fullmatch(r"([A-Z]+)(\d+)", key[1])
    col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m.group(1)))) - 1
    wb = CalamineWorkbook.from_path(str(path))
    try:
        grid = wb.get_sheet_by_name(key[0]).to_python(skip_empty_area=False)
    finally:
        wb.close()
    return grid[int(m.group(2)) - 1][col]


def _formula(path: Path, key: tuple[str, str]) -> str | None:
    """The formula stored at ``key`` ("=" + its text), None for a cell without one."""
    from defusedxml.ElementTree import fromstring

    f = fromstring(_cells(path, key[0])[key[1]]).find("f")
    return None if f is None else "=" + (f.text or "")


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("fmt", FORMATS)
def test_fill_keeps_formulas_typed_into_entries(filled, fmt, path):
    run = filled[(fmt, path)]
    src, out, proc, formulas = run["src"], run["out"], run["proc"], run["formulas"]
    before = {key: _value(src, key) for key in formulas}
    assert all(v not in (None, "") for v in before.values()), before  # LibreOffice calculated them
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (CAREFUL in proc.stderr) == PATHS[path]  # the path under test

    assert {key: _formula(out, key) for key in formulas} == formulas  # the same text at the same cell
    assert {key: _value(out, key) for key in formulas} == before  # with its cached value
    goal = f"G{_row(openpyxl.load_workbook(src, read_only=False)[EVAL], 2, '年初预期目标') + 1}"
    assert _formula(out, (EVAL, goal)) is None and _value(out, (EVAL, goal)) == TEXT  # text stays text
    assert run["check"].returncode == 0, run["check"].stdout
    assert run["again"].returncode == 0, run["again"].stderr  # Fill after Fill keeps them too
    assert {key: _formula(run["again_path"], key) for key in formulas} == formulas
    first = next(iter(formulas))
    assert _value(run["spoilt"], first) == 1  # (LibreOffice must compute it)
    assert {key: _value(run["back"], key) for key in formulas} == before  # recalculated by LibreOffice


def _spoil(xml: bytes, cell: str) -> bytes:
    """The cached value of the formula at ``cell`` replaced by 1 (unchanged without a formula there)."""
    return re.sub(rb'(<c r="' + cell.encode() + rb'"[^>]*><f>[^<]*</f><v>)[^<]*(</v>)', rb"\g<1>1\2", xml)


def _edited(src: Path, target: Path, sheet: str, edit) -> Path:
    """``src`` with the worksheet part of ``sheet`` passed through ``edit`` (bytes → bytes)."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as b:
        part = sheet_parts(a)[sheet]
        for info in a.infolist():
            data = a.read(info)
            b.writestr(info, edit(data) if info.filename == part else data)
    return target


@needs_lo
def test_formulas_follow_entries_that_move(tmp_path):
    """The 说明's input area moves (a text row deleted above it: Fill writes it back one row
    lower); a formula's references to entries of the sheet follow them, others stay."""
    demo_of("2020", tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "示例部门决算-2020.xlsx")
    note = wb[NOTE]
    note.delete_rows(5)  # (the formulas are typed afterwards)
    rows = {str(note.cell(r, 3).value): r for r in range(1, note.max_row + 1) if note.cell(r, 3).value}
    goods, services, sme = (rows[k] for k in ("proc_goods", "proc_services", "proc_sme"))
    note.cell(sme, 2).value = f"=SUM($B${goods}:B{services})-B{services - 1}-178.25+基本信息!B999"
    note.cell(rows["gp_budget"], 2).value = "=2000+150"
    wb.save(tmp_path / "moved.xlsx")
    calculated, = _convert([tmp_path / "moved.xlsx"], tmp_path / "lo", tmp_path / "profile")
    out = tmp_path / "filled.xlsx"
    proc = run_cli("fill", str(calculated), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kept, values = openpyxl.load_workbook(out)[NOTE], openpyxl.load_workbook(out, data_only=True)[NOTE]
    assert kept.cell(sme + 1, 3).value == "proc_sme"  # one row lower
    assert kept.cell(sme + 1, 2).value == f"=SUM($B${goods + 1}:B{services + 1})-B{services}-178.25+基本信息!B999"
    assert values.cell(sme + 1, 2).value == pytest.approx(402.3)
    assert kept.cell(rows["gp_budget"] + 1, 2).value == "=2000+150"
    assert run_cli("check", str(out)).returncode == 0


def _total_row(src: Path) -> int:
    return _row(openpyxl.load_workbook(src)[EVAL], 2, "年度资金总额")


@pytest.mark.parametrize("careful", [False, True], ids=["patch", "careful"])
def test_shared_and_array_formulas_become_formulas_of_their_own(demo_copy, tmp_path, careful):
    """Excel's shared formula (a master ``<f t="shared" ref si>`` and its dependents
    ``<f t="shared" si/>``) becomes each cell's own formula; an array formula stays one."""
    r = _total_row(demo_copy)

    def edit(xml: bytes) -> bytes:
        for col, f in (("D", b'<f t="shared" ref="D%d:E%d" si="0">SUM(D%d:D%d)</f>' % (r, r, r + 1, r + 3)),
                       ("E", b'<f t="shared" si="0"/>'),
                       ("F", b'<f t="array" ref="F%d">SUM(F%d:F%d)</f>' % (r, r + 1, r + 3))):
            at = f"{col}{r}".encode()
            xml, n = re.subn(rb'<c r="' + at + rb'"([^>]*?)(?<!/)>(.*?)</c>',
                             lambda m, at=at, f=f: b'<c r="' + at + b'"' + m.group(1) + b">" + f + m.group(2) + b"</c>",
                             xml)
            assert n == 1, col
        return xml

    src = _edited(demo_copy, tmp_path / "excel.xlsx", EVAL, edit)
    if careful:
        src = _careful(src, tmp_path / "careful.xlsx")
    out = tmp_path / "filled.xlsx"
    proc = run_cli("fill", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (CAREFUL in proc.stderr) == careful
    cells = _cells(out, EVAL)
    assert re.search(rb"<f>SUM\(D%d:D%d\)</f><v>440</v>" % (r + 1, r + 3), cells[f"D{r}"]), cells[f"D{r}"]
    assert re.search(rb"<f>SUM\(E%d:E%d\)</f><v>460</v>" % (r + 1, r + 3), cells[f"E{r}"]), cells[f"E{r}"]
    assert re.search(rb'<f t="array" ref="F%d">SUM\(F%d:F%d\)</f><v>447.69</v>' % (r, r + 1, r + 3),
                     cells[f"F{r}"]), cells[f"F{r}"]
    assert not any(b'"shared"' in c for c in cells.values())
    assert run_cli("check", str(out)).returncode == 0


def test_a_formula_that_cant_be_carried_is_refused_at_its_cell(demo_copy, tmp_path):
    """A formula Fill can't write again faithfully (here a data table) stops Fill with exit 2,
    naming the sheet and the cell; nothing is written."""
    r = _total_row(demo_copy)
    src = _edited(demo_copy, tmp_path / "table.xlsx", EVAL, lambda xml: re.sub(
        rb'(<c r="F%d"[^>]*?>)' % r, rb'\1<f t="dataTable" ref="F%d" dt2D="0" dtr="0" r1="A1"/>' % r, xml, count=1))
    out = tmp_path / "filled.xlsx"
    proc = run_cli("fill", str(src), "-o", str(out))
    said = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, said
    assert f"{EVAL}!F{r}" in said and "无法原样保留" in said and "can't be kept" in said, said
    assert not out.exists()


def test_moved_references():
    from juesuan.io.kept_formulas import NotCarried, moved_text

    moves = {(9, 1): (10, 1), (10, 1): (11, 1), (11, 1): (12, 1), (4, 1): (4, 1)}
    assert moved_text("B10+$B$11*说明!B12+'说明'!B11", "说明", moves) == "B11+$B$12*说明!B13+'说明'!B12"
    assert moved_text('SUM(B10:B12)&"B10"&其它!B10&nm', "说明", moves) == 'SUM(B11:B13)&"B10"&其它!B10&nm'
    with pytest.raises(NotCarried):
        moved_text("A1+B10", "说明", moves)  # A1: no entry
    with pytest.raises(NotCarried):
        moved_text("SUM(B5:B10)", "说明", moves)  # entries moving apart
    with pytest.raises(NotCarried):
        moved_text("SUM(B:B)", "说明", moves)


def test_the_patch_carries_formulas_without_openpyxl(demo_copy, tmp_path):
    """A formula in an entry that stays where it was costs the patch path no openpyxl import
    (only a move or a shared formula needs openpyxl's formula tokenizer)."""
    import json
    import subprocess
    import sys

    r = _total_row(demo_copy)
    src = _edited(demo_copy, tmp_path / "excel.xlsx", EVAL, lambda xml: re.sub(
        rb'(<c r="F%d"[^>]*?>)' % r, rb"\1<f>F%d+F%d+F%d</f>" % (r + 1, r + 2, r + 3), xml, count=1))
    out = tmp_path / "filled.xlsx"
    code = ("import json, sys\nfrom juesuan.io.files import fill_file\nfill_file(sys.argv[1], sys.argv[2])\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl')))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(src), str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout) == []
    assert re.search(rb"<f>F%d\+F%d\+F%d</f><v>447.69</v>" % (r + 1, r + 2, r + 3), _cells(out, EVAL)[f"F{r}"])
