"""Fill: compute every figure of the published tables from the ledger.

1. Group ledger lines into leaves (the finest aggregates: 项 × 款 × 类别 × 资金来源 …) and
   convert to 万元 exactly.
2. Round the leaves once with controlled rounding (:mod:`juesuan.rounding`).
3. Every published figure is a sum of rounded leaves chosen by the spec's ``where``
   filters, or a signed sum (``derive``) of other published figures; so every total
   equals the sum of its items, within a table and across tables, by construction.
4. The same sums over the exact leaves give each figure's exact value; the largest
   difference is reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from juesuan.code_names import resolve
from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors, chinese_ordinal
from juesuan.errors import InputError, Problem
from juesuan.grouping import group_lines, stage_sums
from juesuan.ledger import Ledger
from juesuan.rounding import Leaf, controlled_round
from juesuan.spec.model import (
    PREFIX_KEYS,
    ColumnSpec,
    Filter,
    FiscalSpec,
    PanelSpec,
    Ref,
    RowSpec,
    TableSpec,
    TemplateSpec,
)
from juesuan.tables import FilledAccounts, TableRow, TableValues

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
DIMS = ("func", "econ", "kind", "fund", "item")


@dataclass
class _Leaves:
    """Leaves of one ledger: dimension tuples, rounded cents (of 万元) and exact amounts in
    integer units (``per_cent`` units make one cent of 万元)."""

    keys: list[tuple[str, ...]]  # (func, econ, kind, fund, item)
    cents: list[int]
    units: list[int]
    per_cent: int


def _dim(key: tuple[str, ...], name: str, groups: dict[str, str] | None = None,
         fiscal: FiscalSpec | None = None) -> str:
    if name == "econ_class":
        return key[1][:3]
    if name == "econ_group":
        return (groups or {}).get(key[1][:3], "")
    if name == "fiscal":
        fiscal = fiscal or FiscalSpec()
        return "财政拨款" if key[2] in fiscal.income_kinds or key[3] in fiscal.funds else "非财政拨款"
    return key[DIMS.index(name)]


def _func_path(func: str) -> tuple[str, ...]:
    """The function-tree path of a leaf; leaves without a code sit on a branch of their own."""
    return tuple(ancestors(func)) if func else ("(无编码)",)


def units_per_yuan(ledger: Ledger) -> int:
    """Integer units per 元 that represent every ledger amount exactly (0.01 元 at least)."""
    places = 2
    for line in ledger.lines:
        exponent = line.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            places = -exponent
    return 10**places


def build_leaves(spec: TemplateSpec, ledger: Ledger, use_pandas: bool | None = None) -> dict[str, _Leaves]:
    """Group the ledger into leaves and round them, one level of the column chain at a time.

    The spec's ``rounding`` gives, per ledger, a chain of column dimensions (e.g. 财政/非财政 →
    资金来源 → 支出类别) and optional ``split`` dimensions (经济分类). Stage 0 rounds each
    功能分类 项's total so every function node is within a cent. Each next stage splits the
    rounded amounts of the previous one over the next column dimension, keeping them
    exactly, with every (function node × new column part) within a cent where feasible.
    The last stage splits each (项 × column part) over the ``split`` dimensions, keeping
    every node of that tree within a cent over all 项.

    The sums are exact integers either way; ``use_pandas`` chooses the path of
    :mod:`juesuan.grouping` (default: its measured faster one).
    """
    scale = units_per_yuan(ledger)
    per_cent = 100 * scale  # 0.01 万元 = 100 元
    sums = group_lines(ledger.lines, scale, use_pandas)
    econ_groups = {c: g for g, codes in spec.econ_groups.items() for c in codes}
    out: dict[str, _Leaves] = {}
    for name, groups in sums.items():
        config = spec.rounding.get(name, {})
        chain = tuple(config.get("columns", ()))
        split = tuple(config.get("split", ()))
        keys = sorted(groups)
        parts = {k: tuple(_dim(k, d, econ_groups, spec.fiscal) for d in chain) for k in keys}
        paths = {func: _func_path(func) for func in {k[0] for k in keys}}
        rounded: dict[tuple, int] = {}  # (func, part prefix) → cents, for the current stage
        for depth in range(len(chain) + 1):
            stage = stage_sums(keys, parts, groups, depth, use_pandas)
            order = sorted(stage)
            leaves = [Leaf(part[:-1] + paths[func] if part else paths[func], part + paths[func], stage[(func, part)])
                      for func, part in order]
            # each part's row node is its parent's: the parent's rounded amount is shared out
            targets = {part[:-1] + paths[func]: rounded[(func, part[:-1])] for func, part in order if part}
            rounded = dict(zip(order, controlled_round(leaves, per_cent, targets or None), strict=True))
        if split:
            leaves = [Leaf(parts[k] + (k[0],), parts[k] + tuple(_dim(k, d, econ_groups) for d in split), groups[k])
                      for k in keys]
            targets = {parts[k] + (k[0],): rounded[(k[0], parts[k])] for k in keys}
            cents = controlled_round(leaves, per_cent, targets)
        else:
            cents = [rounded[(k[0], parts[k])] for k in keys]
        out[name] = _Leaves(keys, cents, [groups[k] for k in keys], per_cent)
    return out


def _merge(*filters: Filter | None) -> Filter:
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


class _Aggregator:
    """Leaf sets chosen by filter and code prefix (membership cached per filter), and their sums."""

    def __init__(self, leaves: dict[str, _Leaves]):
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

    def leaves_of(self, agg: AggId) -> tuple[_Leaves | None, list[int]]:
        fkey, dim, prefix = agg
        return self.leaves.get(self.ledger_of(fkey)), self.members(fkey, dim).get(prefix, [])

    def value(self, agg: AggId) -> tuple[int, Decimal]:
        data, members = self.leaves_of(agg)
        if data is None:
            return 0, Decimal(0)
        cents, units = data.cents, data.units
        return sum(cents[i] for i in members), Decimal(sum(units[i] for i in members)) / (100 * data.per_cent)


class _TableFiller:
    def __init__(self, spec: TemplateSpec, table: TableSpec, agg: _Aggregator, ledger: Ledger,
                 warnings: list[Problem], problems: list[Problem]):
        self.spec, self.table, self.agg, self.ledger = spec, table, agg, ledger
        self.warnings, self.problems = warnings, problems
        self.terms: dict[tuple[str, str], Terms] = {}
        self.sources: dict[str, tuple[PanelSpec, RowSpec | None, str | None]] = {}
        self.rows: dict[str, TableRow] = {}

    # -- structure -------------------------------------------------------------
    def _name(self, scheme: str, code: str) -> str:
        name = self.spec.codes.scheme(scheme).get(code)
        if name is None:
            name = resolve(self.spec, scheme, code, self.ledger.own_names, self.ledger.typed_names)
            warning = Problem("unknown-code", {"code": code, "year": self.spec.format, "name": name},
                              severity="warning")
            if all(w.params != warning.params for w in self.warnings):
                self.warnings.append(warning)
        return name

    def _scope_codes(self) -> list[str]:
        codes: set[str] = set()
        for flt in self.table.scope:
            codes |= self.agg.present(flt)
        return sorted(codes)

    def _expand(self, panel: PanelSpec, spec_row: RowSpec) -> list[TableRow]:
        if spec_row.kind == "spare":
            lo, hi = spec_row.lines or (0, -1)
            return [TableRow(key=f"spare{n}", line=n, role="spare") for n in range(lo, hi + 1)]
        if spec_row.kind == "fixed":
            row = TableRow(key=spec_row.key or "", label=spec_row.label, line=spec_row.line, role=spec_row.role)
            self.sources[row.key] = (panel, spec_row, None)
            return [row]
        if spec_row.kind == "codes" and spec_row.scheme == "economic":
            # the code list's rows (or the spec's explicit list), plus any 款 the ledger uses
            codes = set(spec_row.only or self.spec.codes.economic)
            for column in panel.amount_columns:
                codes |= self.agg.present(_merge(column.where, spec_row.where), "econ")
            out = []
            for code in sorted(codes):
                if any(code.startswith(p) for p in spec_row.include):
                    out.append(TableRow(key=code, label=self._name("economic", code), code=code))
                    self.sources[code] = (panel, spec_row, "econ")
            return out
        if spec_row.kind == "codes":
            out = []
            for code in self._scope_codes():
                out.append(TableRow(key=code, label=self._name("functional", code), code=code))
                self.sources[code] = (panel, spec_row, "func")
            return out
        return self._expand_classes(panel, spec_row)

    def _expand_classes(self, panel: PanelSpec, spec_row: RowSpec) -> list[TableRow]:
        """Class lines (01/04): every listed class (or, in ``present`` mode, those with data),
        one per 行次 slot when the format numbers lines, numbered 一、二、… when asked."""
        listed = list(spec_row.include) or sorted(c for c in self.spec.codes.functional if len(c) == 3)
        lo, hi = spec_row.lines or (None, None)
        capacity = (hi - lo + 1) if lo is not None and hi is not None else len(listed)
        with_data = sorted(c for c in self.agg.present(_merge(spec_row.present_where or spec_row.where))
                           if len(c) == 3)
        if spec_row.mode == "present":
            classes = with_data
            if len(classes) > capacity:
                self.problems.append(Problem("too-many-rows", {"table": self.table.id, "capacity": capacity,
                                                               "count": len(classes)}))
                classes = classes[:capacity]
        else:
            classes = listed[:capacity]
            for code in with_data:
                if code not in classes:
                    self.problems.append(Problem("no-table-row", {"table": self.table.id, "what": "支出功能分类类级科目",
                                                                  "code": code}))
        out = []
        for n, code in enumerate(classes):
            name = self._name("functional", code)
            label = f"{chinese_ordinal(n + 1)}、{name}" if spec_row.numbered else name
            out.append(TableRow(key=code, label=label, code=code, line=None if lo is None else lo + n))
            self.sources[code] = (panel, spec_row, "func")
        if lo is not None and hi is not None:
            out += [TableRow(key=f"spare{n}", line=n, role="spare") for n in range(lo + len(classes), hi + 1)]
        return out

    # -- values ----------------------------------------------------------------
    def _cell(self, row_key: str, col_key: str, stack: tuple = ()) -> Terms:
        """A figure as a signed sum of leaf sets (resolving ``derive`` references)."""
        known = self.terms.get((row_key, col_key))
        if known is not None:
            return known
        if (row_key, col_key) in stack:
            raise ValueError(f"table {self.table.id}: derive cycle at {row_key}.{col_key}")
        stack = (*stack, (row_key, col_key))
        source = self.sources.get(row_key)
        if source is None:
            if row_key == "total" and self.table.code_driven:
                return {}
            raise KeyError(f"table {self.table.id}: no row {row_key}")
        panel, spec_row, prefix_dim = source
        column = panel.column(col_key)
        if column is None:
            raise KeyError(f"table {self.table.id}: no column {col_key}")
        refs: list[Ref] | None = None
        row_side = True
        if spec_row is not None and spec_row.derive is not None:
            refs = spec_row.derive.get(col_key) if isinstance(spec_row.derive, dict) else spec_row.derive
        if refs is None and column.derive:
            refs, row_side = column.derive, False
        result: Terms = {}
        if refs is not None:
            for ref in refs:
                part = self._cell(ref.row, ref.col or col_key, stack) if row_side else self._cell(row_key, ref.row, stack)
                for agg, coef in part.items():
                    result[agg] = result.get(agg, 0) + ref.sign * coef
            result = {agg: coef for agg, coef in result.items() if coef}
        else:
            flt = _merge(column.where, spec_row.where if spec_row else None)
            if prefix_dim is None or row_key == "total":
                result = {self.agg.agg(flt): 1}
            else:
                result = {self.agg.agg(flt, prefix_dim, row_key): 1}
        self.terms[(row_key, col_key)] = result
        return result

    def structure(self) -> TableValues:
        """Rows of every panel, and the terms of every figure (values come later)."""
        table = self.table
        panels: list[list[TableRow]] = []
        footers: list[TableRow | None] = []
        for panel in table.panels:
            rows: list[TableRow] = []
            for spec_row in panel.rows:
                if table.code_driven and spec_row.kind == "fixed" and spec_row.key == "total":
                    rows.append(TableRow(key="total", label=spec_row.label, role="total"))
                    self.sources["total"] = (panel, spec_row, "func")
                    continue
                rows.extend(self._expand(panel, spec_row))
            panels.append(rows)
            footer = None
            if panel.footer is not None:
                footer = TableRow(key=panel.footer.key or "", label=panel.footer.label, role="footer")
                self.sources[footer.key] = (panel, panel.footer, None)
            footers.append(footer)
        empty = table.code_driven and not any(r.code for p in panels for r in p)
        values = TableValues(table.id, panels, footers, empty=empty)
        self.figures: list[tuple[TableRow, ColumnSpec]] = []
        for panel, rows, footer in zip(table.panels, panels, footers, strict=True):
            for row in [*rows, *([footer] if footer else [])]:
                if row.role == "spare":
                    continue
                spec_row = self.sources[row.key][1]
                if row.role == "footer" and spec_row is not None and spec_row.derive is None:
                    continue  # a label-only footer cell
                has_source = spec_row is not None and (spec_row.derive is not None or spec_row.where is not None)
                for column in panel.amount_columns:
                    if not (has_source or column.where or column.derive or row.code or row.key == "total"):
                        continue
                    if (isinstance(spec_row.derive if spec_row else None, dict) and column.key not in spec_row.derive
                            and not column.where and not column.derive):
                        continue
                    if empty:
                        row.values[column.key] = None
                        continue
                    self._cell(row.key, column.key)
                    self.figures.append((row, column))
        return values

    def publish(self, agg_values: dict[AggId, tuple[int, Decimal]], over: list[tuple[str, Decimal]],
                exact_values: dict[tuple[str, str, str], Decimal]) -> tuple[Decimal, str]:
        """Write every figure's rounded value (and its exact value into ``exact_values``);
        return the largest deviation from exact and add every figure further than a cent
        from exact to ``over``."""
        worst, where = Decimal(0), ""
        for row, column in self.figures:
            cents, exact = 0, Decimal(0)
            for agg, coef in self.terms[(row.key, column.key)].items():
                c, e = agg_values[agg]
                cents += coef * c
                exact += coef * e
            published = Decimal(cents).scaleb(-2)
            row.values[column.key] = published
            exact_values[(self.table.id, row.key, column.key)] = exact
            deviation = abs(published - exact)
            if deviation > CENT:
                over.append((f"{self.table.id}表 {row.label or row.key} / {'/'.join(column.header)}", deviation))
            if deviation > worst:
                worst, where = deviation, f"{self.table.id}表 {row.label or row.key} / {'/'.join(column.header)}"
        return worst, where


def fill_accounts(spec: TemplateSpec, ledger: Ledger, repair: bool = True) -> FilledAccounts:
    """Compute every table; raise :class:`InputError` when the ledger doesn't fit the tables."""
    from juesuan.repair import repair_rounding

    agg = _Aggregator(build_leaves(spec, ledger))
    warnings: list[Problem] = list(ledger.warnings)
    problems: list[Problem] = []
    fillers = [_TableFiller(spec, table, agg, ledger, warnings, problems) for table in spec.tables]
    tables = {f.table.id: f.structure() for f in fillers}
    if problems:
        raise InputError(problems)
    figures = [f.terms[(row.key, col.key)] for f in fillers for row, col in f.figures]
    if repair:
        repair_rounding(agg, figures)
    agg_values = {a: agg.value(a) for terms in figures for a in terms}
    worst, where = Decimal(0), ""
    over: list[tuple[str, Decimal]] = []
    exact: dict[tuple[str, str, str], Decimal] = {}
    for f in fillers:
        deviation, at = f.publish(agg_values, over, exact)
        if deviation > worst:
            worst, where = deviation, at
    return FilledAccounts(
        format=spec.format, dept=str(ledger.info.get("dept") or ""), year=str(ledger.info.get("year") or ""),
        tables=tables, max_deviation=worst, max_deviation_at=where, warnings=warnings,
        over_a_cent=over, exact=exact,
    )


def column_label(column: ColumnSpec) -> str:
    return "/".join(column.header)
