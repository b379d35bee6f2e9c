"""``readable``: every figure of the tables is a number and every code is digits.

Parameters: ``tables`` (default: all). Reports what :func:`juesuan.reading.read_table` could
not read (text in an amount cell, a malformed code) at its cell, and — as a warning — a
figure with more decimals than the format prints (1.234 in a table of 0.01 万元): its cell
shows a rounded number the checks cannot see. Binary floating-point noise (1.2300000000001
from a formula) is not reported.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Rule, plain

REASONS = {"not-a-number": "{sheet}!{cell} 的“{value}”不是数字",
           "formula-error": "{sheet}!{cell} 的公式的计算结果为错误值 {value}，请修正公式后重新计算",
           "error-value": "{sheet}!{cell} 单元格的值为错误值 {value}（没有公式：粘贴或录入的值），请改为正确的数据",
           "formula-no-value": "{sheet}!{cell} 的公式没有缓存的计算结果，请在 Excel 中重新计算并保存",
           "bad-code": "{sheet}!{cell} 的编码“{value}”格式不正确"}


@register("readable")
def check(rule: Rule, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for tid in [str(t) for t in rule.param("tables", None) or [t.id for t in ctx.spec.tables]]:
        ctx.table(tid)
        for p in ctx.read_problems.get(tid, []):
            template = REASONS.get(p.reason, "{sheet}!{cell}：{value}")
            out.append(plain(rule, [CellRef(p.sheet, p.cell)], tid, template, sheet=p.sheet, cell=p.cell,
                             value=p.value))
        out += _over_precise(rule, ctx, tid)
    return out


NOISE = Decimal("1e-9")
OVER_PRECISE = "{sheet}!{cell} 的金额 {value} 超过 {decimals} 位小数（表中显示为 {shown}），请按 {decimals} 位小数填列"


def _over_precise(rule: Rule, ctx: Context, tid: str) -> list[Finding]:
    decimals = ctx.spec.decimals
    step = Decimal(1).scaleb(-decimals)
    sheet = ctx.table_spec(tid).sheet
    out = []
    for row in ctx.table(tid).rows():
        for col, value in row.values.items():
            if value is None or not value.is_finite():
                continue
            shown = value.quantize(step, rounding=ROUND_HALF_UP)
            if abs(value - shown) > NOISE:
                cell = row.cells.get(col, "")
                out.append(plain(rule, [CellRef(sheet, cell)], tid, OVER_PRECISE, severity="warning", sheet=sheet,
                                 cell=cell, value=value, decimals=decimals, shown=shown))
    return out
