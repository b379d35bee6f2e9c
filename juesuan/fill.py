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
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors
from juesuan.errors import InputError, Problem
from juesuan.ledger import Ledger
from juesuan.money import YUAN_PER_WAN
from juesuan.rounding import Leaf, controlled_round
from juesuan.spec.model import (
    PREFIX_KEYS,
    ColumnSpec,
    Filter,
    PanelSpec,
    Ref,
    RowSpec,
    TableSpec,
    TemplateSpec,
)
from juesuan.tables import FilledAccounts, TableRow, TableValues

HUNDRED = Decimal(100)
FISCAL_INCOME = ("一般公共预算财政拨款收入", "政府性基金预算财政拨款收入")
DIMS = ("func", "econ", "kind", "fund", "item")


@dataclass
class _Leaves:
    """Leaves of one ledger: dimension tuples, rounded cents and exact 万元 amounts."""

    keys: list[tuple[str, ...]]  # (func, econ, kind, fund, item)
    cents: list[int]
    exact: list[Decimal]


def _dim(key: tuple[str, ...], name: str, groups: dict[str, str] | None = None) -> str:
    if name == "econ_class":
        return key[1][:3]
    if name == "econ_group":
        return (groups or {}).get(key[1][:3], "")
    return key[DIMS.index(name)]


def _func_path(func: str) -> tuple[str, ...]:
    return tuple(ancestors(func)) if func else ()


def build_leaves(spec: TemplateSpec, ledger: Ledger) -> dict[str, _Leaves]:
    """Group the ledger into leaves and round them (two stages where the spec says ``split``).

    Stage 1 rounds (项, column atom) amounts — e.g. atom = (资金来源, 支出类别) — keeping every
    function node within a cent both per atom and over all atoms. Stage 2 splits each
    rounded amount over the ``split`` dimensions (经济分类), keeping the stage-1 totals exactly
    and each 经济分类 node of the atom within a cent where that is feasible.
    """
    sums: dict[str, dict[tuple[str, ...], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in ledger.lines:
        sums[line.ledger][(line.func, line.econ, line.kind, line.fund, line.item)] += line.amount
    econ_groups = {str(c): g for g, codes in (spec.raw.get("econ_groups") or {}).items() for c in codes}
    out: dict[str, _Leaves] = {}
    for name, groups in sums.items():
        config = spec.rounding.get(name, {})
        atom_dims = config.get("columns", ())
        split_dims = config.get("split", ())
        keys = sorted(groups)
        exact = {k: groups[k] / YUAN_PER_WAN for k in keys}
        # stage 1: (func, atom)
        stage1: dict[tuple[str, tuple[str, ...]], Decimal] = defaultdict(Decimal)
        for k in keys:
            stage1[(k[0], tuple(_dim(k, d) for d in atom_dims))] += exact[k]
        s1_keys = sorted(stage1)
        s1_leaves = [Leaf(_func_path(func), atom + _func_path(func), stage1[(func, atom)]) for func, atom in s1_keys]
        s1_cents = dict(zip(s1_keys, controlled_round(s1_leaves), strict=True))
        if not split_dims:
            cents = [s1_cents[(k[0], tuple(_dim(k, d) for d in atom_dims))] for k in keys]
        else:
            by_atom: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
            for k in keys:
                by_atom[tuple(_dim(k, d) for d in atom_dims)].append(k)
            rounded: dict[tuple[str, ...], int] = {}
            for atom, members in by_atom.items():
                leaves = [Leaf((k[0],), tuple(_dim(k, d, econ_groups) for d in split_dims), exact[k]) for k in members]
                targets = {(func,): s1_cents[(func, a)] for (func, a) in s1_keys if a == atom}
                rounded.update(zip(members, controlled_round(leaves, targets), strict=True))
            cents = [rounded[k] for k in keys]
        out[name] = _Leaves(keys, cents, [exact[k] for k in keys])
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


class _Aggregator:
    """Sums of rounded and exact leaves by filter, indexed by code prefix (cached)."""

    def __init__(self, leaves: dict[str, _Leaves]):
        self.leaves = leaves
        self._cache: dict[tuple, dict[str, tuple[int, Decimal]]] = {}

    def _matching(self, flt: Filter) -> Iterable[tuple[tuple[str, ...], int, Decimal]]:
        ledger = flt.get("ledger", ("",))[0]
        data = self.leaves.get(ledger)
        if data is None:
            return
        checks = [(DIMS.index(k), v, k in PREFIX_KEYS) for k, v in flt.items() if k != "ledger"]
        for key, cents, exact in zip(data.keys, data.cents, data.exact, strict=True):
            ok = True
            for idx, values, prefix in checks:
                field = key[idx]
                if prefix:
                    if not any(field.startswith(v) for v in values):
                        ok = False
                        break
                elif field not in values:
                    ok = False
                    break
            if ok:
                yield key, cents, exact

    def by_prefix(self, flt: Filter, dim: str) -> dict[str, tuple[int, Decimal]]:
        cache_key = (tuple(sorted(flt.items())), dim)
        table = self._cache.get(cache_key)
        if table is None:
            levels = FUNC_LEVELS if dim == "func" else ECON_LEVELS
            acc: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
            idx = DIMS.index(dim)
            for key, cents, exact in self._matching(flt):
                for node in ["", *ancestors(key[idx], levels)] if key[idx] else [""]:
                    slot = acc[node]
                    slot[0] += cents
                    slot[1] += exact
            table = self._cache[cache_key] = {k: (v[0], v[1]) for k, v in acc.items()}
        return table

    def total(self, flt: Filter, dim: str = "func", prefix: str = "") -> tuple[int, Decimal]:
        return self.by_prefix(flt, dim).get(prefix, (0, Decimal(0)))

    def present(self, flt: Filter, dim: str = "func") -> set[str]:
        return {k for k in self.by_prefix(flt, dim) if k}


class _TableFiller:
    def __init__(self, spec: TemplateSpec, table: TableSpec, agg: _Aggregator, ledger: Ledger,
                 warnings: list[Problem], problems: list[Problem]):
        self.spec, self.table, self.agg, self.ledger = spec, table, agg, ledger
        self.warnings, self.problems = warnings, problems
        self.values: dict[tuple[str, str], tuple[int, Decimal]] = {}
        self.sources: dict[str, tuple[PanelSpec, RowSpec | None, str | None]] = {}
        self.rows: dict[str, TableRow] = {}

    # -- structure -------------------------------------------------------------
    def _name(self, scheme: str, code: str) -> str:
        name = self.spec.codes.scheme(scheme).get(code)
        if name is None:
            name = self.ledger.typed_names.get(code, "")
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
            out = []
            for code in sorted(self.spec.codes.economic):
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
        # classes of the functional list, one per 行次 slot
        lo, hi = spec_row.lines or (0, -1)
        capacity = hi - lo + 1
        listed = sorted(c for c in self.spec.codes.functional if len(c) == 3)
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
            out.append(TableRow(key=code, label=self._name("functional", code), code=code, line=lo + n))
            self.sources[code] = (panel, spec_row, "func")
        out += [TableRow(key=f"spare{n}", line=n, role="spare") for n in range(lo + len(classes), hi + 1)]
        return out

    # -- values ----------------------------------------------------------------
    def _cell(self, row_key: str, col_key: str, stack: tuple = ()) -> tuple[int, Decimal]:
        known = self.values.get((row_key, col_key))
        if known is not None:
            return known
        if (row_key, col_key) in stack:
            raise ValueError(f"table {self.table.id}: derive cycle at {row_key}.{col_key}")
        stack = (*stack, (row_key, col_key))
        source = self.sources.get(row_key)
        if source is None:
            if row_key == "total" and self.table.code_driven:
                return (0, Decimal(0))
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
        if refs is not None:
            cents, exact = 0, Decimal(0)
            for ref in refs:
                if row_side:
                    c, e = self._cell(ref.row, ref.col or col_key, stack)
                else:
                    c, e = self._cell(row_key, ref.row, stack)
                cents += ref.sign * c
                exact += ref.sign * e
            result = (cents, exact)
        else:
            flt = _merge(column.where, spec_row.where if spec_row else None)
            if prefix_dim is None or row_key == "total":
                result = self.agg.total(flt)
            else:
                result = self.agg.total(flt, prefix_dim, row_key)
        self.values[(row_key, col_key)] = result
        return result

    def fill(self) -> tuple[TableValues, Decimal, str]:
        table = self.table
        panels: list[list[TableRow]] = []
        footers: list[TableRow | None] = []
        for panel in table.panels:
            rows: list[TableRow] = []
            for spec_row in panel.rows:
                if table.code_driven and spec_row.kind == "fixed" and spec_row.key == "total":
                    row = TableRow(key="total", label=spec_row.label, role="total")
                    self.sources["total"] = (panel, spec_row, "func")
                    rows.append(row)
                    continue
                rows.extend(self._expand(panel, spec_row))
            panels.append(rows)
            footer = None
            if panel.footer is not None:
                footer = TableRow(key=panel.footer.key or "", label=panel.footer.label, role="footer")
                self.sources[footer.key] = (panel, panel.footer, None)
            footers.append(footer)
        empty = table.code_driven and not any(r.code for p in panels for r in p)
        worst, where = Decimal(0), ""
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
                    cents, exact = self._cell(row.key, column.key)
                    published = Decimal(cents).scaleb(-2)
                    row.values[column.key] = published
                    deviation = abs(published - exact)
                    if deviation > worst:
                        worst, where = deviation, f"{table.id}表 {row.label or row.key} / {column.header[-1]}"
        return TableValues(table.id, panels, footers, empty=empty), worst, where


def fill_accounts(spec: TemplateSpec, ledger: Ledger) -> FilledAccounts:
    """Compute every table; raise :class:`InputError` when the ledger doesn't fit the tables."""
    agg = _Aggregator(build_leaves(spec, ledger))
    warnings: list[Problem] = list(ledger.warnings)
    problems: list[Problem] = []
    tables: dict[str, TableValues] = {}
    worst, where = Decimal(0), ""
    for table in spec.tables:
        values, deviation, at = _TableFiller(spec, table, agg, ledger, warnings, problems).fill()
        tables[table.id] = values
        if deviation > worst:
            worst, where = deviation, at
    if problems:
        raise InputError(problems)
    return FilledAccounts(
        format=spec.format, dept=str(ledger.info.get("dept") or ""), year=str(ledger.info.get("year") or ""),
        tables=tables, max_deviation=worst, max_deviation_at=where, warnings=warnings,
    )


def column_label(column: ColumnSpec) -> str:
    return "/".join(column.header)
