"""A realistic sample department (示例部门) for the demo, the tests and the benchmarks.

Deterministic for a given seed. :func:`sample_inputs` returns the rows of each input sheet
(amounts in 元, two decimals) in the column order of the detail sheets (the same in every
format); the vocabulary that differs between formats (公务用车运行费 / 运行维护费, 用事业基金弥补
收支差额 / 使用非财政拨款结余, the 国有资本经营预算 fund) is taken from the format's spec.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from juesuan.spec.model import TemplateSpec

GP, GF, SC, OTHER = "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款", "其他资金"
INCOME_OF_FUND = {GP: "一般公共预算财政拨款收入", GF: "政府性基金预算财政拨款收入", SC: "国有资本经营预算财政拨款收入"}
BASIC, PROJECT = "基本支出", "项目支出"

# (功能分类项, 经济分类款, 支出类别, 资金来源, typical annual 元, project)
_PATTERN = [
    ("2110101", "30101", BASIC, GP, 3_200_000, ""), ("2110101", "30102", BASIC, GP, 2_100_000, ""),
    ("2110101", "30103", BASIC, GP, 600_000, ""), ("2110101", "30107", BASIC, GP, 1_500_000, ""),
    ("2110101", "30112", BASIC, GP, 90_000, ""), ("2110101", "30199", BASIC, GP, 120_000, ""),
    ("2080505", "30108", BASIC, GP, 820_000, ""), ("2080506", "30109", BASIC, GP, 330_000, ""),
    ("2101101", "30110", BASIC, GP, 410_000, ""), ("2101103", "30111", BASIC, GP, 95_000, ""),
    ("2210201", "30113", BASIC, GP, 610_000, ""), ("2080501", "30302", BASIC, GP, 180_000, ""),
    ("2080501", "30305", BASIC, GP, 40_000, ""), ("2080801", "30304", BASIC, GP, 60_000, ""),
    ("2110101", "30201", BASIC, GP, 160_000, ""), ("2110101", "30205", BASIC, GP, 30_000, ""),
    ("2110101", "30206", BASIC, GP, 110_000, ""), ("2110101", "30207", BASIC, GP, 70_000, ""),
    ("2110101", "30211", BASIC, GP, 140_000, ""), ("2110101", "30213", BASIC, GP, 90_000, ""),
    ("2110101", "30215", BASIC, GP, 25_000, ""), ("2110101", "30216", BASIC, GP, 45_000, ""),
    ("2110101", "30217", BASIC, GP, 28_000, ""), ("2110101", "30228", BASIC, GP, 85_000, ""),
    ("2110101", "30229", BASIC, GP, 70_000, ""), ("2110101", "30231", BASIC, GP, 150_000, ""),
    ("2110101", "30239", BASIC, GP, 260_000, ""), ("2110101", "30299", BASIC, GP, 55_000, ""),
    ("2110101", "31002", BASIC, GP, 80_000, ""), ("2110101", "30212", BASIC, GP, 60_000, ""),
    ("2110104", "30227", PROJECT, GP, 450_000, "生态环境保护宣传教育"),
    ("2110105", "30227", PROJECT, GP, 820_000, "环境保护规划编制"),
    ("2110199", "30226", PROJECT, GP, 380_000, "环境应急能力建设"),
    ("2110199", "30217", PROJECT, GP, 12_000, "环境应急能力建设"),
    ("2110301", "30227", PROJECT, GP, 2_600_000, "大气污染防治"),
    ("2110301", "31003", PROJECT, GP, 1_400_000, "大气污染防治"),
    ("2110302", "30227", PROJECT, GP, 1_900_000, "水污染防治"),
    ("2111101", "31007", PROJECT, GP, 980_000, "生态环境监测网络建设"),
    ("2111101", "30218", PROJECT, GP, 360_000, "生态环境监测网络建设"),
    ("2111102", "30211", PROJECT, GP, 210_000, "生态环境执法检查"),
    ("2111102", "31013", PROJECT, GP, 260_000, "执法执勤用车购置"),
    ("2120899", "30227", PROJECT, GF, 700_000, "土地出让收入安排的污染治理"),
    ("2120899", "31005", PROJECT, GF, 500_000, "土地出让收入安排的污染治理"),
    ("2110101", "30201", BASIC, OTHER, 40_000, ""), ("2110101", "30226", BASIC, OTHER, 90_000, ""),
    ("2110199", "30227", PROJECT, OTHER, 150_000, "环境技术服务"),
]
# Lines paid from 国有资本经营预算 where the format has that fund (2020 and later).
_PATTERN_SC = [
    ("2230105", "30305", PROJECT, SC, 260_000, "国有企业退休人员社会化管理"),
    ("2230199", "30227", PROJECT, SC, 140_000, "国有企业改革成本补助"),
]


def _money(rng: random.Random, typical: float) -> Decimal:
    return Decimal(int(typical * rng.uniform(0.02, 0.3) * 100)) / 100


def sample_inputs(seed: int = 2019, dept: str = "某市生态环境局", year: str | None = None,
                  spec: TemplateSpec | None = None) -> dict[str, list[list]]:
    """Rows of every input sheet for a plausible department (a few hundred ledger lines) in
    the format of ``spec`` (default: 2019)."""
    if spec is None:
        from juesuan.spec import load_spec

        spec = load_spec("2019")
    funds = spec.vocabularies.get("fund", ())
    balance_items = spec.vocabularies.get("balance_item", ())
    sangong_items = spec.vocabularies.get("sangong_item", ())
    year = year or ("2019" if spec.format == "2019" else "2025")
    rng = random.Random(seed)
    expense: list[list] = []
    spent: dict[tuple[str, str], Decimal] = {}
    pattern = _PATTERN + (_PATTERN_SC if SC in funds else [])
    for func, econ, kind, fund, typical, project in pattern:
        remaining = Decimal(int(typical * rng.uniform(0.8, 1.2)))
        while remaining > 0:
            amount = min(remaining, _money(rng, typical))
            remaining -= amount
            expense.append([func, econ, kind, fund, amount, project, ""])
            spent[(func, fund)] = spent.get((func, fund), Decimal(0)) + amount
    expense.append(["2110101", "30201", BASIC, GP, Decimal("-1280.50"), "", ""])  # a correction
    spent[("2110101", GP)] -= Decimal("1280.50")
    rng.shuffle(expense)
    income: list[list] = []
    for (func, fund), total in sorted(spent.items()):
        kind = INCOME_OF_FUND.get(fund)
        if kind is None:
            continue
        factor = Decimal(str(round(rng.uniform(0.97, 1.03), 4)))
        income.append([func, "", kind, (total * factor).quantize(Decimal("0.01"))])
    income.append(["2110101", "", "事业收入", Decimal("285000.00")])
    income.append(["2110199", "", "事业收入", Decimal("163500.00")])
    income.append(["2110101", "", "其他收入", Decimal("12840.36")])
    opening, fund_use, distribution = balance_items[0], balance_items[1], balance_items[2]
    balance = [
        [opening, GP, "", Decimal("836412.25")],
        [opening, GF, "2120899", Decimal("120000.00")],
        [opening, OTHER, "", Decimal("95210.40")],
        [fund_use, OTHER, "", Decimal("0")],
        [distribution, OTHER, "", Decimal("18600.00")],
    ]
    if SC in funds:
        balance.insert(2, [opening, SC, "2230199", Decimal("36500.00")])
    budgets = (Decimal("80000"), Decimal("300000"), Decimal("160000"), Decimal("45000"))
    sangong = [[item, amount] for item, amount in zip(sangong_items, budgets, strict=True)]
    return {"info": spec.info_rows(dept=dept, year=year),
            "income": income, "expense": expense, "balance": balance, "sangong_budget": sangong}


def synthetic_inputs(n_lines: int, n_func: int = 200, n_econ: int = 60, seed: int = 7,
                     spec: TemplateSpec | None = None) -> dict[str, list[list]]:
    """A large department for benchmarks: ``n_lines`` expense lines over ~n_func 项 and ~n_econ 款 codes."""
    from juesuan.spec import load_spec

    rng = random.Random(seed)
    codes = load_spec("2019").codes  # real, named codes: a published table has no nameless row
    classes = ("201", "205", "206", "208", "210")  # five classes: 04 lists at most 8
    funcs = sorted(rng.sample(sorted(c for c in codes.functional if len(c) == 7 and c.startswith(classes)), n_func))
    econ_pool = sorted(c for c in codes.economic if len(c) == 5 and c.startswith(("301", "302", "303", "310")))
    econs = sorted(rng.sample(econ_pool, min(n_econ, len(econ_pool))))
    expense = []
    spent: dict[tuple[str, str], Decimal] = {}
    for _ in range(n_lines):
        func, econ = rng.choice(funcs), rng.choice(econs)
        fund = rng.choices([GP, GF, OTHER], weights=[80, 5, 15])[0]
        kind = rng.choice([BASIC, PROJECT])
        amount = Decimal(rng.randint(-5_000, 2_000_000)) / 100
        expense.append([func, econ, kind, fund, amount, "项目" + func[-2:] if kind == PROJECT else "", ""])
        spent[(func, fund)] = spent.get((func, fund), Decimal(0)) + amount
    income = []
    for (func, fund), total in sorted(spent.items()):
        kind = {GP: "一般公共预算财政拨款收入", GF: "政府性基金预算财政拨款收入", OTHER: "事业收入"}[fund]
        income.append([func, "", kind, total])
    base = sample_inputs(seed, dept="基准测试部门", spec=spec)
    return {"info": base["info"], "income": income,
            "expense": expense, "balance": base["balance"], "sangong_budget": base["sangong_budget"]}
