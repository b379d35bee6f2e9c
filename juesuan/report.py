"""The validation report: one model, flattened into rows for every output (terminal text,
JSON, the 校验结果 sheet, cell marks).

A :class:`Finding` is one broken (or rounding-explained) relation: the rule that found it,
its severity (``error`` | ``warning`` | ``info``), a Chinese message and its English
(``message_en``) rendered from the rule's templates (:class:`Message`) with the same values,
the cells involved (sheet + A1 address, the checked cell first), and the amounts:
``expected`` (what the relation implies), ``actual`` (what the cell shows) and
``difference`` = actual − expected. A rule that cannot run (it names a sheet, row or
column the workbook or spec lacks) yields a finding of kind ``rule-error``.
"""

from __future__ import annotations

from dataclasses import field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from juesuan.money import round_cents
from juesuan.records import record

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@record(frozen=True)
class Message:
    """A finding's message template in Chinese and English, with the same ``{placeholders}``
    (frictionless-style: a catalogue of codes and templates). Chinese labels of tables, rows
    and cells stay Chinese in the English message: they are what the workbook prints."""

    zh: str
    en: str


@record(frozen=True)
class CellRef:
    """A cell of the workbook: sheet name and A1 address."""

    sheet: str
    cell: str  # A1 address


@record
class Finding:
    """One finding of a check: rule, severity, message, cells, expected and actual figures."""

    rule: str
    severity: str
    message: str
    cells: list[CellRef] = field(default_factory=list)
    expected: Decimal | None = None
    actual: Decimal | None = None
    difference: Decimal | None = None
    table: str | None = None  # table id the finding belongs to (grouping), None for workbook-level
    kind: str = "finding"  # finding | rounding | rule-error | unverified (a 说明 clause not tied to a figure)
    quote: str | None = None  # the sentence of a 说明 the finding is about (check-text)
    decimals: int = 2  # how the amounts are shown (a rate of a self-evaluation: 4)
    message_en: str = ""  # the message in English (the Chinese labels of tables, rows and cells kept)

    @property
    def english(self) -> str:
        """The English message; the Chinese one where a finding has none (never a blank line)."""
        return self.message_en or self.message

    def row(self) -> dict[str, Any]:
        """The flat JSON-ready row (amounts as strings with ``decimals`` places; ``quote`` for a 说明)."""
        row = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "message_en": self.english,
            "cells": [{"sheet": c.sheet, "cell": c.cell} for c in self.cells],
            "expected": amount_text(self.expected, self.decimals),
            "actual": amount_text(self.actual, self.decimals),
            "difference": amount_text(self.difference, self.decimals),
        }
        if self.quote is not None:
            row["quote"] = self.quote
        return row


def amount_text(value: Decimal | None, decimals: int = 2) -> str | None:
    """``Decimal('1234.5')`` → ``"1234.50"`` (half-up to ``decimals`` places); None stays None."""
    if value is None:
        return None
    if decimals == 2:
        return f"{round_cents(value):.2f}"
    return f"{value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):.{decimals}f}"


@record
class Report:
    """Everything a check found, with the rules run and the tables' order (for text, JSON and rows)."""

    template: str
    findings: list[Finding] = field(default_factory=list)
    rules_run: int = 0
    table_order: list[str] = field(default_factory=list)  # table ids in sheet order (grouping)
    table_sheets: dict[str, str] = field(default_factory=dict)  # table id → sheet name

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def stats(self) -> dict[str, int]:
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}
        return {
            "rules": self.rules_run,
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "rounding": sum(1 for f in self.findings if f.kind == "rounding"),
            "rule_errors": sum(1 for f in self.findings if f.kind == "rule-error"),
        }

    def sorted_findings(self) -> list[Finding]:
        """Grouped by table (sheet order; workbook-level last), then severity, then rule order."""
        order = {t: i for i, t in enumerate(self.table_order)}
        indexed = list(enumerate(self.findings))
        indexed.sort(key=lambda p: (order.get(p[1].table or "", len(order)), SEVERITY_RANK[p[1].severity], p[0]))
        return [f for _, f in indexed]

    def rows(self) -> list[dict[str, Any]]:
        return [f.row() for f in self.sorted_findings()]

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "template": self.template, "stats": self.stats, "findings": self.rows()}

    def to_text(self) -> str:
        """Readable in a terminal: findings grouped by table, counts at the end."""
        lines: list[str] = []
        current: object = object()
        for f in self.sorted_findings():
            if f.table != current:
                current = f.table
                title = self.table_sheets.get(f.table or "", "") if f.table else "工作簿 / workbook"
                lines.append("")
                lines.append(f"== {title or f.table} ==")
            mark = {"error": "✗", "warning": "!", "info": "≈" if f.kind == "rounding" else "i"}[f.severity]
            where = ", ".join(f"{c.sheet}!{c.cell}" for c in f.cells[:4])
            if len(f.cells) > 4:
                where += f" …(+{len(f.cells) - 4})"
            lines.append(f"{mark} {SEVERITY_ZH[f.severity]} [{f.rule}] {f.message}")
            lines.append(f"    {f.english}")
            amounts = []
            if f.expected is not None or f.actual is not None:
                d = f.decimals
                amounts.append(f"应为 / expected {amount_text(f.expected, d) or '-'}，实为 / actual "
                               f"{amount_text(f.actual, d) or '-'}，差额 / difference {amount_text(f.difference, d) or '-'}")
            if where:
                amounts.append(f"单元格 / cells {where}")
            if amounts:
                lines.append("    " + "；".join(amounts))
            if f.quote:
                lines.append(f"    原文 / sentence：{f.quote}")
        s = self.stats
        lines.append("")
        verdict = "通过 / passed" if self.valid else "未通过 / failed"
        lines.append(f"校验{verdict}：规则 {s['rules']} 条；错误 {s['errors']}，警告 {s['warnings']}，"
                     f"提示 {s['info']}（其中舍入差异 {s['rounding']}），规则错误 {s['rule_errors']}"
                     f" / rules {s['rules']}; errors {s['errors']}, warnings {s['warnings']}, info {s['info']}"
                     f" (rounding {s['rounding']}), rule errors {s['rule_errors']}")
        return "\n".join(lines).lstrip("\n")
