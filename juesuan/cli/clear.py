"""``juesuan clear``: remove every mark left by ``check --mark`` (or the ribbon), restoring
each cell's own formatting and note exactly."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import FORCE, handled, out


@app.command("clear")
def clear(
    path: Path = typer.Argument(..., help="带标记的工作簿 / the marked workbook"),
    output: Path | None = typer.Option(None, "-o", "--output", help="输出路径；省略则原地修改 / output; default: in place"),
    force: bool = FORCE,
) -> None:
    """清除标记：恢复单元格原有格式，删除“校验结果”表 / Remove validation marks."""
    with handled():
        from juesuan.io.marks_xlsx import clear_file
        from juesuan.io.safe_write import check_in_place, check_new_output, workbook_suffix
        from juesuan.io.xlsx import check_workbook_file

        check_workbook_file(path)
        if output is None:
            check_in_place(path)
        else:
            suffix, why = workbook_suffix(path)
            check_new_output(output, force=force, suffixes=(suffix,), what="工作簿 / a workbook", why=why)
        from juesuan.io.marks_xlsx import has_marks

        if output is None and not has_marks(path):  # nothing to clear: the file is not rewritten
            out.print(f"没有校验标记，文件未改动 / no validation marks: {path} is unchanged", highlight=False, markup=False)
            return
        target, restored = clear_file(path, output)
    out.print(f"已清除 {restored} 个单元格的标记 / cleared marks from {restored} cells: {target}",
              highlight=False, markup=False)
