"""决算助手工作表函数 (xlwings UDFs): ``JS_SUMCODE``, ``JS_ROLLUP``, ``JS_NAME``, ``JS_WAN``,
``JS_PCT``, ``JS_SHARES``, ``JS_CONSISTENT``, ``JS_RATE``, ``JS_SCORE``, ``JS_GRADE``.

A thin layer: each function only declares its Excel interface (Chinese docstring and
argument help shown by Excel's function wizard) and calls :mod:`juesuan.udf_logic`
through :func:`~juesuan.udf_logic.excel_call`, which returns numbers as floats (Excel
cells are doubles; the sums themselves are exact ``Decimal``) and any failure as a
readable ``#…`` string. Off Windows the xlwings decorators are no-ops, so these are plain
functions (the tests call them directly).

Parameters are annotated ``Any`` on purpose: on Windows xlwings turns type hints into
converters, and only ``Any``/``str``/``float``/``int``/``list`` map to its default one.
Ranges whose shape matters are read with ``ndim=2`` so that a column stays a column.
Dynamic-array results (``JS_ROLLUP``, ``JS_SHARES``, ranged arguments) spill in Excel
365/2021; in older Excel enter them as array formulas over a selected range.

The add-in carries VBA wrappers generated from this file at build time
(``juesuan.excel.udf_vba``: names, parameters, defaults → ``Optional``, ``category``,
``volatile``, ``xw.arg`` docs, :data:`ARRAY_RESULTS`), so no ``ImportPythonUDFs`` is needed;
its settings sheet names this module under ``UDF Modules``. This file is a top-level module
(``udfs/`` is not a package). None of the functions is volatile: each depends only on its
arguments (and the template spec files, and the 模板格式 of its workbook).

The template format: ``JS_ROLLUP``, ``JS_NAME``, ``JS_SCORE`` and ``JS_GRADE`` take it as
their last Excel argument; left blank, they use the format of the workbook the formula is
in (its 基本信息 sheet), and outside a 决算 workbook the newest format installed
(:func:`juesuan.udf_logic.template_format`). They learn their workbook through xlwings'
reserved parameter ``caller`` (the calling range; not an Excel argument, None in a plain
Python call), wrapped by :func:`juesuan.excel.udf_caller.calling_book`.
"""

from __future__ import annotations

from typing import Any

import xlwings as xw

from juesuan import udf_logic as logic
from juesuan.excel.udf_caller import calling_book

CATEGORY = "决算助手"
#: Functions whose result is always a range (the others return a range only for ranged arguments).
ARRAY_RESULTS = ("JS_ROLLUP", "JS_SHARES")
FORMAT_DOC = "可选：模板格式（如 2019、2020）；空白时用本工作簿“基本信息”表的模板格式，非决算工作簿用最新格式"


@xw.func(category=CATEGORY)
@xw.arg("codes", doc="科目编码区域（功能分类或经济分类，可为数字或文本，如 2150510）")
@xw.arg("amounts", doc="金额区域，与编码区域行数相同；结果单位与此相同")
@xw.arg("prefix", ndim=2, doc="类/款/项编码前缀（3、5 或 7 位）；空白或“合计”表示全部；可为区域")
@xw.arg("criteria1", doc="可选：条件区域1（如 支出类别 列）")
@xw.arg("value1", doc="可选：条件值1（如 基本支出）")
@xw.arg("criteria2", doc="可选：条件区域2（如 资金来源 列）")
@xw.arg("value2", doc="可选：条件值2")
def JS_SUMCODE(codes: Any, amounts: Any, prefix: Any, criteria1: Any = None, value1: Any = None,
               criteria2: Any = None, value2: Any = None) -> Any:
    """按科目编码前缀（类/款/项）汇总金额，可附加最多两个条件（如 支出类别=基本支出）。精确求和，单位与金额区域相同。"""
    return logic.excel_call(logic.sum_by_code, codes, amounts, prefix, criteria1, value1, criteria2, value2)


@xw.func(category=CATEGORY)
@xw.arg("codes", doc="科目编码区域（项级明细，如 2150510）")
@xw.arg("amounts", doc="金额区域，与编码区域行数相同")
@xw.arg("fmt", doc=FORMAT_DOC)
def JS_ROLLUP(codes: Any, amounts: Any, fmt: Any = None, caller: Any = None) -> Any:
    """把明细按类/款/项逐级汇总，返回动态数组：编码、科目名称（模板科目表；格式默认为本工作簿的模板格式，非决算工作簿为最新格式）、金额；第一行为合计，其余按编码排序。"""
    return logic.excel_call(logic.rollup, codes, amounts, fmt, calling_book(caller))


@xw.func(category=CATEGORY)
@xw.arg("code", ndim=2, doc="科目编码（功能分类 3/5/7 位或经济分类 3/5 位），可为区域")
@xw.arg("fmt", doc=FORMAT_DOC)
def JS_NAME(code: Any, fmt: Any = None, caller: Any = None) -> Any:
    """返回科目编码在模板科目表中的名称（格式默认为本工作簿的模板格式，非决算工作簿为最新格式）；未收录的编码返回 #未收录。"""
    return logic.excel_call(logic.elementwise, logic.code_name, code, fmt, calling_book(caller))


@xw.func(category=CATEGORY)
@xw.arg("yuan", ndim=2, doc="以元为单位的金额，可为区域")
def JS_WAN(yuan: Any) -> Any:
    """元转换为万元，四舍五入（half-up）保留两位小数。"""
    return logic.excel_call(logic.elementwise, logic.to_wan, yuan)


@xw.func(category=CATEGORY)
@xw.arg("part", ndim=2, doc="部分（分子），可为区域")
@xw.arg("base", ndim=2, doc="基数（分母），如 本年支出合计；为 0 时返回 #无基数")
@xw.arg("digits", doc="保留小数位数，默认 2")
def JS_PCT(part: Any, base: Any, digits: Any = 2) -> Any:
    """百分比 = 部分 ÷ 基数 × 100，四舍五入到指定小数位（返回 53.27 表示 53.27%）。"""
    return logic.excel_call(logic.elementwise, logic.percent, part, base, digits)


@xw.func(category=CATEGORY)
@xw.arg("values", ndim=2, doc="各组成部分的金额（一行或一列），不能为负")
@xw.arg("digits", doc="保留小数位数，默认 2")
def JS_SHARES(values: Any, digits: Any = 2) -> Any:
    """各部分占比（%），用最大余数法调整，使各占比之和恰好为 100；返回与输入形状相同的区域。"""
    return logic.excel_call(logic.shares, values, digits)


@xw.func(category=CATEGORY)
@xw.arg("total", doc="合计数（单个单元格）")
@xw.arg("items", doc="组成合计的各项（区域），空白视为 0")
def JS_CONSISTENT(total: Any, items: Any) -> Any:
    """检查合计是否等于各项之和：一致返回 ✓；差异可由四舍五入解释返回“≈ 舍入差 0.01”；否则返回“✗ 差 X”（X = 合计 − 各项之和）。"""
    return logic.excel_call(logic.consistency, total, items)


@xw.func(category=CATEGORY)
@xw.arg("A", ndim=2, doc="全年预算数(A)")
@xw.arg("B", ndim=2, doc="全年执行数(B)")
def JS_RATE(A: Any, B: Any) -> Any:
    """执行率 = B ÷ A × 100，四舍五入保留两位小数（返回 91.2 表示 91.20%）；A 为 0 时返回 #无预算数。"""
    return logic.excel_call(logic.elementwise, logic.rate, A, B)


@xw.func(category=CATEGORY)
@xw.arg("A", ndim=2, doc="年度指标值(A)（预算块为全年预算数）")
@xw.arg("B", ndim=2, doc="实际完成值(B)（预算块为全年执行数）")
@xw.arg("weight", ndim=2, doc="分值")
@xw.arg("direction", ndim=2, doc="指标方向：≥（正向）、≤（反向），或“预算”（预算执行得分）")
@xw.arg("fmt", doc=FORMAT_DOC)
def JS_SCORE(A: Any, B: Any, weight: Any, direction: Any, fmt: Any = None, caller: Any = None) -> Any:
    """绩效自评得分（与“填充”同一算法）：正向 = 分值 × min(B/A, 1)，反向 = 分值 × min(A/B, 1)，预算 = 分值 × min(B/A, 1)（A 为 0 时按模板规定；格式默认为本工作簿的模板格式，非决算工作簿为最新格式），四舍五入保留两位小数。"""
    return logic.excel_call(logic.elementwise, logic.score, A, B, weight, direction, fmt, calling_book(caller))


@xw.func(category=CATEGORY)
@xw.arg("score", ndim=2, doc="自评总分")
@xw.arg("fmt", doc=FORMAT_DOC)
def JS_GRADE(score: Any, fmt: Any = None, caller: Any = None) -> Any:
    """自评等级：先四舍五入到两位小数，再按模板格式规定的分数线判定（如 优 ≥90、良 ≥80、中 ≥60、差）；格式默认为本工作簿的模板格式，非决算工作簿为最新格式。"""
    return logic.excel_call(logic.elementwise, logic.grade, score, fmt, calling_book(caller))
