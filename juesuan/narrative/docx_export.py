"""The 说明 as a Word document ready to publish: title in 方正小标宋/黑体 centred, section
headings (一、二、…) in 黑体, subheadings (（一）…) in 楷体, body in 仿宋 三号 with a
two-character first-line indent and fixed 28-point line spacing (the usual 公文 layout)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from juesuan.narrative.generate import Paragraph

BODY_FONT, HEADING_FONT, SUB_FONT, TITLE_FONT = "仿宋", "黑体", "楷体", "黑体"
BODY_SIZE, TITLE_SIZE = Pt(16), Pt(22)


def _font(run, name: str, size: Pt, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()  # noqa: SLF001 - East Asian font needs the raw property
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def write_docx(paragraphs: list[Paragraph], target: str | Path) -> Path:
    """Write ``paragraphs`` as a .docx at ``target`` (A4, 公文 margins)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    build_docx(paragraphs).save(str(target))
    return target


def build_docx(paragraphs: list[Paragraph]) -> Any:
    """The .docx document of ``paragraphs`` (A4, 公文 margins), not yet saved."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    for p in paragraphs:
        para = doc.add_paragraph()
        fmt = para.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28)
        fmt.space_before = fmt.space_after = Pt(0)
        run = para.add_run(p.text)
        if p.kind == "title":
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.space_after = Pt(16)
            fmt.line_spacing = Pt(36)
            _font(run, TITLE_FONT, TITLE_SIZE)
        elif p.kind == "heading":
            fmt.first_line_indent = Pt(32)
            _font(run, HEADING_FONT, BODY_SIZE)
        elif p.kind == "subheading":
            fmt.first_line_indent = Pt(32)
            _font(run, SUB_FONT, BODY_SIZE, bold=True)
        else:
            fmt.first_line_indent = Pt(32)
            para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _font(run, BODY_FONT, BODY_SIZE)
    return doc


def read_docx_text(path: str | Path) -> str:
    """The plain text of a .docx, one paragraph a line (tables included, row by row)."""
    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append("　".join(cell.text for cell in row.cells))
    return "\n".join(lines)
