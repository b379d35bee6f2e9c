"""Shared test fixtures: the 2019 spec, the sample department, a filled demo workbook."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# xlwings' remote engine (used by the macro tests only) runs under its PolyForm
# Noncommercial licence, which covers this open-source project's tests.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
# the spec cache of this test run (and of the CLI processes it starts): never the user's own
os.environ["JUESUAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="juesuan-test-cache-")

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None, check: bool = False,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run the real ``juesuan`` CLI in a child process (``env``: extra environment variables)."""
    proc = subprocess.run([sys.executable, "-m", "juesuan", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "COLUMNS": "200", **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"juesuan {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def spec():
    from juesuan.spec import load_spec

    return load_spec("2019")


@pytest.fixture(scope="session")
def demo_workbook(tmp_path_factory) -> Path:
    """A filled demo workbook made by the real CLI once per session (copy before changing it)."""
    out = tmp_path_factory.mktemp("demo")
    run_cli("demo", "--format", "2019", "-o", str(out), check=True)
    return out / "示例部门决算-2019.xlsx"


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict[str, Path]:
    """The demo department of the 2019 and 2020 formats, made by the real CLI once per module."""
    out = tmp_path_factory.mktemp("demos")
    for fmt in ("2019", "2020"):
        run_cli("demo", "--format", fmt, "-o", str(out), check=True)
    return {fmt: out / f"示例部门决算-{fmt}.xlsx" for fmt in ("2019", "2020")}


@pytest.fixture()
def demo_copy(demo_workbook, tmp_path) -> Path:
    target = tmp_path / demo_workbook.name
    shutil.copy2(demo_workbook, target)
    return target
