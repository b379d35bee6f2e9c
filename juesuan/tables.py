"""Table values: the plain-data form of a published table, shared by Fill, Validate, the
narrative and every front end.

A table is a list of panels (side-by-side blocks); each panel a list of rows in display
order; each row has a key (fixed-row key, code, or ``total``), its printed label, its
行次 or code, and amounts by column key (``Decimal`` in 万元, None for blank).
"""

from __future__ import annotations

from dataclasses import field
from decimal import Decimal

from juesuan.records import record


@record
class TableRow:
    """One row of a table's values: key, label, code, 栏次 line, role, values and cells."""

    key: str
    label: str = ""
    code: str | None = None
    line: int | None = None
    role: str | None = None  # total | spare | footer | None
    values: dict[str, Decimal | None] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)  # column key → A1 address (when read from a sheet)


@record
class TableValues:
    """A table's values, panel by panel, as computed or as read from a sheet."""

    table_id: str
    panels: list[list[TableRow]]
    footers: list[TableRow | None] = field(default_factory=list)
    empty: bool = False  # a code-driven table with no rows (prints its empty note)

    def rows(self) -> list[TableRow]:
        out = [r for p in self.panels for r in p]
        out += [f for f in self.footers if f is not None]
        return out

    def row(self, key: str) -> TableRow | None:
        for r in self.rows():
            if r.key == key:
                return r
        return None

    def value(self, row_key: str, col_key: str) -> Decimal | None:
        r = self.row(row_key)
        return None if r is None else r.values.get(col_key)


@record
class FilledAccounts:
    """All tables of one department after Fill, with what Fill measured."""

    format: str
    dept: str
    year: str
    tables: dict[str, TableValues]
    max_deviation: Decimal = Decimal(0)
    max_deviation_at: str = ""
    warnings: list = field(default_factory=list)
    over_a_cent: list = field(default_factory=list)  # (where, deviation) of figures > 0.01 from exact
    exact: dict = field(default_factory=dict)  # (table id, row key, column key) → exact value in 万元
