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

from collections.abc import Iterable
from typing import Any

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


Chunk = Any  # a list of ledger lines, or a sheet kept as columns (:class:`juesuan.ledger.LineColumns`)


def _code_cells(spec: TemplateSpec, lines: Iterable) -> dict[tuple[str, str], tuple[str, str, int]]:
    """(scheme, code) → (sheet, A1 of the code cell, number of lines), every level included."""
    return _cells_of(spec, [_first_uses(lines)])


def _cells_of(spec: TemplateSpec, parts: list[dict[tuple[str, str], list]]) -> dict[tuple[str, str], tuple[str, str, int]]:
    """:func:`_code_cells` from the first uses of consecutive parts of the lines (:func:`_first_uses`)."""
    columns: dict[tuple[str, str], int] = {}
    for s in spec.inputs:
        for c, col in enumerate(s.columns):
            if col.type == "func_code":
                columns[(s.sheet, "functional")] = c
            elif col.type == "econ_code":
                columns[(s.sheet, "economic")] = c
    # each distinct code once (its first line and its number of lines), in order of first use,
    # so that a node's first cell is that of the first line under it
    first: dict[tuple[str, str], list] = {}
    for part in parts:
        for key, (sheet, row, n) in part.items():
            seen = first.get(key)
            if seen is None:
                first[key] = [sheet, row, n]
            else:
                seen[2] += n
    out: dict[tuple[str, str], tuple[str, str, int]] = {}
    for (scheme, code), (sheet, row, n) in first.items():
        for node in ancestors(code, _levels(scheme)):
            key = (scheme, node)
            seen = out.get(key)
            if seen is None:
                out[key] = (sheet, a1(row - 1, columns.get((sheet, scheme), 0)), n)
            else:
                out[key] = (seen[0], seen[1], seen[2] + n)
    return out


def _first_uses(lines: Iterable) -> dict[tuple[str, str], list]:
    """(scheme, code) → [sheet, row, number of lines] of the codes ``lines`` use, in order of first use."""
    first: dict[tuple[str, str], list] = {}
    for line in lines:
        for key in (("functional", line.func), ("economic", line.econ)):
            if not key[1]:
                continue
            seen = first.get(key)
            if seen is None:
                first[key] = [line.sheet, line.row, 1]
            else:
                seen[2] += 1
    return first


def _first_uses_columns(chunk: Any, picked: Any = None) -> dict[tuple[str, str], list]:
    """:func:`_first_uses` of a sheet kept as columns (of its lines ``picked``, a boolean
    array, when given): per distinct code, its first line and its count, on numpy arrays."""
    import numpy as np

    first: list[tuple[int, tuple[str, str], list]] = []
    rows = chunk.rows
    for scheme, key in (("functional", "func"), ("economic", "econ")):
        distinct, ids = chunk.codes(key)
        at = None
        if picked is not None:
            at = np.flatnonzero(picked)
            ids = ids[at]
        found, where, counts = np.unique(ids, return_index=True, return_counts=True)
        for code_id, index, n in zip(found.tolist(), where.tolist(), counts.tolist(), strict=True):
            code = distinct[code_id]
            if code:
                line = int(at[index]) if at is not None else index
                first.append((index, (scheme, code), [chunk.sheet, rows[line], n]))
    first.sort(key=lambda f: f[0])  # in order of first use (each scheme's codes apart: they never meet)
    return {key: found for _index, key, found in first}


def _chunk_uses(chunk: Chunk, picked: Any = None) -> dict[tuple[str, str], list]:
    from juesuan.ledger import LineColumns

    if type(chunk) is LineColumns:
        return _first_uses_columns(chunk, picked)
    return _first_uses(chunk if picked is None else [line for line in chunk if bool(line.name) == picked])


def _used_codes(chunks: list[Chunk]) -> set[tuple[str, str]]:
    """Every (scheme, code) the lines use, every level included."""
    from juesuan.ledger import LineColumns

    used: set[tuple[str, str]] = set()
    for chunk in chunks:
        if type(chunk) is LineColumns:
            used.update(("functional", c) for c in chunk.codes("func")[0] if c)
            used.update(("economic", c) for c in chunk.codes("econ")[0] if c)
        else:
            for line in chunk:
                if line.func:
                    used.add(("functional", line.func))
                if line.econ:
                    used.add(("economic", line.econ))
    return {(scheme, node) for scheme, code in used for node in ancestors(code, _levels(scheme))}


def name_problems(spec: TemplateSpec, lines: list, own: dict[str, dict[str, str]],
                  typed: dict[str, str]) -> list[Problem]:
    """Codes no source names, and 类 the format has no class line for, at their first cell."""
    return chunk_name_problems(spec, [lines], own, typed)


def chunk_name_problems(spec: TemplateSpec, chunks: list[Chunk], own: dict[str, dict[str, str]],
                        typed: dict[str, str]) -> list[Problem]:
    """:func:`name_problems` of the lines of ``chunks`` (:meth:`juesuan.ledger.Ledger.chunks`)."""
    out: list[Problem] = []
    classes = {c for c in spec.codes.functional if len(c) == 3}

    def unnamed(scheme: str, code: str) -> bool:
        return (scheme == "functional" and len(code) == 3 and code not in classes) or \
            not resolve(spec, scheme, code, own, typed)

    if not any(unnamed(*key) for key in _used_codes(chunks)):  # (most ledgers: no cell to locate)
        return out
    cells = _cells_of(spec, [_chunk_uses(chunk) for chunk in chunks])
    for (scheme, code), (sheet, cell, count) in sorted(cells.items()):
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
    return chunk_typed_name_conflicts(spec, [lines], typed)


def chunk_typed_name_conflicts(spec: TemplateSpec, chunks: list[Chunk], typed: dict[str, str]) -> list[Problem]:
    """:func:`typed_name_conflicts` of the lines of ``chunks`` (:meth:`juesuan.ledger.Ledger.chunks`)."""
    from juesuan.ledger import LineColumns

    out: list[Problem] = []
    differing = {(scheme, code) for code, name in typed.items() if name for scheme in SCHEMES
                 if (shipped := spec.codes.scheme(scheme).get(code)) and _norm(shipped) != _norm(name)}
    if not differing:  # (most ledgers: no cell to locate)
        return out
    # a 功能分类 name sits on its line: point there — the lines with a 科目名称 first, then the others
    named: list[Any] = []
    for chunk in chunks:
        if type(chunk) is LineColumns:
            import numpy as np

            named.append(np.fromiter(map(bool, chunk.column("name")), dtype=bool, count=len(chunk)))
        else:
            named.append(True)
    parts = [_chunk_uses(chunk, flag) for chunk, flag in zip(chunks, named, strict=True)]
    parts += [_chunk_uses(chunk, ~flag if flag is not True else False) for chunk, flag in zip(chunks, named, strict=True)]
    for (scheme, code), (sheet, cell, _count) in sorted(_cells_of(spec, parts).items()):
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
