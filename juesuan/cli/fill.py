"""``juesuan fill``: compute every table from the detail sheets."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import FORCE, handled, out, progress, show_problems
from juesuan.money import format_wan


@app.command("fill")
def fill(
    path: Path = typer.Argument(..., help="已填写明细表的工作簿 / workbook with the detail sheets filled"),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="输出路径；省略则原地替换并保留 .bak 备份 / output; default: replace in place, keep a .bak"),
    fmt: str | None = typer.Option(None, "--format", help="期望的模板格式 / expected template format"),
    force: bool = FORCE,
    previous: Path | None = typer.Option(None, "--previous", help="上年度决算工作簿（说明中的同比变动；写入上年数）"
                                                                 " / last year's workbook (year-on-year in the 说明)"),
) -> None:
    """填充：由明细表计算全部公开表 / Fill every table from the detail sheets."""
    with handled():
        from juesuan.io.files import fill_file

        extras = {}
        if previous is not None:
            from juesuan.io.text_file import read_previous

            extras["previous"], extras["previous_entries"] = read_previous(previous)
        with progress() as step:
            result, target, backup = fill_file(path, output, fmt, step, extras, force=force)
        report_fill(result, target, backup)


def report_fill(result, target: Path, backup: Path | None) -> None:
    acc = result.accounts
    who = " ".join(part for part in (acc.dept, acc.year) if part)
    out.print(f"已填充 / filled: {target}" + (f"（{who}）" if who else ""), highlight=False, markup=False)
    if backup:
        out.print(f"原文件备份 / backup of the previous file: {backup}", highlight=False, markup=False)
    tables = [p.name for p in result.pictures[: len(acc.tables)]]  # the table sheets come first, as named
    out.print(f"表格 / tables ({len(tables)}): {', '.join(tables)}", highlight=False, markup=False)
    out.print(f"最大舍入偏差 / largest deviation from exact: {format_wan(acc.max_deviation)} 万元"
              + (f"（{acc.max_deviation_at}）" if acc.max_deviation_at else ""), highlight=False, markup=False)
    if acc.over_a_cent:
        out.print(f"偏差超过 0.01 万元的数字 / figures more than 0.01 from exact: {len(acc.over_a_cent)}",
                  highlight=False, markup=False)
    for note in result.notes:
        out.print(note, highlight=False, markup=False)
    if acc.warnings:
        show_problems(acc.warnings, title="提示 / warnings")
