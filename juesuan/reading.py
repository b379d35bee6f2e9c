"""Reading a table sheet back into table values, each figure with its cell address
(Validate, the narrative, import checks). The inverse of :func:`juesuan.layout.render_table`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from juesuan.codes import BadCode, normalise_code, strip_numbering
from juesuan.errors import error_value_code
from juesuan.layout import ColumnPlace, body_row, columns
from juesuan.money import NIL_MARKS, NotANumber, parse_amount
from juesuan.port import NO_CACHED_VALUE, CellError, Grid, a1, cell_at
from juesuan.records import record
from juesuan.spec.model import TableSpec, TemplateSpec
from juesuan.tables import TableRow, TableValues


@record
class ReadProblem:
    """A cell of a table that could not be read as a figure, and why."""

    sheet: str
    cell: str
    value: Any
    reason: str


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, str) and (not value.strip() or value.strip() in NIL_MARKS):
        return None  # a table typed as published: blank, “-” or “无” for an empty figure
    return parse_amount(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def read_table(spec: TemplateSpec, table: TableSpec, grid: Grid,
               problems: list[ReadProblem] | None = None) -> TableValues:
    """Table values as the sheet shows them, each figure with its cell address."""
    problems = problems if problems is not None else []
    places = columns(table)
    first = body_row(table)
    class_names = _class_names(spec) if _has_class_rows(table) else {}
    panels: list[list[TableRow]] = []
    heights: list[int] = []
    for p in range(len(table.panels)):
        cols = [pl for pl in places if pl.panel == p]
        rows: list[TableRow] = []
        fixed = _fixed_slots(spec, table, p)
        r = first
        by_code = _economic_panel(table, p)
        while True:
            cells = [cell_at(grid, r, pl.index) for pl in cols]
            lead = _text(cell_at(grid, r, cols[0].index))
            if by_code:  # 06: the code list's rows plus any 款 the ledger added, until the footer
                code = _code_or_none(cell_at(grid, r, next(pl.index for pl in cols if pl.spec.role == "code")))
                if code is None:
                    break
                row = _read_row(table, cols, r, ("code", code), class_names, grid, problems)
                if row is not None:
                    rows.append(row)
                r += 1
                continue
            if table.code_driven:
                if lead.startswith("注") or all(v is None or _text(v) == "" for v in cells):
                    break
            elif r - first >= len(fixed):
                break
            row = _read_row(table, cols, r, fixed[r - first] if not table.code_driven else None, class_names, grid,
                            problems)
            if row is not None:
                rows.append(row)
            r += 1
        heights.append(r - first)
        panels.append(rows)
    footers: list[TableRow | None] = []
    footer_r = first + max(heights, default=0)
    for p, panel in enumerate(table.panels):
        if panel.footer is None:
            footers.append(None)
            continue
        if panel.footer.derive is None:  # a label-only footer cell
            footers.append(TableRow(key=panel.footer.key or "", label=panel.footer.label, role="footer"))
            continue
        cols = [pl for pl in places if pl.panel == p]
        footers.append(_read_values(TableRow(key=panel.footer.key or "", label=panel.footer.label, role="footer"),
                                    table, cols, footer_r, grid, problems))
    empty = table.code_driven and not any(r.code for rows in panels for r in rows)
    return TableValues(table.id, panels, footers, empty=empty)


def _has_class_rows(table: TableSpec) -> bool:
    return any(row.kind == "classes" for panel in table.panels for row in panel.rows)


def _class_names(spec: TemplateSpec) -> dict[str, str]:
    """类 name → code (the rows of 01/04 are named, not coded)."""
    return {name: code for code, name in spec.codes.functional.items() if len(code) == 3}


def _economic_panel(table: TableSpec, p: int) -> bool:
    rows = table.panels[p].rows
    return bool(rows) and all(row.kind == "codes" and row.scheme == "economic" for row in rows)


def _code_or_none(value: Any) -> str | None:
    try:
        return normalise_code(value)
    except BadCode:
        return None


def _fixed_slots(spec: TemplateSpec, table: TableSpec, p: int) -> list[tuple[str, Any]]:
    """For a fixed-layout panel: what each body row is (key, label) in order."""
    out: list[tuple[str, Any]] = []
    for row in table.panels[p].rows:
        if row.kind == "spare":
            lo, hi = row.lines or (0, -1)
            out += [("spare", n) for n in range(lo, hi + 1)]
        elif row.kind == "fixed":
            out.append(("fixed", row))
        elif row.kind == "classes":
            if row.lines is not None:
                lo, hi = row.lines
                out += [("class", n) for n in range(lo, hi + 1)]
            else:
                listed = row.include or tuple(c for c in spec.codes.functional if len(c) == 3)
                out += [("class", None)] * len(listed)
        elif row.kind == "codes":
            include = tuple(row.include)
            for code in sorted(row.only or spec.codes.scheme(row.scheme or "economic")):
                if code.startswith(include):
                    out.append(("code", code))
    return out


def _read_row(table: TableSpec, cols: list[ColumnPlace], r: int, slot: tuple[str, Any] | None,
              class_names: dict[str, str], grid: Grid, problems: list[ReadProblem]) -> TableRow | None:
    by_role = {pl.spec.role: pl for pl in reversed(cols)}
    label = _text(cell_at(grid, r, by_role["label"].index)) if "label" in by_role else ""
    name = _text(cell_at(grid, r, by_role["name"].index)) if "name" in by_role else ""
    raw_code = cell_at(grid, r, by_role["code"].index) if "code" in by_role else None
    line_value = cell_at(grid, r, by_role["line"].index) if "line" in by_role else None
    line = int(line_value) if isinstance(line_value, int | float) else None
    if slot is None:  # code-driven table
        text = _text(raw_code)
        if text.replace(" ", "") in ("合计", "总计"):
            row = TableRow(key="total", label="合计", role="total")
        else:
            try:
                code = normalise_code(raw_code)
            except BadCode:
                code = None
            if code is None:
                problems.append(ReadProblem(table.sheet, a1(r, by_role["code"].index), raw_code, "bad-code"))
                return None
            row = TableRow(key=code, label=name, code=code)
        return _read_values(row, table, cols, r, grid, problems)
    kind, what = slot
    if kind == "spare":
        return None
    if kind == "fixed":
        row = TableRow(key=what.key, label=label or what.label, line=line or what.line, role=what.role)
    elif kind == "class":
        if not label:
            return None
        code = class_names.get(strip_numbering(label))
        row = TableRow(key=code or f"?{label}", label=label, code=code, line=line or what)
    else:
        row = TableRow(key=what, label=name, code=what)
    return _read_values(row, table, cols, r, grid, problems)


def _read_values(row: TableRow, table: TableSpec, cols: list[ColumnPlace], r: int, grid: Grid,
                 problems: list[ReadProblem]) -> TableRow:
    """Amounts into ``row.values``; every cell's address into ``row.cells`` (amount columns, and
    the code/name/label cells so that findings about a row's code or name can point at them)."""
    for pl in cols:
        if pl.spec.role in ("code", "name", "label"):
            row.cells[pl.spec.key] = a1(r, pl.index)
        if pl.spec.role != "amount":
            continue
        raw = cell_at(grid, r, pl.index)
        address = a1(r, pl.index)
        row.cells[pl.spec.key] = address
        try:
            row.values[pl.spec.key] = _amount(raw)
        except NotANumber:
            reason = (error_value_code(raw) if type(raw) is CellError else "formula-no-value" if raw is NO_CACHED_VALUE
                      else "not-a-number")
            problems.append(ReadProblem(table.sheet, address, raw, reason))
            row.values[pl.spec.key] = None
    return row
