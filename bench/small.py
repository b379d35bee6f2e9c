"""Benchmark of one click on a typical department (not a timed test): the demo workbook of
each format (a few hundred ledger lines), each command a fresh process as a user runs it.

- ``fill``: ``python -m juesuan fill demo.xlsx -o out.xlsx``;
- ``openpyxl``: ``python -c`` importing openpyxl, ``load_workbook`` + ``save`` of the same file;
- ``check``: ``python -m juesuan check demo.xlsx``;
- ``floor``: ``python -c`` importing python-calamine and reading every sheet (python start +
  calamine read: the least a checker in Python can spend);
- ``new``: ``python -m juesuan new -o new.xlsx`` (a blank workbook of the format; no target,
  printed against the openpyxl load+save for scale).

Prints medians of ``--repeat`` alternating runs (wall and CPU) and the ratios
fill / openpyxl (target ≤ 0.8) and check / floor (target ≤ 4), on CPU time (what a user
waits for on an idle machine; wall time on a shared machine includes the neighbours).

Run: ``python bench/small.py [--format 2019] [--repeat 5] [--rebuild]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import demo_workbook, formats, medians, verdict  # noqa: E402

FILL_TARGET = 0.8
CHECK_TARGET = 4.0

OPENPYXL = "import sys, openpyxl; openpyxl.load_workbook(sys.argv[1], rich_text=False).save(sys.argv[2])"
CALAMINE = ("import sys\nfrom python_calamine import CalamineWorkbook\nwb = CalamineWorkbook.from_path(sys.argv[1])\n"
            "for name in wb.sheet_names:\n    wb.get_sheet_by_name(name).to_python()\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", dest="fmt", help="one template format (default: every format)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    py = sys.executable
    for fmt in formats(args.fmt):
        src = demo_workbook(fmt, rebuild=args.rebuild)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            m = medians({
                "fill": [py, "-m", "juesuan", "fill", str(src), "-o", str(out / "filled.xlsx"), "--force"],
                "openpyxl": [py, "-c", OPENPYXL, str(src), str(out / "saved.xlsx")],
                "check": [py, "-m", "juesuan", "check", str(src)],
                "floor": [py, "-c", CALAMINE, str(src)],
                "new": [py, "-m", "juesuan", "new", "-o", str(out / "new.xlsx"), "--format", fmt, "--force"],
            }, args.repeat)
        print(f"format {fmt}: {src.name}")
        for kind, r in m.items():
            print(f"  {kind:9s} wall {r['wall']:6.2f} s   cpu {r['cpu']:6.2f} s")
        print(f"  fill / (openpyxl load+save)        cpu {verdict(m['fill']['cpu'] / m['openpyxl']['cpu'], FILL_TARGET)}"
              f"   wall {m['fill']['wall'] / m['openpyxl']['wall']:.2f}")
        print(f"  check / (python start + calamine)  cpu {verdict(m['check']['cpu'] / m['floor']['cpu'], CHECK_TARGET)}"
              f"   wall {m['check']['wall'] / m['floor']['wall']:.2f}")
        print(f"  new / (openpyxl load+save)         cpu {m['new']['cpu'] / m['openpyxl']['cpu']:.2f} (no target)"
              f"   wall {m['new']['wall'] / m['openpyxl']['wall']:.2f}")


if __name__ == "__main__":
    main()
