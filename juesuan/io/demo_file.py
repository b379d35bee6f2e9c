"""``juesuan demo`` on files: add the sample department's self-evaluations and 说明 entries
to a fresh demo workbook (the sample content itself is engine data:
:mod:`juesuan.evaluation.sample`, :mod:`juesuan.narrative.sample`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from juesuan.evaluation.sample import sample_pictures
from juesuan.fill import fill_accounts
from juesuan.io.xlsx import CalamineBook, load_for_write, replace_sheets, save_atomic
from juesuan.ledger import info_value, read_ledger
from juesuan.narrative.generate import settings, slot_specs
from juesuan.narrative.sample import sample_entries
from juesuan.narrative.sheet import render_narrative
from juesuan.narrative.steps import blank_paragraphs
from juesuan.workbook_format import spec_for


def add_demo_extras(path: str | Path) -> list[str]:
    """Add the sample self-evaluations and the 说明 entries to the (unfilled) demo workbook at
    ``path``, saved in place; returns the names of the sheets written."""
    book = CalamineBook(path)
    spec = spec_for(book, None)
    ledger = read_ledger(spec, book)
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for line in ledger.lines:
        if line.ledger == "expense" and line.project:
            spent[line.project] += line.amount / 10000
    pictures = sample_pictures(spec, book.sheet_names(), info_value(spec, book, "dept"), info_value(spec, book, "year"),
                               spent)
    cfg = settings(spec)
    if cfg is not None:
        accounts = fill_accounts(spec, ledger)
        title = blank_paragraphs()
        pictures.append(render_narrative(str(cfg.get("sheet", "说明")), str(cfg.get("intro", "")), title,
                                         slot_specs(spec, accounts), sample_entries(accounts)))
    book.close()
    wb = load_for_write(book.path)
    replace_sheets(wb, pictures)
    save_atomic(wb, book.path)
    return [p.name for p in pictures]
