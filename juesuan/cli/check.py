"""``juesuan check``: run the rule catalogue on a workbook (read with python-calamine).

Exit codes: 0 no error (warnings and rounding notes allowed), 1 errors found, 2 the file
can't be checked (missing, not a template, corrupt).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, err, handled, out


def run_check(path: Path, units: list[Path] | None = None):
    """Check ``path`` (with ``units``: a department against its units' workbooks); returns the
    report. Raises InputError when the file can't be checked."""
    from juesuan.io.files import spec_for
    from juesuan.io.xlsx import CalamineBook
    from juesuan.validate import check_workbook

    book = CalamineBook(path)
    unit_books: list[tuple[str, CalamineBook]] = []
    try:
        spec = spec_for(book, None)
        if units:
            from juesuan.io.consolidate_file import open_units

            unit_books = open_units(units, exclude=path)
        return check_workbook(spec, book, unit_books or None)
    finally:
        book.close()
        for _, unit in unit_books:
            unit.close()


def _expand(paths: list[Path]) -> list[Path]:
    """Files to check: each path as given, a folder's .xlsx/.xlsm files (no Office lock files)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix.lower() in (".xlsx", ".xlsm")
                            and not f.name.startswith(("~$", ".~")))
        else:
            files.append(p)
    return files


@app.command("check")
def check(
    paths: list[Path] = typer.Argument(..., help="要校验的工作簿（可多个，或文件夹）/ workbooks to check (several, or folders)"),
    fmt: str = typer.Option("text", "--format", help="输出格式 text|json / output format"),
    mark: Path | None = typer.Option(None, "--mark",
                                     help="另存一份标记了问题单元格的工作簿（仅限单个文件）/ write a copy with the findings "
                                          "marked (one workbook only)"),
    units: list[Path] | None = typer.Option(None, "--units",
                                            help="部门的各单位工作簿（可多次给出，或文件夹）：核对部门数 = 各单位数之和 − 内部抵销 / "
                                                 "the department's unit workbooks (repeat, or a folder)"),
) -> None:
    """校验：按勾稽关系检查全部公开表 / Check every table against the consistency rules.

    一个文件时输出该文件的报告；多个文件或文件夹时逐个校验并汇总（财政局批量审核）。
    With several workbooks (or a folder) each is checked and a summary follows; the exit code
    is the worst: 2 if any workbook could not be checked, else 1 if any has errors.
    """
    if fmt not in ("text", "json"):
        err.print(f"--format 应为 text 或 json / --format must be text or json, not '{fmt}'")
        raise typer.Exit(EXIT_UNUSABLE)
    files = _expand(paths)
    if not files:
        err.print("没有找到要校验的工作簿（.xlsx）/ no workbooks (.xlsx) to check")
        raise typer.Exit(EXIT_UNUSABLE)
    if len(files) == 1 and not paths[0].is_dir():
        _check_one(files[0], fmt, mark, units)
    if units:
        err.print("--units 只能用于单个部门工作簿 / --units takes a single department workbook")
        raise typer.Exit(EXIT_UNUSABLE)
    if mark is not None:
        err.print("--mark 只能用于单个工作簿 / --mark takes a single workbook")
        raise typer.Exit(EXIT_UNUSABLE)
    _check_many(files, fmt)


def _check_one(path: Path, fmt: str, mark: Path | None, units: list[Path] | None = None) -> None:
    with handled():
        with err.status(f"校验 / checking {path.name}"):
            report = run_check(path, units)
        if mark is not None:
            from juesuan.io.marks_xlsx import mark_file
            from juesuan.validate.marks_plan import plan_marks

            mark_file(path, plan_marks(report), mark)
    if fmt == "json":
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        out.print(report.to_text(), highlight=False, markup=False)
        if mark is not None:
            out.print(f"已标记 / marked: {mark}", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK if report.valid else EXIT_FINDINGS)


def _check_many(files: list[Path], fmt: str) -> None:
    from rich.table import Table

    from juesuan.errors import InputError
    from juesuan.spec import SpecError

    results: list[dict] = []
    worst = EXIT_OK
    with err.status("校验 / checking") as status:
        for n, path in enumerate(files, start=1):
            status.update(f"校验 / checking {n}/{len(files)}: {path.name}")
            try:
                report = run_check(path)
            except (InputError, SpecError) as exc:
                problems = exc.problems if isinstance(exc, InputError) else []
                message = "；".join(p.message_zh for p in problems) if problems else str(exc)
                results.append({"file": str(path), "checked": False, "error": message})
                worst = EXIT_UNUSABLE
                continue
            results.append({"file": str(path), "checked": True, **report.to_json()})
            if not report.valid and worst == EXIT_OK:
                worst = EXIT_FINDINGS
            if fmt == "text":
                out.print(f"\n==== {path} ====", highlight=False, markup=False)
                out.print(report.to_text(), highlight=False, markup=False)
    summary = {"files": len(files), "passed": sum(1 for r in results if r.get("valid")),
               "with_errors": sum(1 for r in results if r["checked"] and not r["valid"]),
               "unusable": sum(1 for r in results if not r["checked"])}
    if fmt == "json":
        typer.echo(json.dumps({"summary": summary, "workbooks": results}, ensure_ascii=False, indent=2))
        raise typer.Exit(worst)
    table = Table(title="汇总 / summary", title_justify="left")
    for column in ("工作簿 / workbook", "结果 / result", "错误 / errors", "警告 / warnings", "提示 / info"):
        table.add_column(column)
    for r in results:
        if not r["checked"]:
            table.add_row(r["file"], "无法校验 / unusable: " + r["error"], "-", "-", "-")
            continue
        stats = r["stats"]
        table.add_row(r["file"], "通过 / passed" if r["valid"] else "有错误 / errors",
                      str(stats.get("errors", 0)), str(stats.get("warnings", 0)), str(stats.get("info", 0)))
    out.print(table)
    out.print(f"共 {summary['files']} 个工作簿：通过 {summary['passed']}，有错误 {summary['with_errors']}，"
              f"无法校验 {summary['unusable']} / {summary['files']} workbooks: {summary['passed']} passed, "
              f"{summary['with_errors']} with errors, {summary['unusable']} unusable", highlight=False)
    raise typer.Exit(worst)
