"""Bad input gets a clear error (sheet, cell, reason; Chinese and English; exit code 2) and
loses nothing (no output written, the input byte-identical); tolerable input is normalised.
Every case runs ``juesuan fill`` as a real process on a real file."""

from __future__ import annotations

import copy
import hashlib
import struct
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from fill_helpers import BASIC, GP, INC_GP, OTHER, PROJECT, read_tables, run_cli
from style_helpers import style_reprs

from juesuan.io.files import write_new
from juesuan.spec import load_spec

SPEC = load_spec("2019")
BASE = {
    "info": [["部门名称", "测试部门"], ["年度", "2019"], ["模板格式", "2019"]],
    "income": [["2110101", "", INC_GP, Decimal("100000.00")]],
    "expense": [["2110101", "30101", BASIC, GP, Decimal("50000.00"), "", ""]],
    "balance": [],
    "sangong_budget": [],
}


def _book(tmp_path: Path, name: str = "in.xlsx", **sheets) -> Path:
    inputs = copy.deepcopy(BASE)
    inputs.update(sheets)
    return write_new(tmp_path / name, SPEC, inputs=inputs)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fails(path: Path, *where_and_text: str, in_place: bool = False) -> str:
    """Run fill; assert exit 2, nothing written, the input untouched, and the texts shown."""
    before = _digest(path) if path.exists() else None
    listing = sorted(p.name for p in path.parent.iterdir())
    out = path.with_name("out.xlsx")
    args = ["fill", str(path)] if in_place else ["fill", str(path), "-o", str(out)]
    proc = run_cli(*args)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "Traceback" not in text, text
    assert not out.exists()
    if before is not None:
        assert _digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing  # no temp file, no .bak left behind
    for needle in where_and_text:
        assert needle in text, f"{needle!r} not in:\n{text}"
    return text


def _expense(*rows):
    return [list(r) for r in rows]


# -- normalised, not rejected ---------------------------------------------------------------

def test_codes_as_numbers_and_tolerant_amounts_are_normalised(tmp_path):
    src = _book(tmp_path, expense=_expense(
        [2110101, 30101, BASIC, GP, Decimal("10000.00"), "", ""],           # codes typed as numbers
        [2110101.0, 30201.0, BASIC, GP, "1,234.50", "", ""],                # floats; grouped digits
        [" 2110101 ", "302 01", BASIC, GP, "８７６５.５０", "", ""],            # spaces; full-width digits
        [None, None, None, None, None, None, None],                        # a blank row: skipped
        ["2110101", "30101", BASIC, GP, Decimal("-2000.00"), "", ""],      # a correction: summed
        ["2110101", "30201", BASIC, OTHER, 100, "", ""],
    ))
    out = tmp_path / "out.xlsx"
    proc = run_cli("fill", str(src), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tables = read_tables(SPEC, out)
    # 30101: 10000 − 2000 = 8000 元 = 0.80 万元; 30201: 1234.50 + 8765.50 = 10000 元 = 1.00 万元
    t06 = tables["06"]
    assert t06.value("30101", "amount") == Decimal("0.80")
    assert t06.value("30201", "amount") == Decimal("1.00")
    assert tables["03"].value("2110101", "total") == Decimal("1.81")
    assert [r.key for r in tables["03"].rows()] == ["total", "211", "21101", "2110101"]


# -- rejected with sheet, cell and reason ---------------------------------------------------

@pytest.mark.parametrize("code, cell", [("211010", "A3"), ("21101A1", "A3"), ("21101011", "A3"), ("2110101.5", "A3")])
def test_malformed_function_code(tmp_path, code, cell):
    src = _book(tmp_path, expense=_expense([code, "30101", BASIC, GP, 1, "", ""]))
    _fails(src, f"支出明细!{cell}", "格式不正确", "Malformed code", "7")


def test_malformed_economic_code(tmp_path):
    src = _book(tmp_path, expense=_expense(["2110101", "301", BASIC, GP, 1, "", ""],
                                            ["2110101", "3O101", BASIC, GP, 1, "", ""]))
    text = _fails(src, "支出明细!B3", "支出明细!B4", "must be 5 digits")
    assert "'3O101'" in text


@pytest.mark.parametrize("sheet, rows, cell, value", [
    ("income", [["2110101", "", "捐赠收入", 1]], "收入明细!C3", "捐赠收入"),
    ("expense", [["2110101", "30101", "杂项支出", GP, 1, "", ""]], "支出明细!C3", "杂项支出"),
    ("expense", [["2110101", "30101", BASIC, "自筹资金", 1, "", ""]], "支出明细!D3", "自筹资金"),
])
def test_unknown_choice(tmp_path, sheet, rows, cell, value):
    src = _book(tmp_path, **{sheet: rows})
    _fails(src, cell, f"“{value}”不是有效的", f"'{value}' is not a valid")


def test_fiscal_funds_only_pay_basic_or_project(tmp_path):
    src = _book(tmp_path, expense=_expense(["2110101", "30101", "经营支出", GP, 1, "", ""]))
    _fails(src, "支出明细!C3", "只能用于基本支出或项目支出", "may only pay")


def test_non_numeric_amount(tmp_path):
    src = _book(tmp_path, expense=_expense(["2110101", "30101", BASIC, GP, "abc", "", ""],
                                            ["2110101", "30101", PROJECT, GP, "12,34,5", "", ""]))
    _fails(src, "支出明细!E3", "支出明细!E4", "金额“abc”不是数字", "Amount 'abc' is not a number")


def test_every_problem_is_reported_at_once(tmp_path):
    src = _book(tmp_path, income=[["2110101", "", "捐赠收入", "x"]],
                expense=_expense(["21101", "30101", BASIC, GP, 1, "", ""], ["2110101", "30101", BASIC, GP, "abc", "", ""]))
    _fails(src, "收入明细!C3", "收入明细!D3", "支出明细!A3", "支出明细!E4")


def test_formula_without_cached_value(tmp_path):
    src = _book(tmp_path)
    wb = openpyxl.load_workbook(src)
    wb["支出明细"]["E3"] = "=SUM(100,200)"  # openpyxl stores no cached value
    wb.save(src)
    _fails(src, "支出明细!E3", "公式单元格没有缓存的计算结果", "no cached value")


@pytest.mark.parametrize("how", ["deleted", "renamed"])
def test_missing_or_renamed_sheet(tmp_path, how):
    src = _book(tmp_path)
    wb = openpyxl.load_workbook(src)
    if how == "deleted":
        del wb["收入明细"]
    else:
        wb["收入明细"].title = "收入"
    wb.save(src)
    _fails(src, "收入明细", "缺少工作表“收入明细”", "Sheet '收入明细' is missing")


def test_renamed_header_is_reported(tmp_path):
    src = _book(tmp_path)
    wb = openpyxl.load_workbook(src)
    wb["支出明细"]["E2"] = "金额（万元）"
    wb.save(src)
    _fails(src, "支出明细!E2", "表头应为“金额（元）”", "Header should be")


def test_other_template_version(tmp_path):
    src = _book(tmp_path, info=[["部门名称", "测试部门"], ["年度", "2019"], ["模板格式", "2099"]])
    _fails(src, "基本信息", "模板格式为“2099”", "template format is '2099'")


def test_csv_renamed_xlsx(tmp_path):
    src = tmp_path / "data.xlsx"
    src.write_text("功能分类科目编码,金额\n2110101,100\n", encoding="utf-8")
    _fails(src, "不是有效的 Excel 工作簿", "Not a valid Excel workbook")


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal Compound File Binary (MS-CFB v3) holding ``streams`` (each padded to 4 KiB so
    they live in regular sectors, no mini stream)."""
    sector = 512
    data = b""
    starts = {}
    chain: list[int] = []
    for name, payload in streams.items():
        payload = payload.ljust(max(4096, len(payload)), b"\0")
        payload += b"\0" * (-len(payload) % sector)
        n = len(payload) // sector
        first = len(chain)
        starts[name] = (first, len(payload))
        chain += [first + i + 1 for i in range(n - 1)] + [0xFFFFFFFE]
        data += payload
    dir_sector = len(chain)
    chain.append(0xFFFFFFFE)
    fat_sector = len(chain)
    chain.append(0xFFFFFFFD)  # FATSECT
    fat = b"".join(struct.pack("<I", v) for v in chain).ljust(sector, b"\xff")

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<III", start, size, 0))

    names = list(streams)
    entries = [entry("Root Entry", 5, 1, 0xFFFFFFFF, 0xFFFFFFFE, 0)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else 0xFFFFFFFF
        entries.append(entry(name, 2, 0xFFFFFFFF, right, *starts[name]))
    directory = b"".join(entries).ljust(sector, b"\0")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, dir_sector, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0))
    header += struct.pack("<I", fat_sector) + b"\xff" * (436)
    return header.ljust(sector, b"\xff") + data + directory + fat


def test_legacy_xls(tmp_path):
    src = tmp_path / "old.xlsx"
    src.write_bytes(_cfb({"Workbook": b"\x09\x08" + b"\0" * 100}))
    _fails(src, "旧版 .xls", "legacy .xls")


def test_password_protected(tmp_path):
    src = tmp_path / "locked.xlsx"
    try:  # a real encrypted workbook when msoffcrypto-tool is at hand
        import msoffcrypto  # type: ignore[import-not-found]

        plain = _book(tmp_path, name="plain.xlsx")
        with plain.open("rb") as fin, src.open("wb") as fout:
            msoffcrypto.OfficeFile(fin).encrypt("secret", fout)
        plain.unlink()
    except (ImportError, AttributeError, TypeError):
        src.write_bytes(_cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\0" * 64}))
    assert src.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    _fails(src, "已加密或设置了打开密码", "password-protected")


def test_crafted_encrypted_container(tmp_path):
    src = tmp_path / "crafted.xlsx"
    src.write_bytes(_cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\0" * 64}))
    _fails(src, "已加密或设置了打开密码", "password-protected")


def test_corrupt_zip(tmp_path):
    src = _book(tmp_path)
    data = bytearray(src.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 400] = b"\0" * 400
    src.write_bytes(bytes(data))
    _fails(src, "工作簿已损坏", "corrupt")


def test_truncated_zip(tmp_path):
    src = _book(tmp_path)
    src.write_bytes(src.read_bytes()[:3000])
    _fails(src, "xlsx")


def test_missing_file(tmp_path):
    proc = run_cli("fill", str(tmp_path / "nope.xlsx"))
    assert proc.returncode == 2
    assert "找不到文件" in proc.stderr and "File not found" in proc.stderr


def test_error_in_place_keeps_the_file_and_makes_no_backup(tmp_path):
    src = _book(tmp_path, expense=_expense(["2110101", "30101", BASIC, GP, "abc", "", ""]))
    _fails(src, "支出明细!E3", in_place=True)
    assert not (tmp_path / "in.bak.xlsx").exists()


# -- in place, atomically, with a backup; input cells never change --------------------------

def _snapshot(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    snap = {}
    for sheet in SPEC.inputs:
        ws = wb[sheet.sheet]
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                cells[c.coordinate] = (c.value, c.data_type, c.number_format, *style_reprs(c),
                                       c.comment.text if c.comment else None)
        snap[sheet.sheet] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "validations": sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "freeze": ws.freeze_panes,
            "protected": ws.protection.sheet,
        }
    snap["order"] = [n for n in wb.sheetnames if n in SPEC.sheet_names]
    return snap


def test_fill_in_place_keeps_backup_and_never_changes_input_cells(tmp_path):
    src = _book(tmp_path, expense=_expense(
        [2110101, 30101, BASIC, GP, Decimal("10000.00"), "", ""],
        ["2110101", "30201", BASIC, GP, "1,234.50", "", ""],
        [None] * 7,
        ["2110101", "30201", BASIC, GP, Decimal("-34.50"), "", ""],
    ))
    wb = openpyxl.load_workbook(src)  # a user's own touches on an input sheet
    ws = wb["支出明细"]
    ws["F4"] = "我的备注"
    ws["F4"].font = openpyxl.styles.Font(bold=True, color="FF0000")
    wb.save(src)
    original = src.read_bytes()
    before = _snapshot(src)
    proc = run_cli("fill", str(src))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    backup = tmp_path / "in.bak.xlsx"
    assert backup.read_bytes() == original
    assert _snapshot(src) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~juesuan")]
    tables = read_tables(SPEC, src)
    assert tables["06"].value("30201", "amount") == Decimal("0.12")
    # a second Fill replaces the tables again; the inputs still don't move
    assert run_cli("fill", str(src)).returncode == 0
    assert _snapshot(src) == before
