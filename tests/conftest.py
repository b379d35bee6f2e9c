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


_DEMOS: dict[str | None, Path] = {}  # format → the demo ``juesuan demo`` made in this test process


def demo_of(fmt: str | None, folder: Path) -> Path:
    """The demo department of ``fmt`` (None: the CLI's default format) as ``juesuan demo -o
    folder`` leaves it: made by the real CLI once per format and test process, and copied into
    ``folder`` (created if need be) under its own name; returns the copy."""
    if fmt not in _DEMOS:
        made = Path(tempfile.mkdtemp(prefix="juesuan-test-demo-"))
        run_cli("demo", *(["--format", fmt] if fmt else []), "-o", str(made), check=True)
        [_DEMOS[fmt]] = made.iterdir()  # (the demo writes one workbook and nothing else)
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(_DEMOS[fmt], folder / _DEMOS[fmt].name))


@pytest.fixture(scope="session")
def demo_workbook(tmp_path_factory) -> Path:
    """A filled demo workbook made by the real CLI once per session (copy before changing it)."""
    return demo_of("2019", tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict[str, Path]:
    """The demo department of the 2019 and 2020 formats (the real CLI's), for one module."""
    out = tmp_path_factory.mktemp("demos")
    return {fmt: demo_of(fmt, out) for fmt in ("2019", "2020")}


@pytest.fixture()
def demo_copy(demo_workbook, tmp_path) -> Path:
    target = tmp_path / demo_workbook.name
    shutil.copy2(demo_workbook, target)
    return target
