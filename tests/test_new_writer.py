"""A new workbook written directly (``write_new``: the parts of
:func:`juesuan.io.template_file.template_parts`) against the way it was written before (an
openpyxl workbook of the same pictures, saved): every sheet byte for byte, so the same
cells, values and styles for openpyxl and python-calamine, for every format, blank and
with a department's rows typed in; LibreOffice opens it; ``juesuan new`` imports no openpyxl."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from test_consolidate_writer import ODD_TEXT, _grids, assert_same_package
from test_format_2020 import small_inputs
from test_import_2020 import published_csv, write
from test_patch_writer import SOFFICE, assert_same_values, libreoffice_round_trip

import juesuan.io.fresh_package as fresh_package
from juesuan.io.files import fill_file, write_new
from juesuan.sample import sample_inputs
from juesuan.spec import available_formats, load_spec

FORMATS = available_formats()


def _inputs(fmt: str) -> dict[str, list[list]]:
    """The sample department of ``fmt``, one project name needing escapes and looking like a formula."""
    rows = sample_inputs(spec=load_spec(fmt))
    rows["expense"][0][5] = ODD_TEXT
    return rows


@pytest.fixture(scope="module")
def new_books(tmp_path_factory) -> dict[tuple[str, bool], tuple[Path, Path]]:
    """For every format, blank and with rows: the workbook written directly, and the same
    written through openpyxl (``package_parts`` answering None, as for a picture it leaves)."""
    out = {}
    for fmt in FORMATS:
        spec = load_spec(fmt)
        for with_rows in (False, True):
            folder = tmp_path_factory.mktemp(f"new-{fmt}-{with_rows}")
            inputs = _inputs(fmt) if with_rows else None
            direct = write_new(folder / "direct.xlsx", spec, "某市生态环境局", "2025", inputs)
            with pytest.MonkeyPatch.context() as m:
                m.setattr(fresh_package, "package_parts", lambda pictures, theme=None: None)
                reference = write_new(folder / "openpyxl.xlsx", spec, "某市生态环境局", "2025", inputs)
            out[(fmt, with_rows)] = (direct, reference)
    return out


@pytest.mark.parametrize("with_rows", [False, True], ids=["blank", "rows"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_direct_new_workbook_equals_the_openpyxl_one(fmt, with_rows, new_books):
    direct, reference = new_books[(fmt, with_rows)]
    assert_same_package(direct, reference)
    assert any(ODD_TEXT in row for grid in _grids(direct).values() for row in grid) == with_rows
    if with_rows:  # the typed project name is text, never a formula
        wa = openpyxl.load_workbook(direct)
        expense = next(s.sheet for s in load_spec(fmt).inputs if s.id == "expense")
        assert ODD_TEXT in {c.value for row in wa[expense].iter_rows() for c in row}
        assert all(c.data_type != "f" for row in wa[expense].iter_rows() for c in row)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 未安装 / not installed")
def test_libreoffice_opens_the_new_workbooks(new_books, tmp_path):
    """LibreOffice converts the directly written new workbook of every format, rows typed in
    (one run for all; a blank one holds a subset of its parts), and reads the same values on
    every sheet."""
    converted = libreoffice_round_trip({fmt: direct for (fmt, rows), (direct, _) in new_books.items() if rows},
                                       tmp_path)
    for path, back in converted.items():
        assert_same_values(path, back)


def test_new_imports_no_openpyxl_and_the_workbook_fills(tmp_path):
    """``juesuan new`` writes the template without importing openpyxl (≈0.35 s of every
    run), with the checked-in template's theme; the workbook it writes opens, carries the
    department and year, and checks."""
    out = tmp_path / "决算2025.xlsx"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "juesuan", "new", "-o", str(out),
                           "--dept", "某市生态环境局", "--year", "2025"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "juesuan.io.template_file" in imported and "openpyxl" not in imported
    spec = load_spec("2020")
    with zipfile.ZipFile(out) as written, zipfile.ZipFile(Path(spec.path).parent / "template-2020.xlsx") as official:
        assert written.read("xl/theme/theme1.xml") == official.read("xl/theme/theme1.xml")
    info = _grids(out)[spec.info.sheet]
    assert ["某市生态环境局", "2025"] == [next(r[1] for r in info if r and r[0] == spec.info_label(k))
                                  for k in ("dept", "year")]
    check = subprocess.run([sys.executable, "-m", "juesuan", "check", str(out)], capture_output=True, text=True)
    assert check.returncode in (0, 1), check.stderr[-2000:]


def test_new_refuses_another_extension(tmp_path):
    """A new workbook is an .xlsx: another extension is refused, nothing written."""
    from juesuan.errors import InputError

    with pytest.raises(InputError):
        write_new(tmp_path / "x.xlsm", load_spec("2020"))
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def filled_2020(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("published") / "filled.xlsx"
    write_new(path, load_spec("2020"), inputs=small_inputs())
    fill_file(path, path)
    return path


def test_imported_disclosure_written_directly_equals_the_openpyxl_one(filled_2020, tmp_path):
    """``juesuan import`` writes the fresh template holding a disclosure's figures the same
    way (its tables' pictures included): every sheet byte for byte as openpyxl saves it."""
    from juesuan.io.import_file import import_file

    source = write(tmp_path / "pub.csv", published_csv(filled_2020))
    spec = load_spec("2020")
    direct = import_file(source, tmp_path / "direct.xlsx", spec, "某区某局", "2024")
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fresh_package, "package_parts", lambda pictures, theme=None: None)
        reference = import_file(source, tmp_path / "openpyxl.xlsx", spec, "某区某局", "2024")
    assert_same_package(direct, reference)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_department_name_with_undecodable_bytes_gives_a_readable_workbook(fmt, tmp_path):
    """``juesuan new --dept`` with bytes the shell could not decode (a GBK name in a UTF-8
    terminal: Python holds them as lone surrogates) wrote ``&#56575;`` into the sheet, a
    character XML cannot hold: juesuan itself then called its own new workbook corrupt (and
    Excel repairs it). They now show as U+FFFD: the workbook opens and the garbled name is seen."""
    from conftest import run_cli

    out = tmp_path / "新.xlsx"
    year = "2019" if fmt == "2019" else "2025"  # a year of the format (another is refused)
    made = run_cli("new", "-o", str(out), "--dept", "某局\udcff\udcfe", "--year", year, "--format", fmt)
    assert made.returncode == 0, made.stdout + made.stderr
    assert openpyxl.load_workbook(out)["基本信息"]["B3"].value == "某局\ufffd\ufffd"
    check = run_cli("check", str(out))
    said = " ".join((check.stdout + check.stderr).split())
    assert "损坏" not in said and "corrupt" not in said and "Traceback" not in said, said
