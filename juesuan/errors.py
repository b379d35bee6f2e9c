"""The error catalogue: every problem the tool reports about its input, with a code and
message templates in Chinese and English (frictionless-style: code + template + params).

A :class:`Problem` says where (sheet, cell) and what; :class:`InputError` carries one or
more problems out of the engine to a front end, which decides how to show them.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from juesuan.records import record


@record(frozen=True)
class ErrorKind:
    """A kind of input error: its code and its message template in Chinese and English."""

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
    ErrorKind("text-encoding", "无法读取文本文件：{path}（既不是 UTF-8 也不是 GB18030 编码的文本；CSV 请另存为“CSV UTF-8”）",
              "Cannot read the text file {path}: it is neither UTF-8 nor GB18030 text (save a CSV as “CSV UTF-8”)"),
    ErrorKind("text-nothing", "{path} 中没有可核对的金额或百分比（不是部门决算说明？）",
              "{path} holds no amount or percentage to check (not a narrative?)"),
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
    # code names and the department's own data (juesuan.code_names, juesuan.sanity)
    ErrorKind("code-no-name", "{scheme}编码 {code}（{level}）在 {format} 年格式的科目表、“科目表”工作表和明细表“科目名称”中都没有名称"
              "（共 {count} 行使用，此为第一处）：请在“科目表”中补充，或在科目名称中填写“类/款/项”名称",
              "{scheme} code {code} has no name in the {format} code list, the 科目表 sheet or the typed names "
              "({count} lines; first shown): add it to 科目表 or type the name"),
    ErrorKind("unknown-class", "功能分类类级科目 {code} 不是 {format} 年格式的类级科目（公开表只有这 {classes} 个类的行；"
              "共 {count} 行使用，此为第一处），请核对编码",
              "Function class {code} is not a class of the {format} format (its tables have lines for {classes} "
              "classes only; {count} lines, first shown): check the code"),
    ErrorKind("own-name-conflict", "科目表中编码 {code} 的名称“{name}”与 {format} 年科目表的“{shipped}”不同，公开表使用后者",
              "The 科目表 name '{name}' of {code} differs from the {format} list's '{shipped}'; the list's is published"),
    ErrorKind("typed-name-conflict", "{scheme}编码 {code} 在明细表中的名称“{name}”与 {format} 年科目表的“{shipped}”不同，"
              "公开表使用后者（请核对编码）",
              "The name '{name}' typed for {scheme} code {code} on the detail sheets differs from the {format} "
              "list's '{shipped}'; the list's is published (check the code)"),
    ErrorKind("own-name-twice", "科目表中编码 {code} 已有名称“{first}”，此行又为“{name}”",
              "Code {code} is already named '{first}' on 科目表; this row says '{name}'"),
    ErrorKind("info-required", "“{field}”未填写：公开表的表头和说明需要它", "'{field}' is required: the tables and the narrative need it"),
    ErrorKind("year-format", "年度“{year}”不适用于 {format} 年格式的模板（适用年度：{years}）",
              "Year '{year}' does not fit the {format} format (years {years})"),
    ErrorKind("year-format-option", "年度“{year}”不适用于 {format} 年格式的模板（适用年度：{years}），请加 --format {other}",
              "Year '{year}' does not fit the {format} format (years {years}): add --format {other}"),
    # juesuan codes import (a bureau's code table)
    ErrorKind("codes-no-header", "找不到表头行（应含 {headers} 两列）", "No header row found (it needs columns {headers})"),
    ErrorKind("codes-bad-code", "编码“{value}”不是科目编码（功能分类 3/5/7 位、经济分类 3/5 位数字）",
              "'{value}' is not a code (functional 3/5/7 digits, economic 3/5 digits)"),
    ErrorKind("codes-duplicate", "编码 {code} 重复（首见于 {first}“{first_name}”，此处为“{name}”）",
              "Code {code} listed twice (first at {first} '{first_name}', here '{name}')"),
    ErrorKind("codes-conflict", "编码 {code} 的名称“{name}”与 {format} 年内置科目表的“{shipped}”不同（采用导入的名称）",
              "Code {code} is named '{name}'; the shipped {format} list says '{shipped}' (the imported name is kept)"),
    ErrorKind("codes-orphan", "编码 {code} 的上级科目 {parent} 既不在导入表中也不在内置科目表中",
              "The parent {parent} of code {code} is neither in the table nor in the shipped list"),
    ErrorKind("ledger-scale", "{what}合计仅 {total} 元（公开表约 {wan} 万元）：明细表金额应以元填写；若按万元录入，公开表将小一万倍",
              "The {what_en} add up to only {total} yuan ({wan} 万元 in the tables): the detail sheets take amounts "
              "in yuan; typed in 万元, every published figure would be 10,000 times too small"),
    ErrorKind("ledger-negative", "功能分类 {code} 的支出合计为负数 {total} 元（退款多于支出？），公开表将列示负数",
              "The expenditure of 功能分类 {code} adds up to a negative {total} yuan (refunds above spending?): "
              "the tables will print a negative figure"),
    ErrorKind("ledger-empty", "明细表（{sheets}）没有任何数据行", "The detail sheets ({sheets}) hold no data rows"),
    ErrorKind("tables-empty", "公开表没有任何数字（尚未填充？）：请先运行 juesuan fill，再导出说明",
              "The tables hold no figures (not filled yet?): run juesuan fill first, then export the narrative"),
    ErrorKind("format-unknown", "未知的模板格式 {format}；可用格式：{known}{hint}",
              "Unknown template format {format}; known formats: {known_en}{hint_en}"),
    ErrorKind("spec-invalid", "模板规范有误：{where}：{reason}", "Invalid template spec: {where}: {reason}"),
    ErrorKind("output-write", "无法写入输出文件 {path}：{reason}", "Cannot write output file {path}: {reason}"),
    # files and faults (nothing lost, nothing executed)
    ErrorKind("output-exists", "输出文件已存在：{path}；如确需覆盖，请加 --force",
              "The output file already exists: {path}; add --force to overwrite it"),
    ErrorKind("output-is-folder", "输出路径是一个文件夹：{path}", "The output path is a folder: {path}"),
    ErrorKind("output-type", "输出文件 {path} 的扩展名应为 {expected}（{reason}）",
              "The output file {path} must end in {expected} ({reason})"),
    ErrorKind("output-over-workbook", "{path} 是一个 Excel 工作簿，不能用 {what} 覆盖它（即使加 --force）",
              "{path} is an Excel workbook: it is never overwritten with {what} (not even with --force)"),
    ErrorKind("file-read-only", "文件为只读，不能修改：{path}（可用 -o 另存）",
              "The file is read-only: {path} (use -o to write elsewhere)"),
    ErrorKind("file-locked", "工作簿正被其他程序打开（发现锁文件 {lock}），请先在 Excel/WPS/LibreOffice 中关闭它",
              "The workbook is open in another program (lock file {lock}); close it in Excel/WPS/LibreOffice first"),
    ErrorKind("backup-write", "无法写入备份文件 {path}：{reason}；原文件未改动",
              "Cannot write the backup {path}: {reason}; the original is unchanged"),
    ErrorKind("unsafe-part", "工作簿含有不安全的部件名“{part}”，拒绝读取：{path}",
              "The workbook holds an unsafe part name '{part}'; refused: {path}"),
    ErrorKind("xml-entity", "工作簿部件 {part} 含有 DTD/实体声明，为安全起见拒绝读取：{path}",
              "The workbook part {part} declares a DTD or entities; refused for safety: {path}"),
    ErrorKind("file-too-large", "工作簿过大（{what}，上限 {limit}），拒绝读取：{path}",
              "The workbook is too large ({what}; limit {limit}); refused: {path}"),
    ErrorKind("too-many-cells", "工作簿有 {found} 个单元格，超过上限 {limit}，拒绝读取：{path}",
              "The workbook has {found} cells, over the limit of {limit}; refused: {path}"),
    ErrorKind("sheet-too-large", "工作表部件 {part} 的使用区域为 {rows} 行 × {cols} 列，超过上限 {limit} 个单元格，拒绝读取：{path}",
              "The sheet part {part} spans {rows} rows × {cols} columns, over the limit of {limit} cells; refused: {path}"),
    ErrorKind("formula-error", "公式的计算结果为错误值 {value}，请修正公式后重新计算",
              "The formula evaluates to the error {value}: correct the formula and recalculate"),
    ErrorKind("error-value", "单元格的值为错误值 {value}（没有公式：粘贴或录入的值），请改为正确的数据",
              "The cell holds the error value {value} (no formula: a pasted or typed value): enter the right data"),
    ErrorKind("formula-not-kept", "此输入单元格中的公式在“填充”重写本表时无法原样保留（{reason}），为免丢失公式，未写入任何内容："
              "请改为输入数值或调整公式后再填充",
              "The formula in this input cell can't be kept as it is when Fill rewrites the sheet ({reason}); "
              "nothing was written so as not to lose it: type its value or change the formula, then fill again"),
    ErrorKind("results-sheet-taken", "工作簿已有名为“{sheet}”的工作表（不是校验生成的），校验结果要写在这张表上：请先把它改名",
              "The workbook already has a sheet named '{sheet}' that Check did not make; Check writes its results there: rename it first"),
    ErrorKind("marks-state", "标记状态表第 {row} 行无效（{reason}），无法据此恢复单元格",
              "Row {row} of the marks state sheet is invalid ({reason}); cells cannot be restored from it"),
    # consolidation of a department's units (juesuan consolidate)
    ErrorKind("no-units", "没有找到要汇总的单位工作簿（.xlsx）", "No unit workbooks (.xlsx) to consolidate"),
    ErrorKind("unit-format", "单位工作簿的模板格式为“{found}”，与其他单位（{expected}）不一致；各单位须使用同一格式",
              "This unit's template format is '{found}', the others' '{expected}': every unit must use one format"),
    ErrorKind("unit-year", "单位工作簿的年度为“{found}”，与其他单位（{expected}）不一致",
              "This unit's year is '{found}', the others' '{expected}'"),
    ErrorKind("unit-duplicate", "单位“{name}”重复出现（亦见于 {other}）", "Unit '{name}' appears twice (also in {other})"),
    ErrorKind("unit-is-department", "这是已汇总的部门工作簿（明细分属 {units}），不能再作为单位汇总",
              "This is a consolidated department workbook (lines of {units}), not a unit"),
    ErrorKind("unit-parent", "指定的本级单位“{name}”不在所汇总的单位中（有：{known}）",
              "The parent unit '{name}' is not among the units consolidated ({known})"),
    ErrorKind("dept-needed", "无法确定部门名称：所汇总的单位中没有本级，请用 --dept 指定",
              "Cannot tell the department's name (no parent unit among the units): give --dept"),
    ErrorKind("elimination-unbalanced",
              "内部抵销不平衡（{title}，功能分类 {key}）：本级{parent_side} {parent_amount} 元［{parent_cells}］，"
              "下属单位{unit_side} {unit_amount} 元［{unit_cells}］，差额 {difference} 元",
              "Unbalanced elimination ({title}, code {key}): parent's {parent_side} {parent_amount} yuan "
              "[{parent_cells}], units' {unit_side} {unit_amount} yuan [{unit_cells}], difference {difference} yuan"),
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
    ErrorKind("import-column-blank-row", "第 {line} 行（空行名）：{table}没有栏“{column}”{hint}",
              "Line {line} (blank row label): {table} has no column '{column}'{hint}"),
    ErrorKind("import-column-ambiguous", "第 {line} 行{blank}：{table}中栏“{column}”不唯一，请连同上级栏写出{hint}",
              "Line {line}{blank_en}: column '{column}' is not unique in {table}; write its parent header too{hint}"),
    ErrorKind("import-skipped", "{table}：本格式没有以下 {count} 行/栏，其值为空或零，已略过：{items}",
              "{table}: {count} rows/columns this format lacks, blank or zero, were skipped: {items_en}"),
    ErrorKind("import-variant", "未知的绩效自评表样式“{variant}”（可选：{known}）",
              "Unknown self-evaluation layout '{variant}' (known: {known})"),
    ErrorKind("import-duplicate", "第 {line} 行：{table}“{row}”行“{column}”栏重复（已见于第 {first} 行）",
              "Line {line}: {table}, row '{row}', column '{column}' given twice (first on line {first})"),
]
CATALOGUE: dict[str, ErrorKind] = {kind.code: kind for kind in _KINDS}


@record
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


def error_value_code(value: Any) -> str:
    """The catalogue code of an error value read from a cell (a :class:`juesuan.port.CellError`):
    ``formula-error`` when a formula calculated it, ``error-value`` when the cell holds it
    without a formula (pasted as a value or typed)."""
    return "formula-error" if getattr(value, "formula", True) else "error-value"


def fail(code: str, sheet: str | None = None, cell: str | None = None, **params: Any) -> InputError:
    return InputError([Problem(code, params, sheet, cell)])
