"""The Fill engine's leaf sets, controlled rounding and repair pass as they were before the
speed work of issue 14 (commit f17d18c), kept verbatim (renamed, imports gathered) only so
that ``tests/test_engine_reference.py`` can prove the faster engine returns the same figures:
the same leaf members and sums, the same max-flow rounding, the same repair moves."""

# ruff: noqa
from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors
from juesuan.leaves import DIMS, AggId, Filter, Leaves, Terms
from juesuan.rounding import Leaf
from juesuan.spec.model import PREFIX_KEYS

# --- juesuan/rounding.py at f17d18c ---



class _Dinic:
    def __init__(self, n: int):
        self.n = n
        self.head: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def add(self, u: int, v: int, cap: int) -> int:
        idx = len(self.to)
        self.to += [v, u]
        self.cap += [cap, 0]
        self.head[u].append(idx)
        self.head[v].append(idx + 1)
        return idx

    def maxflow(self, s: int, t: int) -> int:
        total = 0
        to, cap, head = self.to, self.cap, self.head
        while True:
            level = [-1] * self.n
            level[s] = 0
            queue = deque([s])
            while queue:
                u = queue.popleft()
                for e in head[u]:
                    if cap[e] > 0 and level[to[e]] < 0:
                        level[to[e]] = level[u] + 1
                        queue.append(to[e])
            if level[t] < 0:
                return total
            total += self._blocking_flow(s, t, level, [0] * self.n)

    def reachable(self, s: int) -> list[bool]:
        """Nodes reachable from ``s`` in the residual graph (the source side of a minimum cut)."""
        seen = [False] * self.n
        seen[s] = True
        stack = [s]
        while stack:
            u = stack.pop()
            for e in self.head[u]:
                v = self.to[e]
                if self.cap[e] > 0 and not seen[v]:
                    seen[v] = True
                    stack.append(v)
        return seen

    def _blocking_flow(self, s: int, t: int, level: list[int], it: list[int]) -> int:
        """Augmenting paths in the level graph, one after another (iterative DFS), until none
        is left; returns their total flow. After each path the search resumes where the
        path first ran out of capacity — where a search restarted from ``s`` would stop,
        since the edges before it are still usable and each node's edge pointer is kept."""
        to, cap, head = self.to, self.cap, self.head
        total = 0
        path: list[int] = []
        u = s
        while True:
            if u == t:
                flow = min(cap[e] for e in path)
                for e in path:
                    cap[e] -= flow
                    cap[e ^ 1] += flow
                total += flow
                k = next(n for n, e in enumerate(path) if cap[e] == 0)
                del path[k:]
                u = to[path[-1]] if path else s
                continue
            edges = head[u]
            advanced = False
            while it[u] < len(edges):
                e = edges[it[u]]
                v = to[e]
                if cap[e] > 0 and level[v] == level[u] + 1:
                    path.append(e)
                    u = v
                    advanced = True
                    break
                it[u] += 1
            if not advanced:
                if not path:
                    return total
                level[u] = -1  # dead end: prune
                e = path.pop()
                u = to[e ^ 1]
                it[u] += 1


def controlled_round(leaves: Sequence[Leaf], per_cent: int,
                     row_targets: dict[tuple[str, ...], int] | None = None) -> list[int]:
    """Rounded leaf amounts in cents (integers), each the floor or ceiling of its exact value,
    such that every row-tree and column-tree node total is within one cent of exact.

    ``row_targets`` fixes the rounded total (in cents) of some row-tree nodes (a second
    stage that splits already-rounded amounts). Those may make the one-cent windows of the
    column tree infeasible; the windows are then widened a cent at a time until a
    solution exists (with no column window the targets alone are always feasible).
    """
    floors = [leaf.units // per_cent for leaf in leaves]
    fracs = [leaf.units - f * per_cent for leaf, f in zip(leaves, floors, strict=True)]
    targets = row_targets or {}
    trees = _Trees(leaves, floors, fracs, targets)
    widen: dict[tuple[str, ...], int] = {}
    for _ in range(64):
        result, bottleneck = _solve(leaves, per_cent, floors, trees, targets, widen)
        if result is not None:
            return result
        if not bottleneck:
            break
        for path in bottleneck:  # widen only the column windows on the minimum cut
            widen[path] = widen.get(path, 0) + 1
    for slack in range(1, 1 + max(1, len(leaves))):  # last resort: widen every window
        result, _ = _solve(leaves, per_cent, floors, trees, targets, {}, slack)
        if result is not None:
            return result
    raise AssertionError("controlled rounding found no solution")  # pragma: no cover


class _Trees:
    """The two trees over the leaves with a fraction (prefixes of their paths, numbered in
    order of first use): fractional mass and open-leaf count below each node, and the floor
    sum below each fixed row node. The same for every attempt of one rounding."""

    def __init__(self, leaves: Sequence[Leaf], floors: list[int], fracs: list[int],
                 targets: dict[tuple[str, ...], int]):
        self.open_leaves = [i for i, f in enumerate(fracs) if f != 0]
        self.row_nodes: dict[tuple[str, ...], int] = {}
        self.col_nodes: dict[tuple[str, ...], int] = {}
        own_row: dict[tuple[str, ...], list[int]] = {}  # full path → [mass, count] of its own leaves
        own_col: dict[tuple[str, ...], list[int]] = {}
        for i in self.open_leaves:
            leaf = leaves[i]
            for path, nodes, own in ((leaf.row_path, self.row_nodes, own_row),
                                     (leaf.col_path, self.col_nodes, own_col)):
                mine = own.get(path)
                if mine is None:
                    mine = own[path] = [0, 0]
                    for depth in range(len(path) + 1):
                        nodes.setdefault(path[:depth], len(nodes))
                mine[0] += fracs[i]
                mine[1] += 1
        self.mass_row, self.count_row = self._totals(self.row_nodes, own_row)
        self.mass_col, self.count_col = self._totals(self.col_nodes, own_col)
        self.floor_sum: dict[tuple[str, ...], int] = {}
        if targets:
            own_floor: dict[tuple[str, ...], int] = {}
            for i, leaf in enumerate(leaves):
                own_floor[leaf.row_path] = own_floor.get(leaf.row_path, 0) + floors[i]
            for path, floor in own_floor.items():
                for depth in range(len(path) + 1):
                    prefix = path[:depth]
                    if prefix in targets:
                        self.floor_sum[prefix] = self.floor_sum.get(prefix, 0) + floor

    @staticmethod
    def _totals(nodes: dict[tuple[str, ...], int], own: dict[tuple[str, ...], list[int]]) -> tuple[list[int], list[int]]:
        mass, count = [0] * len(nodes), [0] * len(nodes)
        for path, (m, c) in own.items():
            for depth in range(len(path) + 1):
                k = nodes[path[:depth]]
                mass[k] += m
                count[k] += c
        return mass, count


def _solve(leaves: Sequence[Leaf], per_cent: int, floors: list[int], trees: _Trees, targets: dict[tuple[str, ...], int],
           widen: dict[tuple[str, ...], int], slack: int = 0) -> tuple[list[int] | None, list[tuple[str, ...]]]:
    """One feasible-flow attempt. On failure returns the column paths whose windows lie on
    the minimum cut (widening those is what can make room)."""
    open_leaves = trees.open_leaves
    if not open_leaves:
        return floors, []
    row_nodes, col_nodes, floor_sum = trees.row_nodes, trees.col_nodes, trees.floor_sum
    mass_row, count_row, mass_col, count_col = trees.mass_row, trees.count_row, trees.mass_col, trees.count_col

    n_row, n_col = len(mass_row), len(mass_col)
    source, sink = n_row + n_col, n_row + n_col + 1
    super_s, super_t = sink + 1, sink + 2
    graph = _Dinic(sink + 3)
    excess = [0] * (sink + 3)

    def bounded(u: int, v: int, lo: int, hi: int) -> bool:
        if lo > hi:
            return False
        if hi > lo:
            graph.add(u, v, hi - lo)
        excess[v] += lo
        excess[u] -= lo
        return True

    def window(mass: int, count: int, widen: int) -> tuple[int, int]:
        lo, rest = divmod(mass, per_cent)
        hi = lo + 1 if rest else lo
        return max(0, lo - widen), min(count, hi + widen)

    for path, k in row_nodes.items():
        parent = source if not path else row_nodes[path[:-1]]
        if path in targets:
            want = targets[path] - floor_sum.get(path, 0)
            ok = bounded(parent, k, want, want)
        elif targets:  # determined by the fixed nodes below
            ok = bounded(parent, k, 0, count_row[k])
        else:
            ok = bounded(parent, k, *window(mass_row[k], count_row[k], 0))
        if not ok:
            return None
    col_edges: list[tuple[tuple[str, ...], int, int]] = []
    for path, k in col_nodes.items():
        child = n_row + k
        parent = sink if not path else n_row + col_nodes[path[:-1]]
        extra = (slack + widen.get(path, 0)) if targets else 0
        if not bounded(child, parent, *window(mass_col[k], count_col[k], extra if path else len(open_leaves))):
            return None, []
        col_edges.append((path, child, parent))
    leaf_edges = {}
    for i in open_leaves:
        leaf = leaves[i]
        leaf_edges[i] = graph.add(row_nodes[leaf.row_path], n_row + col_nodes[leaf.col_path], 1)
    graph.add(sink, source, len(open_leaves) + 1)
    need = 0
    for v, ex in enumerate(excess):
        if ex > 0:
            graph.add(super_s, v, ex)
            need += ex
        elif ex < 0:
            graph.add(v, super_t, -ex)
    if graph.maxflow(super_s, super_t) != need:
        if not targets:  # pragma: no cover - impossible by total unimodularity
            return [leaf.units // per_cent + (1 if 2 * (leaf.units % per_cent) >= per_cent else 0) for leaf in leaves], []
        reach = graph.reachable(super_s)
        return None, [path for path, child, parent in col_edges if path and reach[child] != reach[parent]]
    result = list(floors)
    for i, e in leaf_edges.items():
        if graph.cap[e] == 0:  # the unit edge carries flow: round up
            result[i] += 1
    return result, []


# --- juesuan/repair.py at f17d18c ---


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


# --- juesuan/leaves.py (Aggregator) at f17d18c ---

class ReferenceAggregator:
    """Leaf sets chosen by filter and code prefix (membership cached per filter), and their sums."""

    def __init__(self, leaves: dict[str, Leaves]):
        self.leaves = leaves
        self.filters: dict[tuple, Filter] = {}
        self._members: dict[tuple, dict[str, list[int]]] = {}
        self._by_group: dict[str, dict[tuple[str, str, str], list[int]]] = {}

    def key(self, flt: Filter) -> tuple:
        k = tuple(sorted(flt.items()))
        self.filters[k] = flt
        return k

    @staticmethod
    def ledger_of(fkey: tuple) -> str:
        return dict(fkey).get("ledger", ("",))[0]

    def matches(self, fkey: tuple, key: tuple[str, ...]) -> bool:
        for name, values in fkey:
            if name == "ledger":
                continue
            field = key[DIMS.index(name)]
            if name in PREFIX_KEYS:
                if not any(field.startswith(v) for v in values):
                    return False
            elif field not in values:
                return False
        return True

    def _groups(self, ledger: str) -> dict[tuple[str, str, str], list[int]]:
        """Leaf indices of a ledger grouped by (kind, fund, item): filters mostly pick whole groups."""
        groups = self._by_group.get(ledger)
        if groups is None:
            groups = defaultdict(list)
            data = self.leaves.get(ledger)
            for i, key in enumerate(data.keys if data else []):
                groups[(key[2], key[3], key[4])].append(i)
            self._by_group[ledger] = groups
        return groups

    def members(self, fkey: tuple, dim: str) -> dict[str, list[int]]:
        table = self._members.get((fkey, dim))
        if table is None:
            table = defaultdict(list)
            ledger = self.ledger_of(fkey)
            data = self.leaves.get(ledger)
            if data is not None:
                levels = FUNC_LEVELS if dim == "func" else ECON_LEVELS
                idx = DIMS.index(dim)
                flt = dict(fkey)
                exact_dims = [(n, set(flt[name])) for n, name in ((0, "kind"), (1, "fund"), (2, "item")) if name in flt]
                prefix_checks = [(DIMS.index(k), v) for k, v in fkey if k in PREFIX_KEYS]
                keys = data.keys
                chains: dict[str, list[str]] = {}
                for group, indices in self._groups(ledger).items():
                    if any(group[n] not in allowed for n, allowed in exact_dims):
                        continue
                    for i in indices:
                        key = keys[i]
                        if prefix_checks and not all(any(key[d].startswith(v) for v in values)
                                                     for d, values in prefix_checks):
                            continue
                        code = key[idx]
                        table[""].append(i)
                        if code:
                            chain = chains.get(code)
                            if chain is None:
                                chain = chains[code] = ancestors(code, levels)
                            for node in chain:
                                table[node].append(i)
                for members in table.values():
                    members.sort()
            table = self._members[(fkey, dim)] = dict(table)
        return table

    def present(self, flt: Filter, dim: str = "func") -> set[str]:
        return {k for k in self.members(self.key(flt), dim) if k}

    def agg(self, flt: Filter, dim: str = "func", prefix: str = "") -> AggId:
        fkey = self.key(flt)
        self.members(fkey, dim)
        return (fkey, dim, prefix)

    def leaves_of(self, agg: AggId) -> tuple[Leaves | None, list[int]]:
        fkey, dim, prefix = agg
        return self.leaves.get(self.ledger_of(fkey)), self.members(fkey, dim).get(prefix, [])

    def cents(self, agg: AggId) -> int:
        """The rounded sum of a leaf set, in cents."""
        data, members = self.leaves_of(agg)
        if data is None:
            return 0
        cents = data.cents
        return sum(cents[i] for i in members)

    def value(self, agg: AggId) -> tuple[int, Decimal]:
        data, members = self.leaves_of(agg)
        if data is None:
            return 0, Decimal(0)
        cents, units = data.cents, data.units
        return sum(cents[i] for i in members), Decimal(sum(units[i] for i in members)) / (100 * data.per_cent)

    def sums(self, aggs: list[AggId], field: str) -> list[int]:
        """What the engine summed figure by figure: ``value`` (units) or ``cents``."""
        out = []
        for a in aggs:
            data, members = self.leaves_of(a)
            values = getattr(data, field) if data is not None else []
            out.append(sum(values[i] for i in members) if data is not None else 0)
        return out


# --- juesuan/leaves.py (units_per_yuan) at f17d18c ---


def units_per_yuan(ledger) -> int:
    """Integer units per 元 that represent every ledger amount exactly (0.01 元 at least)."""
    places = 2
    for line in ledger.lines:
        exponent = line.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            places = -exponent
    return 10**places
