"""``juesuan consolidate``, ``check --units`` and ``demo --units`` as real processes on real
.xlsx files: the department workbook fills and checks clean against its units; a changed
unit is caught; unbalanced eliminations, mixed formats and unusable units are refused
(exit 2, nothing written); an existing output is never overwritten without --force."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from python_calamine import CalamineWorkbook

from juesuan.consolidate.sample import department_units
from juesuan.errors import InputError
from juesuan.io.files import write_new
from juesuan.spec import load_spec


def rows_of(path: Path, sheet: str) -> list[list]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(sheet).to_python()
    finally:
        wb.close()


@pytest.fixture(scope="module")
def demo_department(tmp_path_factory) -> Path:
    """``juesuan demo --units 3``: three filled unit workbooks and the filled department."""
    out = tmp_path_factory.mktemp("dept")
    proc = run_cli("demo", "--units", "3", "--format", "2019", "-o", str(out), check=True)
    assert "内部抵销 8 行" in proc.stdout
    return out


def test_demo_department_fills_and_checks_clean(demo_department):
    dept = demo_department / "示例部门决算-汇总-2019.xlsx"
    units = demo_department / "单位"
    assert sorted(p.name for p in units.iterdir()) == ["某市环境监测站.xlsx", "某市环境科学研究所.xlsx",
                                                       "某市生态环境局本级.xlsx"]
    proc = run_cli("check", str(dept), "--units", str(units), "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["valid"] and not [f for f in report["findings"] if f["severity"] != "info"]
    composition = rows_of(dept, "单位构成")
    assert composition[2:5] == [["1", "某市生态环境局本级", "本级"], ["2", "某市环境监测站", "下属单位"],
                                ["3", "某市环境科学研究所", "下属单位"]]
    narrative = "\n".join(" ".join(str(v) for v in r) for r in rows_of(dept, "说明"))
    section = narrative[narrative.index("部门决算单位构成"):]
    assert all(name in section for name in ("某市生态环境局本级", "某市环境监测站", "某市环境科学研究所"))
    t01 = {r[0]: r[2] for r in rows_of(dept, "公开01表") if r and r[0]}
    assert not t01["三、上级补助收入"] and not t01["六、附属单位上缴收入"]
    # the department's 01 total income = the units' total income − the eliminated transfers
    unit_totals = sum(Decimal(str({r[0]: r[2] for r in rows_of(p, "公开01表") if r and r[0]}["本年收入合计"]))
                      for p in units.iterdir())
    transfers = Decimal(0)
    for _name, rows in department_units(3):
        transfers += sum(Decimal(r[3]) for r in rows["income"] if r[2] in ("上级补助收入", "附属单位上缴收入"))
    assert abs(Decimal(str(t01["本年收入合计"])) - (unit_totals - transfers / 10_000)) <= Decimal("0.02")


def test_every_unit_of_the_demo_checks_clean_on_its_own(tmp_path):
    """Each unit workbook ``demo --units`` makes is a department's real input: it must pass its
    own check (本级 paid its units' subsidies from other funds it did not have, and failed R10-end:
    年末 fiscal balance above the total, in the 2020 format)."""
    run_cli("demo", "--units", "3", "-o", str(tmp_path), check=True)
    for book in sorted((tmp_path / "单位").iterdir()):
        proc = run_cli("check", str(book))
        assert proc.returncode == 0, f"{book.name}: {proc.stdout}"


def test_check_units_finds_a_changed_unit(demo_department, tmp_path):
    units = tmp_path / "单位"
    units.mkdir()
    for p in (demo_department / "单位").iterdir():
        (units / p.name).write_bytes(p.read_bytes())
    changed = units / "某市环境监测站.xlsx"
    wb = openpyxl.load_workbook(changed)
    ws = wb["支出明细"]
    ws["E3"] = ws["E3"].value + 250_000
    wb.save(changed)
    proc = run_cli("check", str(demo_department / "示例部门决算-汇总-2019.xlsx"), "--units", str(units),
                   "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "R19-units" and f["severity"] == "error"]
    assert errors and all("与各单位汇总不符" in f["message"] for f in errors)
    assert any("本年支出合计" in f["message"] and f["difference"] == "-25.00" for f in errors)


def _units(folder: Path, n: int = 3, change=None, fmt: str = "2019") -> list[Path]:
    spec = load_spec(fmt)
    paths = []
    for i, (name, rows) in enumerate(department_units(n, seed=7, fmt=fmt)):
        if change:
            change(i, rows)
        path = folder / f"{name}.xlsx"
        write_new(path, spec, inputs=rows)
        paths.append(path)
    return paths


@pytest.mark.parametrize("fmt", ["2019", "2020"])
def test_consolidate_fill_check_from_files(tmp_path, fmt):
    paths = _units(tmp_path / "u", 2, fmt=fmt)
    out = tmp_path / "部门.xlsx"
    proc = run_cli("consolidate", *map(str, paths), "-o", str(out), "--report", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["dept"] == "某市生态环境局" and [u["parent"] for u in summary["units"]] == [True, False]
    assert summary["elimination_lines"] == 4 and summary["findings"] == [] and summary["format"] == fmt
    income = rows_of(out, "收入明细")
    assert income[1][-1] == "单位" and {r[-1] for r in income[2:]} == {"某市生态环境局本级", "某市环境监测站", "内部抵销"}
    run_cli("fill", str(out), check=True)
    proc = run_cli("check", str(out), *(x for p in paths for x in ("--units", str(p))), "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "R19-units"]
    # never overwrite without --force; with it, the file is replaced
    before = out.read_bytes()
    proc = run_cli("consolidate", str(tmp_path / "u"), "-o", str(out))
    assert proc.returncode == 2 and "--force" in proc.stderr and out.read_bytes() == before
    assert run_cli("consolidate", str(tmp_path / "u"), "-o", str(out), "--force").returncode == 0
    assert len(rows_of(out, "收入明细")) == len(income)  # the same department again


def test_consolidate_writes_the_templates_theme_without_openpyxl(tmp_path):
    """The department workbook carries the theme of the format's checked-in template, taken
    from that file: a consolidation imports no openpyxl (≈0.3 s) when no picture needs it."""
    import subprocess
    import sys
    import zipfile

    paths = _units(tmp_path / "u", 2, fmt="2020")
    out = tmp_path / "部门.xlsx"
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "juesuan", "consolidate", *map(str, paths),
                           "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "juesuan.io.bulk_rows" in imported and "openpyxl" not in imported
    template = Path(load_spec("2020").path).parent / "template-2020.xlsx"
    with zipfile.ZipFile(out) as written, zipfile.ZipFile(template) as official:
        assert written.read("xl/theme/theme1.xml") == official.read("xl/theme/theme1.xml")


def test_unbalanced_elimination_refused_then_recorded(tmp_path):
    def short(i, rows):
        if i == 1:  # the unit booked 10,000 元 less 上级补助收入 than the parent paid
            row = next(r for r in rows["income"] if r[2] == "上级补助收入")
            row[3] -= 10_000
    paths = _units(tmp_path / "u", 2, short)
    out = tmp_path / "部门.xlsx"
    proc = run_cli("consolidate", str(tmp_path / "u"), "-o", str(out))
    assert proc.returncode == 2 and not out.exists()
    message = " ".join(proc.stderr.split())
    assert "内部抵销不平衡" in message and "2111101" in message and "+10000.00" in message
    assert "[某市生态环境局本级.xlsx]支出明细!E" in message and "[某市环境监测站.xlsx]收入明细!D" in message
    proc = run_cli("consolidate", str(tmp_path / "u"), "-o", str(out), "--allow-unbalanced", "--report", "json")
    assert proc.returncode == 0, proc.stderr
    [finding] = json.loads(proc.stdout)["findings"]
    assert finding["severity"] == "warning" and "+10000.00" in finding["message"]
    run_cli("fill", str(out), check=True)
    t03 = [r for r in rows_of(out, "公开03表") if r and r[0] == "合计"][0]
    assert t03[7] == 1.0  # the parent's 10,000 元 the unit didn't book stays published
    proc = run_cli("check", str(out), "--units", str(paths[0]), "--units", str(paths[1]), "--format", "json")
    findings = json.loads(proc.stdout)["findings"]
    assert proc.returncode == 0 and any(f["rule"] == "R19-units" and f["severity"] == "warning"
                                        and "内部抵销不平衡" in f["message"] for f in findings)


def test_mixed_formats_and_bad_units_refused_all_at_once(tmp_path):
    folder = tmp_path / "u"
    _units(folder, 2)
    write_new(folder / "新格式单位.xlsx", load_spec("2020"), dept="新格式单位", year="2019")
    (folder / "损坏.xlsx").write_bytes(b"not a workbook")
    wb = openpyxl.load_workbook(folder / "某市环境监测站.xlsx")
    wb["收入明细"]["D3"] = "一百元"
    wb.save(folder / "某市环境监测站.xlsx")
    out = tmp_path / "部门.xlsx"
    proc = run_cli("consolidate", str(folder), "-o", str(out))
    assert proc.returncode == 2 and not out.exists()
    message = " ".join(proc.stderr.split())
    for expected in ("[新格式单位.xlsx]基本信息", "与其他单位（2019）不一致", "[损坏.xlsx]", "[某市环境监测站.xlsx]收入明细!D3"):
        assert expected in message, expected
    assert "Traceback" not in proc.stderr


def test_department_workbook_refused_before_the_work_when_it_cannot_be_written(tmp_path, monkeypatch):
    """An output that is not an .xlsx (Excel would refuse an .xlsx package named .xlsm), a
    folder, or an existing file without --force: refused at once (exit 2, the path and why
    in the message), before any unit is read; nothing written."""
    import juesuan.io.consolidate_file as consolidate_file

    paths = _units(tmp_path / "u", 2)
    (tmp_path / "已有.xlsx").write_bytes(b"a year of work")
    (tmp_path / "文件夹.xlsx").mkdir()
    for name, code in (("部门.xlsm", "output-type"), ("文件夹.xlsx", "output-is-folder"), ("已有.xlsx", "output-exists")):
        out = tmp_path / name
        proc = run_cli("consolidate", *map(str, paths), "-o", str(out))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert name in " ".join(proc.stderr.split())
        monkeypatch.setattr(consolidate_file, "consolidate_paths", lambda *a, **k: pytest.fail("units read"))
        with pytest.raises(InputError) as caught:
            consolidate_file.consolidate_files(paths, out)
        assert caught.value.problems[0].code == code
    assert (tmp_path / "已有.xlsx").read_bytes() == b"a year of work" and not (tmp_path / "部门.xlsm").exists()


def test_consolidate_macro_writes_beside_the_units(tmp_path):
    from juesuan.excel.consolidate_macro import BUTTON_ID, consolidate

    class App:
        def __init__(self):
            self.alerts, self.opened = [], []
            self.books = self

        def alert(self, text, title="", buttons="ok", mode="info"):
            self.alerts.append((text, mode))

        def open(self, path):
            self.opened.append(path)

    class Book:
        app = App()

    folder = tmp_path / "u"
    _units(folder, 2)
    book = Book()
    outcome = consolidate(book, paths=[str(folder)], dept="")
    assert BUTTON_ID == "js_consolidate"
    assert outcome.written == tmp_path / "某市生态环境局决算-汇总.xlsx" and outcome.written.exists()
    assert book.app.opened == [str(outcome.written)]
    assert "已汇总 2 个单位" in book.app.alerts[-1][0]
    again = consolidate(book, paths=[str(folder)], dept="")  # never over an existing file
    assert again.written.name == "某市生态环境局决算-汇总(2).xlsx"
    # a department workbook is not a unit: choosing it with the units is refused
    assert consolidate(book, paths=[*map(str, folder.iterdir()), str(outcome.written)], dept="") is None
    assert "已汇总的部门工作簿" in book.app.alerts[-1][0]
    assert consolidate(book, paths=[str(tmp_path / "nothing")], dept="x") is None
    assert book.app.alerts[-1][1] == "critical" and "汇总未完成" in book.app.alerts[-1][0]


def test_check_lists_a_unit_missing_from_composition(demo_department, tmp_path):
    dept = tmp_path / "部门.xlsx"
    dept.write_bytes((demo_department / "示例部门决算-汇总-2019.xlsx").read_bytes())
    wb = openpyxl.load_workbook(dept)
    wb["收入明细"]["E4"] = "某未列入单位"
    wb.save(dept)
    proc = run_cli("check", str(dept), "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [finding] = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "R19-units"]
    assert finding["cells"] == [{"sheet": "收入明细", "cell": "E4"}] and "某未列入单位" in finding["message"]
