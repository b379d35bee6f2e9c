"""Summing ledger lines into leaves (the ledger → leaves aggregation of Fill), exactly, in
integer units.

Two paths with the same results: a dictionary loop for a typical department, and pandas
group-by on int64 for large ledgers (from :data:`PANDAS_MIN_LINES` lines: below that,
importing pandas costs more than it saves). The pandas path is taken only while every sum
fits in int64 with room to spare; otherwise Python's unbounded integers are used.
``tests/test_grouping.py`` compares both paths on random ledgers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from juesuan.ledger import LedgerLine

Key = tuple[str, ...]  # (func, econ, kind, fund, item)

PANDAS_MIN_LINES = 20_000
_INT64_ROOM = 2**62


def line_units(lines: Sequence[LedgerLine], scale: int) -> list[int]:
    """Each line's amount in integer units (``scale`` units per 元)."""
    return [int(line.amount * scale) for line in lines]


def group_lines(lines: Sequence[LedgerLine], scale: int, use_pandas: bool | None = None) -> dict[str, dict[Key, int]]:
    """Per ledger, the summed units of the lines sharing (func, econ, kind, fund, item)."""
    units = line_units(lines, scale)
    if use_pandas is None:
        use_pandas = len(lines) >= PANDAS_MIN_LINES
    if use_pandas and sum(abs(u) for u in units) < _INT64_ROOM:
        return _group_pandas(lines, units)
    sums: dict[str, dict[Key, int]] = defaultdict(lambda: defaultdict(int))
    for line, u in zip(lines, units, strict=True):
        sums[line.ledger][(line.func, line.econ, line.kind, line.fund, line.item)] += u
    return {name: dict(groups) for name, groups in sums.items()}


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
        use_pandas = len(keys) >= PANDAS_MIN_LINES
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


PANDAS_MIN_LEAVES = 5_000
_FIELDS = ("func", "econ", "kind", "fund", "item")


def leaf_frame(keys: Sequence[Key]) -> Any:
    """The leaves' dimensions as a pandas frame (one column per dimension), for
    :func:`members_table`."""
    import pandas as pd

    return pd.DataFrame({name: [k[n] for k in keys] for n, name in enumerate(_FIELDS)})


def members_table(frame: Any, fkey: tuple, dim: str, levels: tuple[int, ...]) -> dict[str, list[int]]:
    """Vectorised ``_Aggregator.members``: the indices of the leaves a filter picks, under
    "" (all of them) and under every code prefix of dimension ``dim`` at ``levels``; each
    list ascending, as the loop builds them."""
    import numpy as np
    import pandas as pd

    mask = np.ones(len(frame), dtype=bool)
    for name, values in fkey:
        if name == "ledger":
            continue
        column = frame[name]
        if name in ("econ", "func"):  # prefix keys
            hit = np.zeros(len(frame), dtype=bool)
            for v in values:
                hit |= column.str.startswith(v).to_numpy(dtype=bool)
        else:
            hit = column.isin(list(values)).to_numpy(dtype=bool)
        mask &= hit
    idx = np.flatnonzero(mask)
    if not len(idx):
        return {}
    table: dict[str, list[int]] = {"": idx.tolist()}
    codes = pd.Series(frame[dim].to_numpy()[idx])
    lengths = codes.str.len().to_numpy()
    for n in levels:
        keep = lengths >= n
        if not keep.any():
            continue
        prefixes = codes[keep].str.slice(0, n).to_numpy()
        chosen = idx[keep]
        for prefix, positions in pd.Series(chosen).groupby(prefixes, sort=False).indices.items():
            table[prefix] = chosen[positions].tolist()
    return table
