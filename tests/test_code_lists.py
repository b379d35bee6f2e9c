"""The shipped code lists (workbooks/codes-<format>.yaml) against real disclosures and the
sample departments: the share of codes they name (coverage) and of names they agree on.
Also ``juesuan codes import`` on real .csv/.xlsx code tables."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import yaml
from conftest import ROOT, run_cli

from juesuan.sample import sample_inputs

DATA = Path(__file__).parent / "data"


def _list(fmt: str) -> dict:
    return yaml.safe_load((ROOT / "workbooks" / f"codes-{fmt}.yaml").read_text(encoding="utf-8"))


def _disclosed() -> dict[str, list[tuple[str, str]]]:
    lines = [ln for ln in (DATA / "disclosure-codes.csv").read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    out: dict[str, list[tuple[str, str]]] = {}
    for row in csv.DictReader(lines):
        out.setdefault(row["format"], []).append((row["code"], row["name"]))
    return out


def _norm(text: str) -> str:
    return "".join(text.split()).replace("(", "（").replace(")", "）")


def test_every_list_notes_its_source_and_is_a_tree():
    for fmt in ("2019", "2020"):
        data = _list(fmt)
        assert set(data["source"]) == {"functional", "economic"} and all(data["source"].values())
        for scheme in ("functional", "economic"):
            codes = data[scheme]
            assert all(isinstance(k, str) and k.isdigit() for k in codes)
            orphans = [c for c in codes if len(c) > 3 and c[:len(c) - 2] not in codes]
            assert orphans == [], (fmt, scheme, orphans)
    classes_2020 = {c for c in _list("2020")["functional"] if len(c) == 3}
    assert {"207", "210", "224", "229", "234"} <= classes_2020
    assert len({c for c in _list("2019")["functional"] if len(c) == 3}) == 24  # 01's 24 class lines


def test_coverage_of_codes_in_real_disclosures():
    for fmt, rows in _disclosed().items():
        data = _list(fmt)
        merged = {**data["functional"], **data["economic"]}
        former = data.get("former_names") or {}
        named = [(c, n) for c, n in rows if c in merged]
        agree = [(c, n) for c, n in named
                 if _norm(merged[c]) == _norm(n) or _norm(n) in {_norm(x) for x in former.get(c, [])}]
        coverage, agreement = len(named) / len(rows), len(agree) / len(named)
        print(f"{fmt}: coverage {coverage:.1%} of {len(rows)} disclosed codes; names agree {agreement:.1%}")
        assert coverage == 1.0, sorted(set(rows) - set(named))
        assert agreement >= 0.97, sorted(set(named) - set(agree))


def test_coverage_of_the_sample_department():
    inputs = sample_inputs()
    data = _list("2019")
    used = {r[0] for r in inputs["expense"]} | {r[0] for r in inputs["income"]}
    used |= {c[:n] for c in set(used) for n in (3, 5)}
    econ = {r[1] for r in inputs["expense"]}
    missing = sorted(c for c in used if c not in data["functional"]) + sorted(c for c in econ if c not in data["economic"])
    assert missing == []


def test_codes_import_from_csv_reports_and_writes(tmp_path):
    src = tmp_path / "科目表.csv"
    src.write_text("某市财政局 2019年政府收支分类科目（补充）\n\n科目编码,科目名称\n205,教育支出\n20502,普通教育\n"
                   "2050202,小学教育\n2050299,其他普通教育\n2059901,教育信息化\n30250,电费补贴\n2080599,其他养老支出\n"
                   "2080599,其他养老支出\n", encoding="utf-8")
    out = tmp_path / "codes.yaml"
    proc = run_cli("codes", "import", str(src), "--format", "2019", "-o", str(out))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text
    assert "科目表.csv!A11" in text and "2080599" in text  # the duplicate, at its cell
    assert "其他普通教育支出" in text  # the name conflicting with the shipped list
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["functional"]["2059901"] == "教育信息化"
    assert data["functional"]["2050299"] == "其他普通教育"  # the bureau's name is kept
    assert data["economic"]["30250"] == "电费补贴"
    assert data["functional"]["2110101"] == "行政运行"  # merged with the shipped list
    assert "科目表.csv" in data["source"]["functional"]
    # the written file is a code list the spec loader accepts
    from juesuan.spec.loader import _load_codes

    assert _load_codes(yaml.safe_load(out.read_text(encoding="utf-8"))).functional["2059901"] == "教育信息化"
    again = run_cli("codes", "import", str(src), "--format", "2019", "-o", str(out))
    assert again.returncode == 2 and "--force" in again.stdout + again.stderr


def test_codes_import_xlsx_with_bad_codes_writes_nothing(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "功能分类"
    ws.append(["2024年支出功能分类科目"])
    ws.append(["分类", "科目编码", "科目名称"])
    ws.append(["功能分类", 205, "教育支出"])
    ws.append(["功能分类", 2050202.0, "小学教育"])
    ws.append(["功能分类", "2050A02", "坏编码"])
    ws.append(["功能分类", "2050203", "初中教育"])
    ws.append(["功能分类", "2050203", "初级中学教育"])
    src = tmp_path / "codes.xlsx"
    wb.save(src)
    out = tmp_path / "codes.yaml"
    proc = run_cli("codes", "import", str(src), "--format", "2019", "-o", str(out))
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text
    assert "功能分类!B5" in text and "2050A02" in text
    assert "功能分类!B7" in text and "初级中学教育" in text
    assert not out.exists()
    assert "Traceback" not in text
