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
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    max_evaluations = MAX_EVALUATIONS if max_evaluations is None else max_evaluations
    used: set[AggId] = {a for terms in figures for a in terms}
    if not used:
        return 0
    exact_c: dict[str, list[float]] = {}
    floor_c: dict[str, list[int]] = {}
    for name, data in agg.leaves.items():
        exact_c[name] = [u / data.per_cent for u in data.units]
        floor_c[name] = [u // data.per_cent for u in data.units]

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
    figs_of: dict[AggId, list[tuple[int, int]]] = defaultdict(list)
    for n, terms in enumerate(figures):
        for a, coef in terms.items():
            figs_of[a].append((n, coef))
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

    same_row: dict[tuple[str, str], list[int]] = defaultdict(list)
    for name, data in agg.leaves.items():
        for i, key in enumerate(data.keys):
            same_row[(name, key[0])].append(i)

    fixed = {name: [u % data.per_cent == 0 for u in data.units] for name, data in agg.leaves.items()}

    figs_cache: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def figs_of_leaf(ledger: str, i: int) -> list[tuple[int, int]]:
        """(figure, coefficient) pairs a one-cent move of this leaf changes."""
        found = figs_cache.get((ledger, i))
        if found is None:
            acc: dict[int, int] = defaultdict(int)
            for a in aggs_of(ledger, i):
                for n, coef in figs_of[a]:
                    acc[n] += coef
            found = figs_cache[(ledger, i)] = [(n, c) for n, c in acc.items() if c]
        return found

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
