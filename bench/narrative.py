"""Recall of check-text, kind by kind, on generated 说明 with one injected misstatement.

For every format and several sample departments (seeds), fill a workbook, generate its 说明,
then make one copy per finding kind with one misstatement of that kind at a random place,
and check each copy against the same tables (with last year's figures from the 上年数 cells).
Prints recall per kind (copies where a finding of that kind was reported), overall recall,
and the findings on the unmutated texts (errors must be zero; notes are counted).

    python bench/narrative.py               # 8 departments per format (≥ 200 copies)
    python bench/narrative.py --seeds 3     # quicker

Targets: recall ≥ 0.95 on every kind; zero errors on unmutated text.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from juesuan.evaluation.steps import read_evaluations  # noqa: E402
from juesuan.io.demo_file import add_demo_extras  # noqa: E402
from juesuan.io.files import fill_file, write_new  # noqa: E402
from juesuan.io.xlsx import CalamineBook  # noqa: E402
from juesuan.narrative.catalogue import Catalogue  # noqa: E402
from juesuan.narrative.checktext import check_text  # noqa: E402
from juesuan.narrative.generate import generate  # noqa: E402
from juesuan.narrative.sample import sample_inputs_for  # noqa: E402
from juesuan.narrative.steps import accounts_from_workbook, entries_of  # noqa: E402
from juesuan.spec import available_formats, load_spec  # noqa: E402

Mutation = Callable[[list[str], random.Random], list[str] | None]
AMOUNT = re.compile(r"(?<![\d.])(\d+\.\d{2})万元")


def _pick(lines: list[str], rng: random.Random, pattern: str, where: Callable[[str], bool] = lambda s: True
          ) -> tuple[int, re.Match] | None:
    hits = [(i, m) for i, line in enumerate(lines) if where(line) for m in re.finditer(pattern, line)]
    return rng.choice(hits) if hits else None


def _sub(lines: list[str], i: int, m: re.Match, new: str, group: int = 0) -> list[str]:
    out = list(lines)
    a, b = m.span(group)
    out[i] = lines[i][:a] + new + lines[i][b:]
    return out


def _bump(text: str, rng: random.Random) -> str:
    value = Decimal(text)
    step = Decimal(rng.choice(["0.01", "0.1", "1", "3.7", "12.5"]))
    new = value + step if rng.random() < 0.5 or value - step < 0 else value - step
    return f"{new:.{len(text.split('.')[1]) if '.' in text else 0}f}"


def _figure_line(line: str) -> bool:
    return bool(re.search(r"\d{4}年度|^\d+\. ", line)) and "涉及资金" not in line and "以上" not in line


def m_amount(lines, rng):
    hit = _pick(lines, rng, r"(?<![增减加少])(?<![\d.])(\d+\.\d{2})万元", lambda s: _figure_line(s) and "上年" not in s)
    return _sub(lines, hit[0], hit[1], _bump(hit[1].group(1), rng), 1) if hit else None


def m_share(lines, rng):
    hit = _pick(lines, rng, r"(?<!共)占(?:[^，；。\d]{0,12}的)?(\d+\.\d{2})%")
    return _sub(lines, hit[0], hit[1], _bump(hit[1].group(1), rng), 1) if hit else None


def m_group_share(lines, rng):
    hit = _pick(lines, rng, r"共占(\d+\.\d{2})%")
    return _sub(lines, hit[0], hit[1], _bump(hit[1].group(1), rng), 1) if hit else None


def m_percent_sign(lines, rng):
    hit = _pick(lines, rng, r"占(\d+\.\d{2})(%)")
    return _sub(lines, hit[0], hit[1], "", 2) if hit else None


def _yoy(line: str) -> bool:
    return "与上年相比" in line and "上年数为0" not in line


def m_yoy_amount(lines, rng):
    hit = _pick(lines, rng, r"(?:增加|减少)(\d+\.\d{2})万元", _yoy)
    return _sub(lines, hit[0], hit[1], _bump(hit[1].group(1), rng), 1) if hit else None


def m_yoy_percent(lines, rng):
    hit = _pick(lines, rng, r"(?:增长|下降)(\d+\.\d{2})%", _yoy)
    return _sub(lines, hit[0], hit[1], _bump(hit[1].group(1), rng), 1) if hit else None


def m_yoy_direction(lines, rng):
    hit = _pick(lines, rng, r"(增加|减少)(\d+\.\d{2})万元，(增长|下降)", _yoy)
    if not hit:
        return None
    swap = {"增加": "减少", "减少": "增加", "增长": "下降", "下降": "增长"}
    m = hit[1]
    return _sub(lines, hit[0], m, f"{swap[m.group(1)]}{m.group(2)}万元，{swap[m.group(3)]}")


def m_zero_base(lines, rng):
    hit = _pick(lines, rng, r"（上年数为0，不计算增长率）")
    return _sub(lines, hit[0], hit[1], "，增长100.00%") if hit else None


def m_completion(lines, rng):
    hit = _pick(lines, rng, r"完成年初预算的(\d+\.\d{2})%")
    return _sub(lines, hit[0], hit[1], _bump(hit[1].group(1), rng), 1) if hit else None


def m_completion_zero(lines, rng):
    hit = _pick(lines, rng, r"无年初预算数")
    return _sub(lines, hit[0], hit[1], "完成年初预算的100.00%") if hit else None


def m_no_budget(lines, rng):
    hit = _pick(lines, rng, r"完成年初预算的\d+\.\d{2}%")
    return _sub(lines, hit[0], hit[1], "无年初预算数") if hit else None


def m_twice(lines, rng):
    hit = _pick(lines, rng, r"^(\d{4}年度)([^，。；]*?[^\d.])(\d+\.\d{2})万元", _figure_line)
    if not hit:
        return None
    i, m = hit
    out = list(lines)
    out[i] = lines[i] + f"{m.group(2)}{_bump(m.group(3), rng)}万元。"
    return out


def m_unit(lines, rng):
    hit = _pick(lines, rng, r"(?<![增减加少])(?<![\d.])(?!0\.00万元)(\d+\.\d{2})(万元)",  # 0 元 is 0 万元
                lambda s: _figure_line(s) and "上年" not in s)
    return _sub(lines, hit[0], hit[1], "元", 2) if hit else None


def m_old_name(lines, rng):
    hit = _pick(lines, rng, r"卫生健康支出")
    return _sub(lines, hit[0], hit[1], "医疗卫生与计划生育支出") if hit else None


def m_residue(lines, rng):
    choice = rng.choice(["year", "xxx", "both"])
    if choice == "year":
        hit = _pick(lines, rng, r"(\d{3})\d年度")
        return _sub(lines, hit[0], hit[1], hit[1].group(1) + " 年度") if hit else None
    if choice == "xxx":
        hit = _pick(lines, rng, r"主要原因是[^。]+")
        return _sub(lines, hit[0], hit[1], "主要原因是XXX") if hit else None
    hit = _pick(lines, rng, r"(增加|增长)(?=\d)")
    return _sub(lines, hit[0], hit[1], "增长（下降）") if hit else None


KINDS: dict[str, tuple[Mutation, set[str]]] = {
    "amount": (m_amount, {"text-amount"}),
    "share": (m_share, {"text-share", "text-share-base"}),
    "group-share": (m_group_share, {"text-group-share"}),
    "percent-sign": (m_percent_sign, {"text-percent-sign"}),
    "yoy-amount": (m_yoy_amount, {"text-yoy-amount"}),
    "yoy-percent": (m_yoy_percent, {"text-yoy-percent"}),
    "yoy-direction": (m_yoy_direction, {"text-yoy-direction"}),
    "yoy-zero-base": (m_zero_base, {"text-yoy-zero-base"}),
    "completion": (m_completion, {"text-completion"}),
    "completion-zero": (m_completion_zero, {"text-completion-zero"}),
    "no-budget": (m_no_budget, {"text-no-budget"}),
    "twice": (m_twice, {"text-twice"}),
    "unit": (m_unit, {"text-unit"}),
    "old-name": (m_old_name, {"text-old-name"}),
    "residue": (m_residue, {"text-residue"}),
}


# -- the styles real disclosures use: the generated text rewritten before the mutation ------------
def style_stated_base(lines, cat):
    """占X% → 占本年收入合计的X% / 占本年支出合计的X% (the base written out)."""
    out, base = [], None
    for line in lines:
        if line.startswith("二、"):
            base = "本年收入合计"
        elif line.startswith("三、"):
            base = "本年支出合计"
        elif re.match(r"^[四五六七八九十]+、", line):
            base = None
        out.append(re.sub(r"，占(\d)", f"，占{base}的\\1", line) if base else line)
    return out


def style_one_sentence(lines, cat):
    """Items listed in one sentence, the shares in a second one."""
    out = []
    for line in lines:
        m = re.match(r"^(\d{4}年度本年(?:收入|支出)合计[\d.]+万元，其中：)(.*)。$", line)
        if m:
            items = re.findall(r"([^；：]+?)([\d.]+万元)，占([\d.]+)%", m.group(2))
            line = m.group(1) + "、".join(f"{a}{b}" for a, b, _ in items) + "。" + \
                "，".join(f"{a}占{c}%" for a, _, c in items) + "。"
        out.append(line)
    return out


def style_main_items(lines, cat):
    """人员经费X万元，主要包括：基本工资A万元、津贴补贴B万元… (the 06 items with their amounts)."""
    items = [s for s in cat.sections.get("basic", []) if s.code and s.actual]
    names = {s.labels[0]: s.actual for s in items}
    out = []
    for line in lines:
        if "主要包括：" in line:
            line = re.sub(r"主要包括：([^；。]+)", lambda m: "主要包括：" + "、".join(
                f"{n}{names[n]:.2f}万元" if n in names else n for n in m.group(1).split("、")), line)
        out.append(line)
    return out


def style_class_then_kuan(lines, cat):
    """A 类 total followed by its 款 amounts (X（类）A万元，其中：Y（款）B万元、Z（款）C万元，占…)."""
    gp = [x for x in cat.sections.get("gp", []) if x.code and not x.absent and x.actual]
    out = []
    for line in lines:
        if "主要用于以下方面" in line:
            for c in (x for x in gp if len(x.code) == 3):
                parts = [k for k in gp if len(k.code) == 5 and k.code.startswith(c.code)]
                said = f"{c.labels[0]}{c.actual:.2f}万元，占"
                if parts and said in line:
                    kuan = "、".join(f"{k.labels[-3]}{k.actual:.2f}万元" for k in parts)
                    line = line.replace(said, f"{c.labels[0]}{c.actual:.2f}万元，其中：{kuan}，占")
        out.append(line)
    return out


def style_yuan(lines, cat):
    """Some amounts in 元 with thousands separators (基本支出12,528,100.00元)."""
    return [re.sub(r"(基本支出|项目支出|公务接待费)(\d+\.\d{2})万元",
                   lambda m: f"{m.group(1)}{Decimal(m.group(2)) * 10000:,.2f}元", line) for line in lines]


STYLES = [lambda lines, cat: lines, style_stated_base, style_one_sentence, style_main_items, style_class_then_kuan,
          style_yuan]


def department(fmt: str, seed: int, folder: Path):
    """A filled sample workbook for (format, seed): spec, accounts, entries, evaluations."""
    spec = load_spec(fmt)
    path = folder / f"{fmt}-{seed}.xlsx"
    write_new(path, spec, inputs=sample_inputs_for(fmt, seed))
    add_demo_extras(path)
    fill_file(path, path)
    book = CalamineBook(path)
    try:
        return spec, accounts_from_workbook(spec, book), entries_of(spec, book), read_evaluations(spec, book)
    finally:
        book.close()


def text_of(spec, accounts, entries, evals) -> list[str]:
    return [p.text for p in generate(spec, accounts, entries, evals) if p.kind != "table"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--verbose", action="store_true", help="print the notes on unmutated texts")
    args = ap.parse_args()
    hits: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    clean_errors: list[str] = []
    clean_notes = 0
    notes: list[str] = []
    misses: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in available_formats():
            for seed in range(args.seeds):
                rng = random.Random(f"{fmt}-{seed}")
                spec, accounts, entries, evals = department(fmt, 2019 + seed, Path(tmp))
                entries = dict(entries)
                if seed % 2:  # every other department: one figure flat on last year
                    entries["prev:oper"] = float(accounts.tables["06"].value("public_total", "amount") or 0)
                style = STYLES[seed % len(STYLES)]
                cat = Catalogue(spec, accounts, entries)
                lines = style(text_of(spec, accounts, entries, evals), cat)
                for f in check_text("\n".join(lines), spec, accounts, entries):
                    if f.severity == "error":
                        clean_errors.append(f"{fmt}/{seed}: [{f.rule}] {f.message} | {f.quote}")
                    else:
                        clean_notes += 1
                        notes.append(f"{fmt}/{seed}: {f.message} | {f.quote[:80]}")
                zero = dict(entries, **{"prev:oper": 0})
                zero_lines = style(text_of(spec, accounts, zero, evals), cat)
                for kind, (mutate, rules) in KINDS.items():
                    base, ents = (zero_lines, zero) if kind == "yoy-zero-base" else (lines, entries)
                    mutated = mutate(base, rng)
                    if mutated is None:
                        continue
                    tried[kind] += 1
                    found = {f.rule for f in check_text("\n".join(mutated), spec, accounts, ents)
                             if f.severity == "error"}
                    if found & rules:
                        hits[kind] += 1
                    else:
                        changed = next((b for a, b in zip(base, mutated, strict=False) if a != b), mutated[-1])
                        misses.append(f"{fmt}/{seed} {kind}: found {sorted(found)} | {changed[:120]}")
    print(f"{'kind':<18}{'copies':>8}{'recall':>9}")
    total_hits = total = 0
    for kind in KINDS:
        n, h = tried[kind], hits[kind]
        total, total_hits = total + n, total_hits + h
        print(f"{kind:<18}{n:>8}{(h / n if n else 0):>9.3f}")
    print(f"{'overall':<18}{total:>8}{(total_hits / total if total else 0):>9.3f}")
    print(f"unmutated texts: {len(clean_errors)} false errors, {clean_notes} notes (unverified)")
    for line in clean_errors[:20]:
        print("  FALSE", line)
    for line in misses[:20]:
        print("  MISS", line)
    if args.verbose:
        for line in notes:
            print("  NOTE", line)


if __name__ == "__main__":
    main()
