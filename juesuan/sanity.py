"""Sanity of a department's own data before anything is published: the 基本信息 it must give
(部门名称, 年度), a 年度 that fits the format, a ledger that is not empty, and a name for every
code the tables would print (:mod:`juesuan.code_names`).

:func:`ledger_problems` returns located :class:`~juesuan.errors.Problem` s. Fill refuses
to write when one is an error (exit 2, nothing written); Check reports the same problems as
findings through the ``ledger-*`` rule kinds (:mod:`juesuan.rules.ledger_sanity`).

The years a format covers are spec data: ``years: [2019, 2019]`` in ``spec-2019.yaml``,
``years: [2020, null]`` (open end) for the 2020+ format.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from juesuan.code_names import chunk_name_problems, chunk_typed_name_conflicts, own_name_conflicts
from juesuan.errors import Problem
from juesuan.lazy_re import lazy
from juesuan.ledger import INPUT_FIRST_ROW, OWN_CODES, Ledger, LedgerLine, LineColumns
from juesuan.port import a1
from juesuan.spec.model import TemplateSpec

REQUIRED_INFO = ("dept", "year")
_YEAR = lazy(r"^\s*(\d{4})\s*(?:年度?)?\s*$")


def format_years(spec: TemplateSpec) -> tuple[int | None, int | None]:
    """The first and last 年度 the format is for (None: open)."""
    raw = spec.raw.get("years")
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        return None, None
    lo, hi = raw
    return (int(lo) if lo is not None else None, int(hi) if hi is not None else None)


def _info_cell(spec: TemplateSpec, key: str) -> tuple[str | None, str | None, str]:
    for s in spec.inputs:
        if s.kind != "form":
            continue
        for row, f in enumerate(s.fields, start=INPUT_FIRST_ROW):
            if f.key == key:
                return s.sheet, a1(row, 1), f.label
    return None, None, key


def info_problems(spec: TemplateSpec, ledger: Ledger) -> list[Problem]:
    """部门名称 and 年度 given, and a 年度 within the format's years."""
    out = []
    for key in REQUIRED_INFO:
        sheet, cell, label = _info_cell(spec, key)
        if sheet is None:
            continue
        if not str(ledger.info.get(key) or "").strip():
            out.append(Problem("info-required", {"field": label}, sheet, cell))
    year = str(ledger.info.get("year") or "").strip()
    if year_misfits(spec, year):
        sheet, cell, _ = _info_cell(spec, "year")
        out.append(Problem("year-format", {"year": year, "format": spec.format, "years": _span(spec)}, sheet, cell))
    return out


def year_misfits(spec: TemplateSpec, year: str) -> bool:
    """A 年度 given that is not one of the format's years (or no year at all)."""
    lo, hi = format_years(spec)
    if not year or (lo is None and hi is None):
        return False
    m = _YEAR.match(year)
    number = int(m.group(1)) if m else None
    return number is None or (lo is not None and number < lo) or (hi is not None and number > hi)


def _span(spec: TemplateSpec) -> str:
    lo, hi = format_years(spec)
    return f"{lo or ''}–{hi or ''}" if lo != hi else str(lo)


def year_option_problem(spec: TemplateSpec, year: str) -> Problem | None:
    """``--year`` of ``new``/``import`` outside the format's years: refused before a workbook is
    written that check would reject, naming the shipped format the year belongs to."""
    from juesuan.spec import available_formats, load_spec

    year = year.strip()
    if not year_misfits(spec, year):
        return None
    fits = [f for f in available_formats() if f.isdigit() and not year_misfits(load_spec(f), year)]
    params = {"year": year, "format": spec.format, "years": _span(spec)}
    return Problem("year-format-option", {**params, "other": fits[0]}) if fits else Problem("year-format", params)


def empty_problems(spec: TemplateSpec, ledger: Ledger) -> list[Problem]:
    """A ledger without a single income or expenditure line publishes nothing but blanks."""
    for chunk in ledger.chunks():
        if (chunk.ledger in ("income", "expense") and len(chunk) if type(chunk) is LineColumns
                else any(line.ledger in ("income", "expense") for line in chunk)):
            return []
    sheets = [s.sheet for s in spec.inputs if s.kind == "list" and s.ledger in ("income", "expense")]
    return [Problem("ledger-empty", {"sheets": "、".join(sheets)}, sheets[0] if sheets else None,
                    a1(INPUT_FIRST_ROW, 0) if sheets else None)]


SCALE_FLOOR = Decimal(100_000)  # 元: a department's ledger below this was most likely typed in 万元
SANGONG_FLOOR = Decimal(1_000)  # 元: 三公 budgets all below this (0.10 万元) were most likely typed in 万元


def plausibility_problems(spec: TemplateSpec, ledger: Ledger) -> list[Problem]:
    """Warnings on figures that read but are unlikely (a warning each, never a refusal):
    a ledger whose income and expenditure both add up to less than 10 万元 (typed in 万元, the
    tables come out 10,000 times too small), and a 功能分类 whose expenditure adds up to a
    negative amount (refunds booked above the spending: the tables print a negative), and
    三公 budgets all under 1,000 元 beside a ledger in 元 (typed in 万元: 07 and the 说明 would
    print 0.00 and “无年初预算数”)."""
    out: list[Problem] = []
    sums = _Sums()
    for chunk in ledger.chunks():
        if type(chunk) is LineColumns:
            sums.add_columns(chunk)
        else:
            sums.add_lines(chunk)
    totals, first = sums.totals, sums.first
    if first and all(abs(t) < SCALE_FLOOR for t in totals.values()) and any(totals.values()):
        which = "expense" if totals["expense"] else "income"
        sheet, row = first[which]
        out.append(Problem("ledger-scale", {
            "what": "支出明细金额" if which == "expense" else "收入明细金额",
            "what_en": "expenditure lines" if which == "expense" else "income lines",
            "total": f"{totals[which]:,.2f}", "wan": f"{totals[which] / 10_000:.2f}"},
            sheet, _amount_cell(spec, sheet, row), severity="warning"))
    budgets = sums.budgets
    if budgets and all(abs(amount) < SANGONG_FLOOR for amount, _at in budgets) and (
            totals["expense"] >= SCALE_FLOOR or not first):
        total = sum((amount for amount, _at in budgets), Decimal(0))
        sheet, row = budgets[0][1]
        out.append(Problem("ledger-scale", {
            "what": "“三公”经费预算数", "what_en": "三公 budgets",
            "total": f"{total:,.2f}", "wan": f"{total / 10_000:.2f}"},
            sheet, _amount_cell(spec, sheet, row), severity="warning"))
    for code, total in sums.by_func.items():
        if total < 0:
            sheet, row = sums.func_line[code]
            out.append(Problem("ledger-negative", {"code": code, "total": f"{total:,.2f}"}, sheet,
                               _amount_cell(spec, sheet, row), severity="warning"))
    return out


class _Sums:
    """What :func:`plausibility_problems` adds up, line after line in ledger order: the income
    and expenditure totals and each one's first line (sheet, row), the expenditure per 功能分类
    and its first line, and the nonzero 三公 budgets. A sheet kept as columns is added per
    distinct 功能分类 in integer cents when that is exactly what the line-by-line Decimal sums
    give (every partial sum within Decimal's 28 digits: no rounding either way)."""

    def __init__(self) -> None:
        self.totals = {"income": Decimal(0), "expense": Decimal(0)}
        self.first: dict[str, tuple[str, int]] = {}
        self.by_func: dict[str, Decimal] = {}
        self.func_line: dict[str, tuple[str, int]] = {}
        self.budgets: list[tuple[Decimal, tuple[str, int]]] = []

    def add_lines(self, lines: list[LedgerLine]) -> None:
        totals, first, by_func, func_line = self.totals, self.first, self.by_func, self.func_line
        for line in lines:
            if line.ledger in totals:
                totals[line.ledger] += line.amount
                first.setdefault(line.ledger, (line.sheet, line.row))
            if line.ledger == "expense" and line.func:
                by_func[line.func] = by_func.get(line.func, Decimal(0)) + line.amount
                func_line.setdefault(line.func, (line.sheet, line.row))
            if line.ledger == "sangong_budget" and line.amount:
                self.budgets.append((line.amount, (line.sheet, line.row)))

    def add_columns(self, chunk: LineColumns) -> None:
        import numpy as np

        name = chunk.ledger
        cents = chunk.cents() if name in self.totals and len(chunk) else None
        if cents is None or not self._exact(chunk, cents):
            if name in self.totals or name == "sangong_budget":
                self.add_lines(chunk.lines())
            return
        self.totals[name] += _yuan(int(sum(cents.tolist())))
        self.first.setdefault(name, (chunk.sheet, chunk.rows[0]))
        if name != "expense":
            return
        distinct, ids = chunk.codes("func")
        found, where = np.unique(ids, return_index=True)
        sums = np.bincount(ids, weights=cents.astype(np.float64), minlength=len(distinct)).tolist()  # exact: _exact
        for code_id, index in sorted(zip(found.tolist(), where.tolist(), strict=True), key=lambda f: f[1]):
            code = distinct[code_id]
            if code:  # in order of first use, as line by line
                self.by_func[code] = self.by_func.get(code, Decimal(0)) + _yuan(int(sums[code_id]))
                self.func_line.setdefault(code, (chunk.sheet, chunk.rows[index]))

    def _exact(self, chunk: LineColumns, cents: Any) -> bool:
        """Whether every running sum the lines of ``chunk`` would make, line by line in
        Decimal, is exact (so a sum in integer cents added once gives the very same value)."""
        import numpy as np

        running = [self.totals[chunk.ledger], *(self.by_func.values() if chunk.ledger == "expense" else ())]
        places = max(2, *(-int(t.as_tuple().exponent) for t in running))
        largest = max(abs(t) for t in running) + Decimal(float(np.abs(cents).astype(np.float64).sum())) / 100
        return largest * 10**places < _DECIMAL_EXACT and float(np.abs(cents).astype(np.float64).sum()) < 2**52


_DECIMAL_EXACT = Decimal(10) ** 27  # (Decimal's 28 digits, less one for the float estimate of the sum)


def _yuan(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _amount_cell(spec: TemplateSpec, sheet: str, row: int) -> str | None:
    """The A1 address of the amount of the line at ``row`` (1-based) of ``sheet``."""
    for s in spec.inputs:
        if s.sheet == sheet:
            keys = [c.key for c in s.columns]
            if "amount" in keys and row:
                return a1(row - 1, keys.index("amount"))
    return None


def code_problems(spec: TemplateSpec, ledger: Ledger) -> list[Problem]:
    """Codes without a name, 类 without a class line, 科目表 names contradicting the list."""
    chunks = ledger.chunks()
    return [*chunk_name_problems(spec, chunks, ledger.own_names, ledger.typed_names),
            *own_name_conflicts(spec, ledger.own_cells), *chunk_typed_name_conflicts(spec, chunks, ledger.typed_names)]


def ledger_problems(spec: TemplateSpec, ledger: Ledger) -> list[Problem]:
    return [*info_problems(spec, ledger), *empty_problems(spec, ledger), *code_problems(spec, ledger),
            *plausibility_problems(spec, ledger)]


def has_own_codes_sheet(spec: TemplateSpec) -> bool:
    return any(s.ledger == OWN_CODES for s in spec.inputs)
