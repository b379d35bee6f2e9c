"""``juesuan import`` with the evaluation tables (绩效汇总, 绩效自评:<项目名称>): the sheets
show the values as published, and the evaluation rules find a summary that disagrees."""

from __future__ import annotations

from decimal import Decimal as D

from conftest import run_cli

from juesuan.evaluation.checks import evaluation_findings
from juesuan.io.xlsx import CalamineBook

CSV = """table,row,column,value
01,本年收入合计,,100
绩效汇总,1,项目名称,污水处理
绩效汇总,1,资金使用单位,某水务站
绩效汇总,1,自评得分,95.5
绩效汇总,1,自评等级,优
绩效自评:污水处理,项目实施单位,,某水务站
绩效自评:污水处理,年度资金总额,全年预算数（A）,100
绩效自评:污水处理,年度资金总额,全年执行数（B）,95
绩效自评:污水处理,年度资金总额,分值,10
绩效自评:污水处理,年度资金总额,执行率,95%
绩效自评:污水处理,年度资金总额,得分,9.5
绩效自评:污水处理,当年财政拨款,全年预算数,100
绩效自评:污水处理,当年财政拨款,全年执行数,95
绩效自评:污水处理,当年财政拨款,执行率,95%
绩效自评:污水处理,处理污水量（万吨）,一级指标,产出指标
绩效自评:污水处理,处理污水量（万吨）,二级指标,数量指标
绩效自评:污水处理,处理污水量（万吨）,年度指标值,≥100
绩效自评:污水处理,处理污水量（万吨）,实际完成值,120
绩效自评:污水处理,处理污水量（万吨）,指标方向,≥
绩效自评:污水处理,处理污水量（万吨）,分值,90
绩效自评:污水处理,处理污水量（万吨）,得分,90
绩效自评:污水处理,总分,,99.5
绩效自评:污水处理,自评等级,,优
"""


def test_import_evaluation_tables_and_check_them(tmp_path, spec):
    src = tmp_path / "published.csv"
    src.write_text(CSV, encoding="utf-8")
    out = tmp_path / "imported.xlsx"
    run_cli("import", str(src), "-o", str(out), "--dept", "某局", "--year", "2019", "--format", "2019", check=True)
    book = CalamineBook(out)
    assert "绩效自评-污水处理" in book.sheet_names()
    grid = book.read_sheet("绩效自评-污水处理")
    budget = next(r for r in grid if r[1] == "年度资金总额")
    assert budget[4:9] == [100, 95, 10, 0.95, 9.5]
    summary = book.read_sheet("绩效自评汇总")
    assert summary[3][1:] == ["污水处理", "某水务站", 95.5, "优"]
    findings = [f.row() for f in evaluation_findings(spec, book)]
    # the summary's 95.5 against the sheet's 99.5 (a real published error); nothing else
    assert [(f["rule"], f["expected"], f["actual"]) for f in findings] == [("eval-summary", "99.50", "95.50")]
    assert D(findings[0]["difference"]) == D("-4.00")


def test_import_reports_unknown_columns_with_their_line(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("table,row,column,value\n绩效自评:甲,年度资金总额,预算数量,1\n绩效汇总,1,得分率,5\n",
                   encoding="utf-8")
    proc = run_cli("import", str(src), "-o", str(tmp_path / "x.xlsx"), "--format", "2019")
    assert proc.returncode == 2
    assert "第 2 行" in proc.stderr and "预算数量" in proc.stderr and "第 3 行" in proc.stderr
