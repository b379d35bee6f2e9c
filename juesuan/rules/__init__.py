"""Rule kinds: one small module per kind (frictionless-style), registered by ``type``.

A rule in the spec's ``rules:`` section names its kind by ``type`` and gives parameters;
nothing is evaluated as code. Each kind module defines ``check(rule, ctx) -> list[Finding]``
and registers it with :func:`register`. Common keys of every rule: ``id`` (stable),
``title`` (Chinese), ``relation`` (the 勾稽 relation in words), ``severity``
(error | warning | info, the severity of a violation not explained by rounding),
``tolerance`` (万元, widens the rounding interval), ``message`` and ``rounding_message``
(templates with ``{where}``, ``{expected}``, ``{actual}``, ``{difference}``, ``{slack}``,
``{title}`` and kind-specific fields) and, optionally, their English ``message_en`` and
``rounding_message_en`` and an English ``title_en`` (without them the kind's English
template is used: every finding is reported in Chinese and English). Each kind registers
its message templates (:class:`~juesuan.rules.base.Message`, Chinese and English) in
:data:`MESSAGES`.

Kinds: ``sum``, ``hierarchy``, ``row_sum``, ``compare``, ``cross_rows``, ``balance``,
``detail``, ``required``, ``empty_note``, ``codes``, ``readable``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from juesuan.report import SEVERITIES, Finding
from juesuan.rules.base import (
    DEFAULT_MESSAGE,
    DEFAULT_ROUNDING_MESSAGE,
    ROUNDING,
    Context,
    Message,
    Rule,
    RuleError,
)

CheckFn = Callable[[Rule, Context], list[Finding]]
KINDS: dict[str, CheckFn] = {}
MESSAGES: dict[str, dict[str, Message]] = {}  # kind → name → its templates (Chinese and English)
COMMON_KEYS = ("id", "type", "title", "relation", "severity", "tolerance", "message", "rounding_message",
               "message_en", "rounding_message_en", "title_en")
RELATION_MESSAGES = {"message": DEFAULT_MESSAGE, "rounding": ROUNDING}  # kinds judging amounts by intervals


def register(kind: str, messages: dict[str, Message] | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register ``kind``'s check function and its message templates."""
    def wrap(fn: CheckFn) -> CheckFn:
        KINDS[kind] = fn
        MESSAGES[kind] = dict(messages or {})
        return fn
    return wrap


# every module of this package but ``base``: each registers its kinds when imported (a test
# keeps this list equal to the package's modules; no directory listing on every check)
KIND_MODULES = ("balance", "codes", "compare", "cross_rows", "detail", "empty_note", "eval_ledger", "eval_rules",
                "hierarchy", "ledger_sanity", "readable", "required", "row_sum", "schema", "sum", "units")


def load_kinds() -> dict[str, CheckFn]:
    """Import every kind module of this package (each registers itself)."""
    for name in KIND_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return KINDS


class BadRule:
    """A rule entry that could not be parsed; checking reports it as a rule error."""

    def __init__(self, id: str, reason: str):
        self.id, self.reason = id, reason


def parse_rules(raw: Any) -> list[Rule | BadRule]:
    """The spec's ``rules`` section → rules; malformed entries become :class:`BadRule`."""
    load_kinds()
    out: list[Rule | BadRule] = []
    if raw is None:
        return out
    if not isinstance(raw, list):
        return [BadRule("rules", "“rules”应为列表 / 'rules' must be a list")]
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            out.append(BadRule(f"rules[{i}]", "规则应为映射 / a rule is a mapping"))
            continue
        rid = str(entry.get("id") or f"rules[{i}]")
        kind = entry.get("type")
        problem = None
        if "id" not in entry:
            problem = "缺少 id / missing id"
        elif rid in seen:
            problem = "规则 id 重复 / duplicate rule id"
        elif kind not in KINDS:
            problem = f"未知规则类型“{kind}”，可用：{sorted(KINDS)} / unknown rule type"
        elif entry.get("severity", "error") not in SEVERITIES:
            problem = f"severity 应为 {SEVERITIES} 之一 / bad severity"
        seen.add(rid)
        try:
            tolerance = Decimal(str(entry.get("tolerance", 0)))
        except InvalidOperation:
            problem, tolerance = "tolerance 应为数字（万元） / tolerance must be a number", Decimal(0)
        if problem:
            out.append(BadRule(rid, problem))
            continue
        out.append(Rule(
            id=rid, type=str(kind), title=str(entry.get("title", "")), relation=str(entry.get("relation", "")),
            severity=str(entry.get("severity", "error")), tolerance=tolerance,
            message=str(entry.get("message", "")),
            rounding_message=str(entry.get("rounding_message") or DEFAULT_ROUNDING_MESSAGE),
            params={k: v for k, v in entry.items() if k not in COMMON_KEYS},
            message_en=str(entry.get("message_en") or ""),
            rounding_message_en=str(entry.get("rounding_message_en") or ""), title_en=str(entry.get("title_en") or ""),
        ))
    return out


__all__ = ["KINDS", "MESSAGES", "BadRule", "Context", "Message", "Rule", "RuleError", "load_kinds", "parse_rules",
           "register"]
