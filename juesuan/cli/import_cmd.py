"""``juesuan import``: published figures from a long CSV into a fresh template workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import (
    DEPT,
    FORCE,
    FORMAT,
    NEW_WORKBOOK,
    SPEC_FILE,
    YEAR,
    get_spec,
    handled,
    out,
    show_problems,
)


@app.command("import")
def import_(
    csv_path: Path = typer.Argument(..., help="CSV（列 table,row,column,value）/ the CSV (columns table,row,column,value)"),
    output: Path = NEW_WORKBOOK,
    fmt: str | None = FORMAT,
    spec_file: Path | None = SPEC_FILE,
    dept: str = DEPT,
    year: str = YEAR,
    force: bool = FORCE,
    eval_variant: str | None = typer.Option(None, "--eval-variant",
                                            help="绩效自评表样式（见 evaluation-<格式>.yaml 的 variants；默认按所列行判断）"
                                                 " / self-evaluation layout (default: by the rows present)"),
) -> None:
    """导入：把已公开的决算数字写入空白模板，以便校验 / Import published figures for checking."""
    with handled():
        from juesuan.errors import InputError
        from juesuan.io.import_file import import_file
        from juesuan.io.safe_write import check_new_output
        from juesuan.sanity import year_option_problem
        from juesuan.spec.model import norm_year

        check_new_output(output, force=force, suffixes=(".xlsx",), what="新工作簿 / a new workbook")
        spec = get_spec(fmt, spec_file)
        year = norm_year(year)  # “2025年度” is written as 2025
        misfit = year_option_problem(spec, year)
        if misfit is not None:
            raise InputError([misfit])
        warnings: list = []
        path = import_file(csv_path, output, spec, dept, year, eval_variant, warnings)
    if warnings:
        show_problems(warnings, "提示 / warnings")
    out.print(f"已导入 / imported: {path}（{spec.name}）", highlight=False, markup=False)
