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

from collections.abc import Callable, Iterator
from decimal import Decimal

from juesuan.code_names import resolve
from juesuan.codes import chinese_ordinal
from juesuan.errors import InputError, Problem
from juesuan.leaves import AggId, Aggregator, Leaves, Terms, build_leaves, merge_filters, round_leaves
from juesuan.ledger import Ledger
from juesuan.spec.model import (
    ColumnSpec,
    PanelSpec,
    Ref,
    RowSpec,
    TableSpec,
    TemplateSpec,
)
from juesuan.tables import FilledAccounts, TableRow, TableValues

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
class _TableFiller:
    def __init__(self, spec: TemplateSpec, table: TableSpec, agg: Aggregator, ledger: Ledger,
                 warnings: list[Problem], problems: list[Problem]):
        self.spec, self.table, self.agg, self.ledger = spec, table, agg, ledger
        self.warnings, self.problems = warnings, problems
        self.terms: dict[tuple[str, str], Terms] = {}
        self.sources: dict[str, tuple[PanelSpec, RowSpec | None, str | None]] = {}
        self.rows: dict[str, TableRow] = {}
        # (id of a column spec, id of a row spec, dimension) → its filter's key (the specs outlive the filler)
        self._filter_keys: dict[tuple[int, int, str], tuple] = {}

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
                codes |= self.agg.present(merge_filters(column.where, spec_row.where), "econ")
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
        with_data = sorted(c for c in self.agg.present(merge_filters(spec_row.present_where or spec_row.where))
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
            dim, prefix = ("func", "") if prefix_dim is None or row_key == "total" else (prefix_dim, row_key)
            fkey = self._filter_keys.get((id(column), id(spec_row), dim))
            if fkey is None:  # once per column and spec row (a code row's many figures share it)
                flt = merge_filters(column.where, spec_row.where if spec_row else None)
                fkey = self._filter_keys[(id(column), id(spec_row), dim)] = self.agg.agg(flt, dim)[0]
            result = {(fkey, dim, prefix): 1}
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

    def publish(self, sums: Iterator[tuple[int, int]], divisor: int, over: list[tuple[str, Decimal]],
                exact_values: dict[tuple[str, str, str], Decimal], rounded: bool = True) -> tuple[Decimal, str]:
        """Write every figure's rounded value (its exact value when not ``rounded``) and its
        exact value into ``exact_values``, taking each figure's (rounded cents, exact units)
        from ``sums`` in the order of :attr:`figures` (``divisor`` units make one 万元); return
        the largest deviation from exact and add every figure further than a cent from exact
        to ``over``."""
        worst, where = Decimal(0), ""
        for row, column in self.figures:
            cents, units = next(sums)
            exact = Decimal(units) / divisor
            published = Decimal(cents).scaleb(-2) if rounded else exact
            row.values[column.key] = published
            exact_values[(self.table.id, row.key, column.key)] = exact
            deviation = abs(published - exact)
            if deviation > CENT:
                over.append((f"{self.table.id}表 {row.label or row.key} / {'/'.join(column.header)}", deviation))
            if deviation > worst:
                worst, where = deviation, f"{self.table.id}表 {row.label or row.key} / {'/'.join(column.header)}"
        return worst, where


def fill_accounts(spec: TemplateSpec, ledger: Ledger, repair: bool = True, rounded: bool = True) -> FilledAccounts:
    """Compute every table; raise :class:`InputError` when the ledger doesn't fit the tables.

    ``rounded=False`` skips controlled rounding and the repair pass: every figure is then
    its exact value (more than two decimals), the same rows and figures as a rounded fill —
    what a check needs when exact values decide (:func:`juesuan.rules.detail.implied_accounts`)."""
    return Computation(spec, ledger).accounts(rounded, repair)


class Computation:
    """One ledger's tables, computed in two steps: the leaves' exact sums and the tables'
    rows and figures (as leaf sets) once; then :meth:`accounts` publishes the figures, exact
    or rounded (controlled rounding and the repair pass run at most once). Raises
    :class:`InputError` when the ledger doesn't fit the tables."""

    def __init__(self, spec: TemplateSpec, ledger: Ledger):
        self.spec, self.ledger = spec, ledger
        self.leaves = build_leaves(spec, ledger, rounded=False)
        self.agg = Aggregator(self.leaves)
        self.warnings: list[Problem] = list(ledger.warnings)
        problems: list[Problem] = []
        self.fillers = [_TableFiller(spec, table, self.agg, ledger, self.warnings, problems) for table in spec.tables]
        self.tables = {f.table.id: f.structure() for f in self.fillers}
        if problems:
            raise InputError(problems)
        self.figures = [f.terms[(row.key, col.key)] for f in self.fillers for row, col in f.figures]
        self.rounded = False
        # every leaf set a figure uses, once; each figure's terms as (set's position, coefficient)
        self._used: list[AggId] = list(dict.fromkeys(a for terms in self.figures for a in terms))
        position = {a: n for n, a in enumerate(self._used)}
        self._terms = [[(position[a], coef) for a, coef in terms.items()] for terms in self.figures]
        self._units: list[int] | None = None  # each used set's exact units (they never change)

    def recorded_accounts(self, adopt: Callable[[dict[str, Leaves]], bool], max_off: Decimal) -> FilledAccounts | None:
        """The tables rounded as a record of Fill's rounding says (:mod:`juesuan.rounding_record`):
        ``adopt`` rounds the leaves in place, or answers False (no usable record). None when
        there is none, or when a figure would lie further than ``max_off`` from exact (a record
        not to trust): the next :meth:`accounts` then rounds afresh."""
        if self.rounded or not adopt(self.leaves):
            return None
        self.rounded = True
        accounts = self.accounts()
        if accounts.max_deviation <= max_off:
            return accounts
        self.rounded = False
        return None

    def accounts(self, rounded: bool = True, repair: bool = True) -> FilledAccounts:
        """The filled tables, every figure rounded (or exact). Each call writes the figures
        into the same tables: an earlier result's tables show the latest figures."""
        from juesuan.repair import repair_rounding

        if rounded and not self.rounded:
            round_leaves(self.spec, self.leaves)
            if repair:
                repair_rounding(self.agg, self.figures)
            self.rounded = True
        if self._units is None:
            self._units = self.agg.sums(self._used, "units")
        units = self._units
        cents = self.agg.sums(self._used, "cents") if rounded else [0] * len(units)
        sums = []  # each figure's (rounded cents, exact units): exact integer sums of its sets
        for terms in self._terms:
            c = u = 0
            for n, coef in terms:
                c += coef * cents[n]
                u += coef * units[n]
            sums.append((c, u))
        per_cents = {data.per_cent for data in self.leaves.values()}  # one scale for the whole ledger
        if len(per_cents) > 1:  # pragma: no cover - build_leaves gives every ledger the same
            raise AssertionError("leaves of one ledger at different scales")
        divisor = 100 * (per_cents.pop() if per_cents else 1)
        worst, where = Decimal(0), ""
        over: list[tuple[str, Decimal]] = []
        exact_values: dict[tuple[str, str, str], Decimal] = {}
        figures = iter(sums)
        for f in self.fillers:
            deviation, at = f.publish(figures, divisor, over, exact_values, rounded)
            if deviation > worst:
                worst, where = deviation, at
        info = self.ledger.info
        return FilledAccounts(
            format=self.spec.format, dept=str(info.get("dept") or ""), year=str(info.get("year") or ""),
            tables=self.tables, max_deviation=worst, max_deviation_at=where, warnings=self.warnings,
            over_a_cent=over, exact=exact_values,
        )


def column_label(column: ColumnSpec) -> str:
    return "/".join(column.header)
