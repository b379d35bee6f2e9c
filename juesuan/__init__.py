"""决算助手 (juesuan): fill and check a department's published final accounts (部门决算公开).

The core (spec, fill, rules, report) works on plain data read through the workbook port
in :mod:`juesuan.port`; it imports neither openpyxl nor xlwings. Adapters live in
:mod:`juesuan.io`; front ends are the CLI (:mod:`juesuan.cli`), the ribbon macros and UDFs.
"""

__version__ = "0.1.0"
