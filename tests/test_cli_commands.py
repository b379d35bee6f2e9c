"""A run imports only the command it was given: the table of command → module must name every
command the modules register, and a command must work when it is the only one loaded."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import juesuan.cli as cli
from juesuan.cli.app import app


def _registered() -> dict[str, str]:
    for info in pkgutil.iter_modules(cli.__path__):
        importlib.import_module(f"juesuan.cli.{info.name}")
    found = {c.name: c.callback.__module__ for c in app.registered_commands}
    for group in app.registered_groups:
        callbacks = [c.callback for c in group.typer_instance.registered_commands]
        found[group.name] = callbacks[0].__module__
    return {name: module.rsplit(".", 1)[1] for name, module in found.items()}


def test_the_table_names_every_command_and_its_module():
    assert _registered() == cli.COMMAND_MODULES


def test_a_command_run_alone_imports_no_other_command():
    code = ("import sys\nsys.argv = ['juesuan', 'spec', 'list']\nfrom juesuan.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('juesuan.cli.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == ("['juesuan.cli.app', 'juesuan.cli.common', 'juesuan.cli.console', 'juesuan.cli.fast', "
                                                    "'juesuan.cli.spec_cmd']")


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "juesuan", "--help"], capture_output=True, text=True,
                         env={"COLUMNS": "200", **__import__("os").environ})
    assert out.returncode == 0
    for name in cli.COMMAND_MODULES:
        assert name in out.stdout


def test_a_defect_ends_in_a_message_and_a_log_not_a_traceback(tmp_path, demo_workbook):
    code = ("import sys\nimport juesuan.validate as v\n"
            "def boom(*a, **k):\n    raise ZeroDivisionError('simulated defect')\n"
            "v.check_workbook = boom\n"
            "sys.argv = ['juesuan', 'check', sys.argv[1]]\nfrom juesuan.cli import main\nmain()\n")
    env = {**__import__("os").environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code, str(demo_workbook)], capture_output=True, text=True, env=env)
    assert out.returncode == 3
    assert "Traceback" not in out.stderr and "╭" not in out.stderr
    assert "内部错误" in out.stderr and "ZeroDivisionError: simulated defect" in out.stderr
    [log] = tmp_path.glob("juesuan-error-*.log")
    assert str(log) in out.stderr
    assert "Traceback" in log.read_text(encoding="utf-8") and "simulated defect" in log.read_text(encoding="utf-8")


def test_an_error_while_a_sigterm_unwinds_is_the_stop_not_a_defect(tmp_path, demo_workbook):
    """SIGTERM raises SystemExit inside whatever runs; if closing a half-done job then fails
    (a zip member half written), the run still ends as stopped (143), with no defect report."""
    code = ("import os, signal, sys, time\nimport juesuan.cli.checking as c\n"
            "def job(*a, **k):\n    try:\n        os.kill(os.getpid(), signal.SIGTERM)\n        time.sleep(5)\n"
            "    finally:\n        raise ValueError('I/O operation on closed file')\n"
            "c.check_command = job\n"
            "sys.argv = ['juesuan', 'check', sys.argv[1]]\nfrom juesuan.cli import main\nmain()\n")
    env = {**__import__("os").environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code, str(demo_workbook)], capture_output=True, text=True, env=env)
    assert out.returncode == 143, out.stderr
    assert "内部错误" not in out.stderr and "Traceback" not in out.stderr
    assert list(tmp_path.glob("juesuan-error-*.log")) == []
