"""``juesuan spec``: the formats (template specs) — list the shipped ones, and check a spec
file a bureau edits (every defect located: unknown keys, unknown references, derive
cycles, duplicate ids, rule parameters), exit 2 when it is invalid."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_UNUSABLE, FORMAT, SPEC_FILE, err, get_spec, handled, out

spec_app = typer.Typer(help="模板规范 / template specs (formats).", no_args_is_help=True)
app.add_typer(spec_app, name="spec")


@spec_app.command("check")
def check(path: Path = typer.Argument(..., help="规范文件（spec-*.yaml）/ the spec file")) -> None:
    """校验模板规范文件 / Validate a spec file (exit 2 with the located problem when invalid)."""
    from juesuan.spec import SpecError, load_spec_file

    try:
        spec = load_spec_file(path)
    except SpecError as exc:
        err.print(f"{exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_UNUSABLE) from None
    out.print(f"规范有效 / valid: {spec.name}（格式 {spec.format}）：{len(spec.tables)} 张表 / tables，"
              f"{len(spec.rules)} 条规则 / rules，{len(spec.codes.functional)} + {len(spec.codes.economic)} 个科目 / codes",
              markup=False, highlight=False)


@spec_app.command("list")
def list_formats() -> None:
    """列出随附的模板格式 / List the shipped formats."""
    from juesuan.spec import available_formats, load_spec, newest_format

    newest = newest_format()
    for fmt in available_formats():
        spec = load_spec(fmt)
        mark = "（默认 / default）" if fmt == newest else ""
        out.print(f"{fmt}\t{spec.name}\t{len(spec.tables)} 张表{mark}", markup=False, highlight=False)


@spec_app.command("labels")
def labels(
    table: str | None = typer.Argument(None, help="表（序号 1–9、公开0n表或标题；默认全部）/ the table (default: all)"),
    fmt: str | None = FORMAT,
    spec_file: Path | None = SPEC_FILE,
) -> None:
    """列出 import 的 CSV 可用的行、栏及别名 / List the rows, columns and other labels `import` accepts."""
    with handled():
        from juesuan.importer import table_for, table_labels

        spec = get_spec(fmt, spec_file)
        tables = spec.tables
        if table is not None:
            tid = table_for(table, spec)
            if tid is None:
                valid = "、".join(f"{n}={t.title}" for n, t in enumerate(spec.tables, start=1))
                err.print(f"未知的表“{table}”（可用：{valid}）/ unknown table '{table}'", markup=False, highlight=False)
                raise typer.Exit(EXIT_UNUSABLE)
            tables = [spec.table(tid)]
        for t in tables:
            n = spec.tables.index(t) + 1
            rows, columns, aliases = table_labels(spec, t)
            out.print(f"== {n} {t.title}（{spec.format}）==", markup=False, highlight=False)
            out.print("行 / rows (row): " + "、".join(rows), markup=False, highlight=False)
            out.print("栏 / columns (column): " + "、".join(columns), markup=False, highlight=False)
            if aliases:
                out.print("也可写作 / also accepted: " + "、".join(aliases), markup=False, highlight=False)
