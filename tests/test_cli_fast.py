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
    # the run ends the process itself (no return to a caller): the import log tells what it loaded
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "juesuan", "check", str(demo_workbook)],
                         capture_output=True, text=True)
    assert out.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    assert "juesuan.validate" in imported and "juesuan.cli.checking" in imported
    assert not {"typer", "click", "typer.main", "rich"} & imported


def test_plain_check_output_survives_a_closed_pipe(demo_workbook, tmp_path):
    """The process ends without Python's tear-down: what it printed must still reach a file, in
    full, and a reader that stops early must not turn into a traceback."""
    target = tmp_path / "report.txt"
    with target.open("w", encoding="utf-8") as fh:
        code = subprocess.run([sys.executable, "-m", "juesuan", "check", str(demo_workbook)], stdout=fh).returncode
    assert code == 0
    assert target.read_text(encoding="utf-8") == run_cli("check", "--", str(demo_workbook)).stdout
    head = subprocess.run(f'"{sys.executable}" -m juesuan check "{demo_workbook}" | head -c 10', shell=True,
                          capture_output=True)
    assert len(head.stdout) == 10 and b"Traceback" not in head.stderr


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


def test_plain_check_interrupted_ends_without_a_traceback(demo_workbook):
    code = ("import sys\nimport juesuan.cli.checking as c\n"
            "def job(*a, **k):\n    raise KeyboardInterrupt\n"
            "c.check_command = job\n"
            "sys.argv = ['juesuan', 'check', sys.argv[1]]\nfrom juesuan.cli import main\nmain()\n")
    out = subprocess.run([sys.executable, "-c", code, str(demo_workbook)], capture_output=True, text=True)
    assert out.returncode == 130
    assert "Traceback" not in out.stderr and "interrupted" in out.stderr
