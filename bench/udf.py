"""Benchmark of the worksheet functions over 100,000 ledger rows (not a timed test).

Builds rows in the shape xlwings passes for column ranges (lists of 1-element lists,
codes as floats such as ``2150510.0``, amounts as doubles with cents) and prints the
time per call and its ratio to the 50 ms budget:

- cold: the first call on a range (reads, normalises and groups all rows);
- warm: later calls, as Excel makes them: fresh lists with the same content, another
  prefix (the grouped sums are cached by content);
- with two criteria columns (支出类别, 资金来源), cold and warm;
- JS_ROLLUP, cold and warm.

The time xlwings itself needs to move 100,000 cells out of Excel is not included.

Run: ``python bench/udf.py [rows]``
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))

import juesuan_udfs as udfs  # noqa: E402

from juesuan import udf_logic  # noqa: E402

BUDGET_MS = 50.0
CODES = [2010101, 2010301, 2010350, 2080501, 2080505, 2080506, 2101101, 2101102, 2110101, 2110301,
         2150501, 2150510, 2150599, 2210201, 2210202, 2210203]


def build(rows: int, seed: int = 2019) -> dict[str, list[list[Any]]]:
    rnd = random.Random(seed)
    return {
        "codes": [[float(rnd.choice(CODES))] for _ in range(rows)],
        "amounts": [[rnd.randrange(0, 10**8) / 100] for _ in range(rows)],
        "kinds": [[rnd.choice(("基本支出", "项目支出"))] for _ in range(rows)],
        "funds": [[rnd.choice(("一般公共预算财政拨款", "其他资金"))] for _ in range(rows)],
    }


def _new(cell: Any) -> Any:
    """A new object with the same value: Excel (through COM) hands over new values on every call."""
    if isinstance(cell, float):
        return cell + 0.0
    if isinstance(cell, str):
        return "".join(list(cell))
    return cell


def timed(label: str, call: Callable[[], Any], data: dict, repeat: int, cold: bool) -> None:
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        fresh = {name: [[_new(cell) for cell in row] for row in column] for name, column in data.items()}
        if cold:
            udf_logic._BOOKS.clear()
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = call(**fresh)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    wall_ms, cpu_ms, best_ms = (sorted(walls)[repeat // 2] * 1000, sorted(cpus)[repeat // 2] * 1000,
                                min(walls) * 1000)
    shown = result if not isinstance(result, list) else f"{len(result)} rows"
    print(f"{label:<30} {wall_ms:7.2f} ms/call (best {best_ms:6.2f}, cpu {cpu_ms:6.2f})  "
          f"ratio to {BUDGET_MS:.0f} ms: {wall_ms / BUDGET_MS:4.2f}   -> {shown}")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    data = build(rows)
    print(f"{rows:,} rows; median wall time per call (best wall, median CPU time of this process)")

    def sumcode(codes, amounts, kinds, funds):
        return udfs.JS_SUMCODE(codes, amounts, "21505")

    def sumcode2(codes, amounts, kinds, funds):
        return udfs.JS_SUMCODE(codes, amounts, "215", kinds, "基本支出", funds, "一般公共预算财政拨款")

    def rollup(codes, amounts, kinds, funds):
        return udfs.JS_ROLLUP(codes, amounts)

    udfs.JS_ROLLUP([[2150510.0]], [[1.0]])  # load the code list once
    timed("JS_SUMCODE cold", sumcode, data, 7, cold=True)
    timed("JS_SUMCODE warm (new lists)", sumcode, data, 21, cold=False)
    timed("JS_SUMCODE 2 criteria cold", sumcode2, data, 7, cold=True)
    timed("JS_SUMCODE 2 criteria warm", sumcode2, data, 21, cold=False)
    timed("JS_ROLLUP cold", rollup, data, 7, cold=True)
    timed("JS_ROLLUP warm", rollup, data, 21, cold=False)


if __name__ == "__main__":
    main()
