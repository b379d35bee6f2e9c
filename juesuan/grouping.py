"""Summing ledger lines into leaves (the ledger → leaves aggregation of Fill), exactly, in
integer units.

Two paths with the same results (``tests/test_grouping.py`` compares them on random
ledgers): a dictionary loop, and pandas group-by on int64 (taken only while every sum fits
in int64 with room to spare; otherwise Python's unbounded integers are used). Measured on
100,000 ledger lines (2 cores): the loop 0.21–0.24 s of CPU, pandas 0.42–0.54 s, because the
ledger lines are Python objects and building the frame costs more than the group-by saves;
the whole Fill computation is ≈6 s, most of it controlled rounding and the repair pass. So
the loop is the default (:data:`PANDAS_MIN_LINES` is None).

A large ledger is read column-wise (:class:`~juesuan.ledger.LineColumns`): a sheet whose
amounts are whole cents is grouped on its coded columns with numpy (:func:`group_columns`,
0.02 s at 100,000 lines, no :class:`~juesuan.ledger.LedgerLine` built; exact, else the
loop); :func:`group_ledger` adds up the sheets (``tests/test_ledger_columns.py`` compares
it with the loop on random sheets).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from juesuan.ledger import Ledger, LineColumns

if TYPE_CHECKING:
    from juesuan.ledger import LedgerLine

Key = tuple[str, ...]  # (func, econ, kind, fund, item)

PANDAS_MIN_LINES: int | None = None  # lines from which pandas is used by default (None: never)
_INT64_ROOM = 2**62
_FLOAT_EXACT = 2**53  # integers below this in absolute value add up exactly as float64
DIMENSIONS = ("func", "econ", "kind", "fund", "item")  # a Key's fields
Coded = dict  # dimension → (distinct values, each group's index into them: an int64 array)
Grouped = tuple  # (keys in ascending order, their units, their Coded): one ledger grouped from one sheet's columns


def line_units(lines: Sequence[LedgerLine], scale: int) -> list[int]:
    """Each line's amount in integer units (``scale`` units per 元)."""
    return [int(line.amount * scale) for line in lines]


def group_lines(lines: Sequence[LedgerLine], scale: int, use_pandas: bool | None = None) -> dict[str, dict[Key, int]]:
    """Per ledger, the summed units of the lines sharing (func, econ, kind, fund, item)."""
    units = line_units(lines, scale)
    if use_pandas is None:
        use_pandas = PANDAS_MIN_LINES is not None and len(lines) >= PANDAS_MIN_LINES
    if use_pandas and sum(abs(u) for u in units) < _INT64_ROOM:
        return _group_pandas(lines, units)
    sums: dict[str, dict[Key, int]] = defaultdict(lambda: defaultdict(int))
    for line, u in zip(lines, units, strict=True):
        sums[line.ledger][(line.func, line.econ, line.kind, line.fund, line.item)] += u
    return {name: dict(groups) for name, groups in sums.items()}


def group_ledger(ledger: Ledger, scale: int, use_pandas: bool | None = None) -> dict[str, dict[Key, int]]:
    """:func:`group_lines` of ``ledger.lines``, sheet by sheet: a sheet kept as columns
    (:class:`~juesuan.ledger.LineColumns`) whose amounts are whole cents is grouped on its
    columns (:func:`group_columns`), any other by :func:`group_lines`; the sums add up."""
    return {name: dict(zip(g[0], g[1], strict=True)) if type(g) is tuple else g
            for name, g in grouped_ledger(ledger, scale, use_pandas).items()}


def grouped_ledger(ledger: Ledger, scale: int, use_pandas: bool | None = None) -> dict[str, dict[Key, int] | Grouped]:
    """:func:`group_ledger`, a ledger grouped from one sheet's columns alone left as
    :func:`group_columns` gives it (keys in order, their units, the keys' fields as columns)."""
    out: dict[str, dict[Key, int] | Grouped] = {}
    for chunk in ledger.chunks():
        found = group_columns(chunk, scale) if type(chunk) is LineColumns else None
        if found is not None:
            part: dict[str, dict[Key, int] | Grouped] = {chunk.ledger: found}
        else:
            part = dict(group_lines(chunk.lines() if type(chunk) is LineColumns else chunk, scale, use_pandas))
        for name, groups in part.items():
            pairs = zip(groups[0], groups[1], strict=True) if type(groups) is tuple else groups.items()
            if not groups[0] if type(groups) is tuple else not groups:  # an empty sheet: no ledger, as line by line
                continue
            into = out.get(name)
            if into is None:
                out[name] = groups
                continue
            if type(into) is tuple:
                into = out[name] = dict(zip(into[0], into[1], strict=True))
            for key, units in pairs:
                into[key] = into.get(key, 0) + units
    return out


def group_columns(chunk: LineColumns, scale: int) -> Grouped | None:
    """:func:`group_lines` of one sheet's columns (its one ledger's groups), on numpy arrays:
    each key column as its values' ranks, one int64 key per line, its units summed per key
    (as float64 while every partial sum is an integer below 2⁵³, so exactly); None when the
    amounts are not whole cents (:meth:`~juesuan.ledger.LineColumns.cents`) or the sums
    could leave that range (then :func:`group_lines`). The groups come as their keys in
    ascending order, their units, and every key field as a column: (its distinct values,
    each group's index into them)."""
    import numpy as np

    cents = chunk.cents()
    if cents is None or scale % 100:
        return None
    if not len(cents):
        return [], [], {}
    factor = scale // 100
    if np.abs(cents).astype(np.float64).sum() >= _FLOAT_EXACT / 2:  # (half: room for the float sum's own error)
        return None
    key = np.zeros(len(cents), dtype=np.int64)
    sizes, columns = [], []
    room = 1
    for name in DIMENSIONS:
        distinct, ids = chunk.codes(name)
        room *= len(distinct)
        if room >= _INT64_ROOM:
            return None
        ordered = sorted(distinct)  # keyed by each value's rank, the keys come out in ascending (tuple) order
        position = {v: n for n, v in enumerate(ordered)}
        rank = np.fromiter(map(position.__getitem__, distinct), dtype=np.int64, count=len(distinct))
        key = key * len(distinct) + rank[ids]
        sizes.append(len(distinct))
        columns.append(ordered)
    if room <= 4 * len(key):  # a dense key: counted straight, no sort
        present = np.flatnonzero(np.bincount(key, minlength=room))
        slot = np.zeros(room, dtype=np.int64)
        slot[present] = np.arange(len(present))
        inverse = slot[key]
    else:
        present, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=cents.astype(np.float64), minlength=len(present))
    parts = []  # each present key's rank in every column, from the last column back
    rest = present
    for size in reversed(sizes):
        parts.append(rest % size)
        rest = rest // size
    parts.reverse()
    values = [list(map(ordered.__getitem__, ids.tolist())) for ordered, ids in zip(columns, parts, strict=True)]
    units = sums.astype(np.int64).tolist() if factor == 1 else [int(total) * factor for total in sums.tolist()]
    return list(zip(*values, strict=True)), units, dict(zip(DIMENSIONS, zip(columns, parts, strict=True), strict=True))


def _group_pandas(lines: Sequence[LedgerLine], units: list[int]) -> dict[str, dict[Key, int]]:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({
        "ledger": [line.ledger for line in lines],
        "func": [line.func for line in lines],
        "econ": [line.econ for line in lines],
        "kind": [line.kind for line in lines],
        "fund": [line.fund for line in lines],
        "item": [line.item for line in lines],
        "units": np.array(units, dtype=np.int64),
    })
    totals = frame.groupby(["ledger", "func", "econ", "kind", "fund", "item"], sort=False)["units"].sum()
    out: dict[str, dict[Key, int]] = {}
    for (name, *key), value in zip(totals.index.tolist(), totals.tolist(), strict=True):
        out.setdefault(name, {})[tuple(key)] = int(value)
    return out


def stage_sums(keys: Sequence[Key], parts: dict[Key, tuple[str, ...]], groups: dict[Key, int], depth: int,
               use_pandas: bool | None = None) -> dict[tuple, int]:
    """Units per (function code, the first ``depth`` column parts) over the leaves ``keys``."""
    if use_pandas is None:
        use_pandas = PANDAS_MIN_LINES is not None and len(keys) >= PANDAS_MIN_LINES
    if use_pandas and sum(abs(groups[k]) for k in keys) < _INT64_ROOM:
        import numpy as np
        import pandas as pd

        columns = {"func": [k[0] for k in keys]}
        for d in range(depth):
            columns[f"p{d}"] = [parts[k][d] for k in keys]
        frame = pd.DataFrame(columns)
        frame["units"] = np.array([groups[k] for k in keys], dtype=np.int64)
        totals = frame.groupby(list(columns), sort=False)["units"].sum()
        out: dict[tuple, int] = {}
        for index, value in zip(totals.index.tolist(), totals.tolist(), strict=True):
            index = index if isinstance(index, tuple) else (index,)
            out[(index[0], tuple(index[1:]))] = int(value)
        return out
    stage: dict[tuple, int] = defaultdict(int)
    for k in keys:
        stage[(k[0], parts[k][:depth])] += groups[k]
    return dict(stage)

