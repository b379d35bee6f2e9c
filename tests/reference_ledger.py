"""The ledger's line-by-line consumers as they were before the ledger was kept as columns
(issue 14, commit 1a637ce), kept verbatim (imports gathered) only so that
``tests/test_ledger_columns.py`` can prove the column paths give the same results: the code
cells and name problems, the plausibility warnings, the ledger → leaves grouping."""

# ruff: noqa
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from juesuan.code_names import _level_name, _levels, _norm, resolve
from juesuan.codes import ancestors
from juesuan.errors import Problem
from juesuan.ledger import INPUT_FIRST_ROW, Ledger, LedgerLine
from juesuan.port import a1
from juesuan.sanity import SANGONG_FLOOR, SCALE_FLOOR
from juesuan.spec.model import TemplateSpec

Key = tuple[str, ...]

# --- juesuan/code_names.py at 1a637ce ---

def _code_cells(spec: TemplateSpec, lines: Iterable) -> dict[tuple[str, str], tuple[str, str, int]]:
    """(scheme, code) → (sheet, A1 of the code cell, number of lines), every level included."""
    columns: dict[tuple[str, str], int] = {}
    for s in spec.inputs:
        for c, col in enumerate(s.columns):
            if col.type == "func_code":
                columns[(s.sheet, "functional")] = c
            elif col.type == "econ_code":
                columns[(s.sheet, "economic")] = c
    # each distinct code once (its first line and its number of lines), in order of first use,
    # so that a node's first cell is that of the first line under it
    first: dict[tuple[str, str], tuple[str, int]] = {}
    count: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if line.func:
            key = ("functional", line.func)
            count[key] += 1
            if key not in first:
                first[key] = (line.sheet, line.row)
        if line.econ:
            key = ("economic", line.econ)
            count[key] += 1
            if key not in first:
                first[key] = (line.sheet, line.row)
    out: dict[tuple[str, str], tuple[str, str, int]] = {}
    for (scheme, code), (sheet, row) in first.items():
        n = count[(scheme, code)]
        for node in ancestors(code, _levels(scheme)):
            key = (scheme, node)
            seen = out.get(key)
            if seen is None:
                out[key] = (sheet, a1(row - 1, columns.get((sheet, scheme), 0)), n)
            else:
                out[key] = (seen[0], seen[1], seen[2] + n)
    return out


def name_problems(spec: TemplateSpec, lines: list, own: dict[str, dict[str, str]],
                  typed: dict[str, str]) -> list[Problem]:
    """Codes no source names, and 类 the format has no class line for, at their first cell."""
    out: list[Problem] = []
    classes = {c for c in spec.codes.functional if len(c) == 3}
    for (scheme, code), (sheet, cell, count) in sorted(_code_cells(spec, lines).items()):
        if scheme == "functional" and len(code) == 3 and code not in classes:
            out.append(Problem("unknown-class", {"code": code, "format": spec.format, "count": count,
                                                 "classes": len(classes)}, sheet, cell))
            continue
        if not resolve(spec, scheme, code, own, typed):
            out.append(Problem("code-no-name", {"code": code, "level": _level_name(scheme, code),
                                                "scheme": "功能分类" if scheme == "functional" else "经济分类",
                                                "format": spec.format, "count": count}, sheet, cell))
    return out


def typed_name_conflicts(spec: TemplateSpec, lines: list, typed: dict[str, str]) -> list[Problem]:
    """Names typed on the detail sheets (科目名称, or the code cell's ``30201 办公费``) that differ
    from the shipped list's, 功能分类 and 经济分类 alike: a warning at the code's first detail cell
    (the list's name is published; a differing name often means a mistyped code)."""
    out = []
    named_first = sorted(lines, key=lambda line: not line.name)  # a 功能分类 name sits on its line: point there
    for (scheme, code), (sheet, cell, _count) in sorted(_code_cells(spec, named_first).items()):
        name, shipped = typed.get(code), spec.codes.scheme(scheme).get(code)
        if name and shipped and _norm(shipped) != _norm(name):
            out.append(Problem("typed-name-conflict", {"code": code, "name": name, "shipped": shipped,
                                                       "scheme": "功能分类" if scheme == "functional" else "经济分类",
                                                       "format": spec.format}, sheet, cell, severity="warning"))
    return out



# --- juesuan/sanity.py at 1a637ce ---


def empty_problems(spec: TemplateSpec, ledger: Ledger) -> list[Problem]:
    """A ledger without a single income or expenditure line publishes nothing but blanks."""
    if any(line.ledger in ("income", "expense") for line in ledger.lines):
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
    totals = {"income": Decimal(0), "expense": Decimal(0)}
    first: dict[str, LedgerLine] = {}
    by_func: dict[str, Decimal] = {}
    func_line: dict[str, LedgerLine] = {}
    for line in ledger.lines:
        if line.ledger in totals:
            totals[line.ledger] += line.amount
            first.setdefault(line.ledger, line)
        if line.ledger == "expense" and line.func:
            by_func[line.func] = by_func.get(line.func, Decimal(0)) + line.amount
            func_line.setdefault(line.func, line)
    if first and all(abs(t) < SCALE_FLOOR for t in totals.values()) and any(totals.values()):
        which = "expense" if totals["expense"] else "income"
        line = first[which]
        out.append(Problem("ledger-scale", {
            "what": "支出明细金额" if which == "expense" else "收入明细金额",
            "what_en": "expenditure lines" if which == "expense" else "income lines",
            "total": f"{totals[which]:,.2f}", "wan": f"{totals[which] / 10_000:.2f}"},
            line.sheet, _amount_cell(spec, line), severity="warning"))
    budgets = [line for line in ledger.lines if line.ledger == "sangong_budget" and line.amount]
    if budgets and all(abs(line.amount) < SANGONG_FLOOR for line in budgets) and (
            totals["expense"] >= SCALE_FLOOR or not first):
        total = sum((line.amount for line in budgets), Decimal(0))
        out.append(Problem("ledger-scale", {
            "what": "“三公”经费预算数", "what_en": "三公 budgets",
            "total": f"{total:,.2f}", "wan": f"{total / 10_000:.2f}"},
            budgets[0].sheet, _amount_cell(spec, budgets[0]), severity="warning"))
    for code, total in by_func.items():
        if total < 0:
            line = func_line[code]
            out.append(Problem("ledger-negative", {"code": code, "total": f"{total:,.2f}"}, line.sheet,
                               _amount_cell(spec, line), severity="warning"))
    return out


def _amount_cell(spec: TemplateSpec, line: LedgerLine) -> str | None:
    """The A1 address of ``line``'s amount on its detail sheet."""
    for s in spec.inputs:
        if s.sheet == line.sheet:
            keys = [c.key for c in s.columns]
            if "amount" in keys and line.row:
                return a1(line.row - 1, keys.index("amount"))
    return None



# --- juesuan/grouping.py (group_lines, the loop) and juesuan/leaves.py (units_per_yuan) at 1a637ce ---


def line_units(lines: Sequence[LedgerLine], scale: int) -> list[int]:
    """Each line's amount in integer units (``scale`` units per 元)."""
    return [int(line.amount * scale) for line in lines]


def group_lines(lines: Sequence[LedgerLine], scale: int, use_pandas: bool | None = None) -> dict[str, dict[Key, int]]:
    """Per ledger, the summed units of the lines sharing (func, econ, kind, fund, item)."""
    units = line_units(lines, scale)  # (the loop alone: its pandas path gave the same, tests/test_grouping.py)
    sums: dict[str, dict[Key, int]] = defaultdict(lambda: defaultdict(int))
    for line, u in zip(lines, units, strict=True):
        sums[line.ledger][(line.func, line.econ, line.kind, line.fund, line.item)] += u
    return {name: dict(groups) for name, groups in sums.items()}


def units_per_yuan(ledger: Ledger) -> int:
    """Integer units per 元 that represent every ledger amount exactly (0.01 元 at least)."""
    places = 2
    for line in ledger.lines:
        text = str(line.amount)  # plain notation shows exactly -exponent decimals; else ask the tuple
        if "E" in text:
            exponent = line.amount.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > places:
                places = -exponent
            continue
        dot = text.find(".")
        if dot >= 0 and len(text) - dot - 1 > places:
            places = len(text) - dot - 1
    return 10**places
