"""``juesuan narrative``: export the 说明 of a filled workbook as a Word document."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import FORCE, handled, out


@app.command("narrative")
def narrative(
    path: Path = typer.Argument(..., help="已填充的决算工作簿 / a filled workbook"),
    output: Path = typer.Option(Path("说明.docx"), "-o", "--output", help="输出的 .docx / output .docx"),
    force: bool = FORCE,
) -> None:
    """导出说明：由公开表生成部门决算情况说明（Word）/ Export the 说明 as .docx."""
    with handled():
        from juesuan.errors import InputError, Problem
        from juesuan.io.safe_write import atomic_write, check_new_output
        from juesuan.io.text import clean_paragraphs
        from juesuan.io.xlsx import CalamineBook
        from juesuan.narrative.docx_export import build_docx
        from juesuan.narrative.steps import accounts_from_workbook, narrative_from_workbook
        from juesuan.workbook_format import spec_for

        check_new_output(output, force=force, suffixes=(".docx",), what="Word 文档 / a Word document")
        book = CalamineBook(path)
        try:
            spec = spec_for(book, None)
            accounts = accounts_from_workbook(spec, book)
            if not any(v for t in accounts.tables.values() for row in t.rows() for v in row.values.values()):
                # never a 说明 of “收、支总计均为0.00万元” from tables no one filled
                raise InputError([Problem("tables-empty", {}, spec.tables[0].sheet if spec.tables else None)])
            paragraphs = clean_paragraphs(narrative_from_workbook(spec, book, accounts))
        finally:
            book.close()
        doc = build_docx(paragraphs)
        atomic_write(output, lambda tmp: doc.save(str(tmp)))
        target = output
        pending = sum(1 for p in paragraphs if "【请填写" in p.text)
        out.print(f"已导出说明 / written: {target}（{len(paragraphs)} 段 / paragraphs）", highlight=False, markup=False)
        if pending:
            out.print(f"尚有 {pending} 段含待填写内容（【请填写…】）/ {pending} paragraphs still have placeholders")
