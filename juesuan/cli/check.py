"""``juesuan check``: the command-line parser of :mod:`juesuan.cli.checking` (run the rule
catalogue on a workbook, or a batch of them)."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import FORCE


@app.command("check")
def check(
    paths: list[Path] = typer.Argument(..., help="要校验的工作簿（可多个，或文件夹）/ workbooks to check (several, or folders)"),
    fmt: str = typer.Option("text", "--format", help="输出格式 text|json / output format"),
    mark: Path | None = typer.Option(None, "--mark",
                                     help="另存一份标记了问题单元格的工作簿（仅限单个文件）/ write a copy with the findings "
                                          "marked (one workbook only)"),
    force: bool = FORCE,
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1,
                                    help="并行校验的进程数（默认：CPU 核数）/ workbooks checked in parallel "
                                         "(default: the machine's cores)"),
    units: list[Path] | None = typer.Option(None, "--units",
                                            help="部门的各单位工作簿（可多次给出，或文件夹）：核对部门数 = 各单位数之和 − 内部抵销 / "
                                                 "the department's unit workbooks (repeat, or a folder)"),
) -> None:
    """校验：按勾稽关系检查全部公开表 / Check every table against the consistency rules.

    一个文件时输出该文件的报告；多个文件或文件夹时逐个校验并汇总（财政局批量审核）。
    With several workbooks (or a folder) each is checked and a summary follows; the exit code
    is the worst: 2 if any workbook could not be checked, else 1 if any has errors. ``--jobs N``
    checks N workbooks at a time in separate processes (each holds one workbook at a time).
    """
    from juesuan.cli.checking import check_command

    check_command(paths, fmt, mark, force, jobs, units)
