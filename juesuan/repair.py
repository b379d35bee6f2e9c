"""Repair pass after controlled rounding: nudge individual leaf roundings so that published
figures the two rounding hierarchies could not control (sums across funds or 支出类别,
derived balances, 三公 items across 基本/项目) also land within one cent of exact.

Every leaf stays at the floor or ceiling of its exact value, so additivity is untouched:
published figures are still sums of the (new) rounded leaves. The search is greedy and
deterministic: for the worst figure, try moving one leaf of it a cent in the needed
direction, alone or paired with an opposite move of a leaf on the same 项 (which keeps the
function-row totals); accept a move only if the total penalty over *all* published figures
goes down. Figures a cent or more from exact weigh most; figures more than half a cent
away (not what half-up rounding would print) weigh a little, so where nothing else decides
the pass prefers the half-up result. The work is bounded by a number of evaluations.

Each round's candidate moves are evaluated together with numpy (every figure's change of
penalty with the same float operations as one at a time, summed per move in the same order
by a sequential cumulative sum), so the decisions are those of a move-by-move loop;
``tests/test_engine_reference.py`` compares them with that loop.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from juesuan.leaves import AggId, Aggregator, Terms

MAX_EVALUATIONS = 30_000
CANDIDATES = 16
PARTNERS = 8


def _excess(dev: float) -> float:
    """Penalty of a figure ``dev`` cents from exact. A cent or more away weighs heavily (a
    figure exact to the cent must come out exact); more than half a cent away — not what
    rounding half-up would print — weighs lightly."""
    size = abs(dev)
    if size <= 0.5 + 1e-9:
        return 0.0
    return (size - 0.5) + (100.0 * (size - 0.999) if size > 0.999 else 0.0)


def repair_rounding(agg: Aggregator, figures: list[Terms], max_evaluations: int | None = None) -> int:
    """Improve leaf roundings in place (through ``Leaves.nudge``); returns the moves made."""
    from juesuan import rounding

    max_evaluations = MAX_EVALUATIONS if max_evaluations is None else max_evaluations
    if sum(len(data.keys) for data in agg.leaves.values()) < rounding.NUMPY_FROM:
        return _repair_plain(agg, figures, max_evaluations)
    return _repair_numpy(agg, figures, max_evaluations)


def _repair_numpy(agg: Aggregator, figures: list[Terms], max_evaluations: int) -> int:
    """The repair pass with the leaves and figures as arrays, each round's moves evaluated
    together (the same decisions as :func:`_repair_plain`)."""
    import numpy as np

    used: set[AggId] = {a for terms in figures for a in terms}
    if not used:
        return 0
    exact_c, floor_c = _exact_and_floor(agg)

    cents_now = {name: np.array(data.cents, dtype=object) for name, data in agg.leaves.items()}
    exact_now = {name: np.array(exact_c[name], dtype=np.float64) for name in agg.leaves}
    agg_dev: dict[AggId, float] = {}
    ledger_of: dict[tuple, str] = {}
    for a in used:
        ledger = ledger_of.get(a[0])
        if ledger is None:
            ledger = ledger_of[a[0]] = agg.ledger_of(a[0])
        if ledger not in agg.leaves:
            agg_dev[a] = 0.0
            continue
        picked = agg.member_array(a)
        # the same float sum, in the same order, of the same values (gathered by numpy)
        agg_dev[a] = float(sum(cents_now[ledger][picked].tolist())) - sum(exact_now[ledger][picked].tolist())
    fig_dev = [sum(coef * agg_dev[a] for a, coef in terms.items()) for terms in figures]
    figs_of = _figures_of_sets(figures)
    if not any(_excess(d) for d in fig_dev):
        return 0

    by_ledger_filters: dict[str, list[tuple[tuple, str]]] = defaultdict(list)
    for fkey, dim in sorted({(fkey, dim) for fkey, dim, _prefix in used}):  # as first met in sorted(used)
        by_ledger_filters[ledger_of[fkey]].append((fkey, dim))
    aggs_cache: dict[tuple[str, int], list[AggId]] = {}
    picks = {fkey: agg.picks(fkey) for ledger, pairs in by_ledger_filters.items() if ledger in agg.leaves
             for fkey, _dim in pairs}

    used_prefixes: dict[tuple[tuple, str], set[str]] = defaultdict(set)
    for fkey, dim, prefix in used:
        used_prefixes[(fkey, dim)].add(prefix)
    prefixes_of: dict[tuple[str, str], list[str]] = {}

    def aggs_of(ledger: str, i: int) -> list[AggId]:
        """The used leaf sets holding leaf ``i``: per filter that picks it, the whole set and its
        code's prefixes."""
        found = aggs_cache.get((ledger, i))
        if found is None:
            from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors
            from juesuan.leaves import DIMS

            key = agg.leaves[ledger].keys[i]
            found = []
            for fkey, dim in by_ledger_filters[ledger]:
                if not picks[fkey][i]:  # agg.matches(fkey, key)
                    continue
                code = key[DIMS.index(dim)]
                prefixes = prefixes_of.get((dim, code))
                if prefixes is None:
                    prefixes = prefixes_of[(dim, code)] = [""] + (
                        ancestors(code, FUNC_LEVELS if dim == "func" else ECON_LEVELS) if code else [])
                mine = used_prefixes[(fkey, dim)]
                found += [(fkey, dim, p) for p in prefixes if p in mine]
            aggs_cache[(ledger, i)] = found
        return found

    same_row, fixed = _rows_and_fixed(agg)
    figs_of_leaf = _figures_of_leaf(aggs_of, figs_of)

    penalty = [_excess(d) for d in fig_dev]
    # the leaves' state as arrays, for choosing candidates (the rounded cents mirrored by apply)
    cents_arr = {name: np.array(data.cents, dtype=np.int64) for name, data in agg.leaves.items()}
    floor_arr = {name: np.array(floor_c[name], dtype=np.int64) for name in agg.leaves}
    open_arr = {name: ~np.array(fixed[name], dtype=bool) for name in agg.leaves}
    exact_arr = {name: np.array(exact_c[name], dtype=np.float64) for name in agg.leaves}
    row_arr = {row: np.array(leaves, dtype=np.int64) for row, leaves in same_row.items()}
    member_arr: dict[AggId, np.ndarray] = {}

    def nearest(pool: np.ndarray, ledger: str, at: int, step: int, count: int) -> list[int]:
        """The ``count`` leaves of ``pool`` rounded ``at`` (0 down, 1 up) and free to move whose
        exact value lies closest to their rounding moved by ``step``, ties in pool order (as
        ``heapq.nsmallest`` picks them)."""
        cents = cents_arr[ledger]
        pool = pool[(cents[pool] - floor_arr[ledger][pool] == at) & open_arr[ledger][pool]]
        distance = np.abs(exact_arr[ledger][pool] - (cents[pool] + step))
        return pool[np.argsort(distance, kind="stable")[:count]].tolist()
    dev_arr = np.array(fig_dev, dtype=np.float64)  # the same figures as arrays, for the batch below
    pen_arr = np.array(penalty, dtype=np.float64)
    where_at = np.full(len(figures), -1, dtype=np.int64)  # scratch: a figure's place in a move's list

    single_cache: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    pair_cache: dict[tuple[str, int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def single(ledger: str, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        found = single_cache.get((ledger, i))
        if found is None:
            pairs = figs_of_leaf(ledger, i)
            idx = np.array([n for n, _ in pairs], dtype=np.int64)
            found = single_cache[(ledger, i)] = (idx, np.array([float(c) for _, c in pairs]), np.zeros(len(pairs)))
        return found

    def pair(ledger: str, i: int, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The figures moves of leaves ``i`` then ``j`` touch, in the order the step-by-step
        evaluation meets them (``i``'s, then ``j``'s others), with each leaf's coefficient."""
        found = pair_cache.get((ledger, i, j))
        if found is None:
            idx_i, coef_i, _ = single(ledger, i)
            idx_j, coef_j, _ = single(ledger, j)
            where_at[idx_i] = np.arange(len(idx_i))
            at = where_at[idx_j]
            where_at[idx_i] = -1
            both, only = at >= 0, at < 0
            second = np.zeros(len(idx_i))
            second[at[both]] = coef_j[both]
            found = pair_cache[(ledger, i, j)] = (
                np.concatenate([idx_i, idx_j[only]]), np.concatenate([coef_i, np.zeros(int(only.sum()))]),
                np.concatenate([second, coef_j[only]]))
        return found

    def evaluate_all(options: list[tuple[tuple[np.ndarray, np.ndarray, np.ndarray], int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The change of total penalty of each option (a list of figures with the coefficients
        of its first and second move, and the first move's step), computed exactly as a
        step-by-step loop would: the same float operations on each figure, summed in the
        same order (a sequential cumulative sum, never pairwise)."""
        lengths = np.array([len(o[0][0]) for o in options], dtype=np.int64)
        idx = np.concatenate([o[0][0] for o in options])
        first = np.concatenate([o[0][1] for o in options])
        second = np.concatenate([o[0][2] for o in options])
        steps = np.repeat(np.array([float(o[1]) for o in options]), lengths)
        old = dev_arr[idx]
        new = (old + first * steps) + second * -steps
        size = np.abs(new)
        heavy = np.where(size > 0.999, 100.0 * (size - 0.999), 0.0)
        light = np.where(size > 0.500000001, (size - 0.5) + heavy, 0.0)
        quad = 1e-4 * (new * new - old * old) - pen_arr[idx]
        rows = len(options)
        width = 2 * int(lengths.max()) if rows else 0
        table = np.zeros((rows, width))
        row_of = np.repeat(np.arange(rows), lengths)
        offsets = np.cumsum(lengths) - lengths
        col = 2 * (np.arange(len(idx)) - np.repeat(offsets, lengths))
        table[row_of, col] = light
        table[row_of, col + 1] = quad
        deltas = np.cumsum(table, axis=1)[:, -1] if width else np.zeros(rows)
        return deltas, new, offsets

    violators = {n for n, d in enumerate(fig_dev) if _excess(d)}

    def apply(moves: list[tuple[str, int, int]], idx: np.ndarray, new: np.ndarray) -> None:
        for ledger, i, step in moves:
            agg.leaves[ledger].nudge(i, step)
            cents_arr[ledger][i] += step
        for n, value in zip(idx.tolist(), new.tolist(), strict=True):
            fig_dev[n] = value
            penalty[n] = _excess(value)
            pen_arr[n] = penalty[n]
            if penalty[n]:
                violators.add(n)
            else:
                violators.discard(n)
        dev_arr[idx] = new

    terms_in_order: dict[int, list] = {}
    evaluations = 0
    moved = 0
    stuck: set[int] = set()
    while evaluations < max_evaluations:
        open_ones = violators - stuck
        if not open_ones:
            break
        # the largest penalty, the first figure among equals: max(key=(penalty[n], -n)), with arrays
        ids = np.fromiter(open_ones, dtype=np.int64, count=len(open_ones))
        weights = pen_arr[ids]
        worst = int(ids[weights == weights.max()].min())
        sign = -1 if fig_dev[worst] > 0 else 1
        options: list[tuple[tuple[np.ndarray, np.ndarray, np.ndarray], int]] = []
        option_moves: list[list[tuple[str, int, int]]] = []
        terms = terms_in_order.get(worst)
        if terms is None:
            terms = terms_in_order[worst] = sorted(figures[worst].items(), key=lambda t: str(t[0]))
        for a, coef in terms:
            step = sign * coef
            data, members = agg.leaves_of(a)
            if data is None:
                continue
            ledger = agg.ledger_of(a[0])
            pool = member_arr.get(a)
            if pool is None:
                pool = member_arr[a] = np.array(members, dtype=np.int64)
            at = 0 if step > 0 else 1
            # prefer leaves whose exact value is closest to the other rounding
            for i in nearest(pool, ledger, at, step, CANDIDATES):
                options.append((single(ledger, i), step))
                option_moves.append([(ledger, i, step)])
                # (i itself is rounded the other way, so never its own partner)
                for j in nearest(row_arr[(ledger, data.keys[i][0])], ledger, 1 - at, -step, PARTNERS):
                    options.append((pair(ledger, i, j), step))
                    option_moves.append([(ledger, i, step), (ledger, j, -step)])
        evaluations += len(options)
        # the first option of least change, if it lowers the total penalty
        best = None
        if options:
            deltas, news, offsets = evaluate_all(options)
            k = int(np.argmin(deltas))
            if deltas[k] < -1e-12:
                best = k
        if best is None:
            stuck.add(worst)
            continue
        idx = options[best][0][0]
        apply(option_moves[best], idx, news[offsets[best]:offsets[best] + len(idx)])
        moved += 1
        stuck.clear()
    return moved


def _repair_plain(agg: Aggregator, figures: list[Terms], max_evaluations: int) -> int:
    """The repair pass of a small department in plain Python, move by move."""
    used: set[AggId] = {a for terms in figures for a in terms}
    if not used:
        return 0
    exact_c, floor_c = _exact_and_floor(agg)

    agg_dev: dict[AggId, float] = {}
    for a in used:
        data, members = agg.leaves_of(a)
        if data is None:
            agg_dev[a] = 0.0
            continue
        ledger = agg.ledger_of(a[0])
        cents, ex = data.cents, exact_c[ledger]
        agg_dev[a] = float(sum(cents[i] for i in members)) - sum(ex[i] for i in members)
    fig_dev = [sum(coef * agg_dev[a] for a, coef in terms.items()) for terms in figures]
    figs_of = _figures_of_sets(figures)
    if not any(_excess(d) for d in fig_dev):
        return 0

    by_ledger_filters: dict[str, list[tuple[tuple, str]]] = defaultdict(list)
    for fkey, dim, _prefix in sorted(used):
        pair = (fkey, dim)
        ledger = agg.ledger_of(fkey)
        if pair not in by_ledger_filters[ledger]:
            by_ledger_filters[ledger].append(pair)
    aggs_cache: dict[tuple[str, int], list[AggId]] = {}

    def aggs_of(ledger: str, i: int) -> list[AggId]:
        found = aggs_cache.get((ledger, i))
        if found is None:
            from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors
            from juesuan.leaves import DIMS

            key = agg.leaves[ledger].keys[i]
            found = []
            for fkey, dim in by_ledger_filters[ledger]:
                if not agg.matches(fkey, key):
                    continue
                code = key[DIMS.index(dim)]
                prefixes = [""] + (ancestors(code, FUNC_LEVELS if dim == "func" else ECON_LEVELS) if code else [])
                found += [(fkey, dim, p) for p in prefixes if (fkey, dim, p) in used]
            aggs_cache[(ledger, i)] = found
        return found

    same_row, fixed = _rows_and_fixed(agg)
    figs_of_leaf = _figures_of_leaf(aggs_of, figs_of)

    penalty = [_excess(d) for d in fig_dev]

    def evaluate(moves: list[tuple[str, int, int]]) -> tuple[float, dict[int, float]]:
        touched: dict[int, float] = {}
        for ledger, i, step in moves:
            for n, coef in figs_of_leaf(ledger, i):
                touched[n] = touched.get(n, fig_dev[n]) + coef * step
        delta = 0.0
        for n, new in touched.items():
            old = fig_dev[n]
            size = new if new >= 0 else -new
            if size > 0.500000001:
                delta += size - 0.5 + (100.0 * (size - 0.999) if size > 0.999 else 0.0)
            delta += 1e-4 * (new * new - old * old) - penalty[n]
        return delta, touched

    violators = {n for n, d in enumerate(fig_dev) if _excess(d)}

    def apply(moves: list[tuple[str, int, int]], touched: dict[int, float]) -> None:
        for ledger, i, step in moves:
            agg.leaves[ledger].nudge(i, step)
        for n, new in touched.items():
            fig_dev[n] = new
            penalty[n] = _excess(new)
            if penalty[n]:
                violators.add(n)
            else:
                violators.discard(n)

    evaluations = 0
    moved = 0
    stuck: set[int] = set()
    while evaluations < max_evaluations:
        open_ones = violators - stuck
        if not open_ones:
            break
        worst = max(open_ones, key=lambda n: (penalty[n], -n))
        sign = -1 if fig_dev[worst] > 0 else 1
        best: tuple[float, list, dict] | None = None
        for a, coef in sorted(figures[worst].items(), key=lambda t: str(t[0])):
            step = sign * coef
            data, members = agg.leaves_of(a)
            if data is None:
                continue
            ledger = agg.ledger_of(a[0])
            cents, floors, still, exact = data.cents, floor_c[ledger], fixed[ledger], exact_c[ledger]
            at = 0 if step > 0 else 1
            candidates = [i for i in members if cents[i] - floors[i] == at and not still[i]]
            # prefer leaves whose exact value is closest to the other rounding
            for i in heapq.nsmallest(CANDIDATES, candidates, key=lambda i: abs(exact[i] - (cents[i] + step))):
                options = [[(ledger, i, step)]]
                partners = [j for j in same_row[(ledger, data.keys[i][0])]
                            if j != i and cents[j] - floors[j] == 1 - at and not still[j]]
                best_partners = heapq.nsmallest(PARTNERS, partners, key=lambda j: abs(exact[j] - (cents[j] - step)))
                options += [[(ledger, i, step), (ledger, j, -step)] for j in best_partners]
                for moves in options:
                    evaluations += 1
                    delta, change = evaluate(moves)
                    if delta < -1e-12 and (best is None or delta < best[0]):
                        best = (delta, moves, change)
        if best is None:
            stuck.add(worst)
            continue
        apply(best[1], best[2])
        moved += 1
        stuck.clear()
    return moved


def _exact_and_floor(agg: Aggregator) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Per ledger, each leaf's exact value and its floor, in cents."""
    exact_c = {name: [u / data.per_cent for u in data.units] for name, data in agg.leaves.items()}
    floor_c = {name: [u // data.per_cent for u in data.units] for name, data in agg.leaves.items()}
    return exact_c, floor_c


def _figures_of_sets(figures: list[Terms]) -> dict[AggId, list[tuple[int, int]]]:
    """Leaf set → the (figure, coefficient) pairs it enters."""
    figs_of: dict[AggId, list[tuple[int, int]]] = defaultdict(list)
    for n, terms in enumerate(figures):
        for a, coef in terms.items():
            figs_of[a].append((n, coef))
    return figs_of


def _rows_and_fixed(agg: Aggregator) -> tuple[dict[tuple[str, str], list[int]], dict[str, list[bool]]]:
    """The leaves of each (ledger, function code) row, and which leaves are whole cents (never moved)."""
    same_row: dict[tuple[str, str], list[int]] = defaultdict(list)
    for name, data in agg.leaves.items():
        for i, key in enumerate(data.keys):
            same_row[(name, key[0])].append(i)
    fixed = {name: [u % data.per_cent == 0 for u in data.units] for name, data in agg.leaves.items()}
    return same_row, fixed


def _figures_of_leaf(aggs_of: Callable[[str, int], list[AggId]],
                     figs_of: dict[AggId, list[tuple[int, int]]]) -> Callable[[str, int], list[tuple[int, int]]]:
    """(ledger, leaf) → the (figure, coefficient) pairs a one-cent move of the leaf changes
    (remembered per leaf)."""
    cache: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def figs_of_leaf(ledger: str, i: int) -> list[tuple[int, int]]:
        found = cache.get((ledger, i))
        if found is None:
            acc: dict[int, int] = defaultdict(int)
            for a in aggs_of(ledger, i):
                for n, coef in figs_of[a]:
                    acc[n] += coef
            found = cache[(ledger, i)] = [(n, c) for n, c in acc.items() if c]
        return found

    return figs_of_leaf
