"""Benchmark of Fill on a large department (not a timed test).

Generates a department with ``N`` expenditure ledger lines (default 100,000; ≈200 功能分类
项 codes, ≈60 经济分类 款 codes, :func:`juesuan.sample.synthetic_inputs`), writes it as a
real .xlsx with :func:`juesuan.io.files.write_new`, then measures, each in a fresh
subprocess so that peak memory (``ru_maxrss``) belongs to one measurement only:

- ``fill``: :func:`juesuan.io.files.fill_file` of the workbook to a new file;
- ``openpyxl``: ``openpyxl.load_workbook`` + ``save`` of the same file (the baseline: the
  least any openpyxl-based writer must spend on this workbook).

Prints the wall times, ``fill / baseline`` (target ≤ 1.3) and each peak RSS (target for
Fill ≤ 1.5 GB). ``--profile`` runs Fill under cProfile in-process and prints the top
functions by cumulative and by own time.

Run: ``python bench/fill.py [--lines N] [--repeat K] [--profile] [--keep DIR] [--src FILE]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.3
TARGET_PEAK_MB = 1536.0


def _peak_mb() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    raw = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return raw / (1024 * 1024) if sys.platform == "darwin" else raw / 1024


def _measure(kind: str, src: str, dst: str) -> dict:
    """Run one measurement in this (fresh) process; return wall seconds and peak MB."""
    if kind == "fill":
        from juesuan.io.files import fill_file

        start = time.perf_counter()
        fill_file(src, dst)
        seconds = time.perf_counter() - start
    elif kind == "openpyxl":
        import openpyxl

        start = time.perf_counter()
        wb = openpyxl.load_workbook(src, rich_text=False)
        wb.save(dst)
        seconds = time.perf_counter() - start
    elif kind == "generate":
        seconds = _generate(int(src), Path(dst))
    else:
        raise SystemExit(f"unknown measurement {kind}")
    return {"kind": kind, "seconds": seconds, "peak_mb": _peak_mb()}


def _run_child(kind: str, src: Path | int, dst: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, str(src), str(dst)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _generate(n_lines: int, path: Path) -> float:
    from juesuan.io.files import write_new
    from juesuan.sample import synthetic_inputs
    from juesuan.spec import load_spec

    start = time.perf_counter()
    inputs = synthetic_inputs(n_lines)
    write_new(path, load_spec("2019"), inputs=inputs)
    return time.perf_counter() - start


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
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="measurements of each kind (best time kept)")
    parser.add_argument("--profile", action="store_true", help="run Fill under cProfile and print the hot spots")
    parser.add_argument("--src", type=Path, help="measure this existing workbook instead of generating one")
    parser.add_argument("--keep", type=Path, help="folder for the generated files (default: a temp folder)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SRC", "DST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(*args.child)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        src = args.src or folder / f"bench-{args.lines}.xlsx"
        if args.src is None:
            # In a subprocess too: Linux keeps a parent's peak RSS in ru_maxrss across fork+exec,
            # so this process must stay small for the children's figures to be their own.
            seconds = _run_child("generate", args.lines, src)["seconds"]
        else:
            seconds = 0.0
        print(f"generated {args.lines:,} expense lines → {src.name} "
              f"({src.stat().st_size / 1e6:.1f} MB) in {seconds:.1f} s")
        if args.profile:
            _profile(src, folder / "profiled.xlsx")
            return
        best: dict[str, dict] = {}
        for _ in range(args.repeat):
            for kind in ("openpyxl", "fill"):
                result = _run_child(kind, src, folder / f"out-{kind}.xlsx")
                if kind not in best or result["seconds"] < best[kind]["seconds"]:
                    best[kind] = result
                print(f"  {kind:9s} {result['seconds']:7.2f} s   peak {result['peak_mb']:7.0f} MB")
        base, fill = best["openpyxl"], best["fill"]
        ratio = fill["seconds"] / base["seconds"]
        print(f"openpyxl load+save: {base['seconds']:.2f} s, peak {base['peak_mb']:.0f} MB")
        print(f"fill:               {fill['seconds']:.2f} s, peak {fill['peak_mb']:.0f} MB")
        print(f"ratio fill / (openpyxl load + save) = {ratio:.2f}  (target ≤ {TARGET_RATIO}) "
              f"{'OK' if ratio <= TARGET_RATIO else 'OVER'}")
        print(f"fill peak memory = {fill['peak_mb']:.0f} MB  (target ≤ {TARGET_PEAK_MB:.0f} MB) "
              f"{'OK' if fill['peak_mb'] <= TARGET_PEAK_MB else 'OVER'}")


if __name__ == "__main__":
    main()
