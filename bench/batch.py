"""Benchmark of a bureau's batch review (not a timed test): ``juesuan check 报送/`` over
``--count`` demo-size workbooks (default 200 copies of the demo department), with
``--jobs 1`` and with ``--jobs N`` (default 2), each a fresh process.

Prints each run's wall time, CPU time and peak memory of the whole process tree (sampled
from /proc every 50 ms), and the wall ratio jobs 1 / jobs N (target ≥ 1.7 for N = 2 on
two idle cores).

Run: ``python bench/batch.py [--format 2019] [--count 200] [--jobs 2] [--repeat 1]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import demo_workbook, formats, run  # noqa: E402

TARGET = 1.7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", dest="fmt", help="one template format (default: the first)")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    fmt = formats(args.fmt)[0]
    src = demo_workbook(fmt)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "报送"
        folder.mkdir()
        for n in range(args.count):
            shutil.copyfile(src, folder / f"{n:04d}.xlsx")
        best: dict[int, dict] = {}
        for _ in range(args.repeat):
            for jobs in (1, args.jobs):
                r = run([sys.executable, "-m", "juesuan", "check", str(folder), "--format", "json",
                         "--jobs", str(jobs)], sample_tree=True)
                print(f"  --jobs {jobs}: wall {r['wall']:7.1f} s   cpu {r['cpu']:7.1f} s   "
                      f"peak (process tree) {r['peak_mb']:6.0f} MB", flush=True)
                if jobs not in best or r["wall"] < best[jobs]["wall"]:
                    best[jobs] = r
    ratio = best[1]["wall"] / best[args.jobs]["wall"]
    print(f"{args.count} workbooks ({fmt} demo), {os.cpu_count()} cores")
    print(f"wall --jobs 1 / --jobs {args.jobs} = {ratio:.2f} (target ≥ {TARGET}) {'OK' if ratio >= TARGET else 'UNDER'}")
    print(f"peak memory: --jobs 1 {best[1]['peak_mb']:.0f} MB, --jobs {args.jobs} {best[args.jobs]['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
