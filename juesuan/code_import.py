"""Import of a finance bureau's code table (科目表) into a code-list file a bureau ships with
its spec (the ``codes-<format>.yaml`` format: ``functional:`` and ``economic:`` mappings,
code → name, with ``source:``).

The table is a grid (an .xlsx sheet or a CSV): the header row is found by its 科目编码 and
科目名称 cells (also 编码/代码, 名称), anywhere in the first rows; an optional 分类 column says
功能分类 or 经济分类, else the scheme is the code's first digit (2… 支出功能分类, 3… 经济分类).
类/款/项 follow from the length (功能 3/5/7, 经济 3/5). Reported, with their cells: bad
codes, codes listed twice (an error when the names differ), a 款/项 whose parent is
nowhere, and names that differ from the shipped list (the bureau's name is kept).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from juesuan.code_names import scheme_of
from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, BadCode, normalise_code, parent
from juesuan.errors import Problem
from juesuan.port import Grid, a1, cell_at
from juesuan.records import record
from juesuan.spec.model import TemplateSpec

CODE_HEADERS = ("科目编码", "科目代码", "编码", "代码", "功能分类科目编码", "经济分类科目编码", "code")
NAME_HEADERS = ("科目名称", "名称", "name")
SCHEME_HEADERS = ("分类", "科目分类", "类型", "scheme")
HEADER_SCAN = 30


@record
class CodeImport:
    """Codes and names read from a bureau's code list (科目表), with the problems found."""

    codes: dict[str, dict[str, str]] = field(default_factory=lambda: {"functional": {}, "economic": {}})
    problems: list[Problem] = field(default_factory=list)
    header_row: int | None = None  # 0-based

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def count(self, scheme: str, length: int) -> int:
        return sum(1 for c in self.codes[scheme] if len(c) == length)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(str(value).split())


def find_header(grid: Grid) -> tuple[int, int, int, int | None] | None:
    """(row, code column, name column, scheme column or None) of the header row."""
    for r in range(min(len(grid), HEADER_SCAN)):
        row = [_text(v) for v in grid[r]]
        code = next((c for c, v in enumerate(row) if v in CODE_HEADERS), None)
        name = next((c for c, v in enumerate(row) if v in NAME_HEADERS), None)
        if code is not None and name is not None:
            scheme = next((c for c, v in enumerate(row) if v in SCHEME_HEADERS), None)
            return r, code, name, scheme
    return None


def import_codes(grid: Grid, spec: TemplateSpec | None, sheet: str, scheme: str | None = None) -> CodeImport:
    """Read ``grid`` (named ``sheet`` in messages) into code lists; ``scheme`` forces one."""
    result = CodeImport()
    header = find_header(grid)
    if header is None:
        result.problems.append(Problem("codes-no-header", {"headers": "科目编码、科目名称"}, sheet, None))
        return result
    hr, cc, nc, sc = header
    result.header_row = hr
    where: dict[tuple[str, str], str] = {}
    for r in range(hr + 1, len(grid)):
        raw_code, raw_name = cell_at(grid, r, cc), cell_at(grid, r, nc)
        name = str(raw_name).strip() if raw_name is not None else ""
        if _text(raw_code) == "" and not name:
            continue
        try:
            code = normalise_code(raw_code)
        except BadCode:
            code = None
        chosen = scheme or (scheme_of(cell_at(grid, r, sc)) if sc is not None and _text(cell_at(grid, r, sc)) else None)
        if code is not None and chosen is None:
            chosen = "functional" if code.startswith("2") else "economic" if code.startswith("3") else None
        levels = FUNC_LEVELS if chosen == "functional" else ECON_LEVELS
        if code is None or chosen is None or len(code) not in levels:
            result.problems.append(Problem("codes-bad-code", {"value": _text(raw_code)}, sheet, a1(r, cc)))
            continue
        if not name:
            result.problems.append(Problem("required", {"field": "科目名称"}, sheet, a1(r, nc)))
            continue
        table = result.codes[chosen]
        if code in table:
            first = where[(chosen, code)]
            same = table[code] == name
            result.problems.append(Problem("codes-duplicate", {"code": code, "first": first, "name": name,
                                                               "first_name": table[code]}, sheet, a1(r, cc),
                                           severity="warning" if same else "error"))
            continue
        table[code] = name
        where[(chosen, code)] = a1(r, cc)
    for scheme_key, table in result.codes.items():
        shipped = spec.codes.scheme(scheme_key) if spec is not None else {}
        levels = FUNC_LEVELS if scheme_key == "functional" else ECON_LEVELS
        for code, name in table.items():
            up = parent(code, levels)
            if up is not None and up not in table and up not in shipped:
                result.problems.append(Problem("codes-orphan", {"code": code, "parent": up}, sheet,
                                               where[(scheme_key, code)], severity="warning"))
            known = shipped.get(code)
            if known and "".join(known.split()) != "".join(name.split()):
                result.problems.append(Problem("codes-conflict", {"code": code, "name": name, "shipped": known,
                                                                  "format": spec.format if spec else ""},
                                               sheet, where[(scheme_key, code)], severity="warning"))
    return result


def merged(result: CodeImport, spec: TemplateSpec | None, merge: bool) -> dict[str, dict[str, str]]:
    """The lists to write: the imported codes, over the shipped list when ``merge`` (or when the
    table holds no code of a scheme, since a code-list file needs both)."""
    out = {}
    for scheme_key in ("functional", "economic"):
        shipped = dict(spec.codes.scheme(scheme_key)) if spec is not None else {}
        table = result.codes[scheme_key]
        out[scheme_key] = dict(sorted({**shipped, **table}.items() if merge or not table else table.items()))
    return out


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_yaml(lists: dict[str, dict[str, str]], source: dict[str, str], fmt: str) -> str:
    """The code-list file (the same layout as ``workbooks/codes-<format>.yaml``)."""
    lines = ["# 政府收支分类科目，由 juesuan codes import 生成 / generated by juesuan codes import",
             f"format: {_q(fmt)}", "source:"]
    lines += [f"  {k}: {_q(v)}" for k, v in source.items()]
    for scheme_key in ("functional", "economic"):
        lines.append(f"{scheme_key}:")
        lines += [f"  {_q(code)}: {_q(name)}" for code, name in lists[scheme_key].items()]
    return "\n".join(lines) + "\n"
