"""``juesuan addin build|install``: the Excel ribbon add-in (决算 tab)."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app as main_app

app = typer.Typer(help="Excel 加载项（决算选项卡）：构建与安装 / the Excel ribbon add-in: build and install.")

main_app.add_typer(app, name="addin")

DEFAULT_OUT = Path("dist") / "juesuan.xlam"


@app.command()
def build(
    out: Path = typer.Option(DEFAULT_OUT, "-o", "--out", help="输出的 .xlam 路径 / output .xlam path"),
) -> None:
    """构建 juesuan.xlam / build juesuan.xlam from the xlwings ribbon template."""
    from juesuan.excel.addin_build import AddinBuildError, build_addin

    try:
        path = build_addin(out)
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
