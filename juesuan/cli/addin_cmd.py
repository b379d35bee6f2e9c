"""``juesuan addin build|install``: the Excel ribbon add-in (决算 tab)."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app as main_app
from juesuan.cli.common import FORCE, handled

app = typer.Typer(help="Excel 加载项（决算选项卡）：构建与安装 / the Excel ribbon add-in: build and install.")

main_app.add_typer(app, name="addin")

DEFAULT_OUT = Path("dist") / "juesuan.xlam"


@app.command()
def build(
    out: Path | None = typer.Option(None, "-o", "--out",
                                    help=f"输出的 .xlam 路径；默认 {DEFAULT_OUT} / output .xlam path (default {DEFAULT_OUT})"),
    interpreter_win: str = typer.Option(
        "", "--interpreter-win",
        help="写入加载项设置表的 Windows Python 路径（可含 %变量%）/ Python on Windows, on the settings sheet"),
    interpreter_mac: str = typer.Option(
        "", "--interpreter-mac", help="macOS 上的 Python 路径 / Python on macOS, on the settings sheet"),
    pythonpath: str = typer.Option(
        "", "--pythonpath", help="额外的 PYTHONPATH（; 分隔）/ extra PYTHONPATH entries, on the settings sheet"),
    force: bool = FORCE,
) -> None:
    """构建 juesuan.xlam / build juesuan.xlam from the xlwings ribbon template.

    不给路径时，设置表不写解释器，由 `juesuan addin install` 写入每个用户的设置文件；
    信息部门统一部署时可用 --interpreter-win 把同一路径写进加载项。
    Without paths the sheet names no interpreter (``addin install`` writes the user's file).
    """
    settings = {"Interpreter_Win": interpreter_win, "Interpreter_Mac": interpreter_mac, "PYTHONPATH": pythonpath}
    with handled():
        from juesuan.excel.addin_build import AddinBuildError, build_addin
        from juesuan.io.safe_write import check_in_place, check_new_output

        if out is None:  # the default build folder: rebuilding the add-in there is the point
            out = DEFAULT_OUT
            check_new_output(out, force=True, suffixes=(".xlam",), what="加载项 / the add-in")
        else:  # a path of the user's: never over a file they did not ask to replace
            check_new_output(out, force=force, suffixes=(".xlam",), what="加载项 / the add-in",
                             why="Excel 只把 .xlam 当作加载项 / Excel loads an add-in only from an .xlam")
        if out.exists():
            check_in_place(out)  # open in Excel, or read-only: said now, not as a failed write
        try:
            path = build_addin(out, settings=settings)
        except AddinBuildError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
    typer.echo(f"已生成 / built: {path}")


@app.command()
def install(
    dry_run: bool = typer.Option(False, "--dry-run", help="只列出步骤，不执行 / only list the steps"),
) -> None:
    """安装加载项到 Excel 启动文件夹 / install the add-in into Excel's XLSTART folder."""
    from juesuan.excel.addin_build import AddinBuildError
    from juesuan.excel.addin_install import AddinInstallError, install_addin

    try:
        steps = install_addin(dry_run)
    except (AddinInstallError, AddinBuildError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for i, step in enumerate(steps, start=1):
        typer.echo(f"{i}. {step}")
