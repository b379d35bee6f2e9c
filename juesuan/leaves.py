"""The leaf model shared by Fill and the rounding repair: a ledger grouped into *leaves* (the
finest aggregates: 项 × 款 × 类别 × 资金来源 × 项目), each with its exact amount in integer units
and its rounded cents; :class:`Aggregator` picks sets of leaves by a spec filter and a code
prefix and sums them. Every published figure is a signed sum of such sets (:data:`Terms`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar

from juesuan import rounding
from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors
from juesuan.grouping import grouped_ledger, stage_sums
from juesuan.ledger import Ledger, LineColumns
from juesuan.records import record
from juesuan.rounding import Leaf, controlled_round
from juesuan.spec.model import PREFIX_KEYS, Filter, FiscalSpec, TemplateSpec

DIMS = ("func", "econ", "kind", "fund", "item")
_INT64_ROOM = 2**62  # a sum of integers under this in absolute value cannot overflow int64

if TYPE_CHECKING:
    import numpy as np


@record
class Leaves:
    """Leaves of one ledger: dimension tuples, rounded cents (of 万元) and exact amounts in
    integer units (``per_cent`` units make one cent of 万元)."""

    keys: list[tuple[str, ...]]  # (func, econ, kind, fund, item)
    cents: list[int]
    units: list[int]
    per_cent: int
    # the keys' fields as columns (dimension → distinct values, each key's index into them) when
    # build_leaves has them from grouping a sheet's columns; not a field: leaves compare by their fields
    coded: ClassVar[dict[str, tuple[list[str], np.ndarray]] | None] = None

    def nudge(self, index: int, step: int) -> None:
        """Move one leaf's rounded amount by ``step`` cents (the repair pass)."""
        self.cents[index] += step


def dimension(key: tuple[str, ...], name: str, groups: dict[str, str] | None = None,
         fiscal: FiscalSpec | None = None) -> str:
    if name == "econ_class":
        return key[1][:3]
    if name == "econ_group":
        return (groups or {}).get(key[1][:3], "")
    if name == "fiscal":
        fiscal = fiscal or FiscalSpec()
        return "财政拨款" if key[2] in fiscal.income_kinds or key[3] in fiscal.funds else "非财政拨款"
    return key[DIMS.index(name)]


_FIELDS = {"econ_class": (1,), "econ_group": (1,), "fiscal": (2, 3)}  # key fields a dimension reads


def dimensions(keys: list[tuple[str, ...]], names: tuple[str, ...], groups: dict[str, str] | None = None,
               fiscal: FiscalSpec | None = None) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each key's :func:`dimension` tuple over ``names``, computed once per distinct value of
    the key fields those dimensions read."""
    if not keys:
        return {}
    fields = sorted({i for name in names for i in (_FIELDS[name] if name in _FIELDS else (DIMS.index(name),))})
    probe_of = itemgetter(*fields) if fields else (lambda k: ())
    known: dict[object, tuple[str, ...]] = {}
    out: dict[tuple[str, ...], tuple[str, ...]] = {}
    for k in keys:
        probe = probe_of(k)
        found = known.get(probe)
        if found is None:
            found = known[probe] = tuple(dimension(k, d, groups, fiscal) for d in names)
        out[k] = found
    return out


def func_path(func: str) -> tuple[str, ...]:
    """The function-tree path of a leaf; leaves without a code sit on a branch of their own."""
    return tuple(ancestors(func)) if func else ("(无编码)",)


def units_per_yuan(ledger: Ledger) -> int:
    """Integer units per 元 that represent every ledger amount exactly (0.01 元 at least)."""
    places = 2
    for chunk in ledger.chunks():
        if type(chunk) is LineColumns:
            if chunk.cents() is not None:  # whole cents: two places at most
                continue
            amounts = chunk.decimals()
        else:
            amounts = [line.amount for line in chunk]
        for amount in amounts:
            text = str(amount)  # plain notation shows exactly -exponent decimals; else ask the tuple
            if "E" in text:
                exponent = amount.as_tuple().exponent
                if isinstance(exponent, int) and -exponent > places:
                    places = -exponent
                continue
            dot = text.find(".")
            if dot >= 0 and len(text) - dot - 1 > places:
                places = len(text) - dot - 1
    return 10**places


def build_leaves(spec: TemplateSpec, ledger: Ledger, use_pandas: bool | None = None,
                 rounded: bool = True) -> dict[str, Leaves]:
    """Group the ledger into leaves (exact sums in integer units) and, when ``rounded``, round
    them (:func:`round_leaves`); unrounded leaves carry only their exact amounts (every
    ``cents`` is 0) until :func:`round_leaves` fills them in.

    The sums are exact integers either way; ``use_pandas`` chooses the path of
    :mod:`juesuan.grouping` (default: its measured faster one).
    """
    scale = units_per_yuan(ledger)
    per_cent = 100 * scale  # 0.01 万元 = 100 元
    out: dict[str, Leaves] = {}
    for name, groups in grouped_ledger(ledger, scale, use_pandas).items():
        if type(groups) is tuple:  # grouped on one sheet's columns: keys in order, and as columns for Aggregator
            keys, units, coded = groups
            out[name] = Leaves(keys, [0] * len(keys), units, per_cent)
            out[name].coded = coded  # type: ignore[misc]
            continue
        keys = sorted(groups)
        out[name] = Leaves(keys, [0] * len(keys), [groups[k] for k in keys], per_cent)
    if rounded:
        round_leaves(spec, out, use_pandas)
    return out


def round_leaves(spec: TemplateSpec, leaves: dict[str, Leaves], use_pandas: bool | None = None) -> None:
    """Round every ledger's leaves in place, one level of the column chain at a time.

    The spec's ``rounding`` gives, per ledger, a chain of column dimensions (e.g. 财政/非财政 →
    资金来源 → 支出类别) and optional ``split`` dimensions (经济分类). Stage 0 rounds each
    功能分类 项's total so every function node is within a cent. Each next stage splits the
    rounded amounts of the previous one over the next column dimension, keeping them
    exactly, with every (function node × new column part) within a cent where feasible.
    The last stage splits each (项 × column part) over the ``split`` dimensions, keeping
    every node of that tree within a cent over all 项.
    """
    econ_groups = {c: g for g, codes in spec.econ_groups.items() for c in codes}
    for name, data in leaves.items():
        keys, per_cent = data.keys, data.per_cent
        groups = dict(zip(keys, data.units, strict=True))
        config = spec.rounding.get(name, {})
        chain = tuple(config.get("columns", ()))
        split = tuple(config.get("split", ()))
        parts = dimensions(keys, chain, econ_groups, spec.fiscal)
        paths = {func: func_path(func) for func in {k[0] for k in keys}}
        rounded: dict[tuple, int] = {}  # (func, part prefix) → cents, for the current stage
        full = stage_sums(keys, parts, groups, len(chain), use_pandas)
        for depth in range(len(chain) + 1):
            stage: dict[tuple, int] = defaultdict(int)  # the full parts' sums rolled up to ``depth``
            for (func, part), units in full.items():
                stage[(func, part[:depth])] += units
            order = sorted(stage)
            stage_leaves = [Leaf(part[:-1] + paths[func] if part else paths[func], part + paths[func],
                                 stage[(func, part)]) for func, part in order]
            # each part's row node is its parent's: the parent's rounded amount is shared out
            targets = {part[:-1] + paths[func]: rounded[(func, part[:-1])] for func, part in order if part}
            rounded = dict(zip(order, controlled_round(stage_leaves, per_cent, targets or None), strict=True))
        if split:
            below = dimensions(keys, split, econ_groups)
            part_of = [parts[k] for k in keys]
            row_of = [part + (k[0],) for k, part in zip(keys, part_of, strict=True)]
            stage_leaves = [Leaf(row, part + below[k], units)
                            for k, part, row, units in zip(keys, part_of, row_of, data.units, strict=True)]
            targets = {row: rounded[(k[0], part)] for k, part, row in zip(keys, part_of, row_of, strict=True)}
            data.cents[:] = controlled_round(stage_leaves, per_cent, targets)
        else:
            data.cents[:] = [rounded[(k[0], parts[k])] for k in keys]


def merge_filters(*filters: Filter | None) -> Filter:
    out: Filter = {}
    for f in filters:
        for key, values in (f or {}).items():
            if key in out and key not in PREFIX_KEYS:
                out[key] = tuple(v for v in out[key] if v in values)
            else:
                out[key] = values
    return out


AggId = tuple  # (filter key, dimension, code prefix): one set of leaves
Terms = dict  # AggId → signed coefficient: a published figure as a signed sum of leaf sets


class _Column:
    """One key field of every leaf as codes into its distinct values (for vectorised tests)."""

    def __init__(self, values: list[str], coded: tuple[list[str], np.ndarray] | None = None):
        """``coded``: the column already as (distinct values, each leaf's index into them)."""
        import numpy as np

        if coded is not None:
            self.values, self.ids = coded
            return
        self.values = list(dict.fromkeys(values))
        ids = {v: n for n, v in enumerate(self.values)}
        self.ids = np.fromiter(map(ids.__getitem__, values), dtype=np.int64, count=len(values))

    def __len__(self) -> int:
        return len(self.ids)

    def allowed(self, test) -> np.ndarray:
        """Each leaf's ``test(value)``, evaluated once per distinct value."""
        import numpy as np

        return np.array([bool(test(v)) for v in self.values], dtype=bool)[self.ids] if self.values else \
            np.zeros(0, dtype=bool)


class _LedgerIndex:
    """A ledger's leaves for :meth:`Aggregator.members`: the filtered fields as columns, and
    for every code prefix of a dimension (at its levels) the ascending indices of the leaves
    below it (:meth:`nodes`, built once per dimension)."""

    def __init__(self, keys: list[tuple[str, ...]], coded: dict[str, tuple[list[str], np.ndarray]] | None = None):
        """``coded``: the key fields already as columns (:attr:`Leaves.coded`), by dimension."""
        coded = coded or {}

        def column(name: str) -> _Column:
            found = coded.get(name)
            return _Column([], found) if found is not None else _Column([k[DIMS.index(name)] for k in keys])

        self.kinds, self.funds, self.items = column("kind"), column("fund"), column("item")
        self.codes = {name: column(name) for name in PREFIX_KEYS}
        self._nodes: dict[str, dict[str, np.ndarray]] = {}

    def nodes(self, dim: str) -> dict[str, np.ndarray]:
        found = self._nodes.get(dim)
        if found is None:
            import numpy as np

            levels = FUNC_LEVELS if dim == "func" else ECON_LEVELS
            column = self.codes[dim]
            order = np.argsort(column.ids, kind="stable")  # leaves grouped by code, ascending within
            bounds = np.searchsorted(column.ids[order], np.arange(len(column.values) + 1))
            below: dict[str, list[np.ndarray]] = defaultdict(list)
            for n, code in enumerate(column.values):
                if code:
                    for node in ancestors(code, levels):
                        below[node].append(order[bounds[n]:bounds[n + 1]])
            found = self._nodes[dim] = {
                node: parts[0] if len(parts) == 1 else np.sort(np.concatenate(parts)) for node, parts in below.items()}
        return found


class Aggregator:
    """Leaf sets chosen by filter and code prefix (membership cached per filter), and their sums."""

    def __init__(self, leaves: dict[str, Leaves]):
        self.leaves = leaves
        self.filters: dict[tuple, Filter] = {}
        self._members: dict[tuple, dict[str, list[int]]] = {}
        self._by_group: dict[str, dict[tuple[str, str, str], list[int]]] = {}
        self._indexes: dict[str, _LedgerIndex] = {}
        self._arrays: dict[tuple, dict[str, np.ndarray]] = {}  # members() as index arrays
        self._masks: dict[tuple, np.ndarray] = {}  # per filter key: which of its ledger's leaves it picks
        self._planned: tuple[list | None, tuple] = (None, ())  # the last list summed, and its plan

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

    def _index(self, ledger: str) -> _LedgerIndex:
        """A ledger's leaves as arrays for choosing members (built once per ledger)."""
        found = self._indexes.get(ledger)
        if found is None:
            data = self.leaves[ledger]
            found = self._indexes[ledger] = _LedgerIndex(data.keys, data.coded)
        return found

    def members(self, fkey: tuple, dim: str) -> dict[str, list[int]]:
        """The leaves a filter picks, by code prefix of ``dim`` (``""``: all of them), each list
        in ascending order; only prefixes with a member are keys."""
        table = self._members.get((fkey, dim))
        if table is None:
            arrays = self._table(fkey, dim)
            table = self._members.get((fkey, dim))
            if table is None:  # a large ledger's: its index arrays as lists, on first demand
                table = self._members[(fkey, dim)] = {node: picked.tolist() for node, picked in arrays.items()}
        return table

    def _table(self, fkey: tuple, dim: str) -> dict[str, Any]:
        """:meth:`members` as it is first computed: index arrays for a large ledger (kept in
        ``_arrays``), lists for a small one."""
        table = self._arrays.get((fkey, dim))
        if table is None:
            table = self._members.get((fkey, dim))
        if table is None:
            table = {}
            ledger = self.ledger_of(fkey)
            if ledger in self.leaves and len(self.leaves[ledger].keys) < rounding.NUMPY_FROM:
                table = self._members[(fkey, dim)] = self._members_plain(fkey, dim, ledger)
            elif ledger in self.leaves:
                import numpy as np

                index = self._index(ledger)
                flt = dict(fkey)
                mask = np.ones(len(index.kinds), dtype=bool)
                for field, name in ((index.kinds, "kind"), (index.funds, "fund"), (index.items, "item")):
                    if name in flt:
                        mask &= field.allowed(lambda value, allowed=set(flt[name]): value in allowed)
                for k, values in fkey:
                    if k in PREFIX_KEYS:
                        mask &= index.codes[k].allowed(lambda value, values=values: any(value.startswith(v) for v in values))
                self._masks[fkey] = mask
                chosen = np.flatnonzero(mask)
                arrays = {}
                if len(chosen):
                    arrays[""] = chosen
                    for node, below in index.nodes(dim).items():
                        picked = below[mask[below]]
                        if len(picked):
                            arrays[node] = picked
                table = self._arrays[(fkey, dim)] = arrays
            else:
                self._members[(fkey, dim)] = table
        return table

    def _members_plain(self, fkey: tuple, dim: str, ledger: str) -> dict[str, list[int]]:
        """:meth:`members` for a small ledger, in plain Python."""
        table: dict[str, list[int]] = defaultdict(list)
        levels = FUNC_LEVELS if dim == "func" else ECON_LEVELS
        idx = DIMS.index(dim)
        flt = dict(fkey)
        exact_dims = [(n, set(flt[name])) for n, name in ((0, "kind"), (1, "fund"), (2, "item")) if name in flt]
        prefix_checks = [(DIMS.index(k), v) for k, v in fkey if k in PREFIX_KEYS]
        keys = self.leaves[ledger].keys
        chains: dict[str, list[str]] = {}
        for group, indices in self._groups(ledger).items():
            if any(group[n] not in allowed for n, allowed in exact_dims):
                continue
            for i in indices:
                key = keys[i]
                if prefix_checks and not all(any(key[d].startswith(v) for v in values) for d, values in prefix_checks):
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
        return dict(table)

    def picks(self, fkey: tuple) -> np.ndarray:
        """Which leaves of its ledger a filter picks (what :meth:`matches` says of each key)."""
        import numpy as np

        if fkey not in self._masks:
            self._table(fkey, "func")
        found = self._masks.get(fkey)
        if found is None:  # a small ledger's
            keys = self.leaves[self.ledger_of(fkey)].keys
            found = self._masks[fkey] = np.array([self.matches(fkey, key) for key in keys], dtype=bool)
        return found

    def member_array(self, agg: AggId) -> np.ndarray:
        """:meth:`leaves_of`'s indices as an array."""
        import numpy as np

        fkey, dim, prefix = agg
        table = self._table(fkey, dim)
        found = table.get(prefix)
        return found if isinstance(found, np.ndarray) else np.array(found or [], dtype=np.int64)

    def sums(self, aggs: list[AggId], field: str) -> list[int]:
        """Each leaf set's sum of ``field`` (``"units"`` or ``"cents"``), exact integers
        (:meth:`sum_plan` then :meth:`planned_sums`; the plan is kept for the next call with the
        very same list, which the caller must not change in between)."""
        if aggs is not self._planned[0]:
            self._planned = (aggs, self.sum_plan(aggs))
        return self.planned_sums(self._planned[1], field)

    def sum_plan(self, aggs: list[AggId]) -> tuple[int, list[tuple[int, str, list[int]]], dict[str, tuple]]:
        """What :meth:`planned_sums` sums, worked out once for any number of fields: a small
        ledger's sets as member lists; a big ledger's as one gather of their members and the
        start of each set in it."""
        plain: list[tuple[int, str, list[int]]] = []
        gathered: dict[str, list[tuple[int, np.ndarray]]] = defaultdict(list)
        ledgers: dict[tuple, str] = {}
        tables: dict[tuple, tuple[dict[str, Any], dict[str, Any] | None]] = {}  # (fkey, dim) → its table, arrays
        for n, (fkey, dim, prefix) in enumerate(aggs):
            ledger = ledgers.get(fkey)
            if ledger is None:
                ledger = ledgers[fkey] = self.ledger_of(fkey)
            if ledger not in self.leaves:
                continue
            found = tables.get((fkey, dim))
            if found is None:
                found = tables[(fkey, dim)] = (self._table(fkey, dim), self._arrays.get((fkey, dim)))
            table, arrays = found
            if arrays is None:  # a small ledger's: plain Python
                members = table.get(prefix)
                if members:
                    plain.append((n, ledger, members))
                continue
            picked = arrays.get(prefix)
            if picked is not None and len(picked):
                gathered[ledger].append((n, picked))
        big: dict[str, tuple] = {}
        for ledger, sets in gathered.items():
            import numpy as np

            starts = np.cumsum([0] + [len(picked) for _n, picked in sets[:-1]])
            big[ledger] = ([n for n, _picked in sets], np.concatenate([picked for _n, picked in sets]), starts)
        return len(aggs), plain, big

    def planned_sums(self, plan: tuple[int, list[tuple[int, str, list[int]]], dict[str, tuple]],
                     field: str) -> list[int]:
        """Each planned set's sum of ``field``, exact integers: a big ledger's sets in one
        gather and one segmented sum on int64 while every sum fits with room to spare, Python
        integers otherwise (and for a small ledger's sets)."""
        count, plain, big = plan
        out = [0] * count
        for n, ledger, members in plain:
            out[n] = sum(map(getattr(self.leaves[ledger], field).__getitem__, members))
        for ledger, (positions, gather, starts) in big.items():
            values = getattr(self.leaves[ledger], field)
            fits = bool(values) and max(max(values), -min(values)) * len(values) < _INT64_ROOM or \
                sum(abs(v) for v in values) < _INT64_ROOM  # (the first test, in C, nearly always decides)
            if fits:
                import numpy as np

                totals = np.add.reduceat(np.array(values, dtype=np.int64)[gather], starts).tolist()
            else:
                members, ends = gather.tolist(), [*starts.tolist()[1:], len(gather)]
                totals = [sum(values[i] for i in members[a:b]) for a, b in zip(starts.tolist(), ends, strict=True)]
            for n, total in zip(positions, totals, strict=True):
                out[n] = total
        return out

    def present(self, flt: Filter, dim: str = "func") -> set[str]:
        return {k for k in self._table(self.key(flt), dim) if k}

    def agg(self, flt: Filter, dim: str = "func", prefix: str = "") -> AggId:
        fkey = self.key(flt)
        self._table(fkey, dim)
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
