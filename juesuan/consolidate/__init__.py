"""Consolidation (汇总) of a department's units: the union of their ledgers with a 单位 column,
internal transfers eliminated as the spec's ``eliminations`` say, and a 单位构成 list.

``engine`` works on ledgers, ``units`` reads the units' workbooks through the port, ``spec``
parses the ``eliminations`` section, ``sample`` makes a sample department. The job on .xlsx
files is :mod:`juesuan.io.consolidate_file`; nothing here imports a spreadsheet library.
"""

from __future__ import annotations

import importlib
from typing import Any

# name → the module of this package that defines it (imported on first use: a check of one
# unit's workbook needs only :mod:`juesuan.consolidate.names`)
_EXPORTS = {
    "ELIMINATION_UNIT": "names", "Consolidation": "engine", "Imbalance": "engine", "Unit": "engine",
    "consolidate": "engine", "Elimination": "spec", "Side": "spec", "eliminations_of": "spec",
    "parse_eliminations": "spec",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = sorted(_EXPORTS)
