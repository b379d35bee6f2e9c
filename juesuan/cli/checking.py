"""What ``juesuan check`` does, apart from its command-line parser: run the rule catalogue on
a workbook (read with python-calamine), or on many (a bureau's batch) with a summary.

Exit codes (raised as ``SystemExit``): 0 no error (warnings and rounding notes allowed),
1 errors found, 2 the file can't be checked (missing, not a template, corrupt). Nothing here
imports typer: :mod:`juesuan.cli.check` is the typer command, :mod:`juesuan.cli.fast` runs the
plain ``juesuan check FILE`` without it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from juesuan.cli.console import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_UNUSABLE,
    clean_text,
    echo_json,
    err,
    handled,
    out,
)


def run_check(path: Path, units: list[Path] | None = None):
    """Check ``path`` (with ``units``: a department against its units' workbooks); returns the
    report. Raises InputError when the file can't be checked."""
    from juesuan.io.xlsx import CalamineBook
    from juesuan.validate import check_workbook
    from juesuan.workbook_format import spec_for

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


# a folder's spreadsheets: .xlsx/.xlsm are checked; the others are listed as unusable, with
# why, rather than skipped unseen (a department's .xls, or an .xlsx renamed .xls)
_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".et", ".ods")


def _expand(paths: list[Path]) -> list[Path]:
    """Files to check: each path as given, a folder's spreadsheet files (no Office lock files)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.suffix.lower() in _SPREADSHEETS and f.is_file()
                            and not f.name.startswith(("~$", ".~")))
        else:
            files.append(p)
    return files


def check_command(paths: list[Path], fmt: str = "text", mark: Path | None = None, force: bool = False,
                  jobs: int | None = None, units: list[Path] | None = None) -> None:
    """``juesuan check`` with its options parsed: one workbook's report, or a batch's."""
    if fmt not in ("text", "json"):
        err.print(f"--format 应为 text 或 json / --format must be text or json, not '{fmt}'")
        raise SystemExit(EXIT_UNUSABLE)
    files = _expand(paths)
    if not files:
        err.print("没有找到要校验的工作簿（.xlsx）/ no workbooks (.xlsx) to check")
        raise SystemExit(EXIT_UNUSABLE)
    if len(files) == 1 and not paths[0].is_dir():
        check_one(files[0], fmt, mark, force, units)
    if units:
        err.print("--units 只能用于单个部门工作簿 / --units takes a single department workbook")
        raise SystemExit(EXIT_UNUSABLE)
    if mark is not None:
        err.print("--mark 只能用于单个工作簿 / --mark takes a single workbook")
        raise SystemExit(EXIT_UNUSABLE)
    check_many(files, fmt, jobs or os.cpu_count() or 1)


def check_one(path: Path, fmt: str, mark: Path | None, force: bool = False,
               units: list[Path] | None = None) -> None:
    from juesuan.errors import InputError
    from juesuan.spec import SpecError

    with handled():
        if mark is not None:
            from juesuan.io.safe_write import check_new_output, workbook_suffix
            from juesuan.io.xlsx import check_workbook_file

            check_workbook_file(path)
            suffix, why = workbook_suffix(path)
            check_new_output(mark, force=force, suffixes=(suffix,), what="标记副本 / a marked copy", why=why)
        with err.status(f"校验 / checking {clean_text(path.name)}"):
            try:
                report = run_check(path, units)
            except (InputError, SpecError) as exc:
                if fmt == "json":  # a machine reading stdout learns why too (the message goes to stderr)
                    echo_json(unusable_entry(path, exc))
                raise
        if mark is not None:
            from juesuan.io.marks_xlsx import mark_file
            from juesuan.validate.marks_plan import plan_marks

            mark_file(path, plan_marks(report), mark)
    if fmt == "json":
        echo_json(report.to_json())
    else:
        out.print(report.to_text(), highlight=False, markup=False)
        if mark is not None:
            out.print(f"已标记 / marked: {mark}", highlight=False, markup=False)
    raise SystemExit(EXIT_OK if report.valid else EXIT_FINDINGS)


def check_entry(path: Path) -> tuple[dict, str]:
    """One workbook of a batch (run in a worker process): its JSON entry and its text report."""
    from juesuan.errors import InputError
    from juesuan.gcpause import gc_paused
    from juesuan.spec import SpecError

    try:
        with gc_paused():
            report = run_check(path)
    except (InputError, SpecError) as exc:
        return unusable_entry(path, exc), ""
    return {"file": str(path), "checked": True, **report.to_json()}, report.to_text()


def unusable_entry(path: Path, exc: Exception) -> dict:
    """The JSON entry of a workbook that could not be checked: why, in Chinese and English."""
    from juesuan.errors import InputError

    problems = exc.problems if isinstance(exc, InputError) else []
    message = "；".join(p.message_zh for p in problems) if problems else str(exc)
    english = "; ".join(p.message_en for p in problems) if problems else str(exc)
    return {"file": str(path), "checked": False, "error": message, "error_en": english}


def _pool(files: list[Path], jobs: int) -> Any:
    """``jobs`` worker processes (None for one: check in this process), taking one workbook at
    a time, so memory stays that of ``jobs`` single checks (plus the entries kept for the
    summary). They come from a fork server where there is one (a clean process that has
    imported the engine once; a fork of this process could inherit a lock some thread held),
    else they are spawned."""
    jobs = max(1, min(jobs, len(files)))
    if jobs == 1:
        return None
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["juesuan.cli.checking", "juesuan.io.xlsx", "juesuan.validate",
                                        "juesuan.rules.detail"])
    return context.Pool(jobs)


def check_many(files: list[Path], fmt: str, jobs: int) -> None:
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    results: list[dict] = []
    worst = EXIT_OK
    pool = _pool(files, jobs)
    entries = pool.imap(check_entry, files, chunksize=1) if pool is not None else map(check_entry, files)
    bar = Progress(TextColumn("校验 / checking"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   TextColumn("{task.description}"), console=err._console_or_make(), transient=True,
                   disable=not err.is_terminal)
    with pool if pool is not None else contextlib.nullcontext(), bar:
        task = bar.add_task("", total=len(files))
        for path, (entry, text) in zip(files, entries, strict=True):
            bar.update(task, advance=1, description=clean_text(path.name))
            results.append(entry)
            if not entry["checked"]:
                worst = EXIT_UNUSABLE
                if fmt == "text":  # the reason in full, where the log has each workbook's report
                    out.print(f"\n==== {clean_text(str(path))} ====\n无法校验 / unusable: {clean_text(entry['error'])}"
                              f"\n    {clean_text(entry['error_en'])}", highlight=False, markup=False)
                continue
            if not entry["valid"] and worst == EXIT_OK:
                worst = EXIT_FINDINGS
            if fmt == "text":
                out.print(f"\n==== {path} ====", highlight=False, markup=False)
                out.print(text, highlight=False, markup=False)
    summary = {"files": len(files), "passed": sum(1 for r in results if r.get("valid")),
               "with_errors": sum(1 for r in results if r["checked"] and not r["valid"]),
               "unusable": sum(1 for r in results if not r["checked"])}
    if fmt == "json":
        echo_json({"summary": summary, "workbooks": results})
        raise SystemExit(worst)
    table = Table(title="汇总 / summary", title_justify="left")
    for column in ("工作簿 / workbook", "结果 / result"):
        table.add_column(column, overflow="fold")  # a file's name and why wrap, never cut off with “…”
    for column in ("错误 / errors", "警告 / warnings", "提示 / info"):
        table.add_column(column, justify="right")
    for r in results:
        if not r["checked"]:
            table.add_row(escape(clean_text(r["file"])), escape(clean_text("无法校验 / unusable: " + r["error"])),
                          "-", "-", "-")
            continue
        stats = r["stats"]
        table.add_row(escape(clean_text(r["file"])), "通过 / passed" if r["valid"] else "有错误 / errors",
                      str(stats.get("errors", 0)), str(stats.get("warnings", 0)), str(stats.get("info", 0)))
    out.print(table)
    out.print(f"共 {summary['files']} 个工作簿：通过 {summary['passed']}，有错误 {summary['with_errors']}，"
              f"无法校验 {summary['unusable']} / {summary['files']} workbooks: {summary['passed']} passed, "
              f"{summary['with_errors']} with errors, {summary['unusable']} unusable", highlight=False)
    raise SystemExit(worst)
