"""``juesuan check-text``: check a 说明 written elsewhere (.txt, .docx or .pdf) against the
filled tables of a workbook: amounts, shares and their bases, group shares, completion
rates, “无年初预算数”, year-on-year changes (with ``--previous``), units, old class names and
template residue. One finding model with ``check``: the same text and JSON rows, each with
the sentence quoted; a clause that cannot be tied to a figure is a note, never an error.

Exit codes like ``check``: 0 no error, 1 errors found, 2 unusable input.
"""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, echo_json, err, handled, out
from juesuan.report import Report


@app.command("check-text")
def check_text(
    text: Path = typer.Argument(..., help="说明（.txt、.docx 或 .pdf）/ the narrative (.txt, .docx or .pdf)"),
    against: Path = typer.Option(..., "--against", help="已填充的决算工作簿 / the filled workbook"),
    previous: Path | None = typer.Option(None, "--previous",
                                         help="上年度决算工作簿（核对同比变动）/ last year's workbook (year-on-year)"),
    fmt: str = typer.Option("text", "--format", help="输出格式 text|json / output format"),
    notes: bool = typer.Option(True, "--notes/--no-notes", help="显示未核对的提示 / show unverified notes"),
    mark: Path | None = typer.Option(None, "--mark", help="另存工作簿副本，标记所涉单元格并加“校验结果”表"
                                                          " / save a copy of the workbook with the cells marked"),
) -> None:
    """核对说明：金额、占比、完成率、同比等是否与公开表一致 / Check a narrative against the tables."""
    if fmt not in ("text", "json"):
        err.print(f"--format 应为 text 或 json / --format must be text or json, not '{fmt}'")
        raise typer.Exit(EXIT_UNUSABLE)
    with handled():
        from juesuan.io.text_file import check_text_file

        findings, spec = check_text_file(text, against, previous)
    report = Report(template=spec.format, findings=[f for f in findings if notes or f.severity != "info"])
    report.rules_run = len({f.rule for f in findings})
    if mark is not None:
        with handled():
            from dataclasses import replace

            from juesuan.io.marks_xlsx import mark_file
            from juesuan.validate.marks_plan import plan_marks

            quoted = Report(template=report.template, rules_run=report.rules_run,
                            findings=[replace(f, message=f"{f.message}（原文：{f.quote}）",
                                              message_en=f"{f.english} (sentence: {f.quote})")
                                      for f in report.findings])
            mark_file(against, plan_marks(quoted), mark)
    if fmt == "json":
        doc = report.to_json()
        doc["text"] = str(text)
        echo_json(doc)
    else:
        body = report.to_text().replace("== 工作簿 / workbook ==", f"== 说明 / narrative: {text.name} ==")
        lines = body.splitlines()[:-1]  # the table checks' summary line, replaced by the narrative's own
        s = report.stats
        verdict = "通过 / passed" if report.valid else "未通过 / failed"
        lines.append(f"说明核对{verdict}：错误 {s['errors']}，未核对的提示 {s['info']}"
                     f" / errors {s['errors']}, unverified notes {s['info']}")
        for line in lines:
            out.print(line, highlight=False, markup=False, soft_wrap=True)
        if mark is not None:
            out.print(f"已标记 / marked: {mark}", highlight=False, markup=False)
    raise typer.Exit(EXIT_OK if report.valid else EXIT_FINDINGS)
