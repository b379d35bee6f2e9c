"""The template format of ``JS_NAME``, ``JS_ROLLUP``, ``JS_SCORE`` and ``JS_GRADE`` when their
format argument is blank: the format of the workbook the formula is in (基本信息 › 模板格式),
else the newest format installed — never a hard-coded year.

The expected names are derived from the spec files (a code both the 2019 list and the newest
list have, under different names), and the calling workbook is a real .xlsx made by
``juesuan new``, opened through xlwings' remote engine (:mod:`remote_payload`), whose cell is
passed as xlwings passes ``caller``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from remote_payload import blank_payload, payload_from_xlsx, remote_available

from juesuan import udf_logic as logic
from juesuan.excel.udf_caller import CallerBook
from juesuan.spec import available_formats, load_spec, newest_format

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
udfs = importlib.import_module("juesuan_udfs")

OLD = "2019"


@pytest.fixture(autouse=True)
def _fresh_memory():
    logic._BOOK_FORMATS.clear()
    logic._NEWEST.clear()
    yield
    logic._BOOK_FORMATS.clear()
    logic._NEWEST.clear()


def renamed_code() -> tuple[str, str, str]:
    """A 功能分类 code that the 2019 list and the newest list name differently:
    (code, its 2019 name, its newest name)."""
    old, new = load_spec(OLD).codes.functional, load_spec(newest_format()).codes.functional
    for code in sorted(old, key=lambda c: (-len(c), c)):  # a 项 if there is one
        if code in new and old[code] != new[code]:
            return code, old[code], new[code]
    raise AssertionError(f"no code named differently in {OLD} and {newest_format()}: pick another check")


def dropped_code() -> tuple[str, str]:
    """A 7-digit code the 2019 list has and the newest list lacks: (code, its 2019 name)."""
    old, new = load_spec(OLD).codes.functional, load_spec(newest_format()).codes.functional
    code = next(c for c in sorted(old) if len(c) == 7 and c not in new)
    return code, old[code]


class FakeBook:
    """A calling workbook that counts how often its 基本信息 is read."""

    def __init__(self, key: str, fmt: str):
        self.key, self.fmt, self.reads = key, fmt, 0

    def template_format(self) -> str:
        self.reads += 1
        return self.fmt


# ---------------------------------------------------------------- no caller: the newest format

def test_the_default_is_the_newest_format_of_the_spec_files() -> None:
    newest = newest_format()
    years = [f for f in available_formats() if f.isdigit()]
    assert newest == max(years) and newest != OLD
    assert logic.template_format(None) == logic.template_format("") == logic.template_format("  ") == newest
    assert logic.template_format(2019.0) == OLD and logic.template_format(" 2020-b ") == "2020-b"


def test_blank_format_gives_the_newest_lists_name() -> None:
    code, old_name, new_name = renamed_code()
    assert old_name != new_name
    for blank in (None, "", " "):
        assert udfs.JS_NAME(code, blank) == new_name
    assert udfs.JS_NAME(int(code)) == new_name and udfs.JS_NAME(float(code)) == new_name
    assert udfs.JS_NAME([[code], [code]]) == [[new_name], [new_name]]
    assert udfs.JS_NAME(code, newest_format()) == new_name
    assert udfs.JS_NAME(code, OLD) == old_name  # an explicit 2019 still gives 2019's


def test_blank_format_rolls_up_with_the_newest_names() -> None:
    code, old_name, new_name = renamed_code()
    names = {row[0]: row[1] for row in udfs.JS_ROLLUP([[code]], [[1.5]])}
    assert names[code] == new_name
    names = {row[0]: row[1] for row in udfs.JS_ROLLUP([[code]], [[1.5]], OLD)}
    assert names[code] == old_name


def test_a_code_only_2019_lists_is_unknown_by_default() -> None:
    code, old_name = dropped_code()
    assert udfs.JS_NAME(code) == f"#未收录: {code} 不在 {newest_format()} 年科目表中"
    assert udfs.JS_NAME(code, OLD) == old_name


def test_scores_and_grades_use_the_newest_formats_rules() -> None:
    newest = newest_format()
    for args in [(100, 80, 10, "≥"), (0, 5, 10, "预算"), (100, 125, 10, "≤"), ("≥12个", "9个", 10, "")]:
        assert udfs.JS_SCORE(*args) == udfs.JS_SCORE(*args, newest)
    for score in (95, 89.995, 89.994, 80, 60, 59.99):
        assert udfs.JS_GRADE(score) == udfs.JS_GRADE(score, newest)


def test_a_new_format_year_is_just_a_new_spec_file(tmp_path, monkeypatch) -> None:
    """A bureau's newer format (a spec file on JUESUAN_SPEC_PATH) becomes the default at once."""
    base = newest_format()
    year = str(int(base) + 79)
    (tmp_path / f"spec-{year}.yaml").write_text(
        f'extends: "{base}"\nformat: "{year}"\nversion: "{year}.1"\nname: 测试格式\nyears: [{year}, null]\n',
        encoding="utf-8")
    monkeypatch.setenv("JUESUAN_SPEC_PATH", str(tmp_path))
    logic._NEWEST.clear()  # as after a restart of Excel's Python (the newest is remembered a few seconds)
    assert newest_format() == year
    assert udfs.JS_NAME("2150588") == f"#未收录: 2150588 不在 {year} 年科目表中"
    monkeypatch.delenv("JUESUAN_SPEC_PATH")
    logic._NEWEST.clear()
    assert udfs.JS_NAME("2150588") == f"#未收录: 2150588 不在 {base} 年科目表中"


# ---------------------------------------------------------------- the calling workbook (logic)

def test_the_calling_workbooks_format_wins_over_the_newest() -> None:
    code, old_name, new_name = renamed_code()
    old_book = FakeBook("C:\\决算\\旧.xlsx", OLD)
    assert logic.template_format(None, old_book) == OLD
    assert logic.excel_call(logic.elementwise, logic.code_name, code, None, old_book) == old_name
    assert logic.excel_call(logic.rollup, [[code]], [[1.0]], None, old_book)[-1] == [code, old_name, 1.0]
    assert logic.excel_call(logic.elementwise, logic.grade, 85, None, old_book) == udfs.JS_GRADE(85, OLD)
    assert logic.excel_call(logic.elementwise, logic.score, 0, 5, 10, "预算", None, old_book) == \
        udfs.JS_SCORE(0, 5, 10, "预算", OLD)
    # an explicit format wins, and the workbook is then not read at all
    fresh = FakeBook("C:\\决算\\另一个.xlsx", OLD)
    assert logic.excel_call(logic.elementwise, logic.code_name, code, newest_format(), fresh) == new_name
    assert fresh.reads == 0


@pytest.mark.parametrize("book", [None, FakeBook("C:\\其他.xlsx", ""), FakeBook("", OLD)],
                         ids=["plain call", "not a 决算 workbook", "workbook unknown"])
def test_an_unknown_caller_gets_the_newest(book: Any) -> None:
    code, _old, new_name = renamed_code()
    assert logic.excel_call(logic.elementwise, logic.code_name, code, None, book) == new_name
    if isinstance(book, FakeBook) and not book.key:
        assert book.reads == 0  # nothing to name it by: not read


def test_a_workbook_of_a_format_not_installed_says_so() -> None:
    book = FakeBook("C:\\决算\\外地.xlsx", "2031-x")
    got = logic.excel_call(logic.elementwise, logic.code_name, "215", None, book)
    assert got.startswith("#参数错误: 本工作簿的模板格式 2031-x 未安装（已有 ") and OLD in got
    assert logic.excel_call(logic.elementwise, logic.code_name, "215", OLD, book) == load_spec(OLD).codes.functional["215"]


def test_the_workbooks_format_is_read_once_per_recalculation(monkeypatch) -> None:
    code, old_name, _new = renamed_code()
    book = FakeBook("C:\\决算\\旧.xlsx", OLD)
    for _ in range(50):
        assert logic.excel_call(logic.elementwise, logic.code_name, [[code]] * 20, None, book) == [[old_name]] * 20
    assert book.reads == 1
    monkeypatch.setattr(logic, "FORMAT_MEMORY_SECONDS", -1.0)  # remembered no longer: read again
    logic.template_format(None, book)
    logic.template_format(None, book)
    assert book.reads == 3


# ---------------------------------------------------------------- a real workbook as xlwings' caller

REMOTE = remote_available()
remote = pytest.mark.skipif(REMOTE is not None, reason=REMOTE or "")


def _new_workbook(folder: Path, name: str, *fmt: str) -> Path:
    out = folder / name
    run_cli("new", "-o", str(out), "--dept", "测试局", "--year", "2025" if not fmt else "2019", *fmt, check=True)
    return out


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """``juesuan new --format 2019`` and ``juesuan new`` (the newest format), real .xlsx files."""
    folder = tmp_path_factory.mktemp("udf-format")
    return {OLD: _new_workbook(folder, "决算2019.xlsx", "--format", OLD),
            "newest": _new_workbook(folder, "决算新.xlsx")}


def _cell_of(path: Path) -> Any:
    """A cell of the workbook opened through the remote engine: what xlwings passes as ``caller``."""
    import xlwings as xw

    book = xw.Book(json=payload_from_xlsx(path))
    return book.sheets[len(book.sheets) - 1]["D7"]


@remote
def test_a_2019_workbook_gets_2019s_names(workbooks) -> None:
    code, old_name, new_name = renamed_code()
    caller = _cell_of(workbooks[OLD])
    assert CallerBook(caller).template_format() == OLD  # what its 基本信息 sheet says
    assert udfs.JS_NAME(code, None, caller) == old_name
    assert udfs.JS_NAME(code, "", caller) == old_name
    assert udfs.JS_NAME(code, newest_format(), caller) == new_name  # typed format wins
    rolled = {row[0]: row[1] for row in udfs.JS_ROLLUP([[code]], [[2.0]], None, caller)}
    assert rolled[code] == old_name
    dropped, dropped_name = dropped_code()
    assert udfs.JS_NAME(dropped, None, caller) == dropped_name
    assert udfs.JS_GRADE(89.995, None, caller) == udfs.JS_GRADE(89.995, OLD)
    assert udfs.JS_SCORE(0, 5, 10, "预算", None, caller) == udfs.JS_SCORE(0, 5, 10, "预算", OLD)


@remote
def test_a_newest_format_workbook_gets_the_newest_names(workbooks) -> None:
    code, _old, new_name = renamed_code()
    caller = _cell_of(workbooks["newest"])
    assert CallerBook(caller).template_format() == newest_format()
    assert udfs.JS_NAME(code, None, caller) == new_name
    assert udfs.JS_NAME(code, OLD, caller) == renamed_code()[1]


@remote
def test_a_workbook_that_is_no_template_gets_the_newest() -> None:
    import xlwings as xw

    code, _old, new_name = renamed_code()
    caller = xw.Book(json=blank_payload("随便.xlsx")).sheets[0]["A1"]
    assert CallerBook(caller).template_format() == ""
    assert udfs.JS_NAME(code, None, caller) == new_name
    # called from VBA rather than a cell: no range to follow
    assert udfs.JS_NAME(code, None, "not a range") == new_name
    assert CallerBook("not a range").key == ""


@remote
def test_a_workbook_recording_an_uninstalled_format(workbooks, tmp_path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(workbooks[OLD])
    info = wb[load_spec().info.sheet]
    label = load_spec().info_label("format")
    (row,) = [r for r in range(1, info.max_row + 1) if info.cell(r, 1).value == label]
    info.cell(row, 2).value = "2031"
    path = tmp_path / "外地.xlsx"
    wb.save(path)
    got = udfs.JS_NAME("215", None, _cell_of(path))
    assert got.startswith("#参数错误: 本工作簿的模板格式 2031 未安装")
