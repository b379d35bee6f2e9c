"""``juesuan check``: run the rule catalogue on a workbook (read with python-calamine).

Exit codes: 0 no error (warnings and rounding notes allowed), 1 errors found, 2 the file
can't be checked (missing, not a template, corrupt).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, err, handled, out


def run_check(path: Path):
    """Check ``path``; returns (report, spec). Raises InputError when the file can't be checked."""
    from juesuan.io.files import spec_for
    from juesuan.io.xlsx import CalamineBook
    from juesuan.validate import check_workbook

    book = CalamineBook(path)
    try:
        spec = spec_for(book, None)
        return check_workbook(spec, book)
    finally:
        book.close()


@app.command("check")
def check(
    path: Path = typer.Argument(..., help="要校验的工作簿 / the workbook to check"),
    fmt: str = typer.Option("text", "--format", help="输出格式 text|json / output format"),
    mark: Path | None = typer.Option(None, "--mark",
                                     help="另存一份标记了问题单元格的工作簿 / write a copy with the findings marked"),
) -> None:
    """校验：按勾稽关系检查全部公开表 / Check every table against the consistency rules."""
    if fmt not in ("text", "json"):
        err.print(f"--format 应为 text 或 json / --format must be text or json, not '{fmt}'")
        raise typer.Exit(EXIT_UNUSABLE)
    with handled():
        report = run_check(path)
        if mark is not None:
            from juesuan.io.marks_xlsx import mark_file
            from juesuan.validate.marks_plan import plan_marks

            mark_file(path, plan_marks(report), mark)
    if fmt == "json":
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        out.print(report.to_text(), highlight=False, markup=False)
        if mark is not None:
            out.print(f"已标记 / marked: {mark}", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK if report.valid else EXIT_FINDINGS)
