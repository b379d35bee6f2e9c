"""Typed model of a template spec (what the YAML says, after validation)."""

from __future__ import annotations

import functools
from dataclasses import field
from typing import Any

from juesuan.lazy_re import lazy
from juesuan.records import record

# A ledger filter: dimension → allowed values. Dimensions: ledger, kind, fund, item, econ
# (prefix match), func (prefix match).
Filter = dict[str, tuple[str, ...]]

FILTER_KEYS = ("ledger", "kind", "fund", "item", "econ", "func")
PREFIX_KEYS = ("econ", "func")
LEDGERS = ("income", "expense", "balance", "sangong_budget", "codes")  # codes: the 科目表 sheet (names, no amounts)


@record(frozen=True)
class Ref:
    """A signed reference to a cell of the same table: ``+row.col`` (col None = same column)."""

    sign: int
    row: str
    col: str | None = None


@record
class CodeList:
    """The code lists of a format: 功能分类 and 经济分类 codes with their names."""

    functional: dict[str, str]
    economic: dict[str, str]

    def scheme(self, name: str) -> dict[str, str]:
        return self.functional if name == "functional" else self.economic


@record
class ColumnSpec:
    """One column of a table: key, role, header lines, 栏次 and width."""

    key: str
    role: str  # label | line | code | name | amount
    header: tuple[str, ...]
    lanci: str | None = None
    width: float | None = None
    where: Filter | None = None
    derive: list[Ref] | None = None


@record
class RowSpec:
    """One row (or a block of rows from a code list) of a table panel."""

    kind: str  # fixed | spare | classes | codes
    key: str | None = None
    label: str = ""
    line: int | None = None
    role: str | None = None  # "total" for totals (bold)
    where: Filter | None = None
    derive: list[Ref] | dict[str, list[Ref]] | None = None
    lines: tuple[int, int] | None = None  # spare / classes range of 行次
    scheme: str | None = None  # functional | economic
    mode: str = "all"  # classes: all | present
    present_where: Filter | None = None
    include: tuple[str, ...] = ()  # codes: code prefixes listed; classes: the classes printed, in order
    only: tuple[str, ...] = ()  # codes: an explicit list of the codes printed (else every listed code)
    numbered: bool = False  # classes: labels numbered 一、二、… in print order
    parent: str | None = None  # fixed: the key of the row this one details (04: 年初 by fund)


@record
class PanelSpec:
    """One panel of a table (a table printed side by side has several): columns and rows."""

    columns: list[ColumnSpec]
    rows: list[RowSpec]
    footer: RowSpec | None = None

    def column(self, key: str) -> ColumnSpec | None:
        index = self.__dict__.get("_columns_by_key")
        if index is None or len(index) != len(self.columns):  # built on first use (a hot lookup of the rules)
            index = {}
            for c in self.columns:
                index.setdefault(c.key, c)
            self.__dict__["_columns_by_key"] = index
        return index.get(key)

    @property
    def amount_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.role == "amount"]


_ORDINAL = lazy(r"^[一二三四五六七八九十]+、")
_QUOTES = str.maketrans("", "", "“”\"'‘’「」")


def norm_label(text: str) -> str:
    """A printed label compared loosely: no spaces, no quotes, no 一、 numbering, （） brackets."""
    return _ORDINAL.sub("", "".join(str(text).split())).translate(_QUOTES).replace("(", "（").replace(")", "）")


_YEAR_TEXT = lazy(r"^\s*(\d{4})\s*年度?\s*$")


def norm_year(text: str) -> str:
    """A 年度 as printed before “年度”: “2025年” and “2025年度” (typed in 基本信息 or given
    as --year) are 2025, so the 说明 never says “2025年年度”; other text is kept as typed."""
    m = _YEAR_TEXT.match(str(text))
    return m.group(1) if m else str(text).strip()


@record(frozen=True)
class TableAliases:
    """One table's other labels, normalised: titles, row label → row label, header → header."""

    titles: frozenset[str] = frozenset()
    rows: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    def row(self, label: str) -> str:
        """The spec's (normalised) row label a printed label stands for."""
        norm = norm_label(label)
        return self.rows.get(norm, norm)

    def column(self, header: str) -> str:
        norm = norm_label(header)
        return self.columns.get(norm, norm)


@record(frozen=True)
class SheetLayout:
    """What a table sheet prints above its header: the 公开0n表 label, the 部门： line and the
    栏次 row (the 2019 format prints all three; the 2020 Shanghai template none of them)."""

    label: bool = True
    dept: bool = True
    lanci: bool = True


@record
class TableSpec:
    """One published table (公开NN表): sheet, title, note, panels and how it is filled."""

    id: str
    sheet: str
    title: str
    note: str
    panels: list[PanelSpec]
    scope: list[Filter] = field(default_factory=list)
    empty_note: str | None = None  # replaces the note when the table has no data (2019)
    empty_sentence: str | None = None  # printed below the note when empty, ``{dept}`` filled (2020)
    layout: SheetLayout = field(default_factory=SheetLayout)
    label: str | None = None  # the printed 公开0n表 label (None: not printed)
    aliases: TableAliases = field(default_factory=TableAliases)  # other printed labels (spec ``aliases:``)

    @property
    def display(self) -> str:
        """How messages name the table: its printed label (公开05表), else its title."""
        return self.label or self.title

    @functools.cached_property
    def code_driven(self) -> bool:
        """Whether the table's rows come from the 功能分类 codes in use (05, 07 …)."""
        return any(r.kind == "codes" and r.scheme == "functional" for p in self.panels for r in p.rows)

    @property
    def width(self) -> int:
        return sum(len(p.columns) for p in self.panels)

    @property
    def header_depth(self) -> int:
        return max(len(c.header) for p in self.panels for c in p.columns)


@record
class InputColumn:
    """One column of a detail sheet: key, label, type and whether it is required."""

    key: str
    label: str
    type: str  # text | func_code | econ_code | choice | money | year
    required: bool = False
    vocabulary: str | None = None
    width: float | None = None
    note: str = ""
    value: Any = None
    locked: bool = False
    optional: bool = False  # the column may be absent from a workbook (blank header): values read as ''


@record
class InputSheetSpec:
    """One detail sheet (明细表) or form the accountant fills in."""

    id: str
    sheet: str
    kind: str  # form | list
    title: str
    ledger: str | None = None  # None on a list sheet: its rows are records (Ledger.records), not money
    columns: list[InputColumn] = field(default_factory=list)  # list sheets
    fields: list[InputColumn] = field(default_factory=list)  # form sheets
    optional: bool = False  # the sheet may be absent from a workbook (e.g. 单位构成 of a single unit)


@record
class FiscalSpec:
    """What counts as fiscal money (财政拨款) in this format."""

    income_kinds: tuple[str, ...] = ()
    funds: tuple[str, ...] = ()
    fund_kinds: tuple[str, ...] = ()  # the 支出类别 fiscal funds may pay
    coded_balance_funds: tuple[str, ...] = ()  # opening balances that need a 功能分类 code
    opening_balance_item: str = "年初结转和结余"  # the 结转结余 item of the opening balance


@record(frozen=True)
class TemplateSpec:
    """A template format (2019, 2020 …): tables, detail sheets, rules, codes and the 说明's layout."""

    format: str
    version: str
    name: str
    unit: str
    decimals: int
    vocabularies: dict[str, tuple[str, ...]]
    inputs: list[InputSheetSpec]
    rounding: dict[str, dict[str, tuple[str, ...]]]
    tables: list[TableSpec]
    codes: CodeList
    fiscal: FiscalSpec = field(default_factory=FiscalSpec)
    econ_groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # 人员经费 → (301, 303) …
    class_list: tuple[str, ...] = ()  # the function classes printed on class-line tables, in order
    rules: tuple = ()  # the validated rule catalogue (juesuan.rules.base.Rule), rules then evaluation_rules
    raw: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    sources: str = ""  # digest of the files it was loaded from (juesuan.spec.cache); '' when built otherwise

    def table(self, table_id: str) -> TableSpec:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def input(self, input_id: str) -> InputSheetSpec:
        for s in self.inputs:
            if s.id == input_id:
                return s
        raise KeyError(input_id)

    @property
    def info(self) -> InputSheetSpec:
        """The 基本信息 form (部门名称, 年度, 模板格式)."""
        return next(s for s in self.inputs if s.kind == "form")

    def info_label(self, key: str) -> str:
        """The printed label of a 基本信息 field (``dept`` → 部门名称)."""
        return next(f.label for f in self.info.fields if f.key == key)

    def info_rows(self, **values: Any) -> list[list[Any]]:
        """The 基本信息 rows for a new workbook: ``[[label, value], …]`` (format filled in)."""
        values = {"format": self.format, **values}
        return [[f.label, values.get(f.key, f.value)] for f in self.info.fields]

    @property
    def sheet_names(self) -> list[str]:
        return [s.sheet for s in self.inputs] + [t.sheet for t in self.tables]
