"""The parameters each rule kind takes, as data, and the validation of a spec's rule
catalogue against them at load (:func:`parse_catalogue`): unknown keys, missing parameters,
wrong types, unknown tables, rows and columns are reported with the rule's path, so a bureau
editing ``rules-<format>.yaml`` hears of a typo from ``juesuan spec check`` before any
workbook is checked.

A parameter type is one of: ``ref`` / ``refs`` (cell references ``TABLE.ROW[.COLUMN]``),
``table`` / ``tables`` (table ids), ``text``, ``bool``, ``number``, ``list`` (any list),
``columns`` (column keys or pairs), ``op`` (eq | le | ge | lt | gt), ``scheme``
(functional | economic), ``any``. Kinds not listed here (added by a later module) keep their
parameters unchecked.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from juesuan.report import SEVERITIES
from juesuan.spec.loader import SpecError
from juesuan.spec.model import TemplateSpec

# kind → parameter → (type, required)
KIND_PARAMS: dict[str, dict[str, tuple[str, bool]]] = {
    "sum": {"total": ("ref", True), "items": ("refs", True), "columns": ("columns", False)},
    "compare": {"left": ("refs", True), "right": ("refs", True), "op": ("op", False)},
    "hierarchy": {"table": ("table", True), "scheme": ("scheme", False), "columns": ("columns", False),
                  "total": ("text", False), "orphan_message": ("text", False),
                  "orphan_message_en": ("text", False)},
    "row_sum": {"table": ("table", True), "total": ("text", True), "items": ("list", True)},
    "cross_rows": {"left": ("table", True), "right": ("table", True), "op": ("op", False),
                   "columns": ("columns", True), "levels": ("list", False), "rows": ("text", False),
                   "total": ("bool", False)},
    "balance": {"table": ("table", False), "end": ("text", True), "start": ("text", True),
                "plus": ("list", False), "minus": ("list", False)},
    "detail": {"tables": ("tables", False), "missing_row_message": ("text", False),
               "missing_row_message_en": ("text", False)},
    "required": {"cells": ("refs", True)},
    "empty_note": {"table": ("table", True), "text": ("text", False), "data_message": ("text", False),
                   "data_message_en": ("text", False)},
    "codes": {"tables": ("tables", True), "scheme": ("scheme", False)},
    "readable": {"tables": ("tables", False)},
    "units": {"tables": ("tables", False), "unbalanced_severity": ("text", False)},
}
COMMON = ("id", "type", "title", "relation", "severity", "tolerance", "message", "rounding_message",
          "message_en", "rounding_message_en", "title_en")
OPS = ("eq", "le", "ge", "lt", "gt")
LEVEL_ROWS = ("类", "款", "项", "total")


def parse_catalogue(spec: TemplateSpec) -> tuple:
    """The spec's ``rules`` and ``evaluation_rules`` as :class:`~juesuan.rules.base.Rule` objects,
    every one validated; raises :class:`SpecError` naming the rule and the key."""
    from juesuan.rules import load_kinds
    from juesuan.rules.base import DEFAULT_ROUNDING_MESSAGE, Rule

    kinds = load_kinds()
    out: list[Rule] = []
    seen: set[str] = set()
    for section in ("rules", "evaluation_rules"):
        raw = spec.raw.get(section) or []
        if not isinstance(raw, list):
            raise SpecError(section, "应为列表 / must be a list")
        for i, entry in enumerate(raw):
            where = f"{section}[{i}]"
            if not isinstance(entry, dict):
                raise SpecError(where, "规则应为映射 / a rule is a mapping")
            if "id" not in entry:
                raise SpecError(where, "缺少 id / missing id")
            rid = str(entry["id"])
            where = f"{where} ({rid})"
            if rid in seen:
                raise SpecError(where, "规则 id 重复 / duplicate rule id")
            seen.add(rid)
            kind = entry.get("type")
            if kind not in kinds:
                raise SpecError(f"{where}.type", f"未知规则类型“{kind}”，可用：{', '.join(sorted(kinds))} / unknown rule type")
            severity = entry.get("severity", "error")
            if severity not in SEVERITIES:
                raise SpecError(f"{where}.severity", f"应为 {', '.join(SEVERITIES)} 之一 / bad severity")
            try:
                tolerance = Decimal(str(entry.get("tolerance", 0)))
            except InvalidOperation:
                raise SpecError(f"{where}.tolerance", "应为数字（万元） / tolerance must be a number") from None
            for key in ("message_en", "rounding_message_en", "title_en"):  # optional English of a bureau's texts
                if key in entry and not isinstance(entry[key], str):
                    raise SpecError(f"{where}.{key}", "应为文本 / expected text")
            params = {k: v for k, v in entry.items() if k not in COMMON}
            schema = KIND_PARAMS.get(str(kind))
            if schema is not None:
                _check_params(spec, params, schema, where)
            out.append(Rule(
                id=rid, type=str(kind), title=str(entry.get("title", "")), relation=str(entry.get("relation", "")),
                severity=str(severity), tolerance=tolerance, message=str(entry.get("message", "")),
                rounding_message=str(entry.get("rounding_message") or DEFAULT_ROUNDING_MESSAGE), params=params,
                message_en=str(entry.get("message_en") or ""),
                rounding_message_en=str(entry.get("rounding_message_en") or ""), title_en=str(entry.get("title_en") or ""),
            ))
    return tuple(out)


def _check_params(spec: TemplateSpec, params: dict[str, Any], schema: dict[str, tuple[str, bool]], where: str) -> None:
    for key in params:
        if key not in schema:
            raise SpecError(f"{where}.{key}", f"未知参数“{key}”，可用：{', '.join(schema)} / unknown parameter")
    for key, (ptype, required) in schema.items():
        if key not in params:
            if required:
                raise SpecError(where, f"缺少参数“{key}” / missing parameter '{key}'")
            continue
        _check_value(spec, params[key], ptype, f"{where}.{key}")


def _check_value(spec: TemplateSpec, value: Any, ptype: str, where: str) -> None:
    tables = {t.id: t for t in spec.tables}
    if ptype in ("table", "tables"):
        for tid in (value if isinstance(value, list) and ptype == "tables" else [value]):
            if str(tid) not in tables:
                raise SpecError(where, f"没有表“{tid}”，可用：{', '.join(tables)} / unknown table")
    elif ptype in ("ref", "refs"):
        refs = value if isinstance(value, list) and ptype == "refs" else [value]
        if not refs:
            raise SpecError(where, "不能为空 / must not be empty")
        for ref in refs:
            check_reference(spec, ref, where)
    elif ptype == "bool" and not isinstance(value, bool):
        raise SpecError(where, "应为 true 或 false / expected true or false")
    elif ptype in ("list", "columns") and not isinstance(value, list):
        raise SpecError(where, "应为列表 / expected a list")
    elif ptype == "text" and not isinstance(value, str | int):
        raise SpecError(where, "应为文本 / expected text")
    elif ptype == "op" and value not in OPS:
        raise SpecError(where, f"应为 {', '.join(OPS)} 之一 / expected one of {OPS}")
    elif ptype == "scheme" and value not in ("functional", "economic"):
        raise SpecError(where, "应为 functional 或 economic / expected functional or economic")


def check_reference(spec: TemplateSpec, ref: Any, where: str) -> None:
    """``[+|-]TABLE.ROW[.COLUMN]``: the table exists; ROW is a fixed row or footer key, a code,
    ``total`` or a level selector; COLUMN (when given) is a column of the table."""
    from juesuan.rules.base import RuleError, parse_ref

    try:
        cell = parse_ref(ref)
    except RuleError as exc:
        raise SpecError(where, str(exc)) from None
    table = next((t for t in spec.tables if t.id == cell.table), None)
    if table is None:
        raise SpecError(where, f"“{ref}”：没有表“{cell.table}” / unknown table")
    keys = {r.key for p in table.panels for r in [*p.rows, *([p.footer] if p.footer else [])] if r.key}
    if not (cell.row in keys or cell.row in LEVEL_ROWS or cell.row.isdigit()):
        raise SpecError(where, f"“{ref}”：表“{table.id}”没有行“{cell.row}”，可用：{', '.join(sorted(keys))} / unknown row")
    if cell.col is not None and not any(p.column(cell.col) for p in table.panels):
        cols = sorted({c.key for p in table.panels for c in p.amount_columns})
        raise SpecError(where, f"“{ref}”：表“{table.id}”没有列“{cell.col}”，可用：{', '.join(cols)} / unknown column")
