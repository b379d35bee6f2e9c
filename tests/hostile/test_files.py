"""File-level hostile inputs, for every command that reads a workbook: each ends in exit 2
with a bilingual message, the file byte-identical and nothing left behind. Plus: no command
silently overwrites an existing file."""

from __future__ import annotations

import os
import random
import shutil
import zipfile
from pathlib import Path

import pytest
from hostile_kit import digest, filled, listing, refused, run_cli, workbook


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> Path:
    return workbook(tmp_path_factory.mktemp("valid"))


def _cfb(names: list[str]) -> bytes:
    """An OLE compound file header naming ``names`` (enough for the magic and stream names)."""
    body = b"".join(n.encode("utf-16-le").ljust(64, b"\0") for n in names)
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504 + body.ljust(1536, b"\0")


def _zip_slip(folder: Path, valid: Path) -> Path:
    path = folder / "in.xlsx"
    shutil.copy(valid, path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("../../evil.txt", b"owned")
    return path


CASES = {
    "empty": lambda folder, valid: _write(folder, b""),
    "random-bytes": lambda folder, valid: _write(folder, random.Random(9).randbytes(20_000)),
    "truncated": lambda folder, valid: _write(folder, valid.read_bytes()[: len(valid.read_bytes()) // 2]),
    "legacy-xls": lambda folder, valid: _write(folder, _cfb(["Workbook"])),
    "encrypted": lambda folder, valid: _write(folder, _cfb(["EncryptionInfo", "EncryptedPackage"])),
    "zip-slip": _zip_slip,
    "directory": lambda folder, valid: _mkdir(folder),
    "missing": lambda folder, valid: folder / "in.xlsx",
}
NEEDLES = {
    "empty": ("空文件", "empty file"),
    "random-bytes": ("不是有效的 Excel 工作簿", "Not a valid Excel workbook"),
    "truncated": ("工作簿已损坏", "corrupt"),
    "legacy-xls": ("旧版 .xls", "legacy .xls"),
    "encrypted": ("已加密", "password-protected"),
    "zip-slip": ("不安全的部件名", "unsafe part name"),
    "directory": ("文件夹", "folder"),
    "missing": ("找不到文件", "File not found"),
}


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "in.xlsx"
    path.write_bytes(data)
    return path


def _mkdir(folder: Path) -> Path:
    path = folder / "in.xlsx"
    path.mkdir()
    return path


COMMANDS = {
    "fill": lambda p: ["fill", str(p)],
    "check": lambda p: ["check", str(p)],
    "narrative": lambda p: ["narrative", str(p), "-o", str(p.with_name("说明.docx"))],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(CASES))
def test_file_level_case(case, command, tmp_path, valid):
    path = CASES[case](tmp_path, valid)
    if case == "directory" and command == "check":  # a folder is a batch: its workbooks, none here
        refused(COMMANDS[command](path), "没有找到要校验的工作簿", keep=[], folder=tmp_path)
        return
    refused(COMMANDS[command](path), *NEEDLES[case], keep=[path], folder=tmp_path)
    assert not (tmp_path.parent / "evil.txt").exists()


@pytest.mark.parametrize("command", ["clear", "eval", "check-text"])
def test_other_readers_refuse_too(command, tmp_path, valid):
    path = CASES["random-bytes"](tmp_path, valid)
    text = tmp_path / "说明.txt"
    text.write_text("本年收入合计10.00万元。", encoding="utf-8")
    args = {"clear": ["clear", str(path)], "eval": ["eval", "add", str(path), "--name", "项目"],
            "check-text": ["check-text", str(text), "--against", str(path)]}[command]
    refused(args, *NEEDLES["random-bytes"], keep=[path, text], folder=tmp_path)


# -- no silent overwrite --------------------------------------------------------------------

def _existing(tmp_path: Path, valid: Path, name: str = "existing.xlsx") -> Path:
    path = tmp_path / name
    shutil.copy(valid, path)
    return path


@pytest.mark.parametrize("command", ["new", "import", "fill", "check --mark", "clear", "demo"])
def test_existing_output_needs_force(command, tmp_path, valid):
    existing = _existing(tmp_path, valid)
    src = _existing(tmp_path, valid, "src.xlsx")
    csv = tmp_path / "figures.csv"
    csv.write_text("table,row,column,value\n01,1,1,10.00\n", encoding="utf-8")
    if command == "demo":
        existing = tmp_path / "示例部门决算-2019.xlsx"
        shutil.copy(valid, existing)
    if command == "clear":  # an unmarked source is copied byte for byte: the file it replaces must differ
        existing.write_bytes(b"an earlier file of the user's")
    args = {"new": ["new", "-o", str(existing)],
            "import": ["import", str(csv), "-o", str(existing), "--format", "2019"],
            "fill": ["fill", str(src), "-o", str(existing)],
            "check --mark": ["check", str(src), "--mark", str(existing)],
            "clear": ["clear", str(src), "-o", str(existing)],
            "demo": ["demo", "-o", str(tmp_path), "--format", "2019"]}[command]
    refused(args, "已存在", "--force", "already exists", keep=[existing, src, csv], folder=tmp_path)
    before = digest(existing)
    proc = run_cli(*args, "--force")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert digest(existing) != before  # written, as asked
    assert not [n for n in listing(tmp_path) if n.startswith(".~juesuan-")]


def test_narrative_needs_force_and_never_overwrites_a_workbook(tmp_path, valid):
    src = filled(tmp_path, "src.xlsx")  # a 说明 is exported from filled tables (blank ones are refused)
    docx = tmp_path / "说明.docx"
    docx.write_bytes(b"an old narrative")
    refused(["narrative", str(src), "-o", str(docx)], "已存在", "already exists", keep=[src, docx], folder=tmp_path)
    assert run_cli("narrative", str(src), "-o", str(docx), "--force").returncode == 0
    assert zipfile.is_zipfile(docx)
    # a workbook named .docx is never replaced by a Word document, not even with --force
    disguised = _existing(tmp_path, valid, "workbook.docx")
    refused(["narrative", str(src), "-o", str(disguised), "--force"], "Excel 工作簿", "never overwritten",
            keep=[src, disguised], folder=tmp_path)


def test_new_creates_missing_folders_and_never_a_partial_file(tmp_path):
    target = tmp_path / "a" / "b" / "new.xlsx"
    assert run_cli("new", "-o", str(target)).returncode == 0
    assert zipfile.is_zipfile(target)
    assert listing(target.parent) == ["new.xlsx"]


def test_new_file_mode_follows_the_umask(tmp_path):
    target = tmp_path / "new.xlsx"
    assert run_cli("new", "-o", str(target)).returncode == 0
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
