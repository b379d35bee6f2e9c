"""Consolidation (汇总) of a department's units: the union of their ledgers with a 单位 column,
internal transfers eliminated as the spec's ``eliminations`` say, and a 单位构成 list.

``engine`` works on ledgers, ``units`` reads the units' workbooks through the port, ``spec``
parses the ``eliminations`` section, ``sample`` makes a sample department. The job on .xlsx
files is :mod:`juesuan.io.consolidate_file`; nothing here imports a spreadsheet library.
"""

from juesuan.consolidate.engine import ELIMINATION_UNIT, Consolidation, Imbalance, Unit, consolidate
from juesuan.consolidate.spec import Elimination, Side, eliminations_of, parse_eliminations

__all__ = ["ELIMINATION_UNIT", "Consolidation", "Elimination", "Imbalance", "Side", "Unit", "consolidate",
           "eliminations_of", "parse_eliminations"]
