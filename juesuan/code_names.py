"""Where every published 科目名称 comes from, and the codes that would be published without one.

A code's name is taken, in this order, from the format's shipped code list
(``workbooks/codes-<format>.yaml``), from the department's own 科目表 sheet (code, name;
additions the bureau's list lacks), and from the 科目名称 typed on the detail sheets. A typed
name may name every level at once, ``教育支出/普通教育/小学教育`` (类/款/项, also with ``／``,
``>`` or ``|``), or the 项 alone; a code cell that carries its name (``[2080505]机关…``,
``30201 办公费``) names its code the same way, 功能分类 and 经济分类 alike.

:func:`name_problems` lists the codes that no source names — an input problem located at the
first detail cell that uses the code, not a blank published row — and every 类 the format has
no class line for (a typo, or a class of another year's list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from juesuan.codes import ECON_LEVELS, FUNC_LEVELS, ancestors
from juesuan.errors import Problem
from juesuan.lazy_re import lazy
from juesuan.port import a1
from juesuan.spec.model import TemplateSpec

SCHEMES = ("functional", "economic")
SCHEME_LABELS = {"功能分类": "functional", "支出功能分类": "functional", "功能": "functional",
                 "经济分类": "economic", "支出经济分类": "economic", "部门预算支出经济分类": "economic",
                 "经济": "economic", "functional": "functional", "economic": "economic"}
_PATH = lazy(r"\s*(?:/|／|>|＞|\||｜|→)\s*")


def split_path(text: str) -> list[str]:
    """``教育支出/普通教育/小学教育`` → the three names; a plain name → itself."""
    return [p for p in _PATH.split(text.strip()) if p]


def typed_path(code: str, name: str) -> list[tuple[str, str]]:
    """(code, name) pairs a typed 科目名称 gives for ``code`` and its ancestors, lowest level last."""
    parts = split_path(name)
    chain = ancestors(code, FUNC_LEVELS)
    if not parts or not chain:
        return []
    return list(zip(chain[-len(parts):], parts[-len(chain):], strict=False))


def scheme_of(label: object) -> str | None:
    """The 分类 column of the 科目表 sheet: 功能分类 / 经济分类 (or the scheme's key)."""
    return SCHEME_LABELS.get("".join(str(label or "").split()))


def _levels(scheme: str) -> tuple[int, ...]:
    return FUNC_LEVELS if scheme == "functional" else ECON_LEVELS


def resolve(spec: TemplateSpec, scheme: str, code: str, own: dict[str, dict[str, str]],
            typed: dict[str, str]) -> str:
    """The name a code is published with ('' when no source names it)."""
    name = spec.codes.scheme(scheme).get(code)
    if name:
        return name
    name = own.get(scheme, {}).get(code)
    if name:
        return name
    return typed.get(code, "")  # typed names of both schemes: 功能分类 codes start with 2, 经济分类 ones with 3


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


def own_name_conflicts(spec: TemplateSpec, own_cells: dict[tuple[str, str], tuple[str, str, str]]) -> list[Problem]:
    """科目表 rows whose name differs from the shipped list's (the list's name is published)."""
    out = []
    for (scheme, code), (name, sheet, cell) in sorted(own_cells.items()):
        shipped = spec.codes.scheme(scheme).get(code)
        if shipped and _norm(shipped) != _norm(name):
            out.append(Problem("own-name-conflict", {"code": code, "name": name, "shipped": shipped,
                                                     "format": spec.format}, sheet, cell, severity="warning"))
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


def _norm(text: str) -> str:
    return "".join(str(text).split()).replace("(", "（").replace(")", "）")


def _level_name(scheme: str, code: str) -> str:
    names = {3: "类", 5: "款", 7: "项"}
    return names.get(len(code), "")
