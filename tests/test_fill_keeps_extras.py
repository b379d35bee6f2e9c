"""What the accountant adds on a table sheet outside the table (a footer under it, a note
beside it, a formula there, a wider column) survives Fill on the patch path and on
openpyxl's careful path, for every format, and Fill says what it kept; a hand-edited
paragraph of the 说明 is rewritten (by design) with a note saying so."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import demo_of, run_cli
from test_fill_keeps_input_formulas import _careful

FOOTER = "单位负责人：张三  制表人：李四"
BESIDE = "备注：数据已核对"
KEPT = "保留表外内容 / kept outside the tables"
REWRITTEN = "手工修改的 1 段文字已按公开表重写"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
EDITED = "纳入本部门决算编制范围的单位共三个（手工改）"


def _end(ws) -> int:
    """The table's note row (1-based)."""
    return max(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("注："))


def _table(fmt: str) -> str:
    from juesuan.spec import load_spec

    return load_spec(fmt).tables[0].sheet


def _edited(src: Path, target: Path, table: str) -> dict:
    wb = openpyxl.load_workbook(src)
    ws = wb[table]
    end, right = _end(ws), ws.max_column + 2
    cells = {f"A{end + 2}": FOOTER, f"A{end + 3}": '=LEN("ab")', f"{openpyxl.utils.get_column_letter(right)}5": BESIDE,
             f"{openpyxl.utils.get_column_letter(right)}6": 12.5}
    for cell, value in cells.items():
        ws[cell] = value
    ws.column_dimensions["A"].width = 30
    note = wb["说明"]
    row = next(r for r in range(1, note.max_row + 1) if str(note.cell(r, 1).value or "").startswith("纳入本部门"))
    note.cell(row, 1).value = EDITED
    wb.save(target)
    return cells


@pytest.mark.parametrize("careful", [False, True], ids=["patch", "careful"])
@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_footer_notes_and_widths_survive_fill(tmp_path, fmt, careful):
    demo_of(fmt, tmp_path / "demo")
    src = tmp_path / "typed.xlsx"
    table = _table(fmt)
    cells = _edited(tmp_path / "demo" / f"示例部门决算-{fmt}.xlsx", src, table)
    if careful:
        src = _careful(src, tmp_path / "careful.xlsx")
    proc = run_cli("fill", str(src), check=True)
    assert KEPT in proc.stdout
    for cell in cells:
        assert f"{table}!{cell}" in proc.stdout
    assert REWRITTEN in proc.stdout
    wb = openpyxl.load_workbook(src)
    ws = wb[table]
    for cell, value in cells.items():
        assert ws[cell].value == value, cell
    assert ws.column_dimensions["A"].width == 30
    assert not any(str(ws.cell(r, 1).value or "") == EDITED for r in range(1, ws.max_row + 1))
    assert not any(str(c.value or "") == EDITED for row in wb["说明"].iter_rows() for c in row)
    assert ws[next(iter(cells))].protection.locked is False  # still the accountant's to edit
    assert run_cli("check", str(src)).returncode == 0
    # a second Fill changes nothing more (and no longer finds an edited paragraph)
    again = tmp_path / "again.xlsx"
    shutil.copy(src, again)
    proc = run_cli("fill", str(again), check=True)
    assert KEPT in proc.stdout and REWRITTEN not in proc.stdout
    first, second = openpyxl.load_workbook(src), openpyxl.load_workbook(again)
    for name in first.sheetnames:
        a, b = first[name], second[name]
        assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()], name
        assert {k: v.width for k, v in a.column_dimensions.items()} == \
            {k: v.width for k, v in b.column_dimensions.items()}, name


def _shorter(tmp_path: Path, formula: str) -> tuple[Path, int]:
    """A 2020 demo whose 3支出决算表 has a footer and ``formula`` (``{end}``: the footer's row)
    under it, then loses the 221 lines of its ledger (a shorter table); returns (file, end)."""
    demo_of("2020", tmp_path / "demo")
    src = tmp_path / "shorter.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "demo" / "示例部门决算-2020.xlsx")
    ws = wb["3支出决算表"]
    end = _end(ws)
    ws.cell(end + 2, 1).value = FOOTER
    ws.cell(end + 3, 1).value = formula.format(end=end + 2)
    ws.cell(5, 12).value = BESIDE
    ledger = wb["支出明细"]
    for row in ledger.iter_rows(min_row=3):
        if str(row[0].value or "").startswith("221"):
            for c in row:
                c.value = None
    wb.save(src)
    return src, end


def test_what_is_under_a_shorter_table_moves_up_with_its_end(tmp_path):
    """The table loses rows: what is under it keeps its distance from the table's end (as
    rows deleted in Excel move what is below), a reference to it follows; a note beside the
    table stays where it was."""
    src, end = _shorter(tmp_path, "=A{end}")
    run_cli("fill", str(src), check=True)
    ws = openpyxl.load_workbook(src)["3支出决算表"]
    new = _end(ws)
    assert new < end  # (the case under test: a shorter table)
    assert ws.cell(new + 2, 1).value == FOOTER
    assert ws.cell(new + 3, 1).value == f"=A{new + 2}"
    assert ws.cell(5, 12).value == BESIDE
    assert all(ws.cell(r, 1).value is None for r in range(new + 4, end + 4))


def test_a_moving_formula_on_the_table_is_refused(tmp_path):
    """A formula under the table referring to a figure of the table can't follow a table
    that changes: Fill stops (exit 2) naming the cell, the file untouched."""
    src, end = _shorter(tmp_path, "=B8")
    before = src.read_bytes()
    proc = run_cli("fill", str(src))
    assert proc.returncode == 2
    assert f"A{end + 3}" in proc.stdout + proc.stderr
    assert src.read_bytes() == before


def test_a_ledger_change_is_no_hand_edit(tmp_path):
    """The 说明 rewritten because the figures changed is no hand edit: no note."""
    demo_of("2020", tmp_path / "demo")
    src = tmp_path / "typed.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "demo" / "示例部门决算-2020.xlsx")
    ws = wb["收入明细"]
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.value > 10)
    cell.value += 1234.5
    wb.save(src)
    proc = run_cli("fill", str(src), check=True)
    assert "手工修改" not in proc.stdout


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")
def test_libreoffice_opens_the_result(tmp_path):
    """The filled workbook with its kept cells converts to PDF and back to .xlsx in
    LibreOffice headless (own profile), the footer read back where it was."""
    import subprocess

    demo_of("2020", tmp_path / "demo")
    src, table = tmp_path / "typed.xlsx", _table("2020")
    cells = _edited(tmp_path / "demo" / "示例部门决算-2020.xlsx", src, table)
    run_cli("fill", str(src), check=True)
    out = tmp_path / "lo"
    for kind in ("pdf", "xlsx"):
        proc = subprocess.run([SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                               "--convert-to", kind, "--outdir", str(out), str(src)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    assert (out / "typed.pdf").read_bytes().startswith(b"%PDF")
    ws = openpyxl.load_workbook(out / "typed.xlsx")[table]
    footer = next(cell for cell, value in cells.items() if value == FOOTER)
    assert ws[footer].value == FOOTER


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_a_first_fill_reports_no_hand_edit(tmp_path, fmt):
    """The placeholder a new workbook's 说明 shows before the first Fill (its title and “运行
    ‘填充’后生成”) is no hand edit: neither ``demo`` nor the first ``fill`` of ``new`` says so."""
    demo = run_cli("demo", "--format", fmt, "-o", str(tmp_path / "demo"), check=True)
    assert "手工修改" not in demo.stdout + demo.stderr
    book = tmp_path / "新.xlsx"
    run_cli("new", "-o", str(book), "--format", fmt, "--dept", "某局", "--year", "2019" if fmt == "2019" else "2025",
            check=True)
    filled = run_cli("fill", str(book))
    assert "手工修改" not in filled.stdout + filled.stderr and "hand-edited" not in filled.stdout + filled.stderr
