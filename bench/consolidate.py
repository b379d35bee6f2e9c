"""Benchmark of ``juesuan consolidate`` on a large department (not a timed test).

Builds once (cached under ``bench/_work/``, gitignored) ``--units`` unit workbooks (default
50) of ``--lines`` expenditure lines each (default 2,000, :func:`juesuan.sample.synthetic_inputs`
with its income lines), the first named …本级, with internal transfers both ways between it
and every other unit (balanced by code). Then measures, best of ``--repeat`` runs:

- ``consolidate``: :func:`juesuan.io.consolidate_file.consolidate_files` — open and read every
  unit with python-calamine, check them, consolidate with eliminations and write the
  department workbook (every line, from the official template);
- ``reads``: the sum over the units of a python-calamine full read (every sheet ``to_python``).

Prints both, ``consolidate / reads`` (target ≤ 2) and a breakdown.

Run: ``python bench/consolidate.py [--units N] [--lines L] [--repeat K] [--rebuild]``
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal
from pathlib import Path

TARGET_RATIO = 2.0
WORK = Path(__file__).resolve().parent / "_work"


def build(units: int, lines: int, rebuild: bool) -> Path:
    from juesuan.io.files import write_new
    from juesuan.sample import synthetic_inputs
    from juesuan.spec import load_spec

    folder = WORK / f"units-{units}x{lines}"
    if folder.is_dir() and len(list(folder.glob("*.xlsx"))) == units and not rebuild:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):
        old.unlink()
    spec = load_spec("2019")
    t = time.perf_counter()
    books = []
    for i in range(units):
        rows = synthetic_inputs(lines, seed=100 + i)
        name = "基准部门本级" if i == 0 else f"基准部门下属单位{i:02d}"
        rows["info"] = [["部门名称", name], ["年度", "2019"], ["模板格式", "2019"]]
        books.append((name, rows))
    parent = books[0][1]
    for i, (_, rows) in enumerate(books[1:], start=1):
        code = rows["expense"][0][0]
        subsidy, remit = Decimal(100_000 + i), Decimal(20_000 + i)
        parent["expense"].append([code, "39999", "对附属单位补助支出", "其他资金", subsidy, "", ""])
        rows["income"].append([code, "", "上级补助收入", subsidy])
        rows["expense"].append([code, "39999", "上缴上级支出", "其他资金", remit, "", ""])
        parent["income"].append([code, "", "附属单位上缴收入", remit])
    for name, rows in books:
        write_new(folder / f"{name}.xlsx", spec, inputs=rows)
    print(f"built {units} units in {folder} in {time.perf_counter() - t:.1f} s")
    return folder


def full_reads(folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of a python-calamine full read of every unit."""
    from python_calamine import CalamineWorkbook

    t, cpu = time.perf_counter(), time.process_time()
    for path in sorted(folder.glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        wb.close()
    return time.perf_counter() - t, time.process_time() - cpu


def run(folder: Path, out: Path) -> tuple[tuple[float, float], dict[str, float], object]:
    from juesuan.io.consolidate_file import consolidate_files, consolidate_paths, write_department

    t, cpu = time.perf_counter(), time.process_time()
    outcome = consolidate_files([folder], out, force=True)
    total = (time.perf_counter() - t, time.process_time() - cpu)
    parts: dict[str, float] = {}
    t = time.perf_counter()
    result, _ = consolidate_paths([folder], out)
    parts["read + consolidate"] = time.perf_counter() - t
    t = time.perf_counter()
    write_department(result, out)
    parts["write the department workbook"] = time.perf_counter() - t
    return total, parts, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--lines", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    folder = build(args.units, args.lines, args.rebuild)
    out = WORK / f"department-{args.units}x{args.lines}.xlsx"
    reads = min(full_reads(folder) for _ in range(args.repeat))
    best: tuple[tuple[float, float], dict[str, float], object] | None = None
    for _ in range(args.repeat):
        measured = run(folder, out)
        if best is None or measured[0] < best[0]:
            best = measured
    assert best is not None
    total, parts, outcome = best
    result = outcome.consolidation
    print(f"units: {len(result.units)}, lines: {len(result.lines)}, elimination lines: {len(result.elimination_lines)}")
    print(f"consolidate: {total[0]:.2f} s (CPU {total[1]:.2f} s)")
    print(f"reads (python-calamine, every sheet of every unit): {reads[0]:.2f} s (CPU {reads[1]:.2f} s)")
    for name, seconds in parts.items():
        print(f"  {name}: {seconds:.2f} s")
    ratio, cpu_ratio = total[0] / reads[0], total[1] / reads[1]
    print(f"consolidate / reads = {ratio:.2f}, CPU time {cpu_ratio:.2f} (target ≤ {TARGET_RATIO:g})"
          + ("" if ratio <= TARGET_RATIO else "  ABOVE TARGET"))


if __name__ == "__main__":
    main()
