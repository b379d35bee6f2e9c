"""Faults while writing: kill -9 and SIGTERM during a save, a really full disk (a small
tmpfs, where this machine lets root mount one). Slow (marked ``slow``), but run in CI.

Whatever happens, the workbook is either the old one byte-for-byte or a complete new one,
the .bak is either absent, the previous one or the original, and temporary files are
removed (by the signal handler, or — after kill -9 — by the next run in the folder)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hostile_kit import digest, listing, refused, run_cli, workbook

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A workbook with a few thousand ledger lines: its save lasts long enough to interrupt."""
    from juesuan.io.files import write_new
    from juesuan.sample import synthetic_inputs
    from juesuan.spec import load_spec

    return write_new(tmp_path_factory.mktemp("large") / "large.xlsx", load_spec("2019"), inputs=synthetic_inputs(8000))


def _temps(folder: Path) -> list[str]:
    return [n for n in listing(folder) if n.startswith(".~juesuan-")]


def _start_fill(path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "juesuan", "fill", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "200"})


def _wait_for_temp(proc: subprocess.Popen, folder: Path, timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _temps(folder):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.005)
    return False


def _complete_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None and "xl/workbook.xml" in z.namelist()
    except zipfile.BadZipFile:
        return False


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0, 2.5])
def test_kill_9_during_save_loses_nothing(delay, large, tmp_path):
    book = tmp_path / "决算.xlsx"
    shutil.copy(large, book)
    bak = tmp_path / "决算.bak.xlsx"
    bak.write_bytes(b"previous good backup")
    original = book.read_bytes()
    proc = _start_fill(book)
    saw_temp = _wait_for_temp(proc, tmp_path)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert saw_temp or proc.returncode == 0
    now = book.read_bytes()
    assert now == original or _complete_workbook(book)  # old or complete new, never partial
    assert bak.read_bytes() in (b"previous good backup", original)
    # the next run cleans what the killed one left and succeeds
    again = run_cli("fill", str(book))
    assert again.returncode == 0, again.stdout + again.stderr
    assert _temps(tmp_path) == []
    assert _complete_workbook(book)


def test_sigterm_during_save_removes_the_temporary_file(large, tmp_path):
    book = tmp_path / "决算.xlsx"
    shutil.copy(large, book)
    before = digest(book)
    proc = _start_fill(book)
    assert _wait_for_temp(proc, tmp_path)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    if proc.returncode == 0:  # the save finished first: a complete workbook
        assert _complete_workbook(book)
    else:
        assert proc.returncode in (143, -signal.SIGTERM), proc.returncode
        assert digest(book) == before
        assert not (tmp_path / "决算.bak.xlsx").exists() or (tmp_path / "决算.bak.xlsx").read_bytes()
    assert _temps(tmp_path) == []


# -- a really full disk ---------------------------------------------------------------------

@pytest.fixture()
def small_disk(tmp_path):
    """Mount a small tmpfs (root with CAP_SYS_ADMIN only); yields (mount point, size setter)."""
    point = tmp_path / "disk"
    point.mkdir()
    mounted: list[bool] = []

    def mount(size_kb: int) -> Path:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip()}); the fake-ENOSPC tests cover this")
        mounted.append(True)
        return point

    yield mount
    if mounted:
        subprocess.run(["umount", str(point)], check=False)


def test_disk_full_in_place_fill(small_disk, tmp_path):
    src = workbook(tmp_path)
    size_kb = src.stat().st_size // 1024 + 24  # room for the workbook, not for its new version
    disk = small_disk(size_kb)
    book = disk / "决算.xlsx"
    shutil.copy(src, book)
    refused(["fill", str(book)], "磁盘已满", "no space left", str(book), keep=[book], folder=disk)


def test_disk_full_while_writing_the_docx(small_disk, tmp_path):
    src = run_cli("demo", "-o", str(tmp_path / "demo"), "--format", "2019")
    assert src.returncode == 0, src.stderr
    book = tmp_path / "demo" / "示例部门决算-2019.xlsx"
    disk = small_disk(12)
    refused(["narrative", str(book), "-o", str(disk / "说明.docx")], "磁盘已满", "no space left",
            keep=[book], folder=disk)
