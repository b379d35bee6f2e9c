"""``juesuan import``: published figures from a long CSV into a fresh template workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import get_spec, handled, out


@app.command("import")
def import_(
    csv_path: Path = typer.Argument(..., help="CSV（列 table,row,column,value）/ the CSV (columns table,row,column,value)"),
    output: Path = typer.Option(..., "-o", "--output", help="新工作簿路径 / the workbook to write (.xlsx)"),
    fmt: str = typer.Option("2019", "--format", help="模板格式年度 / template format year"),
    dept: str = typer.Option("", "--dept", help="部门名称 / department name"),
    year: str = typer.Option("", "--year", help="决算年度 / year of the accounts"),
) -> None:
    """导入：把已公开的决算数字写入空白模板，以便校验 / Import published figures for checking."""
    with handled():
        from juesuan.importer import import_file

        spec = get_spec(fmt)
        path = import_file(csv_path, output, spec, dept, year)
    out.print(f"已导入 / imported: {path}（{spec.name}）", highlight=False, markup=False)
