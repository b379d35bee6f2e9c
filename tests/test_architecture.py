"""The engine imports neither openpyxl nor xlwings: only adapters and front ends do."""

from __future__ import annotations

import subprocess
import sys

CORE = ["juesuan.spec", "juesuan.ledger", "juesuan.fill", "juesuan.rounding", "juesuan.repair",
        "juesuan.layout", "juesuan.reading", "juesuan.jobs", "juesuan.validate", "juesuan.report",
        "juesuan.rules", "juesuan.importer", "juesuan.evaluation", "juesuan.narrative.steps",
        "juesuan.narrative.checktext", "juesuan.udf_logic", "juesuan.validate.marks_plan"]


def test_core_modules_do_not_load_spreadsheet_libraries():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CORE) +
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'xlwings'))\n"
            "print(','.join(bad))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "", f"the core pulled in: {proc.stdout}"
