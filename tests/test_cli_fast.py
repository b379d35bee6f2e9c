"""The plain ``juesuan check FILE`` runs without typer (:mod:`juesuan.cli.fast`): it must print
and exit exactly as the typer command does (``check -- FILE`` takes the typer route with the
same meaning), and every other command line must still go to typer."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import run_cli
from test_check_batch import _break_one_figure

from juesuan.cli.fast import plain_check


def _both_ways(path) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
    return run_cli("check", str(path)), run_cli("check", "--", str(path))


@pytest.mark.parametrize("case", ["clean", "broken", "missing", "not-a-workbook", "control-chars"])
def test_plain_check_prints_and_exits_as_the_typer_command(case, demo_workbook, tmp_path):
    path = tmp_path / "报送.xlsx"
    expected_code = {"clean": 0, "broken": 1, "missing": 2, "not-a-workbook": 2, "control-chars": 0}[case]
    if case in ("clean", "broken"):
        shutil.copy2(demo_workbook, path)
    if case == "broken":
        _break_one_figure(path)
    if case == "not-a-workbook":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    if case == "control-chars":
        path = tmp_path / "a\x1b[31mred.xlsx"
        shutil.copy2(demo_workbook, path)
    fast, typer_route = _both_ways(path)
    assert fast.returncode == typer_route.returncode == expected_code, fast.stderr
    assert fast.stdout == typer_route.stdout
    assert fast.stderr == typer_route.stderr
    assert "\x1b" not in fast.stdout + fast.stderr
    assert "Traceback" not in fast.stderr


def test_plain_check_does_not_import_typer(demo_workbook):
    code = ("import sys\nsys.argv = ['juesuan', 'check', sys.argv[1]]\nfrom juesuan.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "print(code, 'typer' in sys.modules, 'click' in sys.modules or 'typer._click' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(demo_workbook)], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "0 False False"


def test_only_the_plain_command_line_skips_typer(tmp_path):
    folder = tmp_path / "报送"
    folder.mkdir()
    book = tmp_path / "a.xlsx"
    assert plain_check(["check", str(book)]) == book
    for argv in (["check"], ["check", str(folder)], ["check", str(book), str(book)],
                 ["check", "--help"], ["check", "-h"], ["check", "--format", "json"],
                 ["check", str(tmp_path / "*.xlsx")], ["check", "a[1].xlsx"], ["fill", str(book)],
                 ["check", ""], [], ["--version"]):
        assert plain_check(argv) is None, argv


def test_the_typer_route_still_takes_options(demo_workbook):
    out = run_cli("check", "--format", "json", str(demo_workbook))
    assert out.returncode == 0 and out.stdout.lstrip().startswith("{")
    help_text = run_cli("check", "--help")
    assert help_text.returncode == 0 and "--jobs" in help_text.stdout
