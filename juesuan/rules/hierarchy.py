"""``hierarchy``: every 类/款 row equals the sum of its children and 合计 the sum of the 类 rows,
per column; a 项 row without its 款 row (or a 款 row without its 类 row) is reported too.

Parameters: ``table``; ``scheme`` (``functional`` 3/5/7 digits, default, or ``economic`` 3/5);
``total`` (the 合计 row key, usually ``total``; omit when the table has none, as 06);
``columns`` (default: every amount column); ``orphan_message`` (template with ``{code}``,
``{level}``, ``{parent}``, ``{parent_level}``, ``{where}``).

    - {id: R03-05-hierarchy, type: hierarchy, table: "05", total: total}
"""

from __future__ import annotations

from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, LEVEL_NAMES
from juesuan.intervals import compare_sum
from juesuan.report import CellRef, Finding
from juesuan.rules import RELATION_MESSAGES, register
from juesuan.rules.base import Cell, Context, Message, Rule, RuleError, judge, plain
from juesuan.tables import TableRow

ORPHAN = Message("{where}：{level}级科目 {code} 没有其上级{parent_level}级科目 {parent} 的行（缺行或编码有误）",
                 "{where}: {level} code {code} has no row for its parent {parent_level} code {parent}"
                 " (a missing row or a wrong code)")
NO_TOTAL = Message("{table}缺少“合计”行", "{table} has no total row (“合计”)")


@register("hierarchy", {**RELATION_MESSAGES, "orphan": ORPHAN, "no-total": NO_TOTAL})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    tid = str(rule.param("table"))
    scheme = rule.param("scheme", "functional")
    if scheme not in ("functional", "economic"):
        raise RuleError("scheme 应为 functional 或 economic / scheme must be functional or economic")
    levels = FUNC_LEVELS if scheme == "functional" else ECON_LEVELS
    table = ctx.table_spec(tid)
    columns = rule.param("columns", None) or list(dict.fromkeys(
        c.key for p in table.panels for c in p.amount_columns))
    for col in columns:
        if not ctx.has_column(tid, col):
            raise RuleError(f"公开{tid}表没有列“{col}” / table {tid} has no column '{col}'")
    sheet = ctx.sheet(tid)
    rows = [r for r in ctx.code_rows(tid) if len(r.code or "") in levels]
    by_code = {r.code: r for r in rows}
    out: list[Finding] = []

    def cell(row: TableRow, col: str) -> Cell:
        address = row.cells.get(col)
        return Cell(row.values.get(col), CellRef(sheet, address) if address else None, tid, row.key, col,
                    ctx.describe(tid, row, row.key, col))

    children: dict[str, list[TableRow]] = {}
    for r in rows:
        code = r.code or ""
        shorter = [n for n in levels if n < len(code)]
        if not shorter:
            continue
        parent = code[: shorter[-1]]
        children.setdefault(parent, []).append(r)
        if parent not in by_code:
            anchor = r.cells.get("code") or next(iter(r.cells.values()), None)
            template = rule.template(ORPHAN, "orphan_message")
            out.append(plain(rule, [CellRef(sheet, anchor)] if anchor else [], tid, template,
                             where=ctx.table_spec(tid).display, code=code, level=LEVEL_NAMES.get(len(code), "?"),
                             parent=parent, parent_level=LEVEL_NAMES.get(len(parent), "?")))
    total_key = rule.param("total", None)
    total_row = ctx.row(tid, str(total_key)) if total_key else None
    if total_key and total_row is None and rows:
        out.append(plain(rule, [], tid, NO_TOTAL, table=ctx.table_spec(tid).display))
    for col in columns:
        for r in rows:
            kids = [k for k in children.get(r.code or "", []) if col in k.values]
            if not kids or col not in r.values:
                continue
            verdict = compare_sum(r.values.get(col), [(1, k.values.get(col)) for k in kids],
                                  half_width=ctx.half_width, tolerance=rule.tolerance, exact_duplicate=True)
            if verdict.status == "ok":
                continue  # the cells are named (for the message) only when there is something to say
            parent_cell = cell(r, col)
            kid_cells = [cell(k, col) for k in kids]
            finding = judge(rule, verdict, [parent_cell, *kid_cells], tid, where=parent_cell.label,
                            level=LEVEL_NAMES.get(len(r.code or ""), "?"))
            if finding:
                out.append(finding)
        if total_row is not None and col in total_row.values:
            top_rows = [r for r in rows if len(r.code or "") == levels[0] and col in r.values]
            verdict = compare_sum(total_row.values.get(col), [(1, r.values.get(col)) for r in top_rows],
                                  half_width=ctx.half_width, tolerance=rule.tolerance, exact_duplicate=True)
            if verdict.status == "ok":
                continue
            tops = [cell(r, col) for r in top_rows]
            total_cell = cell(total_row, col)
            finding = judge(rule, verdict, [total_cell, *tops], tid, where=total_cell.label, level="合计")
            if finding:
                out.append(finding)
    return out
