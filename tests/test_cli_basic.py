"""The CLI as a user meets it: help texts and the demo, as real processes."""

from __future__ import annotations

from fill_helpers import read_tables, run_cli

from juesuan.spec import load_spec


def test_help():
    proc = run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    for command in ("fill", "new", "demo"):
        assert command in proc.stdout
    assert "决算" in proc.stdout


def test_fill_help():
    proc = run_cli("fill", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "--output" in proc.stdout and ".bak" in proc.stdout
    assert "明细表" in proc.stdout


def test_demo_fills_all_eight_tables(tmp_path):
    proc = run_cli("demo", "--format", "2019", "-o", str(tmp_path / "tmp"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = tmp_path / "tmp" / "示例部门决算-2019.xlsx"
    assert path.exists()
    spec = load_spec("2019")
    tables = read_tables(spec, path)
    assert sorted(tables) == [f"0{i}" for i in range(1, 9)]
    for tid, table in tables.items():
        figures = [v for r in table.rows() for v in r.values.values() if v is not None]
        assert figures and any(v != 0 for v in figures), tid
    assert tables["01"].value("grand_in", "amount") == tables["01"].value("grand_out", "amount") > 0
    assert not tables["08"].empty


def test_version_names_the_template_formats():
    from conftest import run_cli

    from juesuan import __version__

    proc = run_cli("--version")
    assert proc.returncode == 0 and __version__ in proc.stdout and "2019" in proc.stdout


def test_demo_of_another_seed_checks_clean(tmp_path):
    """The sample self-evaluations' 全年执行数 follow the seed's ledger (rule E11), so a demo
    made with any seed, in any format, passes its own check — without a note: the printed
    得分 add up to the printed 总分 (E03-total; seed 7 printed 87.85 under 87.87 by half-up)."""
    import json

    for fmt, seed in (("2020", "7"), ("2019", "22"), ("2020-b", "5")):
        out = tmp_path / fmt
        made = run_cli("demo", "--format", fmt, "--seed", seed, "-o", str(out))
        assert made.returncode == 0, made.stdout + made.stderr
        proc = run_cli("check", str(out / f"示例部门决算-{fmt}.xlsx"), "--format", "json")
        assert proc.returncode == 0, proc.stdout
        assert "E11-ledger" not in proc.stdout
        stats = json.loads(proc.stdout)["stats"]
        assert stats["info"] == stats["rounding"] == stats["warnings"] == 0, proc.stdout


def test_new_and_import_refuse_a_year_of_another_format(tmp_path):
    """``--year 2019`` with the default (2020+) format used to make a workbook that check then
    rejects (R19-info): refused at once, naming the format the year belongs to; nothing written."""
    out = tmp_path / "决算2019.xlsx"
    proc = run_cli("new", "-o", str(out), "--dept", "某局", "--year", "2019")
    assert proc.returncode == 2 and not out.exists()
    assert "--format 2019" in proc.stderr
    proc = run_cli("new", "-o", str(out), "--dept", "某局", "--year", "2024", "--format", "2019")
    assert proc.returncode == 2 and not out.exists() and "--format 2020" in proc.stderr
    csv = tmp_path / "pub.csv"
    csv.write_text("table,row,column,value\n1,本年收入合计,决算数,1.00\n", encoding="utf-8")
    proc = run_cli("import", str(csv), "-o", str(out), "--year", "2019")
    assert proc.returncode == 2 and not out.exists() and "--format 2019" in proc.stderr
    made = run_cli("new", "-o", str(out), "--dept", "某局", "--year", "2019年", "--format", "2019")
    assert made.returncode == 0, made.stderr
