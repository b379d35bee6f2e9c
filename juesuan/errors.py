"""The error catalogue: every problem the tool reports about its input, with a code and
message templates in Chinese and English (frictionless-style: code + template + params).

A :class:`Problem` says where (sheet, cell) and what; :class:`InputError` carries one or
more problems out of the engine to a front end, which decides how to show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorKind:
    code: str
    zh: str
    en: str


_KINDS = [
    ErrorKind("file-missing", "找不到文件：{path}", "File not found: {path}"),
    ErrorKind("file-not-xlsx", "不是有效的 Excel 工作簿（.xlsx）：{path}（{reason}）",
              "Not a valid Excel workbook (.xlsx): {path} ({reason})"),
    ErrorKind("file-encrypted", "工作簿已加密或设置了打开密码，无法读取：{path}",
              "The workbook is encrypted or password-protected: {path}"),
    ErrorKind("file-corrupt", "工作簿已损坏，无法读取：{path}（{reason}）", "The workbook is corrupt: {path} ({reason})"),
    ErrorKind("sheet-missing", "缺少工作表“{sheet}”（可能被删除或改名）",
              "Sheet '{sheet}' is missing (deleted or renamed?)"),
    ErrorKind("template-version", "工作簿的模板格式为“{found}”，与所用规范“{expected}”不一致",
              "The workbook's template format is '{found}', not '{expected}'"),
    ErrorKind("not-a-template", "工作簿不是决算公开模板（缺少“基本信息”中的模板格式）",
              "The workbook is not a 决算 template (no template format on the info sheet)"),
    ErrorKind("bad-code", "编码“{value}”格式不正确：{expected}", "Malformed code '{value}': {expected}"),
    ErrorKind("unknown-choice", "“{value}”不是有效的{field}，可选：{choices}",
              "'{value}' is not a valid {field}; allowed: {choices}"),
    ErrorKind("not-a-number", "金额“{value}”不是数字", "Amount '{value}' is not a number"),
    ErrorKind("formula-no-value", "公式单元格没有缓存的计算结果，请在 Excel 中重新计算并保存",
              "Formula cell has no cached value: recalculate and save in Excel"),
    ErrorKind("required", "“{field}”不能为空", "'{field}' is required"),
    ErrorKind("header-mismatch", "表头应为“{expected}”，实际为“{found}”", "Header should be '{expected}', found '{found}'"),
    ErrorKind("fiscal-kind", "财政拨款资金（{fund}）只能用于{kinds}，而此行为“{kind}”",
              "Fiscal funds ({fund}) may only pay {kinds}, not '{kind}'"),
    ErrorKind("fund-needs-code", "{fund}的年初结转和结余须填写功能分类科目编码（公开表按科目列示）",
              "An opening balance of {fund} needs a functional code (its table lists it by code)"),
    ErrorKind("no-table-row", "{table}表没有“{what}”对应的行（{code}）", "Table {table} has no row for {what} ({code})"),
    ErrorKind("too-many-rows", "{table}表最多容纳 {capacity} 个类级科目，实际有 {count} 个",
              "Table {table} holds at most {capacity} classes, found {count}"),
    ErrorKind("unknown-code", "编码“{code}”不在 {year} 年科目表中，使用明细表填写的名称“{name}”",
              "Code '{code}' is not in the {year} code list; using the typed name '{name}'"),
    ErrorKind("info-missing", "“{field}”未填写，公开表表头将缺少此项", "'{field}' is empty; the tables' headers will lack it"),
    ErrorKind("spec-invalid", "模板规范有误：{where}：{reason}", "Invalid template spec: {where}: {reason}"),
    ErrorKind("output-write", "无法写入输出文件 {path}：{reason}", "Cannot write output file {path}: {reason}"),
    # import of published figures (juesuan import)
    ErrorKind("import-header", "CSV 表头应为 table,row,column,value，实为“{found}”",
              "The CSV header must be table,row,column,value, found '{found}'"),
    ErrorKind("import-table", "第 {line} 行：未知的表“{table}”（可用：{choices}）",
              "Line {line}: unknown table '{table}' (valid: {choices})"),
    ErrorKind("import-row", "第 {line} 行：{table}没有行“{row}”{hint}", "Line {line}: {table} has no row '{row}'{hint}"),
    ErrorKind("import-ambiguous", "第 {line} 行：{table}中“{row}”不唯一，请写成“上级/名称”{hint}",
              "Line {line}: '{row}' is not unique in {table}; write it as parent/label{hint}"),
    ErrorKind("import-column", "第 {line} 行：{table}“{row}”行没有栏“{column}”{hint}",
              "Line {line}: {table}, row '{row}' has no column '{column}'{hint}"),
    ErrorKind("import-value", "第 {line} 行：金额“{value}”不是数字", "Line {line}: amount '{value}' is not a number"),
    ErrorKind("import-duplicate", "第 {line} 行：{table}“{row}”行“{column}”栏重复（已见于第 {first} 行）",
              "Line {line}: {table}, row '{row}', column '{column}' given twice (first on line {first})"),
]
CATALOGUE: dict[str, ErrorKind] = {kind.code: kind for kind in _KINDS}


@dataclass
class Problem:
    """One reportable problem: catalogue code, parameters and location."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    cell: str | None = None
    severity: str = "error"

    def _render(self, template: str) -> str:
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    @property
    def message_zh(self) -> str:
        return self._render(CATALOGUE[self.code].zh)

    @property
    def message_en(self) -> str:
        return self._render(CATALOGUE[self.code].en)

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    def __str__(self) -> str:
        prefix = f"[{self.where}] " if self.where else ""
        return f"{prefix}{self.message_zh} / {self.message_en}"


class InputError(Exception):
    """Input the engine cannot use; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def fail(code: str, sheet: str | None = None, cell: str | None = None, **params: Any) -> InputError:
    return InputError([Problem(code, params, sheet, cell)])
