"""Shared CLI plumbing: consoles, progress display, and turning engine errors into
readable messages and exit codes (0 ok, 1 findings, 2 unusable input)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from juesuan.errors import InputError, Problem
from juesuan.spec import SpecError, TemplateSpec, load_spec, load_spec_file

out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2

# Options several commands share (Typer reads these definitions; it does not change them).
NEW_WORKBOOK = typer.Option(..., "-o", "--output", help="新工作簿路径 / the workbook to write (.xlsx)")
FORMAT = typer.Option(None, "--format", help="模板格式（默认最新格式）/ template format (default: the newest)")
SPEC_FILE = typer.Option(None, "--spec", help="财政局分发的模板规范文件（YAML）/ a bureau's spec file (YAML)")
DEPT = typer.Option("", "--dept", help="部门名称 / department name")
YEAR = typer.Option("", "--year", help="决算年度 / year of the accounts")


def show_problems(problems: list[Problem], title: str = "无法处理 / cannot proceed") -> None:
    table = Table(title=title, show_lines=False, title_justify="left")
    table.add_column("位置 / where", style="cyan", no_wrap=True)
    table.add_column("问题 / problem", overflow="fold")  # long CJK text wraps, never cut off
    for p in problems[:200]:
        table.add_row(p.where or "-", f"{p.message_zh}\n[dim]{p.message_en}[/dim]")
    err.print(table)
    if len(problems) > 200:
        err.print(f"…… 另有 {len(problems) - 200} 个问题 / {len(problems) - 200} more problems")


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Run a command body; turn known errors into messages and exit code 2."""
    try:
        yield
    except InputError as exc:
        show_problems(exc.problems)
        raise typer.Exit(EXIT_UNUSABLE) from None
    except SpecError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_UNUSABLE) from None


def get_spec(fmt: str | None, spec_file: str | Path | None = None) -> TemplateSpec:
    """The spec a command works with: a bureau's file, else a shipped format (default: newest)."""
    if spec_file:
        return load_spec_file(spec_file)
    return load_spec(fmt)


@contextlib.contextmanager
def progress() -> Iterator:
    """A status line on stderr that each step updates (silent when not a terminal)."""
    with err.status("开始 / starting") as status:
        def step(message: str) -> None:
            status.update(message)
            if not err.is_terminal:
                err.print(f"· {message}", highlight=False)
        yield step
