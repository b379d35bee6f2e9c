"""Benchmark of Fill on a large department (not a timed test).

Generates a department with ``N`` expenditure ledger lines (default 100,000; ≈200 功能分类
项 codes, ≈60 经济分类 款 codes, :func:`juesuan.sample.synthetic_inputs`), writes it as a
real .xlsx with :func:`juesuan.io.files.write_new`, then measures, each in a fresh
subprocess so that peak memory (``ru_maxrss``) belongs to one measurement only:

- ``fill``: :func:`juesuan.io.files.fill_file` of the workbook to a new file;
- ``openpyxl``: ``openpyxl.load_workbook`` + ``save`` of the same file (the baseline: the
  least any openpyxl-based writer must spend on this workbook).

- ``floor``: a python-calamine read of every sheet + a pandas group-by of the expense lines
  on int64 cents (the least any Fill in Python can spend).

Prints wall and CPU times, the CPU ratios ``fill / baseline`` (target ≤ 0.8) and ``fill / floor``
(moonshot ≤ 3) — CPU time, as the machine may be shared —
and each peak RSS (target for Fill < 1 GB at 300,000 lines); ``--lines 10000 100000 300000``
measures each size and prints a table of time and peak memory (growth should be linear).
``--profile`` runs Fill under cProfile in-process and prints the top functions by cumulative
and by own time.

The children raise the read guard's cell limit (``JUESUAN_MAX_CELLS``, as a bureau may in
``limits.yaml``): 300,000 lines are about 2.4 million cells.

Run: ``python bench/fill.py [--lines N ...] [--format F] [--repeat K] [--kinds fill floor] [--profile] [--keep DIR]
[--src FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 0.8
TARGET_FLOOR = 3.0  # moonshot
TARGET_PEAK_MB = 1024.0
BENCH_MAX_CELLS = 20_000_000  # the read guard's limit in the children (default 2,000,000)
KINDS = ("openpyxl", "fill", "floor")


def _peak_mb() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    raw = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return raw / (1024 * 1024) if sys.platform == "darwin" else raw / 1024


def _measure(kind: str, src: str, dst: str) -> dict:
    """Run one measurement in this (fresh) process; return wall seconds and peak MB."""
    if kind == "fill":
        from juesuan.io.files import fill_file

        start, cpu = time.perf_counter(), time.process_time()
        fill_file(src, dst, force=True)  # (--repeat and several --lines may write the same output)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    elif kind == "openpyxl":
        import openpyxl

        start, cpu = time.perf_counter(), time.process_time()
        wb = openpyxl.load_workbook(src, rich_text=False)
        wb.save(dst)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    elif kind == "floor":
        start, cpu = time.perf_counter(), time.process_time()
        _floor(src)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    elif kind.startswith("generate"):
        seconds = cpu = _generate(int(src), Path(dst), kind.partition(":")[2] or "2019")
    else:
        raise SystemExit(f"unknown measurement {kind}")
    return {"kind": kind, "seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb()}


def _run_child(kind: str, src: Path | int, dst: Path) -> dict:
    # 300,000 lines are over the read guard's default cell limit: raise it as a bureau may
    env = {**os.environ, "JUESUAN_MAX_CELLS": os.environ.get("JUESUAN_MAX_CELLS", str(BENCH_MAX_CELLS))}
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(src), str(dst)],
                          capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _generate(n_lines: int, path: Path, fmt: str) -> float:
    from juesuan.io.files import write_new
    from juesuan.sample import synthetic_inputs
    from juesuan.spec import load_spec

    start = time.perf_counter()
    spec = load_spec(fmt)
    write_new(path, spec, inputs=synthetic_inputs(n_lines, spec=spec))
    return time.perf_counter() - start


def _floor(src: str) -> None:
    """The least any Fill in Python can do: read every sheet with python-calamine and sum
    the expense lines by (功能, 经济, 类别, 资金来源) with pandas on int64 cents."""
    import numpy as np
    import pandas as pd
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(src)
    grids = {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
    rows = [r for r in grids["支出明细"][2:] if len(r) > 4 and isinstance(r[4], (int, float))]
    frame = pd.DataFrame({"func": [str(r[0]) for r in rows], "econ": [str(r[1]) for r in rows],
                          "kind": [r[2] for r in rows], "fund": [r[3] for r in rows],
                          "cents": np.rint(np.array([r[4] for r in rows], dtype=float) * 100).astype(np.int64)})
    frame.groupby(["func", "econ", "kind", "fund"])["cents"].sum()


def _profile(src: Path, dst: Path) -> None:
    import cProfile
    import pstats

    from juesuan.io.files import fill_file

    prof = cProfile.Profile()
    prof.enable()
    fill_file(src, dst)
    prof.disable()
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000],
                        help="ledger sizes to measure, e.g. --lines 10000 100000 300000")
    parser.add_argument("--format", dest="fmt", default="2019", help="template format")
    parser.add_argument("--repeat", type=int, default=1, help="measurements of each kind (best time kept)")
    parser.add_argument("--profile", action="store_true", help="run Fill under cProfile and print the hot spots")
    parser.add_argument("--src", type=Path, help="measure this existing workbook instead of generating one")
    parser.add_argument("--keep", type=Path,
                        help="folder for the generated files, reused when already there (default: a temp folder)")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS),
                        help="measurements to run (default: all; ratios need openpyxl and floor)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SRC", "DST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(*args.child)))
        return
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for lines in ([0] if args.src else args.lines):
            src = args.src or folder / f"bench-{args.fmt}-{lines}.xlsx"
            if args.src is None and args.keep and src.exists():
                print(f"reusing {src} ({src.stat().st_size / 1e6:.1f} MB)", flush=True)
            elif args.src is None:
                # In a subprocess too: Linux keeps a parent's peak RSS in ru_maxrss across fork+exec,
                # so this process must stay small for the children's figures to be their own.
                seconds = _run_child(f"generate:{args.fmt}", lines, src)["seconds"]
                print(f"generated {lines:,} expense lines ({args.fmt}) → {src.name} "
                      f"({src.stat().st_size / 1e6:.1f} MB) in {seconds:.1f} s", flush=True)
            if args.profile:
                _profile(src, folder / "profiled.xlsx")
                return
            best: dict[str, dict] = {}
            for _ in range(args.repeat):
                for kind in [k for k in KINDS if k in args.kinds]:
                    dst = folder / f"out-{kind}-{lines}.xlsx"
                    dst.unlink(missing_ok=True)  # Fill never overwrites: each run writes a new file
                    result = _run_child(kind, src, dst)
                    if kind not in best or result["cpu"] < best[kind]["cpu"]:
                        best[kind] = result
                    print(f"  {kind:9s} {result['seconds']:7.2f} s wall  {result['cpu']:7.2f} s CPU   "
                          f"peak {result['peak_mb']:7.0f} MB", flush=True)
            none = {"seconds": float("nan"), "cpu": float("nan"), "peak_mb": float("nan")}
            base, fill, floor = (best.get(k, none) for k in KINDS)
            if "openpyxl" in best and "fill" in best:
                ratio = fill["cpu"] / base["cpu"]
                print(f"CPU ratio fill / (openpyxl load + save) = {ratio:.2f}  (target ≤ {TARGET_RATIO}) "
                      f"{'OK' if ratio <= TARGET_RATIO else 'OVER'}")
            if "floor" in best and "fill" in best:
                moon = fill["cpu"] / floor["cpu"]
                print(f"CPU ratio fill / floor (calamine read + pandas group-by) = {moon:.2f}  "
                      f"(moonshot ≤ {TARGET_FLOOR}) {'OK' if moon <= TARGET_FLOOR else 'OVER'}")
            summary.append((lines, fill, base, floor))
    print("lines      fill CPU s  (wall)   fill peak MB   openpyxl CPU s   floor CPU s   fill CPU s per 10k lines")
    for lines, fill, base, floor in summary:
        per = fill["cpu"] / lines * 10_000 if lines else 0.0
        print(f"{lines:>8,}  {fill['cpu']:9.2f}  ({fill['seconds']:6.2f})   {fill['peak_mb']:10.0f}   "
              f"{base['cpu']:14.2f}   {floor['cpu']:11.2f}   {per:9.2f}"
              f"   {'peak OK' if fill['peak_mb'] <= TARGET_PEAK_MB else 'peak OVER'} (≤ {TARGET_PEAK_MB:.0f} MB)")


if __name__ == "__main__":
    main()
