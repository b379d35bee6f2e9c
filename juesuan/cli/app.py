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


def _version(value: bool) -> None:
    if value:
        from juesuan import __version__
        from juesuan.spec import available_formats

        typer.echo(f"juesuan {__version__}（模板格式 / template formats: {', '.join(available_formats())}）")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="显示版本 / show the version"),
) -> None:
    """决算助手 juesuan."""
