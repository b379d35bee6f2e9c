"""``juesuan addin build`` writes where the user means and nowhere else: never over a file of
theirs (a workbook named by mistake, a folder), only as an .xlam (the one extension Excel
loads as an add-in), and whole or not at all."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import run_cli

from juesuan.excel.addin_build import build_addin


def _is_addin(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return "xl/vbaProject.bin" in z.namelist()


def test_a_workbook_named_by_mistake_is_left_alone(tmp_path: Path, demo_workbook: Path) -> None:
    book = tmp_path / "决算.xlsx"
    book.write_bytes(demo_workbook.read_bytes())
    for args in (["-o", str(book)], ["-o", str(book), "--force"]):  # the wrong extension, asked or not
        proc = run_cli("addin", "build", *args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert ".xlam" in proc.stderr and "Traceback" not in proc.stderr
    assert book.read_bytes() == demo_workbook.read_bytes()


def test_an_existing_add_in_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "mine.xlam"
    target.write_bytes(b"an add-in of the user's own")
    proc = run_cli("addin", "build", "-o", str(target))
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert target.read_bytes() == b"an add-in of the user's own"
    run_cli("addin", "build", "-o", str(target), "--force", check=True)
    assert _is_addin(target)


def test_a_folder_is_named_not_crashed_on(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    proc = run_cli("addin", "build", "-o", str(folder))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "文件夹" in proc.stderr and "folder" in proc.stderr and "Traceback" not in proc.stderr
    assert list(folder.iterdir()) == []


def test_the_default_build_is_rebuilt_in_place(tmp_path: Path) -> None:
    for _ in range(2):  # dist/juesuan.xlam is the build's own output: rebuilding needs no --force
        proc = run_cli("addin", "build", cwd=tmp_path, check=True)
        assert "juesuan.xlam" in proc.stdout
    assert _is_addin(tmp_path / "dist" / "juesuan.xlam")
    assert sorted(p.name for p in (tmp_path / "dist").iterdir()) == ["juesuan.xlam"]


def test_a_build_that_fails_midway_keeps_the_previous_add_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = build_addin(tmp_path / "juesuan.xlam")
    before = target.read_bytes()
    calls = {"n": 0}
    real = zipfile.ZipFile.writestr

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    with pytest.raises(Exception, match="space|磁盘"):
        build_addin(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["juesuan.xlam"]  # no temporary file left
