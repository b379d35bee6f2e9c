"""Controlled rounding: round leaf amounts to whole cents so that every node of two
hierarchies (a row tree and a column tree over the same leaves) stays within one cent of
its exact value, while every published total is, by construction, the sum of its
published items (Fill derives every figure from the rounded leaves).

Each leaf is rounded down or up (never further). Choosing which leaves go up is a
feasible-circulation problem: the leaves are edges from the row tree to the column
tree, every tree node bounds how many of its leaves may go up to [floor, ceil] of its
exact fractional total. Two laminar families make a network matrix, so an integral
choice always exists (the exact fractions are a feasible fractional solution); Dinic's
max-flow finds one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Leaf:
    """One exact amount to round, placed by its row and column paths in the two hierarchies."""

    row_path: tuple[str, ...]
    col_path: tuple[str, ...]
    units: int  # the exact amount in integer units; ``per_cent`` of them make one cent


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
