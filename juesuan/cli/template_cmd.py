"""``juesuan template build``: (re)build the checked-in official template workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import FORCE, FORMAT, SPEC_FILE, get_spec, handled, out

template_app = typer.Typer(help="官方模板工作簿 / the official template workbook.", no_args_is_help=True)
app.add_typer(template_app, name="template")


@template_app.command("build")
def build(
    fmt: str | None = FORMAT,
    spec_file: Path | None = SPEC_FILE,
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="输出路径；默认 workbooks/template-<格式>.xlsx / default workbooks/template-<format>.xlsx"),
    force: bool = FORCE,
) -> None:
    """生成空白官方模板（可复现，逐字节相同）/ Build the blank template, reproducibly (same bytes each time)."""
    with handled():
        from juesuan.io.template_file import build_template, default_path

        spec = get_spec(fmt, spec_file)
        if output is not None:  # the default path is the checked-in template: rebuilding it is the point
            from juesuan.io.safe_write import check_new_output

            check_new_output(output, force=force, suffixes=(".xlsx",), what="模板 / the template")
        path = build_template(spec, output or default_path(spec))
        out.print(f"已生成模板 / template built: [bold]{path}[/bold]（{spec.name}）")
