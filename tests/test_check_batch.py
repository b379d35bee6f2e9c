"""``juesuan check`` over several workbooks or a folder: the bureau's batch review."""

from __future__ import annotations

import json
import shutil

import openpyxl
from conftest import run_cli

from juesuan.io.xlsx import CalamineBook
from juesuan.reading import read_table
from juesuan.spec import load_spec


def _break_one_figure(path):
    """Add 5 万元 to 公开05表's first 项 row 小计 (so 05 no longer adds up)."""
    spec = load_spec("2019")
    table = spec.table("05")
    book = CalamineBook(path)
    values = read_table(spec, table, book.read_sheet(table.sheet))
    book.close()
    row = next(r for r in values.rows() if r.code and len(r.code) == 7)
    wb = openpyxl.load_workbook(path)
    ws = wb[table.sheet]
    cell = row.cells["subtotal"]
    ws[cell] = float(row.values["subtotal"]) + 5
    wb.save(path)
    return cell


def test_folder_of_workbooks_is_checked_with_a_summary(demo_workbook, tmp_path):
    folder = tmp_path / "区县报送"
    folder.mkdir()
    shutil.copy2(demo_workbook, folder / "a-正确.xlsx")
    shutil.copy2(demo_workbook, folder / "b-有错.xlsx")
    cell = _break_one_figure(folder / "b-有错.xlsx")
    (folder / "c-损坏.xlsx").write_bytes(b"not a workbook")
    (folder / "~$a-正确.xlsx").write_bytes(b"lock file")  # Excel's lock file is ignored
    (folder / "说明.txt").write_text("ignored")

    proc = run_cli("check", str(folder), "--format", "json")
    assert proc.returncode == 2, proc.stderr  # one workbook could not be checked: the worst wins
    data = json.loads(proc.stdout)
    assert data["summary"] == {"files": 3, "passed": 1, "with_errors": 1, "unusable": 1}
    by_name = {r["file"].rsplit("/", 1)[-1]: r for r in data["workbooks"]}
    assert by_name["a-正确.xlsx"]["valid"] is True
    broken = by_name["b-有错.xlsx"]
    assert broken["valid"] is False
    assert any(c["sheet"] == "公开05表" and c["cell"] == cell for f in broken["findings"] for c in f["cells"])
    assert by_name["c-损坏.xlsx"]["checked"] is False and "zip" in by_name["c-损坏.xlsx"]["error"]

    text = run_cli("check", str(folder / "a-正确.xlsx"), str(folder / "b-有错.xlsx"))
    assert text.returncode == 1  # errors, but every workbook could be checked
    assert "汇总 / summary" in text.stdout and "b-有错.xlsx" in text.stdout


def test_batch_refuses_mark_and_empty_folders(demo_workbook, tmp_path):
    assert run_cli("check", str(tmp_path)).returncode == 2  # nothing to check
    proc = run_cli("check", str(demo_workbook), str(demo_workbook), "--mark", str(tmp_path / "m.xlsx"))
    assert proc.returncode == 2 and "--mark" in proc.stderr


def test_parallel_batch_gives_the_same_summary_and_exit_code(demo_workbook, tmp_path):
    folder = tmp_path / "报送"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"):
        shutil.copy2(demo_workbook, folder / name)
    _break_one_figure(folder / "c.xlsx")
    (folder / "e.xlsx").write_bytes(b"not a workbook")
    one = run_cli("check", str(folder), "--format", "json", "--jobs", "1")
    two = run_cli("check", str(folder), "--format", "json", "--jobs", "2")
    assert (one.returncode, two.returncode) == (2, 2)
    assert json.loads(one.stdout) == json.loads(two.stdout)  # same entries, in the same order
    assert json.loads(two.stdout)["summary"] == {"files": 5, "passed": 3, "with_errors": 1, "unusable": 1}
    text = run_cli("check", str(folder), "-j", "2")
    assert text.returncode == 2 and text.stdout.index("a.xlsx ====") < text.stdout.index("d.xlsx ====")
    assert "共 5 个工作簿" in text.stdout
    assert run_cli("check", str(folder), "--jobs", "0").returncode == 2  # a usage error, not a traceback


def test_a_folders_xls_files_are_listed_as_unusable_not_skipped(demo_workbook, tmp_path):
    """A department that sent .xls (or an .xlsx renamed .xls) is counted and told why, instead
    of being left out of the summary unseen; the renamed one is told to rename, not “corrupt”."""
    folder = tmp_path / "报送"
    folder.mkdir()
    shutil.copy2(demo_workbook, folder / "a.xlsx")
    shutil.copy2(demo_workbook, folder / "b-改名.xls")
    (folder / "c-旧版.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (folder / "子目录.xls").mkdir()  # a folder is no workbook
    proc = run_cli("check", str(folder), "--format", "json")
    assert proc.returncode == 2, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"] == {"files": 3, "passed": 1, "with_errors": 0, "unusable": 2}
    by_name = {r["file"].rsplit("/", 1)[-1]: r for r in data["workbooks"]}
    assert "请改名为 .xlsx" in by_name["b-改名.xls"]["error"] and "损坏" not in by_name["b-改名.xls"]["error"]
    assert ".xls" in by_name["c-旧版.xls"]["error"]
    single = run_cli("check", str(folder / "b-改名.xls"))
    assert single.returncode == 2 and "rename it to .xlsx" in single.stderr.replace("\n", " ").replace("│", "")


def test_batch_text_names_every_file_and_why_in_full_at_80_columns(demo_workbook, tmp_path):
    """Piped to a log at 80 columns, the summary wraps a long file name and an unusable
    workbook's reason instead of cutting them off with “…”, and the log gives the reason
    in full under the workbook's own heading."""
    folder = tmp_path / "报送"
    folder.mkdir()
    long_name = "某市某区生态环境局机关服务中心二〇二五年度部门决算（第二次修订稿）.xlsx"
    shutil.copy2(demo_workbook, folder / long_name)
    (folder / "损坏的工作簿.xlsx").write_bytes(b"PK\x03\x04 truncated")
    proc = run_cli("check", str(folder), env={"COLUMNS": "80"})
    assert proc.returncode == 2
    flat = "".join(ch for ch in proc.stdout if not ch.isspace() and ch not in "│┃")
    assert "…" not in proc.stdout
    assert long_name in flat
    assert "====" + str(folder / "损坏的工作簿.xlsx").replace(" ", "") + "====无法校验/unusable:" in flat


def test_json_says_why_a_workbook_is_unusable_alone_or_in_a_batch(tmp_path):
    """``--format json`` is for machines: a workbook that can't be checked gives a JSON entry
    on stdout (checked: false, why in Chinese and English), alone as in a batch, exit 2."""
    broken = tmp_path / "损坏.xlsx"
    broken.write_bytes(b"not a workbook")
    proc = run_cli("check", str(broken), "--format", "json")
    assert proc.returncode == 2
    entry = json.loads(proc.stdout)
    assert entry["checked"] is False and entry["file"] == str(broken)
    assert "zip" in entry["error"] and "Not a valid Excel workbook" in entry["error_en"]
    batch = json.loads(run_cli("check", str(tmp_path), "--format", "json").stdout)
    assert batch["workbooks"] == [entry]
