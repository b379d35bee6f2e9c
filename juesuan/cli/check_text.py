"""``juesuan check-text``: check a 说明 written elsewhere (plain text or .docx) against the
filled tables of a workbook: every amount, every percentage and its base, completion rates
and “无年初预算数”.

Exit codes like ``check``: 0 nothing wrong, 1 mismatches found, 2 unusable input.
"""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, echo_json, err, handled, out


@app.command("check-text")
def check_text(
    text: Path = typer.Argument(..., help="说明文本（.txt 或 .docx）/ the narrative (.txt or .docx)"),
    against: Path = typer.Option(..., "--against", help="已填充的决算工作簿 / the filled workbook"),
    fmt: str = typer.Option("text", "--format", help="输出格式 text|json / output format"),
) -> None:
    """核对说明：说明中的金额和百分比是否与公开表一致 / Check a narrative's figures against the tables."""
    if fmt not in ("text", "json"):
        err.print(f"--format 应为 text 或 json / --format must be text or json, not '{fmt}'")
        raise typer.Exit(EXIT_UNUSABLE)
    with handled():
        from juesuan.io.text_file import check_text_file

        findings, spec = check_text_file(text, against)
    errors = sum(1 for f in findings if f["severity"] == "error")
    if fmt == "json":
        doc = {"valid": errors == 0, "template": spec.format, "text": str(text),
               "stats": {"errors": errors, "warnings": sum(1 for f in findings if f["severity"] == "warning"),
                         "findings": len(findings)},
               "findings": findings}
        echo_json(doc)
    else:
        for f in findings:
            out.print(f"✗ [{f['rule']}] {f['message']}", highlight=False, markup=False)
            out.print(f"    原文 / sentence：{f['sentence']}", highlight=False, markup=False)
            where = ", ".join(f"{c['sheet']}!{c['cell']}" for c in f["cells"])
            if f["expected"] is not None or f["actual"] is not None:
                out.print(f"    应为 {f['expected'] or '-'}，实为 {f['actual'] or '-'}，差额 {f['difference'] or '-'}"
                          + (f"；单元格 {where}" if where else ""), highlight=False, markup=False)
        verdict = "通过 / passed" if errors == 0 else "未通过 / failed"
        out.print(f"说明核对{verdict}：发现 {len(findings)} 处不符 / {len(findings)} mismatches", highlight=False,
                  markup=False)
    raise typer.Exit(EXIT_OK if errors == 0 else EXIT_FINDINGS)
