"""``juesuan check-text`` on files: the 说明 (.txt/.docx) against a filled workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from juesuan.evaluation.model import amount
from juesuan.io.files import spec_for
from juesuan.io.xlsx import CalamineBook
from juesuan.narrative.checktext import check_text, read_text_file
from juesuan.narrative.steps import accounts_from_workbook, entries_of
from juesuan.spec.model import TemplateSpec


def check_text_file(text_path: str | Path, workbook: str | Path) -> tuple[list[dict[str, Any]], TemplateSpec]:
    """Check the 说明 at ``text_path`` against the filled tables of ``workbook``."""
    text = read_text_file(text_path)
    book = CalamineBook(workbook)
    try:
        spec = spec_for(book, None)
        accounts = accounts_from_workbook(spec, book)
        budgets = {}
        for key, value in entries_of(spec, book).items():
            if key.startswith("budget:") and amount(value) is not None:
                budgets[key.split(":", 1)[1]] = amount(value)
    finally:
        book.close()
    return check_text(text, spec, accounts, budgets), spec
