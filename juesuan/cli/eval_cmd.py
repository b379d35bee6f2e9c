"""``juesuan eval add``: add a project self-evaluation sheet (项目支出绩效自评表) from the template."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_UNUSABLE, err, handled, out

eval_app = typer.Typer(help="项目支出绩效自评表 / project performance self-evaluations.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("add")
def add(
    path: Path = typer.Argument(..., help="决算工作簿 / the workbook"),
    name: str = typer.Option(..., "--name", help="项目名称 / project name"),
    unit: str = typer.Option("", "--unit", help="项目实施单位（默认为部门）/ implementing unit (default: the department)"),
    dept: str = typer.Option("", "--dept", help="主管部门（默认取基本信息）/ supervising department"),
) -> None:
    """新增绩效自评表：按模板为一个项目添加自评表 / Add a blank self-evaluation sheet for a project."""
    with handled():
        from juesuan.evaluation.steps import new_sheet
        from juesuan.io.safe_write import check_in_place
        from juesuan.io.text import clean_cell_text
        from juesuan.io.xlsx import CalamineBook, load_for_write, replace_sheets, save_atomic
        from juesuan.workbook_format import spec_for

        name, unit, dept = (clean_cell_text(v).strip() for v in (name, unit, dept))
        if not name:
            err.print("项目名称不能为空 / the project name is required")
            raise typer.Exit(EXIT_UNUSABLE)
        book = CalamineBook(path)
        check_in_place(book.path)
        try:
            spec = spec_for(book, None)
            picture = new_sheet(spec, book, name, unit, dept)
        except ValueError as exc:
            err.print(str(exc), highlight=False, markup=False)
            raise typer.Exit(EXIT_UNUSABLE) from None
        finally:
            book.close()
        wb = load_for_write(book.path)
        replace_sheets(wb, [picture])
        save_atomic(wb, book.path)
        out.print(f"已添加绩效自评表 / added: [bold]{escape(picture.name)}[/bold]；填写后运行 juesuan fill 计算得分 "
                  f"/ fill it in, then run juesuan fill to compute the scores")
