"""Other labels real disclosures print for a table's title, a row or a column header (regional
and yearly variants: ``使用非财政拨款结余（含专用结余）``, ``公务用车购置及运行费`` …), declared as
data in the spec's ``aliases:`` section and validated here at load.

``aliases`` maps a table id to ``titles`` (other titles of the table), ``rows`` (printed row
label → the spec's row label) and ``columns`` (printed header → one level of the spec's
column header). Labels are compared normalised (:func:`norm_label`): spaces, quotes, the
一、 numbering and half-width brackets do not matter. A target must exist in its table and an
alias must not already be one of the table's own labels (it would name two things)."""

from __future__ import annotations

from typing import Any

from juesuan.spec.model import TableAliases, TableSpec, norm_label

__all__ = ["TableAliases", "norm_label", "parse_aliases", "row_labels"]


def row_labels(table: TableSpec, functional: dict[str, str], economic: dict[str, str],
               class_list: tuple[str, ...]) -> set[str]:
    """Every row label the table prints (normalised): fixed rows and footers, class lines, and
    the names of its economic code rows."""
    out: set[str] = set()
    for panel in table.panels:
        for r in [*panel.rows, *([panel.footer] if panel.footer else [])]:
            if r.kind == "fixed" and r.label:
                out.add(norm_label(r.label))
            elif r.kind == "classes":
                classes = r.include or class_list or [c for c in functional if len(c) == 3]
                out |= {norm_label(functional[c]) for c in classes if c in functional}
            elif r.kind == "codes" and r.scheme == "economic":
                codes = r.only or [c for c in economic if c.startswith(tuple(r.include))]
                out |= {norm_label(economic[c]) for c in codes if c in economic}
    return out


def header_parts(table: TableSpec) -> set[str]:
    return {norm_label(h) for p in table.panels for c in p.columns for h in c.header}


def parse_aliases(raw: Any, tables: list[TableSpec], functional: dict[str, str], economic: dict[str, str],
                  class_list: tuple[str, ...]) -> dict[str, TableAliases]:
    """The validated ``aliases`` section (table id → :class:`TableAliases`); :class:`SpecError`
    names the entry that is wrong."""
    from juesuan.spec.loader import SpecError
    from juesuan.spec.shape import check_shape

    if raw is None:
        return {}
    check_shape(raw, {"*": {"titles": ["text"], "rows": {"*": "text"}, "columns": {"*": "text"}}}, "aliases")
    by_id = {t.id: t for t in tables}
    titles = {norm_label(t.title): t.id for t in tables}
    out: dict[str, TableAliases] = {}
    for tid, entry in raw.items():
        where = f"aliases.{tid}"
        table = by_id.get(str(tid))
        if table is None:
            raise SpecError(where, f"没有表“{tid}”，可用：{', '.join(by_id)} / unknown table")
        for title in entry.get("titles") or []:
            other = titles.get(norm_label(str(title)))
            if other is not None and other != table.id:
                raise SpecError(f"{where}.titles", f"“{title}”是表 {other} 的标题 / '{title}' is table {other}'s title")
        maps: dict[str, dict[str, str]] = {}
        for part, own in (("rows", row_labels(table, functional, economic, class_list)),
                          ("columns", header_parts(table))):
            mapping: dict[str, str] = {}
            for alias, target in (entry.get(part) or {}).items():
                a, t = norm_label(str(alias)), norm_label(str(target))
                w = f"{where}.{part}.{alias}"
                if t not in own:
                    what = "行" if part == "rows" else "栏"
                    raise SpecError(w, f"表 {tid} 没有{what}“{target}” / table {tid} has no {part[:-1]} '{target}'")
                if a in own:
                    raise SpecError(w, f"“{alias}”已是表 {tid} 的标签，不能再作别名 / '{alias}' is already a label of "
                                       f"table {tid}")
                if mapping.get(a, t) != t:
                    raise SpecError(w, f"别名重复且所指不同 / alias given twice for '{mapping[a]}' and '{target}'")
                mapping[a] = t
            maps[part] = mapping
        out[table.id] = TableAliases(frozenset(norm_label(str(x)) for x in entry.get("titles") or []),
                                     maps["rows"], maps["columns"])
    return out
