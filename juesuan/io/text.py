"""Text is text (文本只作文本): what juesuan writes into a cell or a document is never
executed or garbled.

openpyxl stores a string that starts with ``=`` as a formula and one equal to an error code
(``#N/A``) as an error value; a name typed as ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0``
would thus become a live formula in a published table. :func:`prepare_picture` cleans every
string of a sheet picture before it is written (characters XML cannot hold — terminal escape
sequences, BEL, NUL … — are removed) and returns the cells to store as plain strings, which
:func:`keep_as_text` then forces to type ``s`` after the values are set. A formula whose value
is unknown (``NO_CACHED_VALUE``) is never written: it is a located input error.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from juesuan.errors import fail
from juesuan.lazy_re import lazy
from juesuan.port import NO_CACHED_VALUE, SheetPicture, a1

# The characters an XML 1.0 document cannot hold (openpyxl refuses them in cells); a lone
# surrogate (bytes a command line could not decode, e.g. a GBK name in a UTF-8 shell) too.
_ILLEGAL = lazy(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = lazy(r"[\ud800-\udfff]")
ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"))
MAX_CELL_TEXT = 32767


def decode_text(data: bytes, path: str) -> str:
    """The text of a file a user saved: UTF-8 (with or without BOM), else GB18030 — what Excel
    and Notepad on a Chinese Windows write as “CSV (逗号分隔)” or “ANSI”; otherwise a located
    input error naming ``path``."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise fail("text-encoding", path=path)


def clean_cell_text(text: str) -> str:
    """``text`` without the control characters a cell (or a .docx) cannot hold; an
    undecodable byte (a lone surrogate) shows as U+FFFD, so the garbled name is seen."""
    if not _ILLEGAL.search(text):
        return text
    return _ILLEGAL.sub("", _SURROGATE.sub("\ufffd", text))


def looks_active(text: str) -> bool:
    """Whether a spreadsheet library would store ``text`` as a formula or an error value."""
    return (len(text) > 1 and text.startswith("=")) or text in ERROR_CODES


def prepare_picture(pic: SheetPicture) -> list[tuple[int, int]]:
    """Clean the strings of ``pic`` in place; return the 0-based cells holding text that
    must be stored as a plain string (see :func:`keep_as_text`)."""
    literal: list[tuple[int, int]] = []
    for pos, (value, style) in pic.cells.items():
        if value is NO_CACHED_VALUE:
            raise fail("formula-no-value", sheet=pic.name, cell=a1(*pos))
        if isinstance(value, str):
            text = str(value)
            cleaned = clean_cell_text(text)[:MAX_CELL_TEXT]
            if cleaned is not value:
                pic.cells[pos] = (cleaned, style)
            if cleaned[:1] == "=" or cleaned[:1] == "#":
                if looks_active(cleaned):
                    literal.append(pos)
    for pos, note in pic.comments.items():
        if isinstance(note, str) and _ILLEGAL.search(note):
            pic.comments[pos] = clean_cell_text(note)
    return literal


def keep_as_text(ws: Any, literal: list[tuple[int, int]]) -> None:
    """Store the cells of ``literal`` (0-based) of the openpyxl worksheet ``ws`` as strings."""
    for r, c in literal:
        cell = ws.cell(row=r + 1, column=c + 1)
        if isinstance(cell.value, str):
            cell.data_type = "s"


def set_text(cell: Any, text: str) -> None:
    """Put ``text`` into an openpyxl ``cell`` as a plain string, whatever it starts with."""
    cell.value = clean_cell_text(text)[:MAX_CELL_TEXT]
    if isinstance(cell.value, str):
        cell.data_type = "s"


def clean_paragraphs(paragraphs: list[Any]) -> list[Any]:
    """Paragraphs (dataclasses with ``text``) whose text a .docx can hold."""
    return [dataclasses.replace(p, text=clean_cell_text(p.text)) if _ILLEGAL.search(p.text) else p
            for p in paragraphs]
