"""``juesuan check-text`` on files: the 说明 (.txt/.docx) against a filled workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.evaluation.model import amount
from juesuan.io.files import spec_for
from juesuan.io.guard import current_limits, scan_workbook
from juesuan.io.xlsx import CalamineBook
from juesuan.narrative.checktext import check_text, read_text_file
from juesuan.narrative.steps import accounts_from_workbook, entries_of
from juesuan.spec.model import TemplateSpec


def check_text_file(text_path: str | Path, workbook: str | Path) -> tuple[list[dict[str, Any]], TemplateSpec]:
    """Check the 说明 at ``text_path`` against the filled tables of ``workbook``. A .docx passes
    the same pre-read guard as a workbook (no DTD or entities, sizes within the limits)."""
    p = Path(text_path)
    if p.is_file():
        if p.suffix.lower() == ".docx":
            try:
                scan_workbook(p)
            except OSError as exc:
                raise fail("file-corrupt", path=str(p), reason=str(exc)) from exc
        elif p.stat().st_size > current_limits().max_inflated:
            raise fail("file-too-large", path=str(p), what=f"{p.stat().st_size // 2**20} MB",
                       limit=f"{current_limits().max_inflated // 2**20} MB")
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
