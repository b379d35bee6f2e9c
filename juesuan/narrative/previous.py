"""Last year's figures for the year-on-year statements of the 说明: from last year's filled
workbook (either format; figures matched by the subject keys of ``narrative.check``, which
mean the same in every format) or from the 上年数 entries of the 说明 sheet
(``prev:<key>``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from juesuan.evaluation.model import amount

PREFIX = "prev:"


def from_entries(entries: Mapping[str, Any]) -> dict[str, Decimal]:
    """The 上年数 typed on the 说明 sheet (blank cells are unknown, not zero)."""
    out = {}
    for key, value in entries.items():
        if key.startswith(PREFIX) and amount(value) is not None:
            out[key[len(PREFIX):]] = amount(value)
    return out


CARRIED = ("use:", "unit:", "duties", "org_setup")  # entries typed once and carried to the next year


def carried_entries(entries: Mapping[str, Any]) -> dict[str, Any]:
    """The entries a department types once (主要职能, 单位构成, each 项's 主要用于) from last year's 说明."""
    return {k: v for k, v in entries.items() if k.startswith(CARRIED) and v not in (None, "")}


def read_previous(path: str | Path) -> tuple[dict[str, Decimal], dict[str, Any]]:
    """Last year's figures and its carried entries, from its filled workbook at ``path``."""
    from juesuan.io.files import spec_for
    from juesuan.io.xlsx import CalamineBook, check_workbook_file
    from juesuan.narrative.catalogue import Catalogue
    from juesuan.narrative.steps import accounts_from_workbook, entries_of

    book = CalamineBook(check_workbook_file(path))
    try:
        spec = spec_for(book, None)
        accounts = accounts_from_workbook(spec, book)
        entries = entries_of(spec, book)
    finally:
        book.close()
    return Catalogue(spec, accounts, entries).previous_values(), carried_entries(entries)


def from_workbook(path: str | Path) -> dict[str, Decimal]:
    """Every figure the 说明 may quote, from last year's filled workbook at ``path``."""
    from juesuan.io.files import spec_for
    from juesuan.io.xlsx import CalamineBook, check_workbook_file
    from juesuan.narrative.catalogue import Catalogue
    from juesuan.narrative.steps import accounts_from_workbook, entries_of

    book = CalamineBook(check_workbook_file(path))
    try:
        spec = spec_for(book, None)
        accounts = accounts_from_workbook(spec, book)
        entries = entries_of(spec, book)
    finally:
        book.close()
    return Catalogue(spec, accounts, entries).previous_values()
