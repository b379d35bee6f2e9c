"""Text for the XML parts of a workbook package: the escaping of character data (what
``xml.sax.saxutils.escape`` does, without the import of ``urllib.request`` and ``http.client``
that module costs every run)."""

from __future__ import annotations

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """``text`` as XML character data: ``&``, ``<`` and ``>`` escaped."""
    return text.translate(_TEXT)
