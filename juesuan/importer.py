"""Import of published figures: a long CSV (``table,row,column,value``) → table values → a
fresh template workbook (detail sheets empty), so that a disclosure typed or scraped from
a PDF can be checked like any workbook.

* ``table``: ``01`` … ``08`` (``1`` and ``公开01表`` are accepted too).
* ``row``: a 行次 number (01/04), a 功能分类 or 经济分类 code, or the row's printed label
  (合计, 本年收入合计, 人员经费合计, 一般公共服务支出 …; the ordinal prefix 一、 may be left out).
  Code rows of 02/03/05/08 appear in the order of their codes; only the rows given appear.
* ``column``: a 栏次 number, or the column's header; blank where the row has one value.
* ``value``: an amount in 万元 (blank = blank cell).

Every unknown table, row or column is reported with its CSV line number (all at once).
Rows whose table isn't one of the spec's tables are offered, grouped by table name, to the
importers of :data:`EXTRA_TABLE_IMPORTERS` (evaluation tables: ``绩效汇总``,
``绩效自评:<项目名称>``): ``importer(rows: list[CsvRow]) -> list[SheetPicture]``; it raises
:class:`LookupError` when the rows are not its kind (the next importer is tried) and
:class:`~juesuan.errors.InputError` for problems in rows that are. Rows nobody claims are
reported as unknown tables.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from juesuan.errors import InputError, Problem
from juesuan.money import NotANumber, parse_amount
from juesuan.port import SheetPicture
from juesuan.spec.model import PanelSpec, TableSpec, TemplateSpec
from juesuan.tables import TableRow, TableValues

HEADER = ("table", "row", "column", "value")
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass(frozen=True)
class CsvRow:
    line: int  # 1-based line number in the CSV (the header is line 1)
    table: str
    row: str
    column: str
    value: str


EXTRA_TABLE_IMPORTERS: list[Callable[..., list[SheetPicture]]] = []  # (rows, spec, eval_variant) → sheets


def read_csv(text: str, source: str = "CSV") -> list[CsvRow]:
    """Parse the CSV text (UTF-8, optional BOM); the header must be ``table,row,column,value``."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(reader)
    if not rows or tuple(c.strip().lower() for c in rows[0][:4]) != HEADER:
        found = ",".join(rows[0]) if rows else ""
        raise InputError([Problem("import-header", {"found": found}, source)])
    out = []
    for n, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = [*cells, "", "", "", ""][:4]
        out.append(CsvRow(n, *(c.strip() for c in cells)))
    return out


def _table_id(text: str, ids: set[str]) -> str | None:
    t = text.strip().removeprefix("公开").removesuffix("表")
    if t.isdigit():
        t = t.zfill(2)
    return t if t in ids else None


def _norm_label(text: str) -> str:
    return _ORDINAL.sub("", "".join(str(text).split()))


def _column_lookup(panel: PanelSpec, text: str) -> str | None:
    amount = panel.amount_columns
    if not text:
        return amount[0].key if len(amount) == 1 else None
    for c in amount:
        if c.lanci is not None and c.lanci == text.removesuffix(".0"):
            return c.key
    matches = [c.key for c in amount if c.key == text or (c.header and c.header[-1] == text)
               or "/".join(c.header) == text]
    return matches[0] if len(matches) == 1 else None


class _TableImport:
    """Values of one table from its CSV rows, on the skeleton of the empty template."""

    def __init__(self, spec: TemplateSpec, table: TableSpec, skeleton: TableValues, source: str,
                 problems: list[Problem]):
        self.spec, self.table, self.source, self.problems = spec, table, source, problems
        self.skeleton = skeleton
        self.seen: dict[tuple[str, str], int] = {}

    def problem(self, code: str, r: CsvRow, **params: object) -> None:
        self.problems.append(Problem(code, {"line": r.line, "table": self.table.id, **params}, self.source,
                                     f"第{r.line}行"))

    def build(self, rows: list[CsvRow]) -> TableValues:
        if self.table.code_driven:
            return self._code_table(rows)
        return self._fixed_table(rows)

    # -- the cell of one CSV row --------------------------------------------------------
    def _set(self, r: CsvRow, row: TableRow, panel: PanelSpec) -> None:
        col = _column_lookup(panel, r.column)
        if col is None:
            hint = "（该行有多个栏次，须填栏次号）" if not r.column else ""
            self.problem("import-column", r, row=r.row, column=r.column, hint=hint)
            return
        try:
            value = parse_amount(r.value)
        except NotANumber:
            self.problem("import-value", r, value=r.value)
            return
        first = self.seen.setdefault((row.key, col), r.line)
        if first != r.line:
            self.problem("import-duplicate", r, row=r.row, column=r.column or col, first=first)
            return
        row.values[col] = value

    # -- 02/03/05/08 ------------------------------------------------------------------------
    def _code_table(self, rows: list[CsvRow]) -> TableValues:
        panel = self.table.panels[0]
        total_spec = next((s for s in panel.rows if s.kind == "fixed" and s.key == "total"), None)
        amount_keys = [c.key for c in panel.amount_columns]
        total = TableRow(key="total", label=total_spec.label if total_spec else "合计", role="total",
                         values=dict.fromkeys(amount_keys))
        by_code: dict[str, TableRow] = {}
        targets: list[tuple[CsvRow, TableRow]] = []
        for r in rows:
            text = r.row.removesuffix(".0")
            if _norm_label(text) in ("合计", "总计", "total"):
                targets.append((r, total))
            elif text.isdigit() and len(text) in (3, 5, 7):
                row = by_code.get(text)
                if row is None:
                    row = by_code[text] = TableRow(key=text, code=text, label=self.spec.codes.functional.get(text, ""),
                                                   values=dict.fromkeys(amount_keys))
                targets.append((r, row))
            else:
                self.problem("import-row", r, row=r.row, hint="（应为合计或 3/5/7 位功能分类编码）")
        for r, row in targets:
            self._set(r, row, panel)
        body = [by_code[c] for c in sorted(by_code)]
        return TableValues(self.table.id, [[total, *body]], [None], empty=not body)

    # -- 01/04/06/07 ------------------------------------------------------------------------
    def _fixed_table(self, rows: list[CsvRow]) -> TableValues:
        panels = [[_blank(row) for row in p] for p in self.skeleton.panels]
        footers = [_blank(f) if f is not None else None for f in self.skeleton.footers]
        self._place_classes(rows, panels)
        slots: list[tuple[TableRow, int]] = [(row, p) for p, rs in enumerate(panels) for row in rs
                                             if row.role != "spare"]
        slots += [(f, p) for p, f in enumerate(footers) if f is not None]
        for r in rows:
            found = self._find(r, slots, footers)
            if found is not None:
                row, p = found
                self._set(r, row, self.table.panels[p])
        return TableValues(self.table.id, panels, footers)

    def _place_classes(self, rows: list[CsvRow], panels: list[list[TableRow]]) -> None:
        """04-style class blocks that list only the classes present: make a row per class given."""
        for p, panel in enumerate(self.table.panels):
            block = next((s for s in panel.rows if s.kind == "classes" and s.mode == "present"), None)
            if block is None:
                continue
            lo, hi = block.lines or (0, -1)
            classes = sorted({c for r in rows if (c := self._class_code(r.row))})
            spare = {row.line: i for i, row in enumerate(panels[p]) if row.role == "spare"}
            for n, code in enumerate(classes[: hi - lo + 1]):
                i = spare.get(lo + n)
                if i is not None:
                    panels[p][i] = TableRow(key=code, code=code, label=self.spec.codes.functional.get(code, ""),
                                            line=lo + n, values=dict.fromkeys(c.key for c in panel.amount_columns))

    def _class_code(self, text: str) -> str | None:
        text = text.removesuffix(".0")
        if text.isdigit() and len(text) == 3:
            return text
        names = {_norm_label(v): k for k, v in self.spec.codes.functional.items() if len(k) == 3}
        return names.get(_norm_label(text))

    def _find(self, r: CsvRow, slots: list[tuple[TableRow, int]],
              footers: list[TableRow | None]) -> tuple[TableRow, int] | None:
        text = r.row.removesuffix(".0")
        matches: list[tuple[TableRow, int]] = []
        if not text:
            matches = slots if len(slots) == 1 else []
        elif text.isdigit() and len(text) <= 2 and any(row.line is not None for row, _ in slots):
            matches = [(row, p) for row, p in slots if row.line == int(text)]
        elif text.isdigit():
            matches = [(row, p) for row, p in slots if row.key == text]
        else:
            slots = [(row, p) for row, p in slots if row.values]
            exact = [(row, p) for row, p in slots if row.label.strip() == text]
            matches = exact or [(row, p) for row, p in slots if _norm_label(row.label) == _norm_label(text)]
            if not matches:  # a label-only footer (公用经费合计) names the next footer's figure
                for p, f in enumerate(footers):
                    if f is not None and f.label and _norm_label(f.label) == _norm_label(text) and not f.values:
                        after = [(g, q) for q, g in enumerate(footers) if q > p and g is not None and g.values]
                        matches = after[:1]
        matches = [(row, p) for row, p in matches if row.values]
        if len(matches) != 1:
            hint = "（名称不唯一，请用行次）" if len(matches) > 1 else ""
            self.problem("import-row", r, row=r.row, hint=hint)
            return None
        return matches[0]


def _blank(row: TableRow) -> TableRow:
    """A copy of a skeleton row with every figure blank."""
    return TableRow(key=row.key, label=row.label, code=row.code, line=row.line, role=row.role,
                    values=dict.fromkeys(row.values))


def import_rows(spec: TemplateSpec, rows: list[CsvRow], dept: str = "", source: str = "CSV",
                eval_variant: str | None = None) -> list[SheetPicture]:
    """Table sheets (rendered) for every table of the spec, plus extra importers' sheets."""
    from juesuan.fill import fill_accounts
    from juesuan.layout import render_table
    from juesuan.ledger import Ledger

    skeleton = fill_accounts(spec, Ledger(info={}, lines=[]))
    ids = {t.id for t in spec.tables}
    problems: list[Problem] = []
    by_table: dict[str, list[CsvRow]] = {t.id: [] for t in spec.tables}
    unknown: dict[str, list[CsvRow]] = {}
    for r in rows:
        tid = _table_id(r.table, ids)
        if tid is None:
            unknown.setdefault(r.table, []).append(r)
        else:
            by_table[tid].append(r)
    pictures: list[SheetPicture] = []
    for table in spec.tables:
        values = _TableImport(spec, table, skeleton.tables[table.id], source, problems).build(by_table[table.id])
        pictures.append(render_table(table, values, dept, spec.unit))
    for group in unknown.values():
        claimed = False
        for importer in EXTRA_TABLE_IMPORTERS:
            try:
                pictures += importer(group, spec, eval_variant)
            except LookupError:
                continue
            except InputError as exc:
                problems += exc.problems
            claimed = True
            break
        if not claimed:
            problems += [Problem("import-table", {"line": r.line, "table": r.table}, source, f"第{r.line}行")
                         for r in group]
    if problems:
        problems.sort(key=lambda p: p.params.get("line", 0))
        raise InputError(problems)
    return pictures


def import_file(csv_path: str | Path, out: str | Path, spec: TemplateSpec, dept: str = "", year: str = "",
                eval_variant: str | None = None) -> Path:
    """Write a fresh template workbook at ``out`` holding the figures of ``csv_path``."""
    from juesuan.errors import fail
    from juesuan.io.xlsx import new_workbook, save_atomic
    from juesuan.jobs import template_pictures

    path = Path(csv_path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise fail("file-missing", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail("file-corrupt", path=str(path), reason=str(exc)) from exc
    tables = import_rows(spec, read_csv(text, path.name), dept, path.name, eval_variant)
    names = {p.name for p in tables}
    pictures = [p for p in template_pictures(spec, dept, year) if p.name not in names]
    by_name = {p.name: p for p in pictures}
    ordered = [by_name.get(s.sheet) for s in spec.inputs]
    ordered = [p for p in ordered if p is not None] + tables + [p for p in pictures if p not in ordered]
    wb = new_workbook(ordered)
    wb.active = 0
    save_atomic(wb, out)
    return Path(out)


__all__ = ["EXTRA_TABLE_IMPORTERS", "CsvRow", "import_file", "import_rows", "read_csv"]

import juesuan.evaluation  # noqa: E402,F401  (registers the evaluation-table importer)
