"""Ledger exports that write the subject's name in the code cell ("[2080505]机关…",
"2080505 机关…", "2080505-机关…", "【2080505】…") are read as the code, and the name serves
as the typed 科目名称 where the row's own 科目名称 is blank (it names a code the list lacks
in the published tables); the row's 科目名称 wins when both are given. A code part of the
wrong length is still refused at its cell. Real workbooks written, filled by the CLI and
read back, in every format."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run_cli
from fill_helpers import BASIC, GP, PROJECT, read_tables

from juesuan.errors import InputError
from juesuan.io.files import write_new
from juesuan.ledger import read_ledger
from juesuan.port import MemoryWorkbook
from juesuan.spec import available_formats, load_spec


def _expense(func: str, econ: str, amount: str, name: str = "", kind: str = BASIC) -> list:
    return [func, econ, kind, GP, Decimal(amount), "" if kind == BASIC else "某项目", name]


def _inputs(spec, expense: list[list]) -> dict[str, list[list]]:
    income = [["2010301", "", "一般公共预算财政拨款收入", sum(r[4] for r in expense)]]
    return {"info": spec.info_rows(dept="某区测试局", year="2024" if spec.format != "2019" else "2019"),
            "income": income, "expense": expense, "balance": [], "sangong_budget": []}


@pytest.mark.parametrize("fmt", available_formats())
def test_code_cells_with_names_fill_like_plain_codes(tmp_path: Path, fmt: str):
    spec = load_spec(fmt)
    named = [
        _expense("[2010301]行政运行", "30101", "100000"),
        _expense("【2010301】行政运行", "30201 办公费", "20000"),
        _expense("2010301 行政运行", "30201", "3000"),
        _expense("2010301-行政运行", "30201", "400"),
        _expense("２０１０３９８　本局自定义事务", "30201", "50000"),  # a 项 the list lacks: named by its cell
        _expense("[2010397]代码单元格里的名称", "30227", "60000", "科目名称栏的名称", PROJECT),
    ]
    plain = [_expense("2010301", "30101", "100000"), _expense("2010301", "30201", "20000"),
             _expense("2010301", "30201", "3000"), _expense("2010301", "30201", "400"),
             _expense("2010398", "30201", "50000", "本局自定义事务"),
             _expense("2010397", "30227", "60000", "科目名称栏的名称", PROJECT)]
    a, b = tmp_path / "named.xlsx", tmp_path / "plain.xlsx"
    write_new(a, spec, inputs=_inputs(spec, named))
    write_new(b, spec, inputs=_inputs(spec, plain))
    for path in (a, b):
        proc = run_cli("fill", str(path))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    got, want = read_tables(spec, a), read_tables(spec, b)
    for tid in want:
        assert [(r.code, r.label, r.values) for r in got[tid].rows()] == \
            [(r.code, r.label, r.values) for r in want[tid].rows()], tid
    rows = {r.code: r for r in got["03"].rows() if r.code}
    assert rows["2010398"].label == "本局自定义事务"
    assert rows["2010397"].label == "科目名称栏的名称"  # the 科目名称 column wins over the code cell's name
    assert rows["2010301"].label == "行政运行" and rows["2010301"].values[next(iter(rows["2010301"].values))] == \
        Decimal("12.34")
    proc = run_cli("check", str(a))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_code_part_of_the_wrong_length_is_still_refused_at_its_cell(tmp_path: Path):
    spec = load_spec("2020")
    path = tmp_path / "bad.xlsx"
    write_new(path, spec, inputs=_inputs(spec, [_expense("[20103]行政运行", "30101", "100"),
                                               _expense("2010301.5", "30101", "100"),
                                               _expense("2010301 01", "30101", "100")]))
    proc = run_cli("fill", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = "".join(proc.stderr.split())
    assert "支出明细!A3" in text and "[20103]行政运行" in text
    assert "支出明细!A4" in text and "支出明细!A5" in text


def _book(spec, rows: list[list]) -> MemoryWorkbook:
    sheets = {}
    for s in spec.inputs:
        body = {"info": [["部门名称", "某局"], ["年度", "2024"], ["模板格式", spec.format]],
                "expense": rows}.get(s.id, [])
        sheets[s.sheet] = [[s.title], [c.label for c in (s.columns or s.fields)], *body]
    return MemoryWorkbook(sheets)


def test_fast_and_row_by_row_readings_agree_on_named_code_cells():
    """The column-by-column reading (each distinct value once) and the row-by-row reading (a
    row with a problem elsewhere sends the sheet there) give the same lines and names."""
    spec = load_spec("2020")
    rows = [["[2010398]自定义事务", "30201", BASIC, GP, 10.0, "", ""],
            ["2010398 自定义事务", "30201 办公费", BASIC, GP, 5.0, "", "栏中名称"],
            ["2010301", "30201", BASIC, GP, 1.0, "", ""]]
    fast = read_ledger(spec, _book(spec, rows))
    with pytest.raises(InputError):  # a bad amount elsewhere: the careful reading, every problem located
        read_ledger(spec, _book(spec, [*rows, ["2010301", "30201", BASIC, GP, "x", "", ""]]))
    slow_rows = [*rows, ["2010301", "30201", BASIC, GP, 2.0, "", ""]]
    slow_rows[2] = ["2010301", "30201", BASIC, GP, Decimal("1.0"), "", ""]  # not a plain float: row by row
    slow = read_ledger(spec, _book(spec, slow_rows))
    key = [(ln.func, ln.econ, ln.name) for ln in fast.lines]
    assert key == [("2010398", "30201", "自定义事务"), ("2010398", "30201", "栏中名称"), ("2010301", "30201", "")]
    assert [(ln.func, ln.econ, ln.name) for ln in slow.lines][:3] == key
    assert fast.typed_names["2010398"] == slow.typed_names["2010398"] == "自定义事务"


def test_worksheet_functions_read_named_code_cells_as_fill_does():
    """JS_SUMCODE and JS_NAME read a code cell as Fill does (one rule): the code, not an error."""
    from juesuan import udf_logic

    assert udf_logic.read_code("[2150510]工业和信息产业支持") == "2150510"
    assert udf_logic.read_code("2150510 工业和信息产业支持") == "2150510"
    total = udf_logic.sum_by_code([["[2150510]工业"], ["2150510"], ["【2010301】行政运行"]],
                                  [[100], [23.5], [7]], "21505")
    assert Decimal(str(total)) == Decimal("123.5")
    assert udf_logic.read_code("[21505]工业和信息产业监管") == "21505"  # a 款 is a 3/5/7-digit code
    with pytest.raises(udf_logic.UdfError):
        udf_logic.read_code("[2150]工业")  # 4 digits is not


@pytest.mark.parametrize("fmt", available_formats())
def test_an_economic_code_cell_with_its_name_names_the_code_like_a_functional_one(tmp_path: Path, fmt: str):
    """``30298 自定义经济科目`` (a 款 the list lacks) is published in 06 with the name typed in its
    cell, as ``2010398 自定义事务`` is in 03; a typed name that differs from the list's
    (``[30101]基本工资津贴``, ``[2010301]行政运作``) is a warning at its cell, for both schemes,
    in Fill and in check, and the list's name is published."""
    spec = load_spec(fmt)
    path = tmp_path / "named.xlsx"
    write_new(path, spec, inputs=_inputs(spec, [
        _expense("2010301", "[30101]基本工资津贴", "100000"),
        _expense("2010301", "30298 自定义经济科目", "5000"),
        _expense("2010398 自定义事务", "30201 办公费", "7000"),
        _expense("[2010301]行政运作", "30201", "800"),
    ]))
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = "".join((proc.stdout + proc.stderr).split()).replace("│", "")
    assert "经济分类编码30101在明细表中的名称“基本工资津贴”" in said and "“基本工资”不同" in said, said
    assert "功能分类编码2010301在明细表中的名称“行政运作”" in said and "“行政运行”不同" in said, said
    assert "自定义经济科目" in said  # the code the list lacks: named by its cell (unknown-code warning)
    rows = {r.code: r.label for r in read_tables(spec, path)["06"].rows() if r.code}
    assert rows["30298"] == "自定义经济科目" and rows["30101"] == "基本工资" and rows["30201"] == "办公费"
    check = run_cli("check", str(path), "--format", "json")
    assert check.returncode == 0, check.stdout + check.stderr
    findings = json.loads(check.stdout)["findings"]
    conflicts = {f["cells"][0]["cell"]: f for f in findings if "在明细表中的名称" in f["message"]}
    assert set(conflicts) == {"B3", "A6"}, conflicts  # each at the cell that typed the name
    assert all(f["severity"] == "warning" and "differs from the" in f["message_en"] for f in conflicts.values())


def test_fast_and_row_by_row_readings_keep_the_same_economic_names():
    spec = load_spec("2020")
    rows = [["2010301", "30298 自定义经济科目", BASIC, GP, 10.0, "", ""],
            ["2010301", "[30298]另一个名称", BASIC, GP, 5.0, "", ""],
            ["2010301", "商品和服务支出/办公费", BASIC, GP, 1.0, "", ""]]
    with pytest.raises(InputError):  # a path is no code cell: refused at its cell
        read_ledger(spec, _book(spec, rows))
    rows[2][1] = "30201"
    fast = read_ledger(spec, _book(spec, rows))
    slow = read_ledger(spec, _book(spec, [*rows[:2], ["2010301", "30201", BASIC, GP, Decimal("1.0"), "", ""]]))
    assert fast.typed_names["30298"] == slow.typed_names["30298"] == "自定义经济科目"  # the first row's
    assert [ln.econ for ln in fast.lines] == [ln.econ for ln in slow.lines] == ["30298", "30298", "30201"]
