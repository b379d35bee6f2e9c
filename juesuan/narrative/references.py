"""Load-time checks of the 说明's figure references (``narrative.check`` of a format): every
``TABLE.ROW.COLUMN`` a subject, a base or a budget names, every fixed-row group (``rows`` +
``keys`` + ``col``) and every code-row group (``codes`` + ``col``) must name a table, row and
column the format has. A misspelt key would otherwise read as a row the table does not show
(a figure of 0) and check-text would quietly compare the text with nothing. ``entry:KEY``
must name an input cell of the 说明 sheet (``narrative.inputs``) or a figure the code derives
(:data:`DERIVED_ENTRIES`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from juesuan.spec.loader import SpecError
from juesuan.spec.model import TemplateSpec

REF_KEYS = ("figure", "budget", "also")
# entries computed from other cells: 政府采购 total (its three parts), 涉及资金 (the self-evaluations'
# 全年预算数, or their 全年执行数)
DERIVED_ENTRIES = ("proc_total", "eval_amount", "eval_spent")


def _items(chk: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for i, item in enumerate(chk.get("bases") or []):
        yield f"narrative.check.bases[{i}]", item
    for section, items in (chk.get("sections") or {}).items():
        for i, item in enumerate(items or []):
            yield f"narrative.check.sections.{section}[{i}]", item


def check_narrative_references(spec: TemplateSpec) -> None:
    """Raise :class:`SpecError` at the first reference of ``narrative.check`` that names a
    table, row or column the format does not have."""
    from juesuan.rules.schema import check_reference

    narrative = spec.raw.get("narrative")
    chk = narrative.get("check") if isinstance(narrative, dict) else None
    if not isinstance(chk, dict):
        return
    tables = {t.id: t for t in spec.tables}
    inputs = {str(d.get("key")) for d in narrative.get("inputs") or [] if isinstance(d, dict)}
    entries = inputs | set(DERIVED_ENTRIES)
    for where, item in _items(chk):
        if not isinstance(item, dict):
            raise SpecError(where, "应为映射 / expected a mapping")
        for key in REF_KEYS:
            refs = item.get(key)
            for ref in refs if isinstance(refs, list) else ([refs] if refs is not None else []):
                ref = str(ref)
                if ref.startswith("entry:"):
                    if ref[6:] not in entries:
                        raise SpecError(f"{where}.{key}", f"“{ref}”：说明表没有输入项“{ref[6:]}”，可用："
                                        f"{', '.join(sorted(entries))} / no such entry")
                    continue
                if ref.count(".") != 2:
                    raise SpecError(f"{where}.{key}", f"“{ref}”应为 表.行.列 / expected TABLE.ROW.COLUMN")
                check_reference(spec, ref, f"{where}.{key}")
        if "rows" in item:
            col = str(item.get("col", ""))
            for row_key in item.get("keys") or []:
                check_reference(spec, f"{item['rows']}.{row_key}.{col}", f"{where}.keys")
        if "codes" in item:
            table = tables.get(str(item["codes"]))
            if table is None:
                raise SpecError(f"{where}.codes", f"没有表“{item['codes']}”，可用：{', '.join(tables)} / unknown table")
            if not any(p.column(str(item.get("col", ""))) for p in table.panels):
                cols = sorted({c.key for p in table.panels for c in p.amount_columns})
                raise SpecError(f"{where}.col", f"表“{table.id}”没有列“{item.get('col')}”，可用：{', '.join(cols)} / unknown column")
