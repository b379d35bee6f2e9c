"""``cross_rows``: row-by-row comparison of two tables over their code rows (and 合计).

Parameters: ``left``, ``right`` (table ids); ``columns``: pairs ``[left column, right column]``;
``op``: ``eq`` (default), ``le`` or ``ge``; ``levels``: code lengths to compare (default all,
e.g. ``[3]`` for class rows only); ``total``: also compare the 合计 rows (default false);
``rows``: ``union`` (default: a row missing on one side counts as blank, i.e. zero) or
``common`` (only codes present in both tables).

    - {id: R14-05-le-03, type: cross_rows, left: "05", right: "03", op: le,
       columns: [[subtotal, total], [basic, basic], [project, project]], total: true}
"""

from __future__ import annotations

from decimal import Decimal

from juesuan.intervals import compare
from juesuan.report import CellRef, Finding
from juesuan.rules import RELATION_MESSAGES, register
from juesuan.rules.base import Cell, Context, Message, Rule, RuleError, judge
from juesuan.rules.compare import OPS
from juesuan.tables import TableRow

MISSING = Message("（{table}无此行）", " ({table} has no such row)")  # the ``{missing}`` field


def _rows(ctx: Context, tid: str, levels: list[int] | None, total: bool) -> dict[str, TableRow]:
    out: dict[str, TableRow] = {}
    for r in ctx.code_rows(tid):
        if levels is None or len(r.code or "") in levels:
            out.setdefault(r.code or "", r)
    if total:
        row = ctx.row(tid, "total")
        if row is not None:
            out["total"] = row
    return out


@register("cross_rows", {**RELATION_MESSAGES, "missing": MISSING})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    lt, rt = str(rule.param("left")), str(rule.param("right"))
    op = str(rule.param("op", "eq"))
    if op not in OPS:
        raise RuleError(f"op 应为 {list(OPS)} 之一 / op must be one of {list(OPS)}")
    pairs = rule.param("columns")
    if not (isinstance(pairs, list) and pairs and all(isinstance(p, list) and len(p) == 2 for p in pairs)):
        raise RuleError("columns 应为列对列表，如 [[subtotal, total]] / columns must be a list of pairs")
    for lc, rc in pairs:
        for tid, col in ((lt, str(lc)), (rt, str(rc))):
            if not ctx.has_column(tid, col):
                raise RuleError(f"公开{tid}表没有列“{col}” / table {tid} has no column '{col}'")
    levels = rule.param("levels", None)
    mode = rule.param("rows", "union")
    total = bool(rule.param("total", False))
    left, right = _rows(ctx, lt, levels, total), _rows(ctx, rt, levels, total)
    keys = [k for k in left if k in right] if mode == "common" else list(dict.fromkeys([*left, *right]))
    keys.sort(key=lambda k: (k != "total", k))
    out: list[Finding] = []
    for lc, rc in pairs:
        for key in keys:
            verdict = compare([(1, _value(left.get(key), str(lc)))], [(1, _value(right.get(key), str(rc)))], op,
                              half_width=ctx.half_width, tolerance=rule.tolerance, exact_duplicate=True)
            if verdict.status == "ok":
                continue  # the cells are named (for the message) only when there is something to say
            a = _cell(ctx, lt, left.get(key), key, str(lc))
            b = _cell(ctx, rt, right.get(key), key, str(rc))
            missing = missing_en = ""
            absent = lt if left.get(key) is None else rt if right.get(key) is None else None
            if absent is not None:
                missing = MISSING.zh.format(table=ctx.table_spec(absent).display)
                missing_en = MISSING.en.format(table=ctx.table_spec(absent).display)
            finding = judge(rule, verdict, [a, b], lt if a.ref else rt, where=a.label, op=OPS[op],
                            other=b.label, missing=missing, en={"missing": missing_en})
            if finding:
                out.append(finding)
    return out


def _value(row: TableRow | None, col: str) -> Decimal | None:
    return None if row is None else row.values.get(col)


def _cell(ctx: Context, tid: str, row: TableRow | None, key: str, col: str) -> Cell:
    if row is None:
        return Cell(None, None, tid, key, col, ctx.describe(tid, None, key, col))
    address = row.cells.get(col)
    return Cell(row.values.get(col), CellRef(ctx.sheet(tid), address) if address else None, tid, key, col,
                ctx.describe(tid, row, key, col))
