"""``juesuan demo``: the main job on an embedded sample department; ``--units N`` builds a
department of N units (本级 and N−1 subordinate units with internal transfers both ways),
consolidates it and fills the department workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import FORCE, FORMAT, handled, out, progress


@app.command("demo")
def demo(
    output_dir: Path = typer.Option(Path("demo-output"), "-o", "--output-dir", help="输出目录 / output folder"),
    seed: int = typer.Option(2019, "--seed", help="示例数据随机种子 / sample data seed"),
    fmt: str | None = FORMAT,
    force: bool = FORCE,
    units: int = typer.Option(0, "--units", min=0,
                              help="生成含本级和下属单位的部门（单位数，≥2）并汇总 / build a department of this many "
                                   "units (≥2) and consolidate it"),
) -> None:
    """演示：生成示例部门的明细数据，填充全部公开表 / Build a sample department and fill it."""
    if units:
        _demo_units(output_dir, seed, units, fmt)
        return
    with handled():
        from juesuan.cli.fill import report_fill
        from juesuan.io.files import fill_file, write_new
        from juesuan.io.safe_write import check_new_output
        from juesuan.sample import sample_inputs
        from juesuan.spec import load_spec

        spec = load_spec(fmt)
        inputs = sample_inputs(seed, spec=spec)
        target = output_dir / f"示例部门决算-{spec.format}.xlsx"
        check_new_output(target, force=force, suffixes=(".xlsx",), what="示例工作簿 / the sample workbook")
        write_new(target, spec, inputs=inputs)
        from juesuan.io.demo_file import add_demo_extras

        add_demo_extras(target)
        lines = sum(len(inputs[k]) for k in ("income", "expense", "balance", "sangong_budget"))
        out.print(f"示例部门明细 {lines} 行 / sample ledger: {lines} lines")
        with progress() as step:
            result, written, _ = fill_file(target, target, None, step)
        report_fill(result, written, None)


def _demo_units(output_dir: Path, seed: int, n: int, fmt: str | None) -> None:
    """Each unit's workbook (filled) in ``<output>/单位/``, then the department's, consolidated and filled."""
    from juesuan.cli.common import EXIT_UNUSABLE, err

    if n < 2:
        err.print("--units 至少为 2（本级和一个下属单位）/ --units must be at least 2 (the parent and one unit)")
        raise typer.Exit(EXIT_UNUSABLE)
    with handled():
        from juesuan.cli.fill import report_fill
        from juesuan.consolidate.sample import DEPT, department_units
        from juesuan.io.consolidate_file import consolidate_files
        from juesuan.io.files import fill_file, write_new
        from juesuan.spec import load_spec

        spec = load_spec(fmt)
        folder = output_dir / "单位"
        with progress() as step:
            for name, rows in department_units(n, seed, fmt=spec.format):
                path = folder / f"{name}.xlsx"
                step(f"单位 / unit {name}")
                write_new(path, spec, inputs=rows)
                fill_file(path, path)
                out.print(f"单位工作簿 / unit workbook: {path}", highlight=False)
            target = output_dir / f"示例部门决算-汇总-{spec.format}.xlsx"
            step("汇总 / consolidating")
            outcome = consolidate_files([folder], target, DEPT, force=True)
            # no sample self-evaluations here: theirs quote one unit's project spending
            result = outcome.consolidation
            out.print(f"汇总 {len(result.units)} 个单位：明细 {len(result.lines)} 行，内部抵销 "
                      f"{len(result.elimination_lines)} 行 / {len(result.units)} units: {len(result.lines)} lines, "
                      f"{len(result.elimination_lines)} elimination lines", highlight=False)
            filled, written, _ = fill_file(target, target, None, step)
        report_fill(filled, written, None)
        out.print(f"核对 / check: juesuan check {written} --units {folder}", highlight=False)
