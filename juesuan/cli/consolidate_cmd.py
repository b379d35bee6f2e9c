"""``juesuan consolidate``: a department's workbook from its units' workbooks (汇总)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_UNUSABLE, err, handled, out, show_problems


@app.command("consolidate")
def consolidate(
    paths: list[Path] = typer.Argument(..., help="各单位的工作簿（可多个，或文件夹）/ the units' workbooks (several, or folders)"),
    output: Path = typer.Option(..., "-o", "--output", help="部门汇总工作簿 / the department workbook to write"),
    dept: str = typer.Option("", "--dept", help="部门名称；默认取本级单位名称 / department name (default: the parent unit's)"),
    fmt: str | None = typer.Option(None, "--format", help="期望的模板格式 / expected template format"),
    parent: str = typer.Option("", "--parent",
                               help="本级单位（单位名称或文件名）；默认为名称以“本级”结尾或与部门同名的单位 / the parent unit "
                                    "(name or file); default: the one named …本级 or like the department"),
    allow_unbalanced: bool = typer.Option(False, "--allow-unbalanced",
                                          help="内部抵销不平衡时仍汇总（只抵销相符部分并记录差额）/ consolidate despite "
                                               "unbalanced eliminations (eliminate the matching part, record the difference)"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出文件 / overwrite the output file"),
    report: str = typer.Option("text", "--report", help="输出 text|json / output format of the summary"),
) -> None:
    """汇总：合并本级和下属单位的明细，抵销内部往来，生成部门决算工作簿 / Consolidate a department's units.

    各单位工作簿须可读且为同一模板格式；任何单位有问题时逐一列出，不写出文件（退出码 2）。
    Every unit must be readable and of one format; otherwise every problem is listed and nothing
    is written (exit 2). Then run ``juesuan fill`` on the department workbook.
    """
    if report not in ("text", "json"):
        err.print(f"--report 应为 text 或 json / --report must be text or json, not '{report}'")
        raise typer.Exit(EXIT_UNUSABLE)
    with handled():
        from juesuan.io.consolidate_file import consolidate_files

        with err.status("汇总 / consolidating"):
            outcome = consolidate_files(paths, output, dept or None, fmt, parent or None, allow_unbalanced, force)
    result = outcome.consolidation
    if report == "json":
        typer.echo(json.dumps({
            "written": str(outcome.written), "dept": result.dept, "year": result.year, "format": result.spec.format,
            "units": [{"name": u.name, "file": u.label, "parent": u.parent, "lines": len(u.ledger.lines)}
                      for u in result.units],
            "lines": len(result.lines), "elimination_lines": len(result.elimination_lines),
            "findings": [{"where": p.where, "message": p.message_zh, "severity": p.severity} for p in outcome.findings],
            "notes": result.notes,
        }, ensure_ascii=False, indent=2))
        return
    out.print(f"已汇总 / consolidated: {outcome.written}（{result.dept} {result.year}）", highlight=False, markup=False)
    for n, u in enumerate(sorted(result.units, key=lambda u: not u.parent), start=1):
        role = "本级 / parent" if u.parent else "下属单位 / unit"
        out.print(f"  {n}. {u.name}（{role}，{u.label}）明细 {len(u.ledger.lines)} 行 / lines", highlight=False)
    out.print(f"明细合计 {len(result.lines)} 行，内部抵销 {len(result.elimination_lines)} 行 / "
              f"{len(result.lines)} lines, {len(result.elimination_lines)} elimination lines", highlight=False)
    for note in result.notes:
        out.print(note, highlight=False)
    if outcome.findings:
        show_problems(outcome.findings, title="内部抵销不平衡（已按相符部分抵销）/ unbalanced eliminations (matching part eliminated)")
    out.print(f"下一步 / next: juesuan fill {outcome.written}", highlight=False)
