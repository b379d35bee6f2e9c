"""Two filled sample self-evaluations for the demo department (``juesuan demo``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from juesuan.evaluation.layout import new_evaluation, render_evaluation
from juesuan.evaluation.model import BudgetLine, Evaluation, Indicator, config, sheet_name_for
from juesuan.port import SheetPicture
from juesuan.spec.model import TemplateSpec

# (一级, 二级, 三级, A, B, 方向, 分值, 定性得分, 偏差原因)
_AIR = [
    ("产出指标", "数量指标", "大气自动监测站点运维数量", "≥12个", "12个", "≥", 10, None, None),
    ("产出指标", "数量指标", "完成挥发性有机物治理企业数", 40, 28, "≥", 10, None, "12家企业停产搬迁，治理顺延至下年度"),
    ("产出指标", "质量指标", "监测数据有效率", "≥90%", "96.5%", "≥", 10, None, None),
    ("产出指标", "时效指标", "治理项目按期完成率", "100%", "75%", "≥", 10, None, "部分项目招标延期，已加强进度调度"),
    ("产出指标", "成本指标", "项目成本控制（万元）", "≤400", 381.6, "≤", 10, None, None),
    ("效益指标", "生态效益指标", "PM2.5年均浓度（微克/立方米）", "≤42", 52, "≤", 15, None, "受不利气象条件影响，下年度加强重污染天气应对"),
    ("效益指标", "社会效益指标", "空气质量优良天数比例", "≥80%", "70%", "≥", 15, None, "沙尘天气较多，优良天数未达目标"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "80%", "≥", 10, None, None),
]
_MONITOR = [
    ("产出指标", "数量指标", "新建水质自动监测站", 6, 6, "≥", 15, None, None),
    ("产出指标", "质量指标", "站点联网率", "100%", "100%", "≥", 15, None, None),
    ("产出指标", "时效指标", "建设周期（月）", "≤10", 12, "≤", 10, None, "设备到货延迟两个月"),
    ("产出指标", "成本指标", "单站建设成本（万元）", "≤30", 28.4, "≤", 10, None, None),
    ("效益指标", "社会效益指标", "监测信息公开及时性", "按月公开", "按月公开", "定性", 15, 15, None),
    ("效益指标", "可持续影响指标", "运维机制建立情况", "建立长效运维机制", "已建立", "定性", 15, 12, "运维经费保障机制尚需完善"),
    ("满意度指标", "服务对象满意度指标", "使用单位满意度", "≥90%", "93%", "≥", 10, None, None),
]
# (key, 年初预算数, 全年预算数, 全年执行数); 全年执行数 = the sample ledger's lines of the project (E11)
_AIR_BUDGET = [("total", 440.0, 460.0, 447.69), ("current", 440.0, 440.0, 427.95), ("carried", 0, 20.0, 19.74),
               ("other", 0, 0, 0)]
_MONITOR_BUDGET = [("total", 150.0, 170.0, 139.31), ("current", 150.0, 150.0, 124.59), ("carried", 0, 20.0, 14.72),
                   ("other", 0, 0, 0)]
PROJECTS = [
    ("大气污染防治", _AIR_BUDGET, _AIR, "完成40家企业挥发性有机物治理，PM2.5年均浓度控制在42微克/立方米以内。",
     "完成28家企业治理，PM2.5年均浓度52微克/立方米，优良天数比例70%。"),
    ("生态环境监测网络建设", _MONITOR_BUDGET, _MONITOR, "新建6个水质自动监测站并全部联网运行。",
     "6个站点建成联网，建设周期较计划延长两个月。"),
]


def _executed(budget: list, spent: Decimal | None) -> list:
    """The budget block with its 全年执行数 set to ``spent`` (万元, the project's ledger lines, so
    the demo checks clean whatever its seed): 上年结转资金 as sampled (at most ``spent``),
    当年财政拨款 the rest."""
    if spent is None:
        return budget
    rows = {key: [key, initial, a, b] for key, initial, a, b in budget}
    total = spent.quantize(Decimal("0.01"), ROUND_HALF_UP)
    carried = min(Decimal(str(rows["carried"][3])), total)
    rows["total"][3], rows["carried"][3] = float(total), float(carried)
    rows["current"][3] = float(total - carried)
    return [tuple(rows[key]) for key, *_ in budget]


def sample_pictures(spec: TemplateSpec, existing: list[str], dept: str, year: str,
                    spent: Mapping[str, Decimal] | None = None) -> list[SheetPicture]:
    """Pictures of the filled sample self-evaluation sheets (inputs only; Fill scores them).
    ``spent``: each project's expenditure in the ledger (万元), its 全年执行数 (rule E11)."""
    cfg = config(spec)
    if cfg is None:
        return []
    names = list(existing)
    out = []
    for project, budget, indicators, plan, done in PROJECTS:
        name = sheet_name_for(cfg.prefix, project, names)
        names.append(name)
        ev: Evaluation = new_evaluation(cfg, name, project, dept, dept)
        ev.header["phone"] = "0571-8888" + str(6000 + len(names))
        lines = {line.key: line for line in ev.budget}
        for key, initial, a, b in _executed(budget, (spent or {}).get(project)):
            line: BudgetLine = lines[key]
            line.initial, line.budget, line.spent = initial, a, b
        ev.goal_plan, ev.goal_done = plan, done
        ev.indicators = [Indicator(level1=l1, level2=l2, level3=l3, target=a, actual=b, direction=d, weight=w,
                                   entered=q, reason=why) for l1, l2, l3, a, b, d, w, q, why in indicators]
        out.append(render_evaluation(ev, cfg, year, computed=False))
    return out
