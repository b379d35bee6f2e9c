"""The Typer application object that every command module registers on."""

import typer

app = typer.Typer(
    name="juesuan",
    help=(
        "决算助手：在财政局官方 Excel 模板中填报、校验部门决算公开表。\n\n"
        "juesuan fills and checks a department's published final accounts (部门决算公开) "
        "in the finance bureau's Excel templates.\n\n"
        "常用 / typical: juesuan new -o 决算.xlsx → 填写明细表 → juesuan fill 决算.xlsx → juesuan check 决算.xlsx"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
