"""``juesuan demo``: the main job on an embedded sample department."""

from __future__ import annotations

from pathlib import Path

import typer

from juesuan.cli.app import app
from juesuan.cli.common import FORMAT, handled, out, progress


@app.command("demo")
def demo(
    output_dir: Path = typer.Option(Path("demo-output"), "-o", "--output-dir", help="输出目录 / output folder"),
    seed: int = typer.Option(2019, "--seed", help="示例数据随机种子 / sample data seed"),
    fmt: str | None = FORMAT,
) -> None:
    """演示：生成示例部门的明细数据，填充全部公开表 / Build a sample department and fill it."""
    with handled():
        from juesuan.cli.fill import report_fill
        from juesuan.io.files import fill_file, write_new
        from juesuan.sample import sample_inputs
        from juesuan.spec import load_spec

        spec = load_spec(fmt)
        inputs = sample_inputs(seed, spec=spec)
        target = output_dir / f"示例部门决算-{spec.format}.xlsx"
        write_new(target, spec, inputs=inputs)
        from juesuan.io.demo_file import add_demo_extras

        add_demo_extras(target)
        lines = sum(len(inputs[k]) for k in ("income", "expense", "balance", "sangong_budget"))
        out.print(f"示例部门明细 {lines} 行 / sample ledger: {lines} lines")
        with progress() as step:
            result, written, _ = fill_file(target, target, None, step)
        report_fill(result, written, None)
