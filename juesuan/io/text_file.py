"""``juesuan check-text`` and ``fill --previous`` on files: a 说明 as plain text from the files
departments publish — .txt (UTF-8, UTF-8 with BOM or GB18030), .docx (paragraphs and tables in
place) and .pdf (its text layer: poppler's ``pdftotext`` when installed, else the pypdf
library; a scanned PDF without a text layer is refused) — checked against a filled workbook,
and last year's figures read from last year's workbook."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from juesuan.errors import fail
from juesuan.io.guard import current_limits, scan_workbook
from juesuan.io.text import decode_text
from juesuan.io.xlsx import CalamineBook, check_workbook_file
from juesuan.lazy_re import lazy
from juesuan.narrative.catalogue import Catalogue
from juesuan.narrative.checktext import check_text
from juesuan.narrative.previous import carried_entries, from_entries
from juesuan.narrative.steps import accounts_from_workbook, stated_entries
from juesuan.narrative.textparse import HEADING
from juesuan.report import Finding
from juesuan.spec.model import TemplateSpec
from juesuan.workbook_format import spec_for


def check_text_file(text_path: str | Path, workbook: str | Path,
                    previous: str | Path | None = None) -> tuple[list[Finding], TemplateSpec]:
    """Check the 说明 at ``text_path`` (.txt/.docx/.pdf) against the filled tables of
    ``workbook``; last year's figures from ``previous`` (a workbook) or the 上年数 entries.
    A .docx passes the same pre-read guard as a workbook (no DTD or entities, sizes within
    the limits)."""
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
    if not _FIGURE.search(text):  # an empty file, or not a 说明 at all: never “passed”
        raise fail("text-nothing", path=str(text_path))
    spec, accounts, entries = _filled(workbook)
    last = read_previous(previous)[0] if previous else (from_entries(entries) or None)
    return check_text(text, spec, accounts, entries, last), spec


_FIGURE = lazy(r"\d\s*(?:万元|亿元|元|%|％)")


def _filled(path: str | Path) -> tuple[TemplateSpec, Any, dict[str, Any]]:
    """A filled workbook's format, tables (as shown) and 说明 entries, read once."""
    book = CalamineBook(check_workbook_file(path))
    try:
        spec = spec_for(book, None)
        return spec, accounts_from_workbook(spec, book), stated_entries(spec, book)
    finally:
        book.close()


def read_previous(path: str | Path) -> tuple[dict[str, Decimal], dict[str, Any]]:
    """Last year's figures (by subject key) and its entries typed once, from its filled workbook."""
    spec, accounts, entries = _filled(path)
    return Catalogue(spec, accounts, entries).previous_values(), carried_entries(entries)


def read_text_file(path: str | Path) -> str:
    """The text of a 说明 file, one paragraph a line."""
    p = Path(path)
    if not p.exists():
        raise fail("file-missing", path=str(p))
    suffix = p.suffix.lower()
    if suffix == ".docx":
        from juesuan.narrative.docx_export import read_docx_text

        try:
            return read_docx_text(p)
        except Exception as exc:  # python-docx raises several kinds on a bad file
            raise fail("file-corrupt", path=str(p), reason=str(exc)) from exc
    if suffix == ".pdf":
        text = _pdf_text(p)
        if not text.strip():
            raise fail("file-corrupt", path=str(p), reason="PDF 没有文字层（扫描件？）/ the PDF has no text layer")
        return text
    return decode_text(p.read_bytes(), str(p))


def _pdf_text(p: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool:
        proc = subprocess.run([tool, "-enc", "UTF-8", "-nopgbrk", str(p), "-"], capture_output=True, timeout=120)
        if proc.returncode == 0:
            return _join_lines(proc.stdout.decode("utf-8", "replace"))
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(p))
        return _join_lines("\n".join(page.extract_text() or "" for page in reader.pages))
    except Exception as exc:  # pypdf raises several kinds on a damaged file
        raise fail("file-corrupt", path=str(p), reason=str(exc)) from exc


def _join_lines(text: str) -> str:
    """PDF lines break inside sentences: join a line to the next unless it ends a paragraph
    (。：; a heading) or the next starts one (一、 （一） 1.)."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            if out and out[-1]:
                out.append("")
            continue
        starts = HEADING.match(line) or re.match(r"^(（[一二三四五六七八九十]+）|\d+[.、])", line)
        if out and out[-1] and not starts and not re.search(r"[。：:！？]$", out[-1]) and not HEADING.match(out[-1]):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)
