"""Benchmark of Validate (``check``) on a large department (not a timed test).

Builds once (cached under ``bench/_work/``, gitignored) a workbook with ``N`` expenditure
ledger lines (default 100,000, :func:`juesuan.sample.synthetic_inputs`), written with
:func:`juesuan.io.files.write_new` and filled with :func:`juesuan.io.files.fill_file`.
Then measures CPU time (the machine may be shared), each best of ``--repeat`` runs in this
process:

- ``check``: open with python-calamine (:class:`~juesuan.io.xlsx.CalamineBook`), detect the
  format, run the format's whole catalogue (:func:`juesuan.validate.check_workbook`), including
  the detail-vs-table rule which re-reads the ledger and recomputes every table;
- ``read``: a python-calamine full read of the same file (every sheet ``to_python``).

Read and check alternate (the machine may speed up or slow down meanwhile). Prints both
times, ``check / read`` of the best runs (target ≤ 1.5), the median of each check over the
read just before it, and a breakdown of check.

Run: ``python bench/check.py [--lines N] [--format F] [--repeat K] [--rebuild]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

TARGET_RATIO = 1.5
WORK = Path(__file__).resolve().parent / "_work"


def build(lines: int, rebuild: bool, fmt: str = "2019") -> Path:
    from juesuan.io.files import fill_file, write_new
    from juesuan.sample import synthetic_inputs
    from juesuan.spec import load_spec

    path = WORK / (f"check-{lines}.xlsx" if fmt == "2019" else f"check-{fmt}-{lines}.xlsx")
    if path.exists() and not rebuild:
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    spec = load_spec(fmt)
    write_new(path, spec, inputs=synthetic_inputs(lines, spec=spec))
    fill_file(path, path)
    path.with_name(f"{path.stem}.bak.xlsx").unlink(missing_ok=True)
    print(f"built {path} in {time.perf_counter() - t:.1f} s")
    return path


def full_read(path: Path) -> float:
    """CPU seconds of a python-calamine read of every sheet."""
    from python_calamine import CalamineWorkbook

    t = time.process_time()
    wb = CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python()
    return time.process_time() - t


def run_check(path: Path) -> tuple[float, dict[str, float], object, bool]:
    from juesuan.io import guard
    from juesuan.io.xlsx import CalamineBook
    from juesuan.rules import KINDS, parse_rules
    from juesuan.validate import check_workbook
    from juesuan.workbook_format import spec_for

    guard._SCANS.clear()  # each run scans the package as a fresh process would (no memo of a previous run)
    t = time.process_time()
    book = CalamineBook(path)
    spec = spec_for(book, None)
    report = check_workbook(spec, book)
    book.close()
    total = time.process_time() - t
    # breakdown (second pass, separate book): reading every sheet, then each rule kind
    parts: dict[str, float] = {}
    guard._SCANS.clear()
    t = time.process_time()
    book = CalamineBook(path)
    parts["open (read guard's scan)"] = time.process_time() - t
    t = time.process_time()
    for name in book.sheet_names():
        book.read_sheet_raw(name)  # as python-calamine gives them (a table's blanks → None in its rule)
    parts["read sheets (CalamineBook)"] = time.process_time() - t
    from juesuan.rules import Context

    ctx = Context(spec, book)
    for rule in parse_rules(spec.raw.get("rules")):
        t = time.process_time()
        KINDS[rule.type](rule, ctx)
        parts[rule.type] = parts.get(rule.type, 0.0) + time.process_time() - t
    from juesuan import rounding_record
    from juesuan.fill import Computation

    recorded = Computation(spec, ctx.ledger()).recorded_accounts(
        lambda leaves: rounding_record.apply(book, spec, leaves), rounding_record.MAX_OFF)
    book.close()
    return total, parts, report, recorded is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--format", dest="fmt", default="2019", help="template format")
    args = parser.parse_args()
    path = build(args.lines, args.rebuild, args.fmt)
    reads, checks, parts, report, recorded = [], [], {}, None, False
    for _ in range(args.repeat):  # alternating, so that a machine speeding up or slowing down weighs on both
        reads.append(full_read(path))
        total, parts, report, recorded = run_check(path)
        checks.append(total)
    read, check = min(reads), min(checks)
    paired = sorted(c / r for c, r in zip(checks, reads, strict=True))
    print(f"workbook: {path.name} ({path.stat().st_size / 1e6:.1f} MB, {args.lines} ledger lines)")
    print(f"python-calamine full read: {read:.2f} s CPU (runs: {' '.join(f'{r:.2f}' for r in reads)})")
    print(f"check:                     {check:.2f} s CPU (runs: {' '.join(f'{c:.2f}' for c in checks)})  ({report.stats})")
    print("    Fill's rounding record: " + ("taken" if recorded else "none usable: the check rounds afresh"))
    for name, seconds in sorted(parts.items(), key=lambda p: -p[1]):
        print(f"    {name:28s} {seconds:.2f} s")
    ratio = check / read
    print(f"CPU check / read = {ratio:.2f} (target ≤ {TARGET_RATIO}) {'OK' if ratio <= TARGET_RATIO else 'ABOVE TARGET'}")
    median = paired[len(paired) // 2]
    print(f"    each run's check / the read just before it: median {median:.2f} "
          f"(runs: {' '.join(f'{x:.2f}' for x in paired)})")
    reading = parts["open (read guard's scan)"] + parts["read sheets (CalamineBook)"]
    rules = sum(v for k, v in parts.items() if k not in ("open (read guard's scan)", "read sheets (CalamineBook)"))
    print(f"    of which guard + reading = {reading / read:.2f} × read before any rule runs; the rules "
          f"({rules:.2f} s) would have to take {max(TARGET_RATIO * read - reading, 0):.2f} s to meet the target")


if __name__ == "__main__":
    main()
