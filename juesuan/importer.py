"""Import of published figures: a long CSV (``table,row,column,value``) → table values → a
fresh template workbook (detail sheets empty), so that a disclosure typed or scraped from
a PDF can be checked like any workbook. Works for every format; tables need not print
行次 or 栏次 (the 2020+ format prints neither).

* ``table``: the table's position in the format (``1``…``9``, ``01``…``09``), its printed
  label (``公开01表``) or its printed title (``收入支出决算总表``).
* ``row``: a 行次 number where the format prints them, a 功能分类 or 经济分类 code (also split
  as ``201 06 01``, also with the printed name: ``30101 基本工资``, whose name the table keeps
  for check to compare), the row's printed label (合计, 本年收入合计, 人员经费合计 …; the
  ordinal prefix 一、 may be left out; a 类/款/项 name in 02/03/05/08), ``parent/label`` where
  a label repeats (04's opening balance by fund: ``年初财政拨款结转和结余/一般公共预算财政拨款``;
  a panel's heading works as parent too: ``支出/总计``), or blank for a one-row table (07).
  A repeated label written alone is placed by where it stands in the CSV (a disclosure's
  printed order, panel by panel or side by side): after its parent, a sibling or the row
  printed before it; else the first not yet passed; else before the row the next line names;
  else the top-level row. Only a label whose place says nothing is refused as not unique.
* ``column``: the column's printed header, a ``parent/leaf`` header path where a leaf repeats
  (07: ``公务接待费/决算数``), or the 栏次 number where the format has them; blank where the
  row has one value.
* ``value``: an amount in 万元; blank leaves the cell blank, which every check reads as zero,
  and so does a dash (``-``, ``－``, ``—``, ``——``, ``–``), which many disclosures print for zero.

Labels other regions and years print (``使用非财政拨款结余（含专用结余）``, ``公务用车购置及运行费``,
another title …) are read as the label they stand for: the spec's ``aliases`` (data, validated
at load; ``juesuan spec labels`` lists them). A row or column the format lacks whose figure is
blank, a dash or zero is skipped and listed in a warning; with a figure it is an error.
Every unknown table, row or column is reported with its CSV line number (all at once), with
the closest valid choices for a row or a column. Rows whose table isn't one of the spec's tables are
offered to the pipeline steps that import tables of their own (self-evaluations:
``绩效汇总``, ``绩效自评:<项目名称>``); rows nobody claims are reported as unknown tables.
"""

from __future__ import annotations

import csv
import difflib
import io

from juesuan.codes import split_code_name
from juesuan.errors import InputError, Problem
from juesuan.lazy_re import lazy
from juesuan.money import NIL_MARKS, NotANumber, parse_amount
from juesuan.pipeline import steps
from juesuan.port import SheetPicture
from juesuan.records import record
from juesuan.spec.model import ColumnSpec, PanelSpec, TableAliases, TableSpec, TemplateSpec, norm_label
from juesuan.tables import TableRow, TableValues

HEADER = ("table", "row", "column", "value")
_SPLIT_CODE = lazy(r"(?<=[0-9])[ \u3000]+(?=[0-9])")  # 201 01 01: a code printed in 类 款 项 columns


@record(frozen=True)
class CsvRow:
    """One row of an imported CSV of published figures (table, row, column, value)."""

    line: int  # 1-based line number in the CSV (the header is line 1)
    table: str
    row: str
    column: str
    value: str


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


def table_for(text: str, spec: TemplateSpec) -> str | None:
    """The id of the table a CSV names: position (1-based, in the format's order), printed
    label (公开01表) or printed title."""
    raw = text.strip()
    digits = raw.removeprefix("公开").removesuffix("表").removesuffix(".0")
    if digits.isdigit():
        n = int(digits)
        return spec.tables[n - 1].id if 1 <= n <= len(spec.tables) else None
    norm = norm_label(raw)
    for t in spec.tables:
        if norm in {norm_label(t.title), norm_label(t.sheet), norm_label(t.label or "")}:
            return t.id
    for t in spec.tables:  # another title real disclosures print (the spec's aliases)
        if norm in t.aliases.titles:
            return t.id
    return None


def _columns_matching(panel: PanelSpec, text: str, aliases: TableAliases | None = None) -> list[ColumnSpec]:
    """The amount columns of a panel a CSV ``column`` names: its 栏次, its key, its header, or
    the last parts of its header path (``公务接待费/决算数``), each part possibly another
    printed header (the spec's aliases); failing that, the parts in another order
    (``决算数/公务接待费``: the 2019 format grouped 预算数/决算数 first)."""
    amount = panel.amount_columns
    if not text:
        return amount
    bare = text.removesuffix(".0")
    by_lanci = [c for c in amount if c.lanci is not None and c.lanci == bare]
    if by_lanci:
        return by_lanci
    aliases = aliases or TableAliases()
    parts = tuple(aliases.column(p) for p in text.split("/") if p.strip())
    if not parts:
        return []
    headers = [(c, tuple(norm_label(h) for h in c.header)) for c in amount]
    exact = [c for c, h in headers if c.key == text or (len(h) >= len(parts) and h[len(h) - len(parts):] == parts)]
    if exact:
        return exact
    return [c for c, h in headers if all(h.count(p) >= parts.count(p) for p in parts)]


def _path(column: ColumnSpec) -> str:
    return "/".join(column.header)


def _choices(items: list[str], near: str = "", fmt: str = "", table: str = "", limit: int = 5) -> str:
    """The valid names, or when there are many, the few closest to what was written and how
    to list them all (a long list is unreadable in a terminal table)."""
    shown = list(dict.fromkeys(i for i in items if i))
    if not shown:
        return ""
    if len(shown) <= limit + 1:
        return f"（可用 / valid: {'、'.join(shown)}）"
    by_norm = {norm_label(i): i for i in shown}
    close = difflib.get_close_matches(norm_label(near), list(by_norm), n=limit, cutoff=0.3) if near else []
    picked = [by_norm[c] for c in close] or shown[:limit]
    listing = f"juesuan spec labels{f' --format {fmt}' if fmt else ''}{f' {table}' if table else ''}"
    return (f"（{'相近 / closest' if close else '例如 / e.g.'}: {'、'.join(picked)} …共 {len(shown)} 项，"
            f"全部列出 / list all: {listing}）")


class _TableImport:
    """Values of one table from its CSV rows, on the skeleton of the empty template."""

    def __init__(self, spec: TemplateSpec, table: TableSpec, skeleton: TableValues, source: str,
                 problems: list[Problem]):
        self.spec, self.table, self.source, self.problems = spec, table, source, problems
        self.skeleton = skeleton
        self.aliases = table.aliases
        self.seen: dict[tuple[str, str], int] = {}
        self.skipped: list[CsvRow] = []  # rows or columns the format lacks, blank or zero: skipped, with a warning
        self.at: dict[int, int] = {}  # id of a row → its printed position (panel by panel, footers last)
        self.last: dict[int, int] = {}  # panel → printed position of the row the CSV named last there

    def problem(self, code: str, r: CsvRow, **params: object) -> None:
        self.problems.append(Problem(code, {"line": r.line, "table": self.table.display, **params}, self.source,
                                     f"第{r.line}行"))

    def choices(self, items: list[str], near: str) -> str:
        return _choices(items, near, self.spec.format, self.table.id)

    def unknown_row(self, r: CsvRow, hint: str) -> None:
        """A row the format doesn't print: skipped (and listed) when its figure is blank or
        zero — real tables print rows a template lacks —, refused otherwise (never dropped)."""
        if _is_nil(r.value):
            if not self._heading(r.row):  # a heading line (收入, 人员经费, 项目 …) is part of the table: no warning
                self.skipped.append(r)
        else:
            self.problem("import-row", r, row=r.row, hint=hint)

    def _heading(self, text: str) -> bool:
        """Whether a CSV row names one of the table's headings (a panel's 收入/支出 or 人员经费,
        a header line such as 项目, 本年支出 or 决算数), printed on a line of its own."""
        headings = {norm_label(h) for p in self.table.panels for c in p.columns for h in c.header}
        return bool(text.strip()) and all(norm_label(x) in headings for x in text.split("/") if x.strip())

    def ambiguous_column(self, r: CsvRow, paths: list[str]) -> None:
        """A header several columns share (07's 决算数): an error whatever the figure."""
        blank = not r.row.strip()
        self.problem("import-column-ambiguous", r, column=r.column, blank="（空行名）" if blank else "",
                     blank_en=" (blank row label)" if blank else "", hint=self.choices(paths, r.column))

    def unknown_column(self, r: CsvRow, hint: str) -> None:
        if _is_nil(r.value):
            self.skipped.append(r)
        elif not r.row.strip():
            self.problem("import-column-blank-row", r, column=r.column, hint=hint)
        else:
            self.problem("import-column", r, row=r.row, column=r.column, hint=hint)

    def build(self, rows: list[CsvRow]) -> TableValues:
        if self.table.code_driven:
            return self._code_table(rows)
        return self._fixed_table(rows)

    # -- the cell of one CSV row --------------------------------------------------------
    def _set(self, r: CsvRow, row: TableRow, col: str) -> None:
        try:
            value = None if r.value.strip() in NIL_MARKS else parse_amount(r.value)
        except NotANumber:
            self.problem("import-value", r, value=r.value)
            return
        first = self.seen.setdefault((row.key, col), r.line)
        if first != r.line:
            self.problem("import-duplicate", r, row=r.row, column=r.column or col, first=first)
            return
        row.values[col] = value

    def _one_column(self, r: CsvRow, row: TableRow, panel: PanelSpec) -> str | None:
        matches = [c for c in _columns_matching(panel, r.column, self.aliases) if c.key in row.values]
        if len(matches) == 1:
            return matches[0].key
        if matches:
            self.ambiguous_column(r, [_path(c) for c in matches])
            return None
        self.unknown_column(r, self.choices([_path(c) for c in panel.amount_columns if c.key in row.values], r.column))
        return None

    # -- 02/03/05/08 ------------------------------------------------------------------------
    def _code_table(self, rows: list[CsvRow]) -> TableValues:
        panel = self.table.panels[0]
        total_spec = next((s for s in panel.rows if s.kind == "fixed" and s.key == "total"), None)
        amount_keys = [c.key for c in panel.amount_columns]
        total = TableRow(key="total", label=total_spec.label if total_spec else "合计", role="total",
                         values=dict.fromkeys(amount_keys))
        total_names = {"合计", "总计", "total", norm_label(total.label)}
        by_code: dict[str, TableRow] = {}
        last = ""  # the code of the row the CSV named last: a name alone is read under it
        for k, r in enumerate(rows):
            text = "".join(r.row.removesuffix(".0").split())
            if self.aliases.row(text) in total_names:
                row = total
            else:
                code, printed = (text, "") if text.isdigit() else code_and_name(r.row) or ("", "")
                if not code and text:  # a name alone (real tables print 类/款/项 names without parents)
                    code = self._code_named(r, last, rows[k + 1: k + 2])
                    if code is None:
                        continue  # reported: unknown or not unique
                if len(code) not in (3, 5, 7):
                    self.unknown_row(r, "（应为合计或 3/5/7 位功能分类编码 / 合计 or a 3/5/7-digit code）")
                    continue
                row = by_code.get(code)
                if row is None:
                    row = by_code[code] = TableRow(key=code, code=code, label=self.spec.codes.functional.get(code, ""),
                                                   values=dict.fromkeys(amount_keys))
                if printed:  # the name printed beside the code is what the disclosure says (R17 compares it)
                    row.label = printed
                last = code
            col = self._one_column(r, row, panel)
            if col is not None:
                self._set(r, row, col)
        body = [by_code[c] for c in sorted(by_code)]
        ordered: list[TableRow] = []
        for spec_row in panel.rows:  # the 合计 row where the format prints it (first, or last in 2020's 05)
            ordered += [total] if spec_row.kind == "fixed" and spec_row.key == "total" else body
        return TableValues(self.table.id, [ordered], [None], empty=not body)

    def _code_named(self, r: CsvRow, last: str, after: list[CsvRow]) -> str | None:
        """The code of a 类/款/项 printed by its name alone (``行政运行``, or ``上级/名称``): the
        name's one code in the format's list; where several 款 share it (75 have a 行政运行),
        the one under the row the CSV named last (its parent or a sibling), else the one the
        next line's code is under or beside; None after reporting an unknown or ambiguous name."""
        parts = [norm_label(x) for x in r.row.split("/") if x.strip()]
        names = self.spec.codes.functional
        codes = [c for c, name in names.items() if norm_label(name) == parts[-1]]
        if len(parts) > 1:  # 上级/名称: under a parent named (or coded) the same way
            above = [c for c, name in names.items() if parts[-2] in (norm_label(name), c)]
            codes = [c for c in codes if any(c != a and c.startswith(a) for a in above)]
        if len(codes) > 1:
            near = [c for c in codes if last and last.startswith(c[: len(c) - 2] if len(c) > 3 else "")]
            nxt = "".join(after[0].row.removesuffix(".0").split()) if after else ""
            near = near or [c for c in codes if len(c) > 3 and nxt.isdigit() and nxt.startswith(c[: len(c) - 2])
                            and nxt != c[: len(c) - 2]]
            if len(near) > 1:  # a 款 and a 项 of one branch share the name: the lowest level under `last`
                near = [c for c in near if len(c) == max(len(x) for x in near)]
            codes = near if len(near) == 1 else codes
        if len(codes) == 1:
            return codes[0]
        if codes:
            paths = [f"{names.get(c[: len(c) - 2], c[: len(c) - 2])}/{names[c]}（{c}）" for c in sorted(codes)]
            self.problem("import-ambiguous", r, row=r.row, hint=self.choices(paths, ""))  # in code order
        else:
            self.unknown_row(r, "（应为合计、3/5/7 位功能分类编码或本年科目表中的科目名称 / 合计, a 3/5/7-digit code "
                                "or a name in the year's code list）")
        return None

    # -- 01/04/06/07 ------------------------------------------------------------------------
    def _fixed_table(self, rows: list[CsvRow]) -> TableValues:
        panels = [[_blank(row) for row in p] for p in self.skeleton.panels]
        footers = [_blank(f) if f is not None else None for f in self.skeleton.footers]
        self._place_classes(rows, panels)
        slots: list[tuple[TableRow, int]] = [(row, p) for p, rs in enumerate(panels) for row in rs
                                             if row.role != "spare"]
        slots += [(f, p) for p, f in enumerate(footers) if f is not None]
        self.at = {id(row): n for n, (row, _) in enumerate(slots)}
        self.last = {}
        for k, r in enumerate(rows):
            found = self._find(r, slots, footers, rows[k + 1] if k + 1 < len(rows) else None)
            if found is not None:
                row, p, col = found
                self.last[p] = self.at[id(row)]
                printed = code_and_name(r.row)
                if printed and row.code and norm_label(printed[1]) != norm_label(row.label):
                    row.label = printed[1]  # the name the disclosure prints beside the code (R17 compares it)
                self._set(r, row, col)
        return TableValues(self.table.id, panels, footers)

    def _place_classes(self, rows: list[CsvRow], panels: list[list[TableRow]]) -> None:
        """04-style class blocks that list only the classes present: make a row per class given."""
        for p, panel in enumerate(self.table.panels):
            block = next((s for s in panel.rows if s.kind == "classes" and s.mode == "present"), None)
            if block is None or block.lines is None:
                continue
            lo, hi = block.lines
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
        names = {norm_label(v): k for k, v in self.spec.codes.functional.items() if len(k) == 3}
        return names.get(self.aliases.row(text))

    def parents(self) -> dict[str, str]:
        """Row key → the label of its parent row (``parent:`` in the spec)."""
        labels = {r.key: r.label for p in self.table.panels for r in p.rows if r.kind == "fixed" and r.key}
        return {r.key: labels.get(r.parent, "") for p in self.table.panels for r in p.rows
                if r.kind == "fixed" and r.key and r.parent}

    def _groups(self) -> list[str]:
        """Each panel's heading: the first header level shared by all its columns (收入 / 支出)."""
        out = []
        for panel in self.table.panels:
            firsts = {c.header[0] for c in panel.columns if len(c.header) > 1}
            out.append(next(iter(firsts)) if len(firsts) == 1 and all(len(c.header) > 1 for c in panel.columns) else "")
        return out

    def _rows_named(self, text: str, slots: list[tuple[TableRow, int]],
                    footers: list[TableRow | None]) -> list[tuple[TableRow, int]]:
        bare = "".join(text.removesuffix(".0").split())
        if not bare:
            return slots if len({id(row) for row, _ in slots if row.values}) == 1 else []
        if bare.isdigit() and len(bare) <= 2 and any(row.line is not None for row, _ in slots):
            return [(row, p) for row, p in slots if row.line == int(bare)]
        code = bare if bare.isdigit() else (code_and_name(text) or ("", ""))[0]
        if code:  # a code, or a code with the name printed beside it (06's 30101 基本工资)
            return [(row, p) for row, p in slots if row.key == code or row.code == code]
        parts = [x for x in text.split("/") if x.strip()]
        parent, label = (parts[0], parts[-1]) if len(parts) > 1 else (None, text)
        norm = self.aliases.row(label)
        parents, groups = self.parents(), self._groups()
        out = [(row, p) for row, p in slots if norm_label(row.label) == norm and row.values]
        if not out:  # a label-only footer (公用经费合计) names the next footer's figure
            for p, f in enumerate(footers):
                if f is not None and f.label and norm_label(f.label) == norm and not f.values:
                    out = [(g, q) for q, g in enumerate(footers) if q > p and g is not None and g.values][:1]
        if parent is not None:  # a detail row by its parent row; any other row by its panel's heading
            pn = self.aliases.row(parent)
            return [(row, p) for row, p in out
                    if pn == norm_label(parents[row.key] if row.key in parents else groups[p])]
        return out  # a bare repeated label: its position in the CSV decides (_by_position)

    def _find(self, r: CsvRow, slots: list[tuple[TableRow, int]], footers: list[TableRow | None],
              after: CsvRow | None = None) -> tuple[TableRow, int, str] | None:
        rows = [(row, p) for row, p in self._rows_named(r.row, slots, footers) if row.values]
        if not rows:
            labels = [row.label or row.code or "" for row, _ in slots if row.values]
            self.unknown_row(r, self.choices(labels, r.row))
            return None
        cells = [(row, p, c.key) for row, p in rows
                 for c in _columns_matching(self.table.panels[p], r.column, self.aliases) if c.key in row.values]
        if len(cells) == 1:
            return cells[0]
        if len({id(row) for row, _, _ in cells}) > 1:  # a label printed under several parents
            placed = self._by_position([(row, p) for row, p in rows if any(x is row for x, _, _ in cells)],
                                       slots, footers, after)
            if placed is not None:
                rows, cells = [placed], [c for c in cells if c[0] is placed[0]]
                if len(cells) == 1:
                    return cells[0]
        if len({id(row) for row, _, _ in cells}) > 1 or (not cells and len(rows) > 1):
            self.problem("import-ambiguous", r, row=r.row, hint=self.choices(self._ways(rows), r.row))
            return None
        row, p = rows[0]
        panel = self.table.panels[p]
        if cells:
            self.ambiguous_column(r, [_path(c) for c in panel.amount_columns if c.key in {k for _, _, k in cells}])
            return None
        self.unknown_column(r, self.choices([_path(c) for c in panel.amount_columns if c.key in row.values], r.column))
        return None

    # -- a label printed under several parents, placed by where the disclosure prints it -----
    def _by_position(self, rows: list[tuple[TableRow, int]], slots: list[tuple[TableRow, int]],
                     footers: list[TableRow | None], after: CsvRow | None) -> tuple[TableRow, int] | None:
        """The one row a repeated label stands for at this place of the CSV, or None when its
        place doesn't say. A disclosure prints its rows in order, panel by panel (or side by
        side): the row right after the one named last in its panel — its parent, a sibling, the
        row printed just before it — is meant; failing that the rows not yet passed in their
        panel (the first of them where all are in one panel, else the one the next CSV line
        follows); failing that the top-level row (``parent:`` none), when only one is."""
        parents = {key: parent for p in self.table.panels for s in p.rows
                   if s.kind == "fixed" and (key := s.key) and (parent := s.parent)}

        def just_before(row: TableRow, p: int) -> TableRow | None:
            earlier = [x for x, q in slots[: self.at[id(row)]] if q == p and x.values]
            return earlier[-1] if earlier else None

        def follows(row: TableRow, p: int, before: TableRow | None) -> bool:
            if before is None:
                return False
            mine = parents.get(row.key)
            return (before.key == mine or (mine is not None and parents.get(before.key) == mine)
                    or just_before(row, p) is before)

        by_at = {n: row for n, (row, _) in enumerate(slots)}
        strong = [(row, p) for row, p in rows if p in self.last and follows(row, p, by_at[self.last[p]])]
        if strong:
            return min(strong, key=lambda rp: rp[1])  # side by side: the left panel is read first
        ahead = [(row, p) for row, p in rows if self.at[id(row)] > self.last.get(p, -1)]
        if len({p for _, p in ahead}) == 1:
            return min(ahead, key=lambda rp: self.at[id(rp[0])])
        if ahead and after is not None:  # the next line names one row: the candidate it follows
            nxt = [(row, p) for row, p in self._rows_named(after.row, slots, footers) if row.values]
            if len(nxt) == 1:
                fits = [(row, p) for row, p in ahead if follows(nxt[0][0], nxt[0][1], row)]
                if len(fits) == 1:
                    return fits[0]
            return None
        top = [(row, p) for row, p in rows if row.key not in parents]
        return top[0] if len(top) == 1 and not ahead else None

    def _ways(self, rows: list[tuple[TableRow, int]]) -> list[str]:
        """How to write each of several rows so that it is named alone: ``上级/名称``, or its
        行次 or code where the parent path doesn't tell them apart (2019's 04 年初 lines)."""
        parents, groups = self.parents(), self._groups()
        paths = [f"{parents.get(row.key) or groups[p]}/{row.label}".lstrip("/") for row, p in rows]
        same = ["/".join(map(norm_label, x.split("/"))) for x in paths]  # 一、 numbering or not, one path
        return [path if same.count(key) == 1 else (str(row.line) if row.line is not None else row.code or path)
                for path, key, (row, _) in zip(paths, same, rows, strict=True)]


def code_and_name(text: str) -> tuple[str, str] | None:
    """A row written as a code with its printed name (``30101 基本工资``, ``[30101]基本工资``,
    ``201 01 01 行政运行`` — a code cell that also holds the name), as (code, name); None
    for anything else (a bare code, a label)."""
    named = split_code_name(_SPLIT_CODE.sub("", text.strip()))
    return (named.code, named.name) if named is not None and named.name else None


def _is_nil(value: str) -> bool:
    """A figure that says nothing: blank, a dash, or a number equal to zero."""
    text = value.strip()
    if not text or text in NIL_MARKS:
        return True
    try:
        return parse_amount(text) == 0
    except NotANumber:
        return False


def _skipped_warning(table: TableSpec, rows: list[CsvRow], source: str) -> Problem:
    names = [("/".join(x for x in (r.row, r.column) if x), r.line) for r in rows]
    items = "、".join(f"第{n}行“{name}”" for name, n in names)
    items_en = ", ".join(f"line {n} '{name}'" for name, n in names)
    return Problem("import-skipped", {"table": table.display, "items": items, "items_en": items_en,
                                      "count": len(rows)}, source, f"第{rows[0].line}行", severity="warning")


def _blank(row: TableRow) -> TableRow:
    """A copy of a skeleton row with every figure blank."""
    return TableRow(key=row.key, label=row.label, code=row.code, line=row.line, role=row.role,
                    values=dict.fromkeys(row.values))


def table_labels(spec: TemplateSpec, table: TableSpec) -> tuple[list[str], list[str], list[str]]:
    """What a CSV may write for a table (``juesuan spec labels``): its rows, its columns, and
    the other labels it accepts (the spec's aliases, ``别名 → 标签``)."""
    from juesuan.fill import fill_accounts
    from juesuan.ledger import Ledger

    columns = list(dict.fromkeys(_path(c) for p in table.panels for c in p.amount_columns))
    aliases = [f"{a} → {t}" for a, t in {**table.aliases.rows, **table.aliases.columns}.items()]
    aliases += [f"{t}（标题 / title）" for t in sorted(table.aliases.titles - {norm_label(table.title)})]
    if table.code_driven:
        return ["合计", "3/5/7 位功能分类编码 / a 3/5/7-digit functional code（201、20101、2010101 或 201 01 01）"], \
            columns, aliases
    values = fill_accounts(spec, Ledger(info={}, lines=[])).tables[table.id]
    parents = _TableImport(spec, table, values, "", []).parents()
    rows = []
    for row in [*values.rows(), *(f for f in values.footers if f is not None)]:
        if not row.values or row.role == "spare":
            continue
        label = f"{parents[row.key]}/{row.label}" if row.key in parents else row.label
        rows.append(f"{row.code} {label}".strip() if row.code else label)
    if len(rows) == 1 and not any(r.label for r in values.rows()):
        rows = ["（一行表：row 留空 / a one-row table: leave row blank）"]
    return list(dict.fromkeys(rows)), columns, aliases


def import_rows(spec: TemplateSpec, rows: list[CsvRow], dept: str = "", source: str = "CSV",
                eval_variant: str | None = None, warnings: list[Problem] | None = None) -> list[SheetPicture]:
    """Table sheets (rendered) for every table of the spec, plus extra importers' sheets.
    ``warnings`` receives what was read but not used (rows or columns the format lacks whose
    figure is blank or zero), one warning per table listing them."""
    from juesuan.fill import fill_accounts
    from juesuan.layout import render_table
    from juesuan.ledger import Ledger

    skeleton = fill_accounts(spec, Ledger(info={}, lines=[]))
    problems: list[Problem] = []
    by_table: dict[str, list[CsvRow]] = {t.id: [] for t in spec.tables}
    unknown: dict[str, list[CsvRow]] = {}
    for r in rows:
        tid = table_for(r.table, spec)
        if tid is None:
            unknown.setdefault(r.table, []).append(r)
        else:
            by_table[tid].append(r)
    pictures: list[SheetPicture] = []
    for table in spec.tables:
        job = _TableImport(spec, table, skeleton.tables[table.id], source, problems)
        values = job.build(by_table[table.id])
        if job.skipped and warnings is not None:
            warnings.append(_skipped_warning(table, job.skipped, source))
        pictures.append(render_table(table, values, dept, spec.unit))
    for group in unknown.values():
        claimed = False
        for step in steps(spec):
            if step.import_tables is None:
                continue
            try:
                pictures += step.import_tables(spec, group, variant=eval_variant)
            except LookupError:
                continue
            except InputError as exc:
                problems += exc.problems
            claimed = True
            break
        if not claimed:
            valid = "、".join(f"{n}={t.title}" for n, t in enumerate(spec.tables, start=1))
            problems += [Problem("import-table", {"line": r.line, "table": r.table, "choices": valid}, source,
                                 f"第{r.line}行") for r in group]
    if problems:
        problems.sort(key=lambda p: p.params.get("line", 0))
        raise InputError(problems)
    return pictures


__all__ = ["CsvRow", "import_rows", "read_csv", "table_for", "table_labels"]
