"""Demo extras: the sample self-evaluations and the accountant's entries of the 说明 for
the sample department, so that ``juesuan demo`` shows a complete 说明."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from juesuan.narrative.generate import xiang_rows
from juesuan.tables import FilledAccounts

ENTRIES: dict[str, Any] = {
    "prev_grand_total": 2318.46, "reason_total": "大气、水污染防治项目投入增加",
    "reason_sangong": "严格执行中央八项规定精神，压减因公出国（境）和公务接待支出",
    "abroad_groups": 1, "abroad_people": 3, "cars_bought": 1, "cars_held": 12, "recep_batches": 26,
    "recep_people": 214, "reason_oper": "机关运行经费主要用于办公费、印刷费、邮电费、差旅费等日常公用支出",
    "proc_goods": 312.4, "proc_works": 0, "proc_services": 268.15, "proc_sme": 402.3,
    "cars_total": 15, "cars_law": 9, "cars_special": 3, "equipment_50": 2, "equipment_100": 1,
}
REASONS = ("年中追加专项经费", "部分项目按进度结转下年", "人员变动，相应支出增加", "年初未安排预算，年中据实列支")


def sample_entries(accounts: FilledAccounts) -> dict[str, Any]:
    """Entries for the sample department: a budget near each 项's actual (one without budget)."""
    entries = dict(ENTRIES)
    t05 = accounts.tables["05"]
    for n, (code, _) in enumerate(xiang_rows(accounts)):
        actual = t05.value(code, "subtotal") or Decimal(0)
        factor = (Decimal("0.92"), Decimal("1.05"), Decimal(1), Decimal("1.12"))[n % 4]
        entries[f"budget:{code}"] = float((actual * factor).quantize(Decimal("0.01"))) if n != 3 else 0
        entries[f"reason:{code}"] = REASONS[n % 4]
    return entries
