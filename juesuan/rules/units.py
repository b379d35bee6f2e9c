"""``units``: a department's published figures equal the sum of its units' figures minus the
internal eliminations (部门汇总数 = 各单位数之和 − 内部抵销).

Applies when the check is given the units' workbooks (``juesuan check 部门.xlsx --units
单位/``): the units' detail sheets are consolidated with :mod:`juesuan.consolidate` (the same
engine as ``juesuan consolidate``, eliminations from the spec) and filled with the same
engine as Fill, then compared with the department's tables figure by figure. Units that
cannot be read, or of another format, are reported per unit; eliminations that don't
balance are reported as warnings (consolidation records them the same way). Without unit
workbooks the rule checks only that every 单位 named on the detail sheets is listed in
单位构成.

Parameters: ``tables`` (default: every table of the spec), ``unbalanced_severity``
(default ``warning``).
"""

from __future__ import annotations

from juesuan.consolidate.names import ELIMINATION_UNIT, PARENT_REMARK, UNITS_INPUT
from juesuan.errors import InputError, Problem
from juesuan.ledger import Ledger, read_records
from juesuan.port import a1
from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import ROUNDING, Context, Message, Rule, RuleError, plain
from juesuan.rules.detail import compare_accounts, implied_accounts

UNITS_KEY = "units"  # ctx.cache key: the units' workbooks as (label, port) pairs
MESSAGE = Message("{where}与各单位汇总不符：各单位合计减内部抵销应为 {expected}，表中为 {actual}，差额 {difference}",
                  "{where} does not match the units' sum: the units' total less internal eliminations is {expected},"
                  " the table shows {actual}, difference {difference}")
MISSING_ROW = Message("公开{table}表缺少“{row}”行：按各单位汇总该行应为 {expected}",
                      "Table {table} lacks the row “{row}”: the units' sum implies {expected} for it")
EXTRA_ROW = Message("{where}在各单位明细中没有对应数据，表中为 {actual}",
                    "{where} has no data in the units' detail sheets, the table shows {actual}")
UNIT_PROBLEM = Message("单位工作簿有误，无法汇总比对：{problem}",
                       "A unit's workbook has an error, the sum can't be compared: {problem}")
UNLISTED = Message("明细表“单位”列的“{unit}”不在“单位构成”中",
                   "“{unit}” of the detail sheets' unit column (“单位”) is not listed on the sheet of units (“单位构成”)")


def _located(rule: Rule, problems: list[Problem], severity: str | None = None) -> list[Finding]:
    out = []
    for p in problems:
        where, where_en = (f"{p.where}：", f"{p.where}: ") if p.where else ("", "")
        out.append(plain(rule, [], None, UNIT_PROBLEM, severity=severity, problem=f"{where}{p.message_zh}",
                         en={"problem": f"{where_en}{p.message_en}"}))
    return out


@register("units", {"message": MESSAGE, "missing-row": MISSING_ROW, "extra-row": EXTRA_ROW,
                   "unit-problem": UNIT_PROBLEM, "unlisted": UNLISTED, "rounding": ROUNDING})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    books = ctx.cache.get(UNITS_KEY)
    spec = ctx.spec
    if not books:
        return _listed(rule, ctx)
    from juesuan.consolidate.engine import consolidate, department_name, pick_parent
    from juesuan.consolidate.units import read_units

    try:
        unit_spec, units = read_units(list(books), spec.format)
    except InputError as exc:
        return _located(rule, exc.problems)
    ledger = _ledger(ctx)
    dept = str(ledger.info.get("dept") or "") if ledger else ""
    named = [r.get("unit_name") for r in (ledger.records.get(UNITS_INPUT, []) if ledger else [])
             if r.get("remark") == PARENT_REMARK]
    parent = (pick_parent(units, named[0], None) if named else None) or pick_parent(units, None, dept)
    if parent is not None:
        parent.parent = True
    year = next((str(u.ledger.info.get("year")) for u in units if u.ledger.info.get("year")), "")
    result = consolidate(unit_spec, units, dept or department_name(parent), year)
    severity = str(rule.param("unbalanced_severity", "warning"))
    out = _located(rule, [imb.problem(severity) for imb in result.imbalances], severity)
    try:
        accounts = implied_accounts(rule, ctx, result.ledger())
    except InputError as exc:
        return out + _located(rule, exc.problems)
    except Exception as exc:  # noqa: BLE001 - an engine failure must not crash the whole check
        raise RuleError(f"无法由各单位明细计算公开表 / cannot compute the tables from the units: {exc!r}") from exc
    return out + compare_accounts(rule, ctx, accounts, MESSAGE, MISSING_ROW, EXTRA_ROW)


def _ledger(ctx: Context) -> Ledger | None:
    """The department's own ledger, as the detail rule read it (None when unreadable: the
    detail rule reports why)."""
    try:
        return ctx.ledger()
    except InputError:
        return None


def _listed(rule: Rule, ctx: Context) -> list[Finding]:
    """Every 单位 named on the detail sheets is in 单位构成 (when the workbook lists units)."""
    spec = ctx.spec
    listed = {r.get("unit_name") for r in read_records(spec, ctx.port, UNITS_INPUT)}
    if not listed:
        return []  # a single unit's workbook (or 单位构成 unreadable: the detail rule says why)
    ledger = _ledger(ctx)
    if ledger is None:
        return []
    out: list[Finding] = []
    seen: set[str] = set()
    columns = {s.sheet: [c.key for c in s.columns] for s in spec.inputs}
    for line in ledger.lines:
        if line.unit and line.unit != ELIMINATION_UNIT and line.unit not in listed and line.unit not in seen:
            seen.add(line.unit)
            keys = columns.get(line.sheet, [])
            col = keys.index("unit") if "unit" in keys else 0
            cell = [CellRef(line.sheet, a1(line.row - 1, col))] if line.row else []
            out.append(plain(rule, cell, None, UNLISTED, unit=line.unit))
    return out
