"""Shared helpers for the Fill tests: real CLI processes and reading tables back from .xlsx."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from juesuan.reading import read_table
from juesuan.spec import TemplateSpec
from juesuan.tables import TableValues

GP, GF, OTHER = "一般公共预算财政拨款", "政府性基金预算财政拨款", "其他资金"
BASIC, PROJECT = "基本支出", "项目支出"
INC_GP, INC_GF = "一般公共预算财政拨款收入", "政府性基金预算财政拨款收入"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``juesuan ARGS`` as a real process (the installed package's entry function)."""
    return subprocess.run(
        [sys.executable, "-c", "from juesuan.cli import main; main()", *args],
        capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False,
        env={**__import__("os").environ, "COLUMNS": "200", "PYTHONIOENCODING": "utf-8"},
    )


def read_grids(path: Path) -> dict[str, list[list]]:
    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}
    finally:
        wb.close()


def read_tables(spec: TemplateSpec, path: Path) -> dict[str, TableValues]:
    """Every table sheet of a filled workbook, read back through :func:`read_table`."""
    grids = read_grids(path)
    out = {}
    for table in spec.tables:
        grid = [[None if v == "" else v for v in row] for row in grids[table.sheet]]
        problems: list = []
        out[table.id] = read_table(spec, table, grid, problems)
        assert not problems, problems
    return out


def D(text: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(text)


def values(table: TableValues, row_key: str, *cols: str) -> tuple:
    """The figures of one row in the given columns (blank → None)."""
    row = table.row(row_key)
    assert row is not None, f"table {table.table_id}: no row {row_key!r}; rows: {[r.key for r in table.rows()]}"
    return tuple(row.values.get(c) for c in cols)


def input_grids(spec: TemplateSpec, inputs: dict, as_read: bool = False) -> dict[str, list[list]]:
    """The input sheets of ``inputs`` (:func:`juesuan.sample.synthetic_inputs`) as grids, as
    :func:`juesuan.layout.render_input` lays them out; ``as_read``: amounts as floats, as a
    workbook gives them back (else the Decimals written)."""
    from juesuan.layout import render_input

    sheets = {}
    for s in spec.inputs:
        pic = render_input(s, inputs.get(s.id), spec)
        width = pic.max_col + 1  # (each a pass over the cells: once)
        grid = [[None] * width for _ in range(pic.max_row + 1)]
        for (r, c), (value, _style) in pic.cells.items():
            grid[r][c] = float(value) if as_read and isinstance(value, Decimal) else value
        sheets[s.sheet] = grid
    return sheets
