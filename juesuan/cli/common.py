"""Shared CLI plumbing of the typer commands: the options several commands share, and (from
:mod:`juesuan.cli.console`) consoles, progress display, errors turned into messages and exit
codes (0 ok, 1 findings, 2 unusable input or a file that can't be written; 130 interrupted)."""

from __future__ import annotations

import typer

from juesuan.cli.console import (  # noqa: F401 - the commands import these from here
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNUSABLE,
    clean_text,
    echo_json,
    err,
    get_spec,
    handled,
    out,
    progress,
    show_problems,
)

# Options several commands share (Typer reads these definitions; it does not change them).
NEW_WORKBOOK = typer.Option(..., "-o", "--output", help="新工作簿路径 / the workbook to write (.xlsx)")
FORMAT = typer.Option(None, "--format", help="模板格式（默认最新格式）/ template format (default: the newest)")
SPEC_FILE = typer.Option(None, "--spec", help="财政局分发的模板规范文件（YAML）/ a bureau's spec file (YAML)")
DEPT = typer.Option("", "--dept", help="部门名称 / department name")
YEAR = typer.Option("", "--year", help="决算年度 / year of the accounts")
FORCE = typer.Option(False, "--force", help="覆盖已存在的输出文件 / overwrite an existing output file")
