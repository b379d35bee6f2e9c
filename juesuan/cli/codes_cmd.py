"""``juesuan codes import``: a bureau's code table (科目编码, 科目名称) into a code-list file."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_UNUSABLE, FORMAT, SPEC_FILE, get_spec, handled, out, show_problems
from juesuan.errors import fail

codes_app = typer.Typer(help="科目表 / code lists", no_args_is_help=True)
app.add_typer(codes_app, name="codes")


def _read_grid(path: Path, sheet: str | None) -> tuple[list[list], str]:
    """The table as a grid, and the name messages give it (sheet name or the CSV file name)."""
    if not path.exists():
        raise fail("file-missing", path=str(path))
    if path.suffix.lower() == ".csv":
        from juesuan.io.text import decode_text

        text = decode_text(path.read_bytes(), str(path))
        rows = list(csv.reader(text.splitlines()))
        return [[v if v.strip() else None for v in row] for row in rows], path.name
    from juesuan.io.xlsx import CalamineBook

    book = CalamineBook(path)
    try:
        name = sheet or book.sheet_names()[0]
        return book.read_sheet(name), name
    finally:
        book.close()


@codes_app.command("import")
def import_codes_cmd(
    path: Path = typer.Argument(..., help="科目表 .xlsx 或 .csv（列：科目编码、科目名称）/ the code table"),
    fmt: str | None = FORMAT,
    spec_file: Path | None = SPEC_FILE,
    output: Path | None = typer.Option(None, "-o", "--output", help="输出的科目表 YAML（默认 codes-<格式>.yaml）"),
    sheet: str | None = typer.Option(None, "--sheet", help="工作表名（默认第一张）/ sheet name"),
    scheme: str | None = typer.Option(None, "--scheme", help="functional 或 economic（默认按分类列或首位数字）"),
    merge: bool = typer.Option(True, "--merge/--no-merge", help="并入内置科目表（默认）/ merge into the shipped list"),
    force: bool = typer.Option(False, "--force", help="覆盖已有输出文件 / overwrite an existing output"),
) -> None:
    """导入财政局科目表，生成模板使用的科目表文件 / Import a bureau's code table into a code-list file."""
    with handled():
        from juesuan.code_import import import_codes, merged, render_yaml

        spec = get_spec(fmt, spec_file)
        if scheme not in (None, "functional", "economic"):
            raise typer.BadParameter("--scheme 应为 functional 或 economic / must be functional or economic")
        grid, where = _read_grid(path, sheet)
        result = import_codes(grid, spec, where, scheme)
        warnings = [p for p in result.problems if p.severity != "error"]
        if result.errors or result.header_row is None:
            show_problems(result.problems)
            raise typer.Exit(EXIT_UNUSABLE)
        if warnings:
            show_problems(warnings, title="提示 / warnings")
        target = output or Path(f"codes-{spec.format}.yaml")
        from juesuan.io.safe_write import atomic_write, check_new_output

        check_new_output(target, force=force, suffixes=(".yaml", ".yml"), what="科目表 / a code list")
        imported = f"导入自 {path.name}（{date.today().isoformat()}）"
        source = {k: imported + ("，并入内置科目表" if merge else "") for k in ("functional", "economic")
                  if result.codes[k]}
        for k in ("functional", "economic"):
            source.setdefault(k, f"内置 {spec.format} 年科目表 / shipped list")
        text = render_yaml(merged(result, spec, merge), source, spec.format)
        atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        counts = "，".join(f"{label} {result.count(k, n)} 个{lvl}"
                          for k, label, levels in (("functional", "功能分类", (3, 5, 7)), ("economic", "经济分类", (3, 5)))
                          for n, lvl in zip(levels, ("类", "款", "项"), strict=False) if result.count(k, n))
        out.print(f"已导入 / imported: {counts or '0'}；重复 {sum(p.code == 'codes-duplicate' for p in warnings)}，"
                  f"与内置名称不同 {sum(p.code == 'codes-conflict' for p in warnings)} → {target}",
                  highlight=False, markup=False)
