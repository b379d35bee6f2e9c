"""``juesuan new``: a fresh workbook from the official template."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import get_spec, handled, out


@app.command("new")
def new(
    output: Path = typer.Option(..., "-o", "--output", help="新工作簿路径 / where to write the new workbook (.xlsx)"),
    fmt: str = typer.Option("2019", "--format", help="模板格式年度 / template format year"),
    dept: str = typer.Option("", "--dept", help="部门名称 / department name"),
    year: str = typer.Option("", "--year", help="决算年度 / year of the accounts"),
) -> None:
    """新建：按官方模板生成空白工作簿 / Create a blank workbook from the official template."""
    with handled():
        from juesuan.io.files import write_new

        spec = get_spec(fmt)
        path = write_new(output, spec, dept, year)
        out.print(f"已创建 / created: [bold]{path}[/bold]（{spec.name}）")
