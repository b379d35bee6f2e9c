"""What every rule kind shares: the rule model, cell references, the reading context and
turning an interval :class:`~juesuan.intervals.Verdict` into a :class:`~juesuan.report.Finding`.

Cells are addressed as ``TABLE.ROW.COLUMN`` with an optional sign: ``+01.inc_gp.amount``,
``-04.fin_exp_total.gp``, ``02.total.fiscal``, ``06.30212.amount``. ROW is a fixed row key
of the spec (``inc_total``), a classification code (``2110101``), ``total`` (the 合计 row
of a code-listed table) or a level selector ``类`` / ``款`` / ``项`` standing for every code
row of that level present in the table. COLUMN may be left out where the rule supplies it
(``columns:`` of a sum rule). A row or column the workbook or spec lacks raises
:class:`RuleError`, which the engine reports as a rule error (a spec problem).
"""

from __future__ import annotations

import functools
from dataclasses import field
from decimal import Decimal
from typing import Any

from juesuan.intervals import Verdict
from juesuan.lazy_re import lazy
from juesuan.ledger import Ledger
from juesuan.port import Grid, WorkbookPort
from juesuan.reading import ReadProblem, read_table
from juesuan.records import record
from juesuan.report import CellRef, Finding, Message, amount_text
from juesuan.spec.model import TableSpec, TemplateSpec
from juesuan.tables import TableRow, TableValues

LEVELS = {"类": 3, "款": 5, "项": 7}
DEFAULT_ROUNDING_MESSAGE = "舍入差异：{title}，{where}差额 {difference} 万元，在舍入误差（±{slack}）范围内"
DEFAULT_ROUNDING_MESSAGE_EN = ("Rounding difference: {title}, {where} differs by {difference} (10,000 yuan), within the"
                               " rounding margin (±{slack})")
DEFAULT_MESSAGE = Message("{title}：{where}应为 {expected}，实为 {actual}，差额 {difference}",
                          "{title}: {where} should be {expected}, is {actual}, difference {difference}")
ROUNDING = Message(DEFAULT_ROUNDING_MESSAGE, DEFAULT_ROUNDING_MESSAGE_EN)
_REF = lazy(r"^\s*([+-]?)\s*([^.\s]+)\.([^.\s]+)(?:\.([^.\s]+))?\s*$")
_PLACE = lazy(r"“([^”]*)”([行列])")  # Context.describe's 表“行”行“列”列


class RuleError(Exception):
    """The rule cannot run on this workbook/spec (unknown table, missing sheet, row or column)."""


class SheetMissing(RuleError):
    """A table sheet the spec names is not in the workbook (deleted or renamed by the user):
    a problem of the workbook, not of the spec, reported once per sheet."""

    def __init__(self, sheet: str):
        self.sheet = sheet
        super().__init__(f"工作簿缺少工作表“{sheet}” / the workbook has no sheet '{sheet}'")


@record
class Rule:
    """One rule of the catalogue, as declared in the spec (``rules:`` section)."""

    id: str
    type: str
    title: str = ""
    relation: str = ""
    severity: str = "error"
    tolerance: Decimal = Decimal(0)
    message: str = ""
    rounding_message: str = DEFAULT_ROUNDING_MESSAGE
    params: dict[str, Any] = field(default_factory=dict)
    message_en: str = ""  # the English of ``message`` (spec ``message_en``); blank: the kind's template
    rounding_message_en: str = ""
    title_en: str = ""

    def template(self, default: Message, key: str = "message") -> Message:
        """The templates a finding is rendered from: the spec's ``key`` (``message``,
        ``orphan_message`` …) and ``key_en`` where given, else the kind's ``default``; a
        Chinese override without its English keeps the kind's English template (never blank)."""
        if key == "message":
            zh, en = self.message, self.message_en
        else:
            zh, en = self.params.get(key), self.params.get(f"{key}_en")
        return Message(str(zh) if zh else default.zh, str(en) if en else default.en)

    def param(self, name: str, default: Any = ...) -> Any:
        if name in self.params:
            return self.params[name]
        if default is ...:
            raise RuleError(f"缺少参数“{name}” / missing parameter '{name}'")
        return default


@record(frozen=True)
class CellSpec:
    """A parsed reference ``±TABLE.ROW.COLUMN``."""

    sign: int
    table: str
    row: str
    col: str | None

    def with_col(self, col: str) -> CellSpec:
        return CellSpec(self.sign, self.table, self.row, self.col or col)


def parse_ref(text: Any) -> CellSpec:
    m = _REF.match(str(text))
    if not m:
        raise RuleError(f"无法解析单元格引用“{text}”，应为 表.行.列，如 01.inc_total.amount / bad reference '{text}'")
    return CellSpec(-1 if m.group(1) == "-" else 1, m.group(2), m.group(3), m.group(4))


def parse_refs(value: Any) -> list[CellSpec]:
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, list) or not value:
        raise RuleError(f"应为单元格引用或其列表 / expected a reference or a list of references: {value!r}")
    return [parse_ref(v) for v in value]


@record
class Cell:
    """A resolved figure: its value (None = blank), where it is, and how to name it."""

    value: Decimal | None
    ref: CellRef | None
    table: str
    row: str
    col: str
    label: str  # e.g. 公开05表“2110101 行政运行”行“小计”列
    sign: int = 1


class Context:
    """Reads each table sheet once (through the port) and resolves references."""

    def __init__(self, spec: TemplateSpec, port: WorkbookPort):
        self.spec = spec
        self.port = port
        self.sheet_names = set(port.sheet_names())
        self._tables: dict[str, TableValues] = {}
        self._index: dict[str, dict[str, TableRow]] = {}
        self.read_problems: dict[str, list[ReadProblem]] = {}
        self.cache: dict[str, Any] = {}  # shared results between rules (e.g. the implied tables)

    @functools.cached_property
    def half_width(self) -> Decimal:
        """Half a unit of the format's last printed digit (0.005 for two decimals): the
        rounding interval of every published figure."""
        return Decimal(5).scaleb(-(self.spec.decimals + 1))

    # -- tables ---------------------------------------------------------------------
    def table_spec(self, tid: str) -> TableSpec:
        try:
            return self.spec.table(str(tid))
        except KeyError:
            raise RuleError(f"模板规范中没有表“{tid}” / no table '{tid}' in the spec") from None

    def grid(self, tid: str) -> Grid:
        ts = self.table_spec(tid)
        if ts.sheet not in self.sheet_names:
            raise SheetMissing(ts.sheet)
        return self.port.read_sheet(ts.sheet)

    def table(self, tid: str) -> TableValues:
        tid = str(tid)
        values = self._tables.get(tid)
        if values is None:
            problems: list[ReadProblem] = []
            values = read_table(self.spec, self.table_spec(tid), self.grid(tid), problems)
            self._tables[tid] = values
            self.read_problems[tid] = problems
            index: dict[str, TableRow] = {}
            for row in values.rows():
                if row.role != "spare":
                    index.setdefault(row.key, row)
            self._index[tid] = index
        return values

    def row(self, tid: str, key: str) -> TableRow | None:
        self.table(tid)
        return self._index[str(tid)].get(key)

    def code_rows(self, tid: str, level: int | None = None) -> list[TableRow]:
        return [r for r in self.table(tid).rows()
                if r.code and r.role != "spare" and (level is None or len(r.code) == level)]

    def sheet(self, tid: str) -> str:
        return self.table_spec(tid).sheet

    # -- the detail sheets --------------------------------------------------------------
    def ledger(self) -> Ledger:
        """The department's ledger (:func:`juesuan.ledger.read_ledger`), read once for every
        rule that looks at it; an unreadable one raises its :class:`InputError` each time."""
        from juesuan.ledger import read_ledger

        return self._read_once("ledger", read_ledger)

    def evaluations(self) -> list[Any]:
        """The self-evaluations, scored (:func:`juesuan.evaluation.steps.read_evaluations`),
        read once for every rule that looks at them; unreadable ones (a formula without a
        calculated value, an error value) raise their :class:`InputError` each time."""
        from juesuan.evaluation.steps import read_evaluations

        return self._read_once("evaluations", read_evaluations)

    def _read_once(self, key: str, read: Any) -> Any:
        """``read(spec, port)``, kept in the cache under ``key`` with the InputError it raised."""
        from juesuan.errors import InputError

        if key not in self.cache:
            try:
                self.cache[key] = read(self.spec, self.port)
            except InputError as exc:
                self.cache[key] = exc
        found = self.cache[key]
        if isinstance(found, InputError):
            raise found
        return found

    def column_label(self, tid: str, col: str) -> str:
        for panel in self.table_spec(tid).panels:
            c = panel.column(col)
            if c is not None:
                return c.header[-1] if c.header else col
        return col

    def has_column(self, tid: str, col: str) -> bool:
        return any(p.column(col) is not None and p.column(col).role == "amount"
                   for p in self.table_spec(tid).panels)

    def row_label(self, tid: str, row: TableRow | None, key: str) -> str:
        if row is None:
            return key
        if row.code:
            return f"{row.code} {row.label}".strip()
        if not row.label and row.role == "footer":  # 06 公用经费合计: the label sits in the footer before
            footers = [f for f in self.table(tid).footers if f is not None]
            before = [f.label for f in footers[: footers.index(row)] if f.label] if row in footers else []
            return before[-1] if before else key
        return row.label or key

    def describe(self, tid: str, row: TableRow | None, key: str, col: str) -> str:
        """How a message names a figure (表“行”行“列”列); worked out once per figure."""
        memo = self.cache.setdefault("_describe", {})
        held = memo.get((tid, key, col))
        if held is None or held[0] is not row:  # the row itself is kept: no stale hit
            held = memo[(tid, key, col)] = (row, self._describe(tid, row, key, col))
        return held[1]

    def _describe(self, tid: str, row: TableRow | None, key: str, col: str) -> str:
        table = self.table_spec(tid)
        width = len(row.values) if row is not None else len({c.key for p in table.panels for c in p.amount_columns})
        col_part = f"“{self.column_label(tid, col)}”列" if width > 1 else ""
        if row is not None and not row.label and not row.code and row.role != "footer":
            return f"{table.display}{col_part}"  # a one-row table (07)
        return f"{table.display}“{self.row_label(tid, row, key)}”行{col_part}"

    # -- references -------------------------------------------------------------------
    def cells(self, spec: CellSpec, col: str | None = None) -> list[Cell]:
        """All figures a reference stands for (one, or every row of a level for 类/款/项)."""
        ref = spec.with_col(col) if col else spec
        if ref.col is None:
            raise RuleError(f"引用“{ref.table}.{ref.row}”缺少列 / reference without a column")
        tid = ref.table
        self.table(tid)
        if not self.has_column(tid, ref.col):
            raise RuleError(f"公开{tid}表没有列“{ref.col}” / table {tid} has no column '{ref.col}'")
        if ref.row in LEVELS:
            rows = self.code_rows(tid, LEVELS[ref.row])
            return [self._cell(tid, r, r.key, ref.col, ref.sign) for r in rows if ref.col in r.values]
        row = self.row(tid, ref.row)
        if row is None:
            if ref.row.isdigit() or ref.row == "total" and self.table_spec(tid).code_driven:
                return [Cell(None, None, tid, ref.row, ref.col, self.describe(tid, None, ref.row, ref.col), ref.sign)]
            raise RuleError(f"公开{tid}表没有行“{ref.row}” / table {tid} has no row '{ref.row}'")
        if ref.col not in row.values:
            raise RuleError(f"公开{tid}表“{ref.row}”行没有列“{ref.col}” / row '{ref.row}' has no column '{ref.col}'")
        return [self._cell(tid, row, ref.row, ref.col, ref.sign)]

    def cell(self, spec: CellSpec, col: str | None = None) -> Cell:
        found = self.cells(spec, col)
        if len(found) != 1:
            raise RuleError(f"引用“{spec.table}.{spec.row}”应指向单个单元格 / must name a single cell")
        return found[0]

    def _cell(self, tid: str, row: TableRow, key: str, col: str, sign: int) -> Cell:
        address = row.cells.get(col)
        ref = CellRef(self.sheet(tid), address) if address else None
        return Cell(row.values.get(col), ref, tid, key, col, self.describe(tid, row, key, col), sign)


# -- findings -----------------------------------------------------------------------------
class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, **values: Any) -> str:
    return template.format_map(_SafeDict(values))


def signed(value: Decimal | None) -> str:
    text = amount_text(value)
    if text is None:
        return "-"
    return text if text.startswith("-") else f"+{text}" if value else text


def refs_of(cells: list[Cell]) -> list[CellRef]:
    out: list[CellRef] = []
    for c in cells:
        if c.ref is not None and c.ref not in out:
            out.append(c.ref)
    return out


def _english(rule: Rule, values: dict[str, Any], en: dict[str, Any] | None) -> dict[str, Any]:
    """The values of the English message: the same, with the rule's ``title_en`` and the
    English of any Chinese wording passed in ``en`` (a Chinese label stays as printed)."""
    out = {k: _PLACE.sub(_english_place, v) if type(v) is str else v for k, v in values.items()}
    out["title"] = rule.title_en or rule.title
    if en:
        out.update(en)
    return out


def _english_place(m: Any) -> str:
    """表“本年收入合计”行“决算数”列 → 表, row “本年收入合计”, column “决算数” (labels as printed)."""
    return f", {'row' if m.group(2) == '行' else 'column'} “{m.group(1)}”"


def judge(rule: Rule, verdict: Verdict, cells: list[Cell], table: str, where: str = "",
          default: Message = DEFAULT_MESSAGE, en: dict[str, Any] | None = None, **extra: Any) -> Finding | None:
    """A finding for a verdict that isn't ``ok``: rounding → info note; otherwise the rule's
    severity. ``default``: the kind's templates (the spec's ``message``/``message_en`` win);
    ``en``: English values of fields whose text is Chinese wording, not a label."""
    if verdict.status == "ok":
        return None
    values = {
        "title": rule.title, "relation": rule.relation, "where": where,
        "expected": amount_text(verdict.expected), "actual": amount_text(verdict.actual),
        "difference": signed(verdict.difference), "slack": amount_text(verdict.slack), **extra,
    }
    if verdict.status == "rounding":
        return Finding(rule.id, "info", render(rule.rounding_message, **values), refs_of(cells),
                       verdict.expected, verdict.actual, verdict.difference, table, "rounding",
                       message_en=render(rule.rounding_message_en or DEFAULT_ROUNDING_MESSAGE_EN,
                                         **_english(rule, values, en)))
    template = rule.template(default)
    return Finding(rule.id, rule.severity, render(template.zh, **values), refs_of(cells), verdict.expected,
                   verdict.actual, verdict.difference, table, message_en=render(template.en, **_english(rule, values, en)))


def plain(rule: Rule, cells: list[CellRef], group: str | None, template: Message, severity: str | None = None,
          en: dict[str, Any] | None = None, **values: Any) -> Finding:
    """A finding without amounts (missing rows, codes, notes) rendered from ``template`` (both
    languages; ``en``: English values of Chinese wording); ``group`` is the table id it is
    listed under."""
    values = {"title": rule.title, "relation": rule.relation, **values}
    return Finding(rule.id, severity or rule.severity, render(template.zh, **values), cells, table=group,
                   message_en=render(template.en, **_english(rule, values, en)))
