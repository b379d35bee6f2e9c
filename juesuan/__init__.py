"""决算助手 (juesuan): fill and check a department's published final accounts (部门决算公开).

The core (spec, fill, rules, report) works on plain data read through the workbook port
in :mod:`juesuan.port`; it imports neither openpyxl nor xlwings. Adapters live in
:mod:`juesuan.io`; front ends are the CLI (:mod:`juesuan.cli`), the ribbon macros and UDFs.
"""

import decimal as _decimal

__version__ = "0.1.0"

# Money arithmetic must never round silently nor fail on a large figure: 60 significant
# digits for this thread and every thread started later (e.g. an Excel UDF server).
_decimal.DefaultContext.prec = 60
_decimal.getcontext().prec = 60
