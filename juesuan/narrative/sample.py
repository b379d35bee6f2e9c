"""Demo extras: the sample self-evaluations and the accountant's entries of the 说明 for
the sample department, so that ``juesuan demo`` shows a complete 说明."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from juesuan.narrative.generate import xiang_rows
from juesuan.tables import FilledAccounts

ENTRIES: dict[str, Any] = {
    "duties": "贯彻落实国家和省、市生态环境保护方针政策和法律法规；负责全市环境污染防治的监督管理；"
              "负责生态环境监测和执法工作",
    "unit:1": "某市生态环境局本级|行政单位", "unit:2": "某市环境监测站|参照公务员法管理事业单位",
    "unit:3": "某市环境宣传教育中心|公益一类事业单位",
    "prev:grand": 2318.46, "prev:inc_total": 2290.10, "prev:exp_total": 2301.77, "prev:gp_total": 2105.33,
    "prev:sangong_total": 55.20, "prev:oper": 142.21,
    "reason_total": "大气、水污染防治项目投入增加", "gp_budget": 2150.00,
    "reason_sangong": "严格执行中央八项规定精神，压减因公出国（境）和公务接待支出",
    "abroad_groups": 1, "abroad_people": 3, "cars_bought": 1, "cars_held": 12, "recep_batches": 26,
    "recep_people": 214, "recep_foreign_batches": 0, "recep_foreign_people": 0, "reason_oper": "机关运行经费主要用于办公费、印刷费、邮电费、差旅费等日常公用支出",
    "proc_goods": 312.4, "proc_works": 0, "proc_services": 268.15, "proc_sme": 402.3,
    "proc_small": 188.6, "cars_total": 15, "cars_ministerial": 0, "cars_leader": 1, "cars_confidential": 0,
    "cars_emergency": 2, "cars_law": 9, "cars_special": 3, "cars_retired": 0, "cars_other": 0, "equipment_50": 2,
    "equipment_100": 1,
}
REASONS = ("年中追加专项经费", "部分项目按进度结转下年", "人员变动，相应支出增加", "年初未安排预算，年中据实列支")


def sample_entries(accounts: FilledAccounts) -> dict[str, Any]:
    """Entries for the sample department: a budget near each 项's actual (one without budget)."""
    entries = dict(ENTRIES)
    t05 = accounts.tables["05"]
    for n, (code, name) in enumerate(xiang_rows(accounts)):
        actual = t05.value(code, "subtotal") or Decimal(0)
        factor = (Decimal("0.92"), Decimal("1.05"), Decimal(1), Decimal("1.12"))[n % 4]
        entries[f"budget:{code}"] = float((actual * factor).quantize(Decimal("0.01"))) if n != 3 else 0
        entries[f"reason:{code}"] = REASONS[n % 4]
        entries[f"use:{code}"] = f"{name}方面的支出"
    return entries


def sample_inputs_for(fmt: str, seed: int = 2019, dept: str = "某市生态环境局", year: str | None = None) -> dict:
    """The sample department's input rows in the words of format ``fmt`` (the vocabulary comes
    from the format's spec: 2020+ says 使用非财政拨款结余, 公务用车运行维护费 and has the
    国有资本经营预算 fund)."""
    from juesuan.sample import sample_inputs
    from juesuan.spec import load_spec

    return sample_inputs(seed, dept, year, spec=load_spec(fmt))
