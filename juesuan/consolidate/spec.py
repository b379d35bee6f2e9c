"""The ``eliminations:`` section of a template spec: which pairs of ledger lines cancel when a
department consolidates its units (汇总时的内部抵销), parsed and validated with located errors.

Each entry names the parent's (本级) side and the subordinate units' side as ledger filters,
and the dimensions the two sides are matched by::

    eliminations:
      - id: subsidy
        title: 上级补助收入与对附属单位补助支出
        parent: {ledger: expense, kind: 对附属单位补助支出}
        unit: {ledger: income, kind: 上级补助收入}
        by: [func]

Filters use the keys of the tables' ``where`` filters (``kind``, ``fund``, ``item`` exact;
``func``, ``econ`` by prefix). This module reads the raw section (``spec.raw``) so the spec
loader can call :func:`parse_eliminations` at load time; it imports no spreadsheet library.
"""

from __future__ import annotations

from typing import Any

from juesuan.records import record
from juesuan.spec.loader import SpecError
from juesuan.spec.model import FILTER_KEYS, PREFIX_KEYS, TemplateSpec

# The dimensions each money ledger's lines carry (what ``by`` may match on).
LEDGER_DIMS = {
    "income": ("func", "kind"),
    "expense": ("func", "econ", "kind", "fund"),
    "balance": ("func", "fund", "item"),
    "sangong_budget": ("item",),
}
# The vocabularies a filter value of each key must come from, per ledger.
_VOCAB = {
    ("income", "kind"): "income_kind", ("expense", "kind"): "expense_kind",
    ("expense", "fund"): "fund", ("balance", "fund"): "fund",
    ("balance", "item"): "balance_item", ("sangong_budget", "item"): "sangong_item",
}


@record(frozen=True)
class Side:
    """One side of an elimination: the ledger lines it takes."""

    ledger: str
    where: tuple[tuple[str, tuple[str, ...]], ...]  # (key, allowed values), ledger excluded

    def matches(self, line: Any) -> bool:
        if line.ledger != self.ledger:
            return False
        for key, values in self.where:
            value = getattr(line, key)
            if key in PREFIX_KEYS:
                if not any(value.startswith(v) for v in values):
                    return False
            elif value not in values:
                return False
        return True

    def describe(self) -> str:
        return "、".join("/".join(v) for _, v in self.where) or self.ledger


@record(frozen=True)
class Elimination:
    """A pair of sides that cancel in a department's consolidated accounts."""

    id: str
    title: str
    parent: Side
    unit: Side
    by: tuple[str, ...]


def _values(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return (str(value),)
    if isinstance(value, list) and value and all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        return tuple(str(v) for v in value)
    raise SpecError(where, "应为文本或非空文本列表 / expected text or a non-empty list of text")


def _side(raw: Any, where: str, vocabularies: dict[str, tuple[str, ...]]) -> Side:
    if not isinstance(raw, dict):
        raise SpecError(where, "应为筛选条件映射，如 {ledger: income, kind: 上级补助收入} / expected a filter mapping")
    ledger = raw.get("ledger")
    if ledger not in LEDGER_DIMS:
        raise SpecError(f"{where}.ledger", f"应为 {'/'.join(LEDGER_DIMS)} 之一 / expected one of {tuple(LEDGER_DIMS)}, "
                                           f"got {ledger!r}")
    items = []
    for key, value in raw.items():
        if key == "ledger":
            continue
        if key not in FILTER_KEYS:
            raise SpecError(f"{where}.{key}", f"未知筛选维度 / unknown filter key; known: {FILTER_KEYS}")
        if key not in LEDGER_DIMS[ledger]:
            raise SpecError(f"{where}.{key}", f"{ledger} 账没有维度“{key}” / ledger {ledger} has no '{key}'")
        values = _values(value, f"{where}.{key}")
        vocab = _VOCAB.get((ledger, key))
        if vocab is not None:
            for v in values:
                if v not in vocabularies.get(vocab, ()):
                    raise SpecError(f"{where}.{key}", f"“{v}”不在词表 {vocab} 中 / '{v}' is not in vocabulary {vocab}")
        items.append((str(key), values))
    return Side(str(ledger), tuple(items))


def parse_eliminations(raw: Any, vocabularies: dict[str, tuple[str, ...]]) -> list[Elimination]:
    """The raw ``eliminations`` section → eliminations; :class:`SpecError` names the entry and
    key at fault (``eliminations[1].unit.kind``)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise SpecError("eliminations", "应为列表 / must be a list")
    out: list[Elimination] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        where = f"eliminations[{i}]"
        if not isinstance(entry, dict):
            raise SpecError(where, "应为映射 / expected a mapping")
        eid = entry.get("id")
        if not isinstance(eid, str) or not eid:
            raise SpecError(where, "缺少 id / missing id")
        where = f"{where} ({eid})"
        if eid in seen:
            raise SpecError(where, "id 重复 / duplicate id")
        seen.add(eid)
        unknown = sorted(set(entry) - {"id", "title", "parent", "unit", "by"})
        if unknown:
            raise SpecError(f"{where}.{unknown[0]}", "未知键 / unknown key; known: id, title, parent, unit, by")
        for key in ("parent", "unit"):
            if key not in entry:
                raise SpecError(where, f"缺少“{key}” / missing '{key}'")
        parent = _side(entry["parent"], f"{where}.parent", vocabularies)
        unit = _side(entry["unit"], f"{where}.unit", vocabularies)
        by = _values(entry.get("by", ["func"]), f"{where}.by")
        for key in by:
            for side, name in ((parent, "parent"), (unit, "unit")):
                if key not in LEDGER_DIMS[side.ledger]:
                    raise SpecError(f"{where}.by", f"{name} 一方（{side.ledger} 账）没有维度“{key}” / the {name} "
                                                   f"side's ledger ({side.ledger}) has no '{key}'")
        out.append(Elimination(eid, str(entry.get("title") or eid), parent, unit, by))
    return out


def eliminations_of(spec: TemplateSpec) -> list[Elimination]:
    """The eliminations a loaded spec declares (none when it has no such section)."""
    return parse_eliminations(spec.raw.get("eliminations"), spec.vocabularies)
