"""A 说明 as plain text from the files departments publish: .txt (UTF-8, UTF-8 with BOM or
GB18030), .docx (paragraphs and tables) and .pdf (its text layer: poppler's ``pdftotext``
when installed, else the pypdf library). A scanned PDF without a text layer is refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from juesuan.errors import fail


def read_text_file(path: str | Path) -> str:
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
    data = p.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise fail("file-corrupt", path=str(p), reason="无法识别的文本编码 / unknown text encoding")


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
    import re

    from juesuan.narrative.textparse import HEADING

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
