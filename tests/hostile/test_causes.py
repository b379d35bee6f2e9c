"""The ten causes of issue #9 (an adversarial run: 186 bad inputs and faults, 43 failures),
one or more named tests each. Every file is built at run time; every refusal asserts the
exit code, the bilingual message, the original byte-identical and nothing left behind."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hostile_kit import (
    BASIC,
    GP,
    add_cells,
    digest,
    filled,
    formulas_in,
    inflating_member,
    listing,
    patch_sheet,
    refused,
    rewrite,
    run_cli,
    run_measured,
    set_cell_xml,
    sheet_part,
    workbook,
)

from juesuan.errors import InputError


@pytest.fixture(scope="module")
def base_filled(tmp_path_factory) -> Path:
    return filled(tmp_path_factory.mktemp("filled"))


@pytest.fixture()
def book(base_filled, tmp_path) -> Path:
    """A filled workbook of its own for each test: ``tmp_path/in.xlsx``."""
    target = tmp_path / "in.xlsx"
    shutil.copy(base_filled, target)
    return target


def _temps(folder: Path) -> list[str]:
    return [n for n in listing(folder) if n.startswith(".~juesuan-")]


# -- 1. write errors: exit 2, located, nothing partial ------------------------------------------

def test_cause01_output_path_is_a_folder(book, tmp_path):
    folder = tmp_path / "out.xlsx"
    folder.mkdir()
    refused(["fill", str(book), "-o", str(folder)], "输出路径是一个文件夹", "is a folder", keep=[book], folder=tmp_path)
    docx = tmp_path / "说明.docx"
    docx.mkdir()
    refused(["narrative", str(book), "-o", str(docx)], "输出路径是一个文件夹", "is a folder", keep=[book],
            folder=tmp_path)


def test_cause01_unwritable_folder(book, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    for args in (["fill", str(book), "-o", str(blocker / "out.xlsx")],
                 ["narrative", str(book), "-o", str(blocker / "说明.docx")],
                 ["new", "-o", str(blocker / "new.xlsx")]):
        refused(args, "无法写入输出文件", "Cannot write output file", str(blocker), keep=[book, blocker],
                folder=tmp_path)


def test_cause01_disk_full_while_writing_the_docx_leaves_nothing(tmp_path):
    """A writer that fails with ENOSPC half-way (the fake full disk; the real one is in
    test_faults): a located exit-2 error, no partial file, no temporary file."""
    from juesuan.io.safe_write import atomic_write

    target = tmp_path / "说明.docx"

    def half_then_full(tmp: Path) -> None:
        tmp.write_bytes(b"PK\x03\x04" + b"x" * 5000)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(InputError) as caught:
        atomic_write(target, half_then_full)
    problem = caught.value.problems[0]
    assert problem.code == "output-write" and "磁盘已满" in problem.message_zh and "no space" in problem.message_en
    assert str(target) in problem.message_zh
    assert listing(tmp_path) == []


# -- 2. XML entity declarations are refused on every read path ----------------------------

DTD = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'


def _with_dtd(xml: bytes) -> bytes:
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    return DTD + body.replace(b"</sheetData>", b"<row r=\"999\"><c r=\"A999\" t=\"inlineStr\"><is><t>&lol2;</t>"
                              b"</is></c></row></sheetData>", 1)


@pytest.mark.parametrize("command", ["check", "check-text", "narrative", "fill", "clear", "eval"])
def test_cause02_entity_declaration_in_a_sheet(command, book, tmp_path):
    patch_sheet(book, "公开01表", _with_dtd)
    text = tmp_path / "说明.txt"
    text.write_text("本年收入合计10.00万元。", encoding="utf-8")
    args = {"check": ["check", str(book)], "check-text": ["check-text", str(text), "--against", str(book)],
            "narrative": ["narrative", str(book), "-o", str(tmp_path / "说明.docx")],
            "fill": ["fill", str(book)], "clear": ["clear", str(book)],
            "eval": ["eval", "add", str(book), "--name", "项目"]}[command]
    refused(args, "DTD/实体声明", "declares a DTD or entities", keep=[book, text], folder=tmp_path)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"])
def test_cause02_entity_declaration_in_other_parts(part, book, tmp_path):
    rewrite(book, {part: lambda xml: DTD + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)})
    refused(["check", str(book)], "DTD/实体声明", keep=[book], folder=tmp_path)


def test_cause02_declaration_after_the_root_is_refused_too(book, tmp_path):
    patch_sheet(book, "支出明细", lambda xml: xml.replace(b"<sheetData>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><sheetData>", 1))
    refused(["check", str(book)], "DTD/实体声明", keep=[book], folder=tmp_path)


# -- 3. the marks state sheet is validated like any input ---------------------------------

GOOD_FILL = '<fill><patternFill patternType="none" /></fill>'


@pytest.mark.parametrize("row", [
    ("公开01表", "A1:XFD1048576", GOOD_FILL, ""),
    ("公开01表", "A1", "<fill><patternFill", ""),
    ("公开01表", "A1", GOOD_FILL, '{"text": "broken'),
    ("公开01表", "A1", GOOD_FILL, '{"text": 5, "author": "x"}'),
    ("公开01表", "A1", '<!DOCTYPE f [<!ENTITY e "x">]><fill><patternFill patternType="none"/></fill>', ""),
    ("公开01表", "ZZZZ9", GOOD_FILL, ""),
    (None, "A1", GOOD_FILL, ""),
], ids=["huge-range", "malformed-xml", "malformed-json", "json-not-a-note", "dtd", "bad-address", "no-sheet"])
def test_cause03_marks_state_sheet_is_validated(row, book, tmp_path):
    wb = openpyxl.load_workbook(book)
    state = wb.create_sheet("_juesuan_marks")
    state.append(("sheet", "cell", "fill", "comment"))
    state.append(row)
    state.sheet_state = "hidden"
    wb.save(book)
    code, text, peak, seconds = run_measured("clear", str(book), timeout=120)
    assert code == 2, text
    assert "标记状态表第 2 行无效" in text and "marks state sheet is invalid" in text, text
    assert "Traceback" not in text
    assert seconds < 60 and peak < 500, (seconds, peak)
    assert not _temps(tmp_path)


# -- 4. limits checked before reading -----------------------------------------------------

def test_cause04_one_cell_at_xfd1048576(book, tmp_path):
    patch_sheet(book, "支出明细", lambda xml: add_cells(xml, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    assert book.stat().st_size < 200_000
    for args in (["fill", str(book)], ["check", str(book)]):
        before = digest(book)
        code, text, peak, seconds = run_measured(*args)
        assert code == 2, text
        assert "超过上限" in text and "over the limit" in text, text
        assert peak < 500 and seconds < 120, (peak, seconds)
        assert digest(book) == before and not _temps(tmp_path)


def test_cause04_cell_address_not_first_in_its_tag(book, tmp_path):
    patch_sheet(book, "支出明细", lambda xml: add_cells(xml, '<row r="900000"><c t="n" r="ZZ900000"><v>1</v></c></row>'))
    refused(["check", str(book)], "超过上限", keep=[book], folder=tmp_path)


def test_cause04_a_dimension_claiming_the_whole_grid(book, tmp_path):
    patch_sheet(book, "收入明细", lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>',
                                                   xml, count=1))
    refused(["check", str(book)], "超过上限", keep=[book], folder=tmp_path)


def test_cause04_inflating_to_more_than_the_limit(book, tmp_path):
    inflating_member(book, "xl/media/padding.xml", 520 * 1024 * 1024)  # the default limit: 500 MB
    assert book.stat().st_size < 20 * 1024 * 1024
    code, text, peak, seconds = run_measured("fill", str(book))
    assert code == 2 and "工作簿过大" in text and "too large" in text, text
    assert peak < 500, peak


def test_cause04_limits_are_a_bureau_setting(book, tmp_path):
    refused(["check", str(book)], "个单元格，超过上限 100", "over the limit of 100", keep=[book], folder=tmp_path,
            env={"JUESUAN_MAX_CELLS": "100"})
    inflating_member(book, "xl/media/padding.xml", 3 * 1024 * 1024)
    refused(["fill", str(book)], "工作簿过大", "limit 2 MB", keep=[book], folder=tmp_path,
            env={"JUESUAN_MAX_INFLATED_MB": "2"})
    proc = run_cli("check", str(book))  # the default limit: 500 MB
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr


def test_cause04_lying_size_header(book, tmp_path):
    """A member whose header declares far fewer bytes than it inflates to: refused as damaged."""
    inflating_member(book, "xl/media/liar.xml", 3 * 1024 * 1024)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as z:
        local = z.getinfo("xl/media/liar.xml").header_offset
    data[local + 22:local + 26] = (1000).to_bytes(4, "little")  # local header: uncompressed size
    entries = [m.start() for m in re.finditer(rb"PK\x01\x02", data)
               if data[m.start() + 46:m.start() + 46 + len(b"xl/media/liar.xml")] == b"xl/media/liar.xml"]
    assert entries
    data[entries[0] + 24:entries[0] + 28] = (1000).to_bytes(4, "little")  # central directory: the same
    book.write_bytes(bytes(data))
    refused(["check", str(book)], "工作簿已损坏", keep=[book], folder=tmp_path)


# -- 5. formulas on detail sheets ---------------------------------------------------------

def _formula_amount(book: Path, cell: str, formula: str, cached: str | None, kind: str = "") -> Path:
    value = f"<v>{cached}</v>" if cached is not None else ""
    return patch_sheet(book, "支出明细", lambda xml: set_cell_xml(xml, cell, f'<c r="{cell}"{kind}><f>{formula}</f>{value}</c>'))


def test_cause05_fill_keeps_the_cached_values_it_read(tmp_path):
    book = workbook(tmp_path)
    _formula_amount(book, "E4", "E3*0.4", "20000")  # 50,000 × 0.4: the value Excel would store
    proc = run_cli("fill", str(book))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with zipfile.ZipFile(book) as z:
        xml = z.read(sheet_part(book, "支出明细"))
    assert re.search(rb'<c r="E4"[^>]*><f>E3\*0.4</f><v>20000</v></c>', xml), xml[-2000:]
    check = run_cli("check", str(book))
    assert check.returncode == 0, check.stdout + check.stderr  # the filled workbook checks clean
    again = run_cli("fill", str(book))
    assert again.returncode == 0, again.stdout + again.stderr  # and fills again


@pytest.mark.parametrize("error", ["#DIV/0!", "#VALUE!", "#REF!"])
def test_cause05_error_values_are_reported_as_such(error, tmp_path):
    book = workbook(tmp_path)
    _formula_amount(book, "E4", "1/0", error, ' t="e"')
    refused(["fill", str(book)], "支出明细!E4", f"错误值 {error}", f"evaluates to the error {error}", keep=[book],
            folder=tmp_path)
    proc = run_cli("check", str(book))
    assert proc.returncode == 1 and error in proc.stdout and "支出明细!E4" in proc.stdout, proc.stdout + proc.stderr
    assert "recalculate and save in Excel" not in proc.stdout


def test_cause05_uncached_formula_on_a_self_evaluation_sheet(tmp_path):
    book = workbook(tmp_path)
    assert run_cli("eval", "add", str(book), "--name", "项目甲").returncode == 0
    wb = openpyxl.load_workbook(book)
    wb["绩效自评-项目甲"]["F6"] = "=E6*0.9"
    wb.save(book)
    refused(["fill", str(book)], "绩效自评-项目甲!F6", "没有缓存的计算结果", "no cached value", keep=[book],
            folder=tmp_path)
    proc = run_cli("check", str(book))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    said = " ".join(proc.stdout.split())  # the same cell and reason as Fill, once, as a finding
    assert said.count("绩效自评-项目甲!F6") == 1 and "没有缓存的计算结果" in said, said


def test_cause05_uncached_formulas_anywhere_never_crash(book, tmp_path):
    wb = openpyxl.load_workbook(book)
    wb["公开01表"]["C7"] = "=1+1"
    wb["基本信息"]["B4"] = "=2018+1"
    wb["支出明细"]["G3"] = '="名称"&"X"'
    wb.save(book)
    for args in (["check", str(book)], ["narrative", str(book), "-o", str(tmp_path / "说明.docx")]):
        proc = run_cli(*args)
        assert proc.returncode in (0, 1, 2) and "Traceback" not in proc.stdout + proc.stderr, proc.stderr
        if args[0] == "check":  # a table figure's formula without value: named as such, not "not a number"
            assert "公开01表!C7 的公式没有缓存的计算结果" in " ".join(proc.stdout.split()), proc.stdout
    refused(["fill", str(book), "-o", str(tmp_path / "out.xlsx")], "支出明细!G3", "no cached value",
            keep=[book], folder=tmp_path)


# -- 6. text is text ----------------------------------------------------------------------

INJECTIONS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://example.invalid/x","点此")', "#N/A", "=1+1"]


def test_cause06_names_from_the_workbook_stay_text(tmp_path):
    book = workbook(tmp_path, expense=[["2119999", "30101", BASIC, GP, 50000, INJECTIONS[1], INJECTIONS[0]],
                                       ["2110101", "30201", BASIC, GP, 20000, INJECTIONS[3], INJECTIONS[2]]])
    out = tmp_path / "out.xlsx"
    proc = run_cli("fill", str(book), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert formulas_in(out) == {}
    wb = openpyxl.load_workbook(out)
    texts = {c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert INJECTIONS[0] in texts  # the typed name of the unknown code, published as text
    errors = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "e"]
    assert errors == []


def test_cause06_command_line_text_stays_text(tmp_path):
    book = tmp_path / "new.xlsx"
    proc = run_cli("new", "-o", str(book), "--format", "2019", "--dept", INJECTIONS[1], "--year", "2019")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert run_cli("eval", "add", str(book), "--name", INJECTIONS[3], "--unit", INJECTIONS[0]).returncode == 0
    assert formulas_in(book) == {}
    wb = openpyxl.load_workbook(book)
    assert wb["基本信息"]["B3"].value == INJECTIONS[1] and wb["基本信息"]["B3"].data_type == "s"
    # and through Fill, with the department's name on every table
    data = workbook(tmp_path, "data.xlsx", info=[["部门名称", INJECTIONS[1]], ["年度", "2019"], ["模板格式", "2019"]])
    assert run_cli("eval", "add", str(data), "--name", INJECTIONS[0]).returncode == 0
    proc = run_cli("fill", str(data))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert formulas_in(data) == {}


def test_cause06_marked_copies_carry_no_formula(book, tmp_path):
    wb = openpyxl.load_workbook(book)
    ws = wb["公开01表"]
    ws["A7"].value, ws["A7"].data_type = INJECTIONS[0], "s"
    ws["C7"].value = (ws["C7"].value or 0) + 1  # 一般公共预算财政拨款收入 off by 1: a finding to mark
    wb.save(book)
    marked = tmp_path / "标记.xlsx"
    proc = run_cli("check", str(book), "--mark", str(marked))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert formulas_in(marked) == {}
    assert run_cli("clear", str(marked)).returncode == 0
    assert formulas_in(marked) == {}


def test_cause06_control_characters_never_reach_the_terminal(book, tmp_path):
    patch_sheet(book, "基本信息", lambda xml: xml.replace("测试部门".encode("ascii", "xmlcharrefreplace"),
                                                          "_x001B_]0;pwned_x0007_\u009b31m部门".encode(), 1))
    hostile_name = tmp_path / "bad\x1b[2Jname.xlsx"
    shutil.copy(book, hostile_name)
    for args in (["check", str(book)], ["check", str(book), "--format", "json"], ["check", str(tmp_path)],
                 ["fill", str(book), "-o", str(tmp_path / "o.xlsx")], ["check", str(hostile_name)]):
        proc = run_cli(*args)
        text = proc.stdout + proc.stderr
        assert "Traceback" not in text
        for ch in ("\x1b", "\x07", "\x9b"):
            assert ch not in text, (args, text)
    proc = run_cli("check", str(book), "--format", "json")
    import json

    json.loads(proc.stdout)  # still valid JSON


def test_cause06_codes_are_ascii_digits_only(tmp_path):
    book = workbook(tmp_path, expense=[["٢١١٠١٠١", "30101", BASIC, GP, 50000, "", ""]])
    refused(["fill", str(book)], "支出明细!A3", "格式不正确", "Malformed code", keep=[book], folder=tmp_path)


# -- 7. in place: mode, owner, symlink, read-only ------------------------------------------

def test_cause07_mode_and_owner_are_kept(book, tmp_path):
    os.chmod(book, 0o600)
    if os.geteuid() == 0:
        os.chown(book, 4321, 4322)
    proc = run_cli("fill", str(book))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    st = book.stat()
    assert st.st_mode & 0o7777 == 0o600
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (4321, 4322)
    assert (tmp_path / "in.bak.xlsx").exists() and not _temps(tmp_path)


def test_cause07_read_only_file_is_refused(book, tmp_path):
    os.chmod(book, 0o444)
    refused(["fill", str(book)], "文件为只读", "read-only", keep=[book], folder=tmp_path)
    refused(["clear", str(book)], "文件为只读", keep=[book], folder=tmp_path)
    refused(["eval", "add", str(book), "--name", "项目"], "文件为只读", keep=[book], folder=tmp_path)
    assert book.stat().st_mode & 0o777 == 0o444


def test_cause07_symlink_is_written_through(book, tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "决算.xlsx"
    shutil.move(book, real)
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    before = digest(real)
    wb = openpyxl.load_workbook(real)
    wb["支出明细"]["E3"] = 60000
    wb.save(real)
    before = digest(real)
    proc = run_cli("fill", str(link))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert digest(real) != before  # the target was filled
    assert (real_dir / "决算.bak.xlsx").exists()


# -- 8. the .bak is written atomically -----------------------------------------------------

def test_cause08_bak_path_is_a_folder(book, tmp_path):
    (tmp_path / "in.bak.xlsx").mkdir()
    refused(["fill", str(book)], "in.bak.xlsx", "无法写入备份文件", "is a folder", keep=[book], folder=tmp_path)
    assert list((tmp_path / "in.bak.xlsx").iterdir()) == []


def test_cause08_failing_backup_keeps_the_previous_good_bak(book, tmp_path, monkeypatch):
    """Disk full while the backup is copied (hard links unavailable): the previous .bak and
    the workbook are untouched, nothing is left behind."""
    from juesuan.io import files, safe_write

    bak = tmp_path / "in.bak.xlsx"
    bak.write_bytes(b"the previous good backup")
    before = digest(book)

    def no_link(*_a):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    def copy_then_full(src, dst, **_k):
        Path(dst).write_bytes(Path(src).read_bytes()[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safe_write.os, "link", no_link)
    monkeypatch.setattr(safe_write.shutil, "copy2", copy_then_full)
    with pytest.raises(InputError) as caught:
        files.fill_file(book)
    assert caught.value.problems[0].code == "backup-write"
    assert "磁盘已满" in caught.value.problems[0].message_zh
    assert bak.read_bytes() == b"the previous good backup"
    assert digest(book) == before
    assert sorted(listing(tmp_path)) == ["in.bak.xlsx", "in.xlsx"]


def test_cause08_backup_replaces_the_previous_one_whole(book, tmp_path):
    bak = tmp_path / "in.bak.xlsx"
    bak.write_bytes(b"older backup")
    before = book.read_bytes()
    assert run_cli("fill", str(book)).returncode == 0
    assert bak.read_bytes() == before
    assert not _temps(tmp_path)


# -- 9. extension and type; ASCII codes ---------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["fill", "{book}", "-o", "{dir}/out.xlsm"], ".xlsx"),
    (["fill", "{book}", "-o", "{dir}/out.txt"], ".xlsx"),
    (["new", "-o", "{dir}/new.xlsm"], ".xlsx"),
    (["narrative", "{book}", "-o", "{dir}/说明.xlsx"], ".docx"),
    (["check", "{book}", "--mark", "{dir}/标记.xlsm"], ".xlsx"),
], ids=["fill-xlsm", "fill-txt", "new-xlsm", "narrative-xlsx", "mark-xlsm"])
def test_cause09_output_extension_matches_the_type(args, needle, book, tmp_path):
    args = [a.format(book=book, dir=tmp_path) for a in args]
    refused(args, "扩展名应为", f"must end in {needle}", keep=[book], folder=tmp_path)


def test_cause09_non_ascii_digits_are_not_codes(tmp_path):
    book = workbook(tmp_path, income=[["٢١١٠١٠١", "", "一般公共预算财政拨款收入", 100000]])
    refused(["fill", str(book)], "收入明细!A3", "٢١١٠١٠١", keep=[book], folder=tmp_path)


# -- 10. locks and stale temporary files --------------------------------------------------

@pytest.mark.parametrize("lock", ["~$in.xlsx", ".~lock.in.xlsx#"])
def test_cause10_workbook_open_elsewhere_is_refused(lock, book, tmp_path):
    (tmp_path / lock).write_bytes(b"owner")
    for args in (["fill", str(book)], ["clear", str(book)], ["eval", "add", str(book), "--name", "项目"]):
        refused(args, "锁文件", "open in another program", keep=[book], folder=tmp_path)
    other = tmp_path / "other.xlsx"
    shutil.copy(book, other)
    refused(["fill", str(other), "-o", str(book), "--force"], "锁文件", keep=[book, other], folder=tmp_path)


def test_cause10_stale_temporary_files_are_cleaned(book, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".~juesuan-{dead.stdout.strip()}-0badc0de.xlsx.tmp"
    stale.write_bytes(b"half a workbook")
    live = tmp_path / f".~juesuan-{os.getpid()}-0123abcd.xlsx.tmp"
    live.write_bytes(b"someone is writing this")
    assert run_cli("fill", str(book)).returncode == 0
    assert not stale.exists()
    assert live.exists()  # its process is alive: not ours to remove


def test_cause02_entity_declaration_in_a_docx_narrative(book, tmp_path):
    docx = tmp_path / "说明.docx"
    assert run_cli("narrative", str(book), "-o", str(docx)).returncode == 0
    rewrite(docx, {"word/document.xml": lambda xml: DTD + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)})
    refused(["check-text", str(docx), "--against", str(book)], "DTD/实体声明", keep=[book, docx], folder=tmp_path)
