"""``row_sum``: on every row of a table, a total column equals the signed sum of other columns.

Parameters: ``table``, ``total`` (column key), ``items`` (signed column keys, ``+basic``,
``-exp_sub``). Rows without the total column (another panel) are skipped.

    - {id: R04-05-rowsum, type: row_sum, table: "05", total: subtotal, items: [+basic, +project]}
"""

from __future__ import annotations

from juesuan.intervals import compare_sum
from juesuan.report import CellRef, Finding
from juesuan.rules import RELATION_MESSAGES, register
from juesuan.rules.base import Cell, Context, Rule, RuleError, judge


def signed_columns(value: object) -> list[tuple[int, str]]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise RuleError("items 应为列的列表，如 [+basic, +project] / items must be a list of columns")
    out = []
    for item in value:
        text = str(item).strip()
        sign = -1 if text.startswith("-") else 1
        out.append((sign, text.lstrip("+-").strip()))
    return out


def check_rows(rule: Rule, ctx: Context, tid: str, total_col: str, items: list[tuple[int, str]]) -> list[Finding]:
    for col in [total_col, *(c for _, c in items)]:
        if not ctx.has_column(tid, col):
            raise RuleError(f"公开{tid}表没有列“{col}” / table {tid} has no column '{col}'")
    sheet = ctx.sheet(tid)
    out: list[Finding] = []
    for row in ctx.table(tid).rows():
        if row.role == "spare" or total_col not in row.values:
            continue
        if any(col not in row.values for _, col in items):
            continue

        def cell(col: str, sign: int = 1, row=row) -> Cell:
            address = row.cells.get(col)
            return Cell(row.values.get(col), CellRef(sheet, address) if address else None, tid, row.key, col,
                        ctx.describe(tid, row, row.key, col), sign)

        values = row.values
        verdict = compare_sum(values.get(total_col), [(sign, values.get(col)) for sign, col in items],
                              half_width=ctx.half_width, tolerance=rule.tolerance, exact_duplicate=True)
        if verdict.status == "ok":
            continue  # the cells are named (for the message) only when there is something to say
        total = cell(total_col)
        parts = [cell(col, sign) for sign, col in items]
        finding = judge(rule, verdict, [total, *parts], tid, where=total.label)
        if finding:
            out.append(finding)
    return out


@register("row_sum", RELATION_MESSAGES)
def check(rule: Rule, ctx: Context) -> list[Finding]:
    tid = str(rule.param("table"))
    return check_rows(rule, ctx, tid, str(rule.param("total")), signed_columns(rule.param("items")))
