"""Figures typed over in a computed table: what Fill replaced.

Before Fill writes the tables it reads each table sheet as it stands; a published figure
that differs from the one Fill computes from the detail sheets (a figure edited by hand, or a
stale one after the detail sheets changed) is listed with its cell, the old and the new value,
so the accountant sees which figures were replaced. (Check reports the same differences
through the ``detail`` rule without changing anything.)
"""

from __future__ import annotations

import re
from decimal import Decimal

from juesuan.lazy_re import lazy
from juesuan.narrative.sheet import render_narrative
from juesuan.port import SheetPicture, WorkbookPort, picture_to_grid
from juesuan.reading import read_table
from juesuan.records import record
from juesuan.spec.model import TemplateSpec
from juesuan.tables import FilledAccounts

SHOWN = 20  # replaced figures listed in the summary line; the rest are counted


@record(frozen=True)
class Replaced:
    """A figure typed by hand that Fill replaced: where, what it was, what it became."""

    sheet: str
    cell: str
    label: str
    old: Decimal
    new: Decimal | None


def replaced_figures(spec: TemplateSpec, port: WorkbookPort, accounts: FilledAccounts) -> list[Replaced]:
    """Figures the sheets hold that Fill's figures replace (blank cells are not reported)."""
    present = set(port.sheet_names())
    out: list[Replaced] = []
    for table in spec.tables:
        if table.sheet not in present or table.id not in accounts.tables:
            continue
        try:
            before = read_table(spec, table, port.read_sheet(table.sheet), [])
        except (ValueError, KeyError, IndexError):  # a damaged sheet: Fill rewrites it whole
            continue
        after = accounts.tables[table.id]
        for row in before.rows():
            if row.role == "spare":
                continue
            new_row = after.row(row.key)
            for col, old in row.values.items():
                if old is None:
                    continue
                new = new_row.values.get(col) if new_row is not None else None
                if new is None and old == 0:
                    continue
                if new is None or old != new:
                    out.append(Replaced(table.sheet, row.cells.get(col, ""), f"{row.label or row.key}", old, new))
    return out


def describe(replaced: list[Replaced]) -> str | None:
    """The summary line Fill prints (None when nothing was replaced)."""
    if not replaced:
        return None
    parts = [f"{r.sheet}!{r.cell}（{r.label}）{r.old:.2f} → {'空白' if r.new is None else f'{r.new:.2f}'}"
             for r in replaced[:SHOWN]]
    more = f" 等 {len(replaced)} 个" if len(replaced) > SHOWN else ""
    return ("与明细表不符、已被替换的数字 / figures replaced (they differed from the detail sheets): "
            + "；".join(parts) + more)


def rewritten_paragraphs(spec: TemplateSpec, port: WorkbookPort, pictures: list[SheetPicture]) -> int:
    """How many paragraphs of the 说明's generated text the sheet shows that Fill neither
    writes now nor would have written from the tables as they stood (text edited by hand,
    which Fill rewrites by design); 0 without a 说明. Costs nothing more when the sheet shows
    what Fill writes (the usual Fill after Fill)."""
    from juesuan.evaluation.steps import read_evaluations
    from juesuan.narrative.generate import generate
    from juesuan.narrative.sheet import read_paragraphs
    from juesuan.narrative.steps import (
        accounts_from_workbook,
        blank_paragraphs,
        entries_of,
        settings,
        sheet_name,
        typed_numbers,
        unit_names,
    )

    if settings(spec) is None:
        return 0
    name = sheet_name(spec)
    pic = next((p for p in pictures if p.name == name), None)
    if pic is None or name not in port.sheet_names():
        return 0
    shown = set(read_paragraphs(port.read_sheet(name)))
    shown -= set(read_paragraphs(picture_to_grid(pic)))
    shown -= {p.text for p in blank_paragraphs()}  # a fresh workbook's placeholder (before the first Fill)
    if not shown:
        return 0
    try:  # what Fill wrote last time: the 说明 of the tables as the workbook holds them
        accounts = accounts_from_workbook(spec, port)
        units = unit_names(spec, port)
        typed = typed_numbers(spec, entries_of(spec, port))
        evaluations = read_evaluations(spec, port)
        before = generate(spec, accounts, typed, evaluations, units=units)
        # … from the entries and self-evaluations as they were then: the accountant types the
        # 说明's blanks and scores projects between two Fills (none of it a hand edit), or
        # adds a self-evaluation (its 总分 still blank: the last Fill never saw it)
        bare = generate(spec, accounts, {}, [], units=units)
        seen = [e for e in evaluations if e.shown_total not in (None, "")]
        earlier = generate(spec, accounts, typed, seen, units=units) if len(seen) < len(evaluations) else []
    except (ValueError, KeyError, IndexError):  # damaged tables: nothing to tell edits from
        return 0

    def texts(paragraphs: list) -> set[str]:
        return set(read_paragraphs(picture_to_grid(render_narrative(name, "", paragraphs, [], {}))))

    then, without = texts(before), texts(bare)
    shown -= then | without | (texts(earlier) if earlier else set())
    typed = then ^ without  # the paragraphs that say what was typed or scored
    placeholder = str(settings(spec).get("placeholder", "【请填写{label}】")).split("{label}", 1)
    return sum(1 for text in shown if not any(_same_but_typed(text, t, placeholder) for t in typed))


_NUMBER = lazy(r"\d[\d,]*(?:\.\d+)?")


def _same_but_typed(shown: str, written: str, placeholder: list[str]) -> bool:
    """Whether ``shown`` is ``written`` as Fill wrote it before an entry was typed or changed:
    the same words, its figures aside, and any text where ``shown`` has a placeholder."""
    shown, written = _NUMBER.sub("#", shown), _NUMBER.sub("#", written)
    if len(placeholder) == 2 and placeholder[0]:
        hole = re.escape(placeholder[0]) + ".*?" + re.escape(placeholder[1])
        parts = re.split(hole, shown)
    else:
        parts = [shown]
    return re.fullmatch(".+?".join(re.escape(part) for part in parts), written, re.S) is not None


def describe_rewritten(count: int, sheet: str) -> str | None:
    """The note Fill prints when hand-edited 说明 paragraphs were rewritten."""
    if not count:
        return None
    return (f"“{sheet}”中手工修改的 {count} 段文字已按公开表重写，原文见备份或原文件 / {count} hand-edited "
            f"paragraph(s) of “{sheet}” were rewritten from the tables; the previous text is in the backup "
            "(or the original file)")
