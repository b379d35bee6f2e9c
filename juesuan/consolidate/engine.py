"""Consolidation (汇总) of a department's units into one ledger, on plain data.

Every unit's ledger lines are kept (the union), each tagged with its unit (the 单位 column);
the internal transfers the spec's ``eliminations`` name are cancelled by *elimination lines*
(单位 = 内部抵销) that negate them, so the department's figures are the sum of the units'
figures minus the eliminations, and every unit's own lines stay visible and traceable.

Eliminations apply only when the parent (本级) is among the units. For each elimination and
each ``by`` key (a 功能分类 code) the parent's side must equal the subordinate units' side;
a difference is an :class:`Imbalance`, reported with both sides' cells. Where the two sides
differ, only the smaller amount is eliminated (on both sides); the rest stays published.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import field
from decimal import Decimal
from operator import attrgetter
from typing import Any

from juesuan.consolidate.names import ELIMINATION_UNIT, PARENT_REMARK, UNIT_REMARK, UNITS_INPUT
from juesuan.consolidate.spec import Elimination, Side, eliminations_of
from juesuan.errors import Problem
from juesuan.ledger import Ledger, LedgerLine
from juesuan.port import column_letter
from juesuan.records import record
from juesuan.spec.model import TemplateSpec

ZERO = Decimal(0)
MAX_CELLS = 8  # cells listed per side in a message


@record
class Unit:
    """One unit's accounts: ``label`` names its workbook in messages, ``name`` is the 单位名称."""

    label: str
    name: str
    ledger: Ledger
    parent: bool = False


@record
class Imbalance:
    """An elimination whose two sides differ for one ``by`` key."""

    elimination: Elimination
    key: tuple[str, ...]
    parent_amount: Decimal
    unit_amount: Decimal
    eliminated: Decimal
    parent_cells: list[str]
    unit_cells: list[str]

    @property
    def difference(self) -> Decimal:
        return self.parent_amount - self.unit_amount

    def problem(self, severity: str = "error") -> Problem:
        e = self.elimination
        return Problem("elimination-unbalanced", {
            "title": e.title, "key": "/".join(k or "（无）" for k in self.key),
            "parent_side": e.parent.describe(), "unit_side": e.unit.describe(),
            "parent_amount": f"{self.parent_amount:.2f}", "unit_amount": f"{self.unit_amount:.2f}",
            "difference": f"{self.difference:+.2f}",
            "parent_cells": _cells_text(self.parent_cells), "unit_cells": _cells_text(self.unit_cells),
        }, severity=severity)


def _cells_text(cells: list[str]) -> str:
    if not cells:
        return "无 / none"
    shown = "、".join(cells[:MAX_CELLS])
    return shown + (f" 等 {len(cells)} 处 / {len(cells)} cells" if len(cells) > MAX_CELLS else "")


@record
class Consolidation:
    """The department's ledger: every unit's lines, the elimination lines, what didn't balance."""

    spec: TemplateSpec
    dept: str
    year: str
    units: list[Unit]
    lines: list[LedgerLine]  # the union, each line tagged with its unit
    elimination_lines: list[LedgerLine]
    imbalances: list[Imbalance] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def parent(self) -> Unit | None:
        return next((u for u in self.units if u.parent), None)

    def ledger(self) -> Ledger:
        """The consolidated ledger, as Fill would read it back from the department workbook."""
        typed: dict[str, str] = {}
        for u in self.units:
            for code, name in u.ledger.typed_names.items():
                typed.setdefault(code, name)
        return Ledger(info={"dept": self.dept, "year": self.year, "format": self.spec.format},
                      lines=[*self.lines, *self.elimination_lines], typed_names=typed,
                      records={UNITS_INPUT: self.composition()})

    def composition(self) -> list[dict[str, Any]]:
        """The 单位构成 rows: parent first, then the subordinate units in the order given."""
        ordered = sorted(self.units, key=lambda u: not u.parent)
        return [{"seq": str(n), "unit_name": u.name, "remark": PARENT_REMARK if u.parent else UNIT_REMARK}
                for n, u in enumerate(ordered, start=1)]

    def input_rows(self) -> dict[str, list[Any]]:
        """Rows of every input sheet of the department workbook, in the spec's column order
        (ledger rows as tuples, '' for a blank)."""
        out: dict[str, list[Any]] = {}
        values = {"dept": self.dept, "year": self.year, "format": self.spec.format}
        by_ledger: dict[str, list[LedgerLine]] = defaultdict(list)
        for line in [*self.lines, *self.elimination_lines]:
            by_ledger[line.ledger].append(line)
        for sheet in self.spec.inputs:
            if sheet.kind == "form":
                out[sheet.id] = [[f.label, values.get(f.key, f.value)] for f in sheet.fields]
            elif sheet.ledger is None:
                if sheet.id == UNITS_INPUT:
                    out[sheet.id] = [[row.get(c.key, "") for c in sheet.columns] for row in self.composition()]
            else:
                get = attrgetter(*[c.key for c in sheet.columns])  # '' = blank
                out[sheet.id] = list(map(get, by_ledger.get(sheet.ledger, [])))
        return out


def amount_cells(spec: TemplateSpec) -> dict[str, str]:
    """Detail sheet → column letter of its amount column (for naming a line's cell)."""
    out = {}
    for sheet in spec.inputs:
        for c, col in enumerate(sheet.columns):
            if col.type == "money":
                out[sheet.sheet] = column_letter(c)
                break
    return out


def pick_parent(units: list[Unit], parent: str | None, dept: str | None) -> Unit | None:
    """The parent (本级): the unit named by ``parent`` (name, file name or its stem); else the
    unit named like the department or whose name ends in 本级; else none."""
    if parent:
        for u in units:
            if parent in (u.name, u.label, u.label.rsplit(".", 1)[0]):
                return u
        return None
    for u in units:
        if dept and u.name == dept:
            return u
    for u in units:
        if u.name.endswith(PARENT_REMARK) or u.name.endswith(f"（{PARENT_REMARK}）"):
            return u
    return None


def department_name(parent: Unit | None) -> str:
    """The department's name from its parent unit's (``某局本级`` → ``某局``)."""
    if parent is None:
        return ""
    name = parent.name
    for suffix in (f"（{PARENT_REMARK}）", f"({PARENT_REMARK})", PARENT_REMARK):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def consolidate(spec: TemplateSpec, units: list[Unit], dept: str, year: str) -> Consolidation:
    """The union of the units' lines plus the elimination lines (when a unit is the parent)."""
    lines: list[LedgerLine] = []
    for u in units:
        lines += [x if x.unit else LedgerLine(x.ledger, x.amount, x.func, x.econ, x.kind, x.fund, x.item, x.project,
                                              x.name, x.sheet, x.row, u.name) for x in u.ledger.lines]
    result = Consolidation(spec, dept, year, units, lines, [])
    parent = result.parent
    if parent is None:
        result.notes.append("所汇总的单位中没有本级，未做内部抵销 / no parent unit among the units: nothing eliminated")
        return result
    cells = amount_cells(spec)
    others = [u for u in units if not u.parent]
    by_ledger: dict[int, dict[str, list[LedgerLine]]] = {}  # unit → ledger → its lines, in order
    for u in units:
        index = by_ledger[id(u)] = defaultdict(list)
        for line in u.ledger.lines:
            index[line.ledger].append(line)
    for elim in eliminations_of(spec):
        parent_side = _grouped(elim, elim.parent, [parent], by_ledger)
        unit_side = _grouped(elim, elim.unit, others, by_ledger)
        for key in sorted(set(parent_side) | set(unit_side)):
            p_lines, u_lines = parent_side.get(key, []), unit_side.get(key, [])
            p = sum((line.amount for _, line in p_lines), ZERO)
            u = sum((line.amount for _, line in u_lines), ZERO)
            amount = p if p == u else _matched(p, u)
            if p != u:
                result.imbalances.append(Imbalance(elim, key, p, u, amount, _cells(p_lines, cells),
                                                   _cells(u_lines, cells)))
            if amount:
                result.elimination_lines += _offset([line for _, line in p_lines], amount)
                result.elimination_lines += _offset([line for _, line in u_lines], amount)
    return result


def _matched(p: Decimal, u: Decimal) -> Decimal:
    """What can be eliminated when the sides differ: the smaller amount when both have the
    same sign, else nothing."""
    if p > 0 and u > 0:
        return min(p, u)
    if p < 0 and u < 0:
        return max(p, u)
    return ZERO


def _grouped(elim: Elimination, side: Side, units: list[Unit],
             by_ledger: dict[int, dict[str, list[LedgerLine]]]) -> dict[tuple[str, ...], list[tuple[Unit, LedgerLine]]]:
    """The lines of ``units`` that ``side`` takes, in ledger order, grouped by ``elim.by``."""
    out: dict[tuple[str, ...], list[tuple[Unit, LedgerLine]]] = defaultdict(list)
    kinds = dict(side.where).get("kind")
    for u in units:
        lines = by_ledger[id(u)].get(side.ledger, [])
        if kinds is not None:  # a cheap first cut: most lines are of other kinds
            lines = [line for line in lines if line.kind in kinds]
        for line in lines:
            if side.matches(line):
                out[tuple(getattr(line, d) for d in elim.by)].append((u, line))
    return out


def _cells(pairs: list[tuple[Unit, LedgerLine]], amount_col: dict[str, str]) -> list[str]:
    return [f"[{u.label}]{line.sheet}!{amount_col.get(line.sheet, '')}{line.row}" if line.row
            else f"[{u.label}]{line.sheet}" for u, line in pairs]


def _offset(lines: list[LedgerLine], amount: Decimal) -> list[LedgerLine]:
    """Elimination lines taking ``amount`` off ``lines``: one per distinct classification,
    whole groups first (in ledger order), the last one partly when ``amount`` is less."""
    groups: dict[tuple[str, ...], Decimal] = {}
    for line in lines:
        k = (line.ledger, line.func, line.econ, line.kind, line.fund, line.item, line.project)
        groups[k] = groups.get(k, ZERO) + line.amount
    total = sum(groups.values(), ZERO)
    taken: dict[tuple[str, ...], Decimal] = {}
    if amount == total:
        taken = dict(groups)
    else:
        remaining = amount
        for k, g in groups.items():
            if remaining == 0:
                break
            take = min(g, remaining) if amount > 0 else max(g, remaining)
            if (take > 0) != (amount > 0) or take == 0:
                continue
            taken[k] = take
            remaining -= take
        if remaining and groups:  # mixed signs: the rest on the first group
            first = next(iter(groups))
            taken[first] = taken.get(first, ZERO) + remaining
    return [LedgerLine(k[0], -v, k[1], k[2], k[3], k[4], k[5], k[6], "", unit=ELIMINATION_UNIT)
            for k, v in taken.items() if v]
