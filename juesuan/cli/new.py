"""``juesuan new``: a fresh workbook from the official template."""

from __future__ import annotations

from pathlib import Path

from juesuan.cli.app import app
from juesuan.cli.common import DEPT, FORCE, FORMAT, NEW_WORKBOOK, SPEC_FILE, YEAR, get_spec, handled, out


@app.command("new")
def new(
    output: Path = NEW_WORKBOOK,
    fmt: str | None = FORMAT,
    spec_file: Path | None = SPEC_FILE,
    dept: str = DEPT,
    year: str = YEAR,
    force: bool = FORCE,
) -> None:
    """新建：按官方模板生成空白工作簿 / Create a blank workbook from the official template."""
    with handled():
        from juesuan.errors import InputError
        from juesuan.io.files import write_new
        from juesuan.io.safe_write import check_new_output
        from juesuan.sanity import year_option_problem
        from juesuan.spec.model import norm_year

        check_new_output(output, force=force, suffixes=(".xlsx",), what="新工作簿 / a new workbook")
        spec = get_spec(fmt, spec_file)
        year = norm_year(year)  # “2025年度” is written as 2025
        misfit = year_option_problem(spec, year)
        if misfit is not None:
            raise InputError([misfit])
        path = write_new(output, spec, dept, year)
        out.print(f"已创建 / created: {path}（{spec.name}）", highlight=False, markup=False)
