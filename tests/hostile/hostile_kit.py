"""Builders and assertions of the hostile-input suite (also used by ``bench/hostile.py``).

Every hostile file is built at run time from a small valid workbook (no binaries checked
in): zip members rewritten, XML injected, cells added. :func:`refused` runs the real CLI and
asserts the contract of a refusal: the exit code, the message (Chinese and English), the
original files byte-identical, and nothing left behind in the folder (no output, no .bak,
no temporary file).
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GP, BASIC = "一般公共预算财政拨款", "基本支出"
INC_GP = "一般公共预算财政拨款收入"
BASE = {
    "info": [["部门名称", "测试部门"], ["年度", "2019"], ["模板格式", "2019"]],
    "income": [["2110101", "", INC_GP, Decimal("100000.00")]],
    "expense": [["2110101", "30101", BASIC, GP, Decimal("50000.00"), "", ""],
                ["2110101", "30201", BASIC, GP, Decimal("20000.00"), "", ""]],
    "balance": [],
    "sangong_budget": [],
}


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """``juesuan ARGS`` as a real process."""
    return subprocess.run([sys.executable, "-m", "juesuan", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, check=False,
                          env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8", **(env or {})})


def workbook(folder: Path, name: str = "in.xlsx", **sheets: list) -> Path:
    """A small valid 2019 workbook (detail sheets filled, tables blank) at ``folder/name``."""
    from juesuan.io.files import write_new
    from juesuan.spec import load_spec

    inputs = copy.deepcopy(BASE)
    inputs.update(sheets)
    return write_new(folder / name, load_spec("2019"), inputs=inputs)


def filled(folder: Path, name: str = "in.xlsx", **sheets: list) -> Path:
    """:func:`workbook`, then filled by the real CLI (in place, .bak removed)."""
    path = workbook(folder, name, **sheets)
    proc = run_cli("fill", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path.with_name(f"{path.stem}.bak{path.suffix}").unlink()
    return path


def sheet_part(path: Path, sheet: str) -> str:
    from juesuan.io.guard import sheet_parts

    with zipfile.ZipFile(path) as z:
        return sheet_parts(z)[sheet]


def rewrite(path: Path, changes: dict[str, Callable[[bytes], bytes] | bytes | None],
            extra: dict[str, bytes] | None = None) -> Path:
    """Rewrite the zip at ``path``: each named member through its function (or replaced by
    bytes, or dropped for None); ``extra`` members appended (names taken literally)."""
    with zipfile.ZipFile(path) as src:
        members = [(info, src.read(info)) for info in src.infolist()]
    tmp = path.with_name(path.name + ".rewrite")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in members:
            change = changes.get(info.filename, data)
            if change is None and info.filename in changes:
                continue
            if callable(change):
                change = change(data)
            dst.writestr(info.filename, change)
        for name, data in (extra or {}).items():
            dst.writestr(zipfile.ZipInfo(name), data)
    os.replace(tmp, path)
    return path


def patch_sheet(path: Path, sheet: str, fn: Callable[[bytes], bytes]) -> Path:
    return rewrite(path, {sheet_part(path, sheet): fn})


def add_cells(xml: bytes, cells: str) -> bytes:
    """Append raw row XML before ``</sheetData>``."""
    return xml.replace(b"</sheetData>", cells.encode() + b"</sheetData>", 1)


def set_cell_xml(xml: bytes, ref: str, new: str) -> bytes:
    """Replace the ``<c r="ref" …>…</c>`` (or ``<c r="ref" …/>``) element by ``new``."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    out, n = pattern.subn(new.encode(), xml, count=1)
    assert n == 1, f"no cell {ref}"
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def refused(args: list[str], *needles: str, keep: list[Path], folder: Path, code: int = 2,
            env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """Run ``juesuan ARGS``; assert the exit code, no traceback, every needle in the output,
    every file of ``keep`` byte-identical and the folder's listing unchanged."""
    before = {p: digest(p) for p in keep if p.is_file()}
    names = listing(folder)
    proc = run_cli(*args, env=env, timeout=timeout)
    text = proc.stdout + proc.stderr
    assert proc.returncode == code, f"exit {proc.returncode}, expected {code}:\n{text}"
    assert "Traceback" not in text, text
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"
    for p, d in before.items():
        assert digest(p) == d, f"{p} changed"
    assert listing(folder) == names, f"left behind: {set(listing(folder)) ^ set(names)}"
    return text


def formulas_in(path: Path) -> dict[str, int]:
    """Number of ``<f>`` elements per worksheet part of the package at ``path``."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                n = len(re.findall(rb"<f[ >/]", z.read(name)))
                if n:
                    out[name] = n
    return out


_MEASURED = """
import atexit, sys
def _peak():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    sys.stderr.write("\\n@@peak-kb " + line.split()[1] + "\\n")
    except OSError:
        pass
atexit.register(_peak)
sys.argv = ["juesuan", *sys.argv[1:]]
from juesuan.cli import main
main()
"""


def run_measured(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> tuple[int, str, float, float]:
    """``juesuan ARGS`` as a real process: (exit code, output, peak memory in MB, seconds).
    The peak is the process's own high-water mark (``VmHWM``, reported at exit), else its
    ``wait4`` maximum (which on Linux also counts the parent's memory at fork)."""
    import tempfile
    import time

    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _MEASURED, *args], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8", **(env or {})})
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    found = re.findall(r"@@peak-kb (\d+)", text)
    text = re.sub(r"\n@@peak-kb \d+\n", "", text)
    if found:
        peak = int(found[-1]) / 1024
    else:
        peak = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return proc.returncode, text, peak, seconds


def inflating_member(path: Path, name: str, size: int) -> Path:
    """Append a member of ``size`` bytes of repeated XML text (a few hundred KB compressed)."""
    chunk = b"<c><v>0</v></c>" * 4096
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open(name, "w", force_zip64=True) as fh:
        written = 0
        while written < size:
            piece = chunk[: size - written]
            fh.write(piece)
            written += len(piece)
    return path
