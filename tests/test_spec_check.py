"""The typed format rejects a malformed spec with a located message (as a library call and as
``juesuan spec check`` in a process): unknown keys, unknown references, derive cycles,
duplicate ids, bad rule parameters, a variant of a missing base."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import ROOT, run_cli

from juesuan.pipeline import sheet_order, steps
from juesuan.spec import SpecError, load_spec, load_spec_file


def _variant(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec-test.yaml"
    path.write_text('extends: "2020"\nformat: "test"\n' + text, encoding="utf-8")
    return path


def _copy_2019(tmp_path: Path, edit) -> Path:
    """A copy of the 2019 spec (with its includes and code list) with ``edit(doc)`` applied."""
    for name in ("codes-2019.yaml", "evaluation-2019.yaml", "narrative-2019.yaml", "rules-2019.yaml"):
        (tmp_path / name).write_text((ROOT / "workbooks" / name).read_text(encoding="utf-8"), encoding="utf-8")
    doc = yaml.safe_load((ROOT / "workbooks" / "spec-2019.yaml").read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "spec-2019x.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


CASES = {
    "unknown top key": (lambda d: d.update(tabels=[]), "spec.tabels"),
    "misspelt row key": (lambda d: d["tables"][0]["panels"][0]["rows"][0].update(wehre={}), "rows[0].wehre"),
    "unknown derive row": (lambda d: d["tables"][0]["panels"][0]["rows"][8].update(derive=["+inc_gp", "+nothing"]),
                           "nothing"),
    "derive cycle": (lambda d: d["tables"][0]["panels"][0]["rows"][0].update(derive=["+inc_total"]), "derive 循环"),
    "duplicate table id": (lambda d: d["tables"].append(dict(d["tables"][1], sheet="另一张")), "表编号重复"),
    "unknown vocabulary value": (lambda d: d["tables"][0]["panels"][0]["rows"][0]["where"].update(kind="工资收入"),
                                 "工资收入"),
    "bad table order": (lambda d: d.update(table_order=["01", "02"]), "table_order"),
    "bad elimination": (lambda d: d["eliminations"][0]["unit"].update(kind="工资收入"), "eliminations[0]"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_spec_is_rejected_with_its_place(case, tmp_path):
    edit, expected = CASES[case]
    path = _copy_2019(tmp_path, edit)
    with pytest.raises(SpecError) as info:
        load_spec_file(path)
    assert expected in str(info.value), str(info.value)


RULE_CASES = {
    "unknown rule parameter": (lambda rs: rs[2].update(totl="01.inc_total.amount"), "R01-income-total).totl"),
    "unknown row in a rule": (lambda rs: rs[2].update(total="01.inc_totl.amount"), "inc_totl"),
    "unknown column in a rule": (lambda rs: rs[2].update(total="01.inc_total.amout"), "amout"),
    "unknown table in a rule": (lambda rs: rs[2].update(total="11.inc_total.amount"), "没有表“11”"),
    "missing parameter": (lambda rs: rs[2].pop("items"), "缺少参数“items”"),
    "duplicate rule id": (lambda rs: rs.append(dict(rs[2])), "规则 id 重复"),
    "unknown kind": (lambda rs: rs[2].update(type="summ"), "未知规则类型“summ”"),
    "bad operator": (lambda rs: next(r for r in rs if r["type"] == "compare").update(op="<="), ".op"),
}


def _item(chk: dict, key: str) -> dict:
    return next(i for items in chk["sections"].values() for i in items if i.get("key") == key)


NARRATIVE_CASES = {
    "misspelt row of a subject": (lambda c: _item(c, "exp_basic").update(figure="03.total.basc"), "basc"),
    "unknown row of a base": (lambda c: c["bases"][0].update(figure="01.inc_totl.amount"), "bases[0].figure"),
    "unknown table of a budget": (lambda c: next(i for items in c["sections"].values() for i in items
                                                 if "budget" in i).update(budget="12.total.amount"), "没有表“12”"),
    "not table.row.column": (lambda c: _item(c, "exp_basic").update(figure="03.basic"), "TABLE.ROW.COLUMN"),
    "unknown entry": (lambda c: c["bases"][-1].update(figure="entry:proc_totl"), "proc_totl"),
    "unknown key of a row group": (lambda c: next(i for i in c["sections"]["income"] if "rows" in i)["keys"]
                                   .append("inc_nothing"), "inc_nothing"),
    "unknown column of a code group": (lambda c: next(i for items in c["sections"].values() for i in items
                                                      if "codes" in i).update(col="amout"), "amout"),
}


EVALUATION_CASES = {
    "misspelt key": (lambda e: e.update(sheet_prefx=e.pop("sheet_prefix")), "evaluation.sheet_prefx"),
    "missing label of a budget line": (lambda e: e["budget"]["rows"][1].pop("label"), "evaluation.budget.rows[1]"),
    "a grade's minimum as words": (lambda e: e["grades"][0].update(min="九十"), "evaluation.grades[0].min"),
    "a variant's flag as text": (lambda e: e["variants"][0].update(grade="是"), "evaluation.variants[0].grade"),
    "a header field of three": (lambda e: e["header_fields"][0][0].append("多余"), "header_fields[0][0]"),
    "no summary sheet": (lambda e: e["summary"].pop("sheet"), "缺少“sheet”"),
}


NARRATIVE_SHAPE_CASES = {
    "misspelt section key": (lambda n: n["sections"][1].update(headng=n["sections"][1].pop("heading")),
                             "narrative.sections[1].headng"),
    "a phrase that is a list": (lambda n: n["phrases"].update(item_sep=["；"]), "narrative.phrases.item_sep"),
    "an input without its label": (lambda n: n["inputs"][0].pop("label"), "narrative.inputs[0]"),
    "decimals as text": (lambda n: n.update(percent_decimals="两位"), "narrative.percent_decimals"),
}


# (included file, the part of it a case edits, where the message must point) per case table
INCLUDES = {
    "rules": ("rules-2019.yaml", lambda d: d["rules"], "rules"),
    "narrative.check": ("narrative-2019.yaml", lambda d: d["narrative"]["check"], "narrative.check"),
    "evaluation": ("evaluation-2019.yaml", lambda d: d["evaluation"], "evaluation"),
    "narrative": ("narrative-2019.yaml", lambda d: d["narrative"], "narrative"),
}
INCLUDE_CASES = {f"{part}: {name}": (part, *case)
                 for part, table in (("rules", RULE_CASES), ("narrative.check", NARRATIVE_CASES),
                                     ("evaluation", EVALUATION_CASES), ("narrative", NARRATIVE_SHAPE_CASES))
                 for name, case in table.items()}


@pytest.mark.parametrize("case", sorted(INCLUDE_CASES))
def test_a_malformed_included_section_is_rejected_at_load(case, tmp_path):
    """A wrong rule, figure reference of the 说明, or key of the self-evaluation or 说明 layout
    fails the load with its place."""
    part, edit, expected = INCLUDE_CASES[case]
    name, select, where = INCLUDES[part]
    path = _copy_2019(tmp_path, lambda d: None)
    doc = yaml.safe_load((tmp_path / name).read_text(encoding="utf-8"))
    edit(select(doc))
    (tmp_path / name).write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec_file(path)
    assert expected in str(info.value), str(info.value)
    assert where in str(info.value), str(info.value)


def test_variant_errors(tmp_path):
    with pytest.raises(SpecError, match="基础格式"):
        load_spec_file(_write(tmp_path, 'extends: "1999"\nformat: x\n'))
    with pytest.raises(SpecError, match="no table '12'"):
        load_spec_file(_variant(tmp_path, 'tables:\n  "12": {title: 无此表}\n'))
    with pytest.raises(SpecError, match="class_list"):
        load_spec_file(_variant(tmp_path, 'class_list: ["201", "999"]\n'))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec-x.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_spec_check_as_a_process(tmp_path):
    good = run_cli("spec", "check", str(ROOT / "workbooks" / "spec-2020-b.yaml"))
    assert good.returncode == 0 and "9 张表" in good.stdout
    bad = _copy_2019(tmp_path, CASES["misspelt row key"][0])
    proc = run_cli("spec", "check", str(bad))
    assert proc.returncode == 2
    assert "tables[0] (01).panels[0].rows[0].wehre" in " ".join((proc.stdout + proc.stderr).split())
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("fmt", ["2019", "2020", "2020-b"])
def test_every_shipped_spec_loads(fmt):
    spec = load_spec(fmt)
    assert spec.rules and all(r.id for r in spec.rules)


def test_the_same_steps_in_the_same_order_for_new_fill_and_import(tmp_path):
    """new, fill and import write the sheets of the same pipeline in the same order."""
    from juesuan.io.files import fill_file, write_new
    from juesuan.sample import sample_inputs

    for fmt in ("2019", "2020"):
        spec = load_spec(fmt)
        assert [s.name for s in steps(spec)] == ["evaluations", "narrative"]
        new = tmp_path / f"new-{fmt}.xlsx"
        run_cli("new", "-o", str(new), "--format", fmt, check=True)
        filled = write_new(tmp_path / f"filled-{fmt}.xlsx", spec, inputs=sample_inputs(spec=spec))
        fill_file(filled, filled)
        csv = tmp_path / f"i-{fmt}.csv"
        csv.write_text("table,row,column,value\n1,本年收入合计,,0\n", encoding="utf-8")
        imported = tmp_path / f"imported-{fmt}.xlsx"
        run_cli("import", str(csv), "-o", str(imported), "--format", fmt, check=True)
        names = [openpyxl.load_workbook(p, read_only=True).sheetnames for p in (new, filled, imported)]
        assert names[0] == names[1] == names[2], fmt
        assert names[0][: len(spec.sheet_names)] == spec.sheet_names
        assert names[0][len(spec.sheet_names):] == ["绩效自评汇总", "说明"]
        assert sheet_order(spec, []) == []
