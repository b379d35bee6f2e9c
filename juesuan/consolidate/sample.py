"""A sample department of several units for ``juesuan demo --units N``, the tests and the
benchmark: 本级 plus N−1 subordinate units, with internal transfers both ways (本级 pays each
unit a 对附属单位补助支出 the unit books as 上级补助收入; each unit remits an 上缴上级支出 the
parent books as 附属单位上缴收入, the difference funded by 本级's own 其他收入), balanced by 功能分类 code; every
unit checks clean on its own. Rows are in the format's column
order (the 单位 column left blank: each unit's own lines are 本级 to it)."""

from __future__ import annotations

from decimal import Decimal

from juesuan.sample import sample_inputs
from juesuan.spec import load_spec

DEPT = "某市生态环境局"
SUBORDINATES = ("某市环境监测站", "某市环境科学研究所", "某市环境监察支队", "某市固体废物管理中心",
                "某市辐射环境监督站", "某市生态环境宣传教育中心")
SUBSIDY_CODES = ("2111101", "2110199", "2110301", "2110302")  # where 本级 pays each unit
REMIT_CODES = ("2110101", "2110199")  # where each unit remits to 本级
OTHER = "其他资金"


def unit_names(n: int, dept: str = DEPT) -> list[str]:
    """本级 first, then ``n - 1`` subordinate units."""
    subs = [SUBORDINATES[i] if i < len(SUBORDINATES) else f"{dept}下属单位{i + 1}" for i in range(n - 1)]
    return [f"{dept}本级", *subs]


def department_units(n: int = 3, seed: int = 2019, dept: str = DEPT, year: str | None = None,
                     fmt: str = "2019") -> list[tuple[str, dict]]:
    """(unit name, input rows) for 本级 and ``n - 1`` subordinate units with internal transfers,
    in template format ``fmt``."""
    if n < 1:
        raise ValueError("n must be at least 1")
    spec = load_spec(fmt)
    units = [(name, sample_inputs(seed + i, dept=name, year=year, spec=spec))
             for i, name in enumerate(unit_names(n, dept))]
    parent = units[0][1]
    for i, (_, rows) in enumerate(units[1:], start=1):
        subsidy = Decimal(150_000 + 37_500 * i) + Decimal(i) / 100
        code = SUBSIDY_CODES[(i - 1) % len(SUBSIDY_CODES)]
        parent["expense"].append([code, "39999", "对附属单位补助支出", OTHER, subsidy, "", ""])
        rows["income"].append([code, "", "上级补助收入", subsidy])
        remit = Decimal(20_000 + 5_250 * i) + Decimal(i * 3) / 100
        back = REMIT_CODES[(i - 1) % len(REMIT_CODES)]
        rows["expense"].append([back, "39999", "上缴上级支出", OTHER, remit, "", ""])
        parent["income"].append([back, "", "附属单位上缴收入", remit])
        # the subsidy net of the remittance is funded by 本级's own other income, so that its
        # non-fiscal funds don't end the year below zero (which fails R10-end: 年末 financial
        # balance above the total)
        parent["income"].append([code, "", "其他收入", subsidy - remit])
    return units
