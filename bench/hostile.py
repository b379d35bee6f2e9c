"""Hostile-input benchmark (not a timed test): every hostile case of issue #9, built at run
time with the builders of ``tests/hostile/hostile_kit.py``, each run as a real ``juesuan``
process whose own peak memory is measured (``wait4``).

Prints one line per case (exit code, original intact, nothing left behind, peak MB, seconds)
and the summary: how many cases were tried, how many ended in exit 2 with the original
intact and nothing left behind, and the peak memory of the worst one (target ≤ 500 MB for
any file under 20 MB; the 1.1 GiB-inflating file included).

Run: ``python bench/hostile.py [--only SUBSTRING] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))

import hostile_kit as kit  # noqa: E402

TARGET_PEAK_MB = 500.0
Case = Callable[[Path, Path], tuple[list[str], list[Path]]]  # (folder, valid workbook) → (args, files to keep)
DTD = b'<?xml version="1.0"?><!DOCTYPE z [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'


def _copy(folder: Path, valid: Path, name: str = "in.xlsx") -> Path:
    target = folder / name
    shutil.copy(valid, target)
    return target


def _bytes(data: bytes) -> Callable[[Path, Path], Path]:
    def make(folder: Path, valid: Path) -> Path:
        (folder / "in.xlsx").write_bytes(data)
        return folder / "in.xlsx"
    return make


def _cfb(names: list[str]) -> bytes:
    body = b"".join(n.encode("utf-16-le").ljust(64, b"\0") for n in names)
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504 + body.ljust(1536, b"\0")


def _zip_slip(folder: Path, valid: Path) -> Path:
    path = _copy(folder, valid)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("../../evil.txt", b"owned")
    return path


def _truncated(folder: Path, valid: Path) -> Path:
    path = _copy(folder, valid)
    path.write_bytes(valid.read_bytes()[: valid.stat().st_size // 2])
    return path


def _directory(folder: Path, valid: Path) -> Path:
    (folder / "in.xlsx").mkdir()
    return folder / "in.xlsx"


def _dtd(part: str) -> Callable[[Path, Path], Path]:
    def make(folder: Path, valid: Path) -> Path:
        path = _copy(folder, valid)
        name = part if part.startswith(("xl/", "[")) else kit.sheet_part(path, part)
        return kit.rewrite(path, {name: lambda xml: DTD + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)})
    return make


def _state(row: tuple) -> Callable[[Path, Path], Path]:
    def make(folder: Path, valid: Path) -> Path:
        import openpyxl

        path = _copy(folder, valid)
        wb = openpyxl.load_workbook(path)
        ws = wb.create_sheet("_juesuan_marks")
        ws.append(("sheet", "cell", "fill", "comment"))
        ws.append(row)
        ws.sheet_state = "hidden"
        wb.save(path)
        return path
    return make


def _far_cell(folder: Path, valid: Path) -> Path:
    path = _copy(folder, valid)
    return kit.patch_sheet(path, "支出明细",
                           lambda xml: kit.add_cells(xml, '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))


def _dimension(folder: Path, valid: Path) -> Path:
    path = _copy(folder, valid)
    return kit.patch_sheet(path, "收入明细", lambda xml: re.sub(rb'<dimension ref="[^"]*"/>',
                                                             b'<dimension ref="A1:XFD1048576"/>', xml, count=1))


def _inflating(size: int) -> Callable[[Path, Path], Path]:
    def make(folder: Path, valid: Path) -> Path:
        return kit.inflating_member(_copy(folder, valid), "xl/media/padding.xml", size)
    return make


def _many_cells(folder: Path, valid: Path) -> Path:
    """A detail sheet of 2,100,000 real cells (300,000 ledger-like rows): over the cell limit."""
    path = _copy(folder, valid)
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>2110101</t></is></c><c r="B{r}" t="inlineStr">'
                   f'<is><t>30101</t></is></c><c r="C{r}"><v>1</v></c><c r="D{r}"><v>2</v></c><c r="E{r}"><v>{r}</v>'
                   f'</c><c r="F{r}"><v>3</v></c><c r="G{r}"><v>4</v></c></row>' for r in range(1000, 301000))
    return kit.patch_sheet(path, "支出明细", lambda xml: kit.add_cells(xml, rows))


def _formula(cell_xml: str, sheet: str = "支出明细", ref: str = "E4") -> Callable[[Path, Path], Path]:
    def make(folder: Path, valid: Path) -> Path:
        return kit.patch_sheet(_copy(folder, valid), sheet, lambda xml: kit.set_cell_xml(xml, ref, cell_xml))
    return make


def _locked(lock: str) -> Callable[[Path, Path], Path]:
    def make(folder: Path, valid: Path) -> Path:
        (folder / lock).write_bytes(b"owner")
        return _copy(folder, valid)
    return make


def _read_only(folder: Path, valid: Path) -> Path:
    path = _copy(folder, valid)
    path.chmod(0o444)
    return path


def _bak_folder(folder: Path, valid: Path) -> Path:
    (folder / "in.bak.xlsx").mkdir()
    return _copy(folder, valid)


def _arabic_code(folder: Path, valid: Path) -> Path:
    return kit.workbook(folder, expense=[["٢١١٠١٠١", "30101", kit.BASIC, kit.GP, 50000, "", ""]])


def _cases() -> dict[str, tuple[Callable[[Path, Path], Path], Callable[[Path], list[str]]]]:
    fill = lambda p: ["fill", str(p)]  # noqa: E731
    check = lambda p: ["check", str(p)]  # noqa: E731
    narrative = lambda p: ["narrative", str(p), "-o", str(p.with_name("说明.docx"))]  # noqa: E731
    clear = lambda p: ["clear", str(p)]  # noqa: E731
    good_fill = '<fill><patternFill patternType="none"/></fill>'
    cases: dict = {}
    files = {"empty": _bytes(b""), "random-bytes": _bytes(random.Random(1).randbytes(50_000)),
             "truncated": _truncated, "legacy-xls": _bytes(_cfb(["Workbook"])),
             "encrypted": _bytes(_cfb(["EncryptionInfo", "EncryptedPackage"])), "zip-slip": _zip_slip,
             "directory": _directory}
    for name, make in files.items():
        for cmd, args in (("fill", fill), ("check", check), ("narrative", narrative), ("clear", clear)):
            cases[f"file/{name}/{cmd}"] = (make, args)
    cases["file/missing/fill"] = (lambda f, v: f / "in.xlsx", fill)
    cases["file/missing/check"] = (lambda f, v: f / "in.xlsx", check)
    for part in ("公开01表", "支出明细", "xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml"):
        for cmd, args in (("check", check), ("fill", fill), ("narrative", narrative), ("clear", clear)):
            cases[f"dtd/{part}/{cmd}"] = (_dtd(part), args)
    for name, row in {"huge-range": ("公开01表", "A1:XFD1048576", good_fill, ""),
                      "bad-xml": ("公开01表", "A1", "<fill><pa", ""),
                      "bad-json": ("公开01表", "A1", good_fill, '{"text'),
                      "dtd-fill": ("公开01表", "A1", '<!DOCTYPE f [<!ENTITY e "x">]><fill/>', "")}.items():
        cases[f"marks-state/{name}/clear"] = (_state(row), clear)
    for cmd, args in (("fill", fill), ("check", check)):
        cases[f"limits/XFD1048576/{cmd}"] = (_far_cell, args)
        cases[f"limits/dimension/{cmd}"] = (_dimension, args)
        cases[f"limits/inflates-1.1GiB/{cmd}"] = (_inflating(1100 * 1024 * 1024), args)
        cases[f"limits/2.1M-cells/{cmd}"] = (_many_cells, args)
    for error in ("#DIV/0!", "#VALUE!", "#REF!"):
        cases[f"formula/{error}/fill"] = (_formula(f'<c r="E4" t="e"><f>1/0</f><v>{error}</v></c>'), fill)
    cases["formula/uncached-name/fill"] = (_formula('<c r="G3"><f>"x"&amp;"y"</f></c>', ref="G3"), fill)
    cases["place/read-only/fill"] = (_read_only, fill)
    cases["place/excel-lock/fill"] = (_locked("~$in.xlsx"), fill)
    cases["place/libreoffice-lock/fill"] = (_locked(".~lock.in.xlsx#"), fill)
    cases["place/bak-is-a-folder/fill"] = (_bak_folder, fill)
    cases["output/is-a-folder/fill"] = (_copy, lambda p: ["fill", str(p), "-o", str(p.parent)])
    cases["output/under-a-file/fill"] = (_copy, lambda p: ["fill", str(p), "-o", str(p) + "/out.xlsx"])
    cases["output/exists/new"] = (_copy, lambda p: ["new", "-o", str(p)])
    cases["output/xlsm/fill"] = (_copy, lambda p: ["fill", str(p), "-o", str(p.with_name("out.xlsm"))])
    cases["output/docx-over-workbook/narrative"] = (
        lambda f, v: _copy(f, v, "x.docx"), lambda p: ["narrative", str(p), "-o", str(p), "--force"])
    cases["codes/arabic-indic/fill"] = (_arabic_code, fill)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    parser.add_argument("--keep", type=Path, help="folder to keep the cases in (default: a temp folder)")
    opts = parser.parse_args()
    base = opts.keep or Path(tempfile.mkdtemp(prefix="juesuan-hostile-"))
    base.mkdir(parents=True, exist_ok=True)
    valid = kit.workbook(base, "valid.xlsx")
    cases = {k: v for k, v in _cases().items() if opts.only in k}
    print(f"{'case':44} {'exit':>4} {'intact':>6} {'clean':>5} {'MB':>7} {'s':>6} {'file MB':>7}")
    good = 0
    worst = (0.0, "")
    for n, (name, (make, args_of)) in enumerate(cases.items()):
        folder = base / f"case{n:03d}"
        folder.mkdir()
        path = make(folder, valid)
        size = path.stat().st_size / 2**20 if path.is_file() else 0.0
        keep = {p: kit.digest(p) for p in folder.iterdir() if p.is_file()}
        names = kit.listing(folder)
        code, text, peak, seconds = kit.run_measured(*args_of(path))
        intact = all(kit.digest(p) == d for p, d in keep.items() if p.exists())
        clean = kit.listing(folder) == names and "Traceback" not in text
        ok = code == 2 and intact and clean
        good += ok
        if size < 20 and peak > worst[0]:
            worst = (peak, name)
        print(f"{name:44} {code:>4} {'yes' if intact else 'NO':>6} {'yes' if clean else 'NO':>5} {peak:7.0f} "
              f"{seconds:6.1f} {size:7.1f}" + ("" if ok else "   <-- " + text.strip().splitlines()[-1][:80]))
        path.chmod(0o644) if path.is_file() else None
    print(f"\n{len(cases)} hostile cases tried; {good} ended in exit 2 with the original intact and nothing left "
          f"behind; worst peak memory {worst[0]:.0f} MB ({worst[1]}; target ≤ {TARGET_PEAK_MB:.0f} MB for files "
          f"under 20 MB)")
    if not opts.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
