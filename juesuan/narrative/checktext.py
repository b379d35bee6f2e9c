"""Checking a 说明 written elsewhere against the filled tables (rules 16 and 17).

The text is read paragraph by paragraph. A section heading (一、… 九、) selects which figures
its words refer to (基本支出 in 三、 is 03表's; in 六、 it is 05表's); within a sentence each
amount (``547.13万元``, ``5,471,300元``, ``５４７．１３ 万元``) and each percentage
(``占16.05%``, ``占本年支出合计的 X%``, ``完成年初预算的 X%``) is tied to the nearest
preceding subject (the latest known label), and compared with its table figure and the
right base. ``无年初预算数`` is compared with the 预算数 of 公开07表 (or of the 项).
Change on last year (增加/减少/增长/下降) cannot be checked from this year's tables and is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from juesuan.narrative.generate import EXPENSE_COLS, EXPENSE_LABELS, INCOME_KEYS, SANGONG_PARTS, settings
from juesuan.narrative.shares import HUNDRED, largest_remainder, unit
from juesuan.spec.model import TemplateSpec
from juesuan.tables import FilledAccounts, TableValues

ZERO = Decimal(0)
CENT = Decimal("0.01")
_TRANS = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "％": "%", "(": "（", ")": "）",
                        "﹪": "%"})
_DROP = re.compile(r"[\s\u3000\u00a0“”\"‘’'「」『』]")
_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_TOKEN = re.compile(
    rf"(?P<amount>(?<![\d.,]){_NUM}(?P<unit>亿元|万元|元))"
    rf"|(?P<percent>(?<![\d.,]){_NUM.replace('(', '(?P<pnum>', 1)}%)"
    r"|(?P<nobudget>无年初预算)"
    rf"|(?P<bare>占[^，,；;。%\d]{{0,16}}?(?P<bnum>\d+(?:\.\d+)?)(?![\d.%]|万元|元|亿元))"
)
_CHANGE = ("增加", "减少", "增长", "下降", "上年", "同比", "持平")
_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")


@dataclass
class Subject:
    key: str
    labels: tuple[str, ...]
    actual: Decimal | None
    budget: Decimal | None = None  # None: not known from the tables
    base: str | None = None  # key of the base for "占 X%"
    group: str | None = None  # shares of one whole (largest remainder)
    cells: list[dict[str, str]] = field(default_factory=list)
    budget_cells: list[dict[str, str]] = field(default_factory=list)
    item: bool = False  # a 05表 项: its 年初预算 is stated in the text


@dataclass
class Base:
    key: str
    labels: tuple[str, ...]
    value: Decimal
    cells: list[dict[str, str]] = field(default_factory=list)


def normalise(text: str) -> str:
    return _DROP.sub("", text.translate(_TRANS))


def _row_cells(table: TableValues | None, sheet: str, row: str, col: str) -> list[dict[str, str]]:
    r = table.row(row) if table is not None else None
    cell = r.cells.get(col) if r is not None else None
    return [{"sheet": sheet, "cell": cell}] if cell else []


class Catalogue:
    """The figures a 说明 may quote, by section, with their labels and bases."""

    def __init__(self, spec: TemplateSpec, accounts: FilledAccounts, item_budgets: dict[str, Decimal] | None = None):
        self.spec, self.acc = spec, accounts
        self.sections: dict[str, list[Subject]] = {}
        self.bases: dict[str, Base] = {}
        self.groups: dict[str, tuple[list[str], Decimal]] = {}
        self.order = [str(s["key"]) for s in (settings(spec) or {}).get("sections", [])]
        self.match = {str(s["key"]): tuple(s.get("match", ())) for s in (settings(spec) or {}).get("sections", [])}
        self.item_budgets = item_budgets or {}
        self._build()

    def _t(self, tid: str) -> TableValues | None:
        return self.acc.tables.get(tid)

    def _sheet(self, tid: str) -> str:
        try:
            return self.spec.table(tid).sheet
        except KeyError:
            return f"公开{tid}表"

    def _val(self, tid: str, row: str, col: str) -> Decimal | None:
        t = self._t(tid)
        return t.value(row, col) if t is not None else None

    def subject(self, section: str, key: str, labels: tuple[str, ...], tid: str, row: str, col: str,
                **kw: Any) -> Subject:
        value = self._val(tid, row, col)
        s = Subject(key, labels, value if value is not None else (ZERO if self._t(tid) else None),
                    cells=_row_cells(self._t(tid), self._sheet(tid), row, col), **kw)
        self.sections.setdefault(section, []).append(s)
        return s

    def base(self, key: str, labels: tuple[str, ...], tid: str, row: str, col: str) -> None:
        value = self._val(tid, row, col) or ZERO
        self.bases[key] = Base(key, labels, value, _row_cells(self._t(tid), self._sheet(tid), row, col))

    def _build(self) -> None:
        t01, t05 = self._t("01"), self._t("05")
        self.base("inc_total", ("本年收入合计", "收入合计"), "01", "inc_total", "amount")
        self.base("exp_total", ("本年支出合计", "支出合计"), "01", "exp_total", "amount")
        self.base("grand", ("收支总计", "收、支总计", "支出总计", "收入总计", "总计"), "01", "grand_out", "amount")
        self.base("gp_total", ("一般公共预算财政拨款支出合计", "一般公共预算财政拨款支出"), "05", "total", "subtotal")
        self.base("sangong", ("三公经费支出", "三公经费", "三公经费决算"), "07", "data", "a_total")
        # 一、
        self.subject("total", "grand", ("收、支总计", "收支总计", "总计"), "01", "grand_in", "amount")
        # 二、
        self.subject("income", "inc_total", ("本年收入合计", "收入合计"), "01", "inc_total", "amount")
        keys = []
        for k in INCOME_KEYS:
            label = re.sub(r"^[一二三四五六七八九十]+、", "", t01.row(k).label) if t01 and t01.row(k) else k
            self.subject("income", f"01.{k}", (label,), "01", k, "amount", base="inc_total", group="income")
            keys.append(f"01.{k}")
        self.groups["income"] = (keys, self.bases["inc_total"].value)
        self.subject("income", "begin", ("年初结转和结余",), "01", "begin", "amount")
        # 三、
        self.subject("expense", "exp_total", ("本年支出合计", "支出合计"), "01", "exp_total", "amount")
        keys = []
        for c in EXPENSE_COLS:
            self.subject("expense", f"03.{c}", (EXPENSE_LABELS[c],), "03", "total", c, base="exp_total",
                         group="expense")
            keys.append(f"03.{c}")
        self.groups["expense"] = (keys, self._val("03", "total", "total") or ZERO)
        self.subject("expense", "end", ("年末结转和结余",), "01", "end", "amount")
        # 四、
        self.subject("fiscal", "fin_inc", ("财政拨款收入",), "04", "fin_inc_total", "amount")
        self.subject("fiscal", "fin_exp", ("财政拨款支出",), "04", "fin_exp_total", "total")
        self.subject("fiscal", "fin_begin", ("年初财政拨款结转和结余",), "04", "fin_begin", "amount")
        self.subject("fiscal", "fin_end", ("年末财政拨款结转和结余",), "04", "fin_end", "total")
        self.subject("fiscal", "fin_grand", ("财政拨款收、支总计", "财政拨款收支总计"), "04", "fin_grand_in", "amount")
        # 五、
        self.subject("gp", "gp_total", ("一般公共预算财政拨款支出",), "05", "total", "subtotal", base="exp_total")
        rows = t05.rows() if t05 else []
        names = {r.code: r.label for r in rows if r.code}
        keys = []
        for r in rows:
            if r.code and len(r.code) == 3:
                self.subject("gp", f"05.{r.code}", (f"{r.label}（类）", r.label), "05", r.code, "subtotal",
                             base="gp_total", group="classes")
                keys.append(f"05.{r.code}")
        self.groups["classes"] = (keys, self.bases["gp_total"].value)
        for r in rows:
            if r.code and len(r.code) == 7:
                path = f"{names.get(r.code[:3], '')}（类）{names.get(r.code[:5], '')}（款）{r.label}（项）"
                s = self.subject("gp", f"05.{r.code}", (path, r.code, f"{r.label}（项）"), "05", r.code, "subtotal",
                                 item=True)
                s.budget = self.item_budgets.get(r.code)
        # 六、
        self.subject("basic", "basic", ("一般公共预算财政拨款基本支出", "基本支出"), "05", "total", "basic")
        self.subject("basic", "personnel", ("人员经费",), "06", "personnel_total", "amount")
        self.subject("basic", "public", ("公用经费",), "06", "public_total", "amount")
        # 七、
        t07 = self._t("07")

        def sangong(key: str, labels: tuple[str, ...], **kw: Any) -> None:
            s = self.subject("sangong", f"07.{key}", labels, "07", "data", f"a_{key}", **kw)
            s.budget = self._val("07", "data", f"b_{key}") if t07 is not None else None
            if s.budget is None and t07 is not None:
                s.budget = ZERO
            s.budget_cells = _row_cells(t07, self._sheet("07"), "data", f"b_{key}")

        sangong("total", ("三公经费财政拨款支出", "三公经费支出", "三公经费"))
        keys = []
        for key, label in SANGONG_PARTS:
            sangong(key, (label,), base="sangong", group="sangong")
            keys.append(f"07.{key}")
        self.groups["sangong"] = (keys, self.bases["sangong"].value)
        sangong("car_buy", ("公务用车购置费", "车辆购置费"), base="sangong")
        sangong("car_run", ("公务用车运行费", "公务用车运行维护费", "车辆运行维护费"), base="sangong")
        # 八、
        t08 = self._t("08")
        if t08 is not None and not t08.empty:
            for key, col, label in (("gf_begin", "begin", "年初结转和结余"), ("gf_income", "income", "本年收入"),
                                    ("gf_exp", "exp_sub", "本年支出"), ("gf_end", "end", "年末结转和结余")):
                self.subject("gf", key, (label,), "08", "total", col)
        # 九、
        self.subject("important", "oper", ("机关运行经费",), "06", "public_total", "amount")

    # -- lookups -----------------------------------------------------------------------
    def section_of(self, heading: str) -> str | None:
        text = normalise(heading)
        best, found = 0, None
        for key in self.order:  # the longest matching words win (四、财政拨款收入支出… over 一、收入支出…)
            for m in self.match.get(key, ()):
                if normalise(m) in text and len(normalise(m)) > best:
                    best, found = len(normalise(m)), key
        return found

    def candidates(self, section: str | None) -> list[Subject]:
        if section is not None and section in self.sections:
            return self.sections[section]
        return [s for key in self.order for s in self.sections.get(key, [])]

    def group_shares(self, group: str, decimals: int) -> dict[str, Decimal]:
        keys, whole = self.groups[group]
        subjects = {s.key: s for ss in self.sections.values() for s in ss}
        parts = [subjects[k].actual or ZERO for k in keys]
        shares = largest_remainder(parts, whole, decimals)
        return dict(zip(keys, shares, strict=True)) if shares else {}


def _find_label(segment: str, subjects: list[Subject]) -> tuple[Subject | None, int]:
    """The subject whose label ends last in ``segment`` (longest label on a tie), and where it ends."""
    best: tuple[int, int] | None = None
    found = None
    for s in subjects:
        for label in s.labels:
            lab = normalise(label)
            i = segment.rfind(lab)
            if i >= 0:
                rank = (i + len(lab), len(lab))
                if best is None or rank > best:
                    best, found = rank, s
    return found, (best[0] if best else 0)


def _find_base(text: str, bases: dict[str, Base]) -> Base | None:
    best, found = None, None
    for b in bases.values():
        for label in b.labels:
            lab = normalise(label)
            if lab in text and (best is None or len(lab) > best):
                best, found = len(lab), b
    return found


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def _q(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(unit(decimals), rounding=ROUND_HALF_UP)


def _finding(rule: str, message: str, sentence: str, cells: list[dict[str, str]], expected: Decimal | None,
             actual: Decimal | None, severity: str = "error") -> dict[str, Any]:
    def text(v: Decimal | None) -> str | None:
        if v is None:
            return None
        exp = v.as_tuple().exponent
        return f"{v:f}" if isinstance(exp, int) and exp < -2 else f"{v:.2f}"

    diff = actual - expected if (expected is not None and actual is not None) else None
    return {"rule": rule, "severity": severity, "message": message, "sentence": sentence.strip(),
            "cells": cells, "expected": text(expected), "actual": text(actual), "difference": text(diff)}


def check_text(text: str, spec: TemplateSpec, accounts: FilledAccounts,
               item_budgets: dict[str, Decimal] | None = None) -> list[dict[str, Any]]:
    """Every mismatch between the statements of ``text`` and the tables, as finding dicts
    (``rule, severity, message, sentence, cells, expected, actual, difference``)."""
    cat = Catalogue(spec, accounts, item_budgets)
    findings: list[dict[str, Any]] = []
    section: str | None = None
    for paragraph in text.splitlines():
        if not paragraph.strip():
            continue
        if _HEADING.match(paragraph):
            found = cat.section_of(paragraph)
            section = found
            continue
        subjects = cat.candidates(section)
        item: Subject | None = None
        stated_budget: Decimal | None = None
        for m in _SENTENCE.finditer(paragraph):
            original = m.group(0)
            sentence = normalise(original)
            subject: Subject | None = item
            prev = 0
            for tok in _TOKEN.finditer(sentence):
                segment = sentence[prev:tok.start()]
                prev = tok.end()
                # the words of a base or a completion ("占本年支出合计的", "完成年初预算的") name no subject
                label_part = re.split(r"占|完成", segment)[0] if not tok.group("amount") else segment
                hit, end = _find_label(label_part, subjects)
                if hit is not None:
                    if hit.item and hit is not item:
                        item, stated_budget = hit, None
                    subject = hit
                    after = segment[end:]
                else:
                    after = segment
                if subject is None:
                    continue
                if tok.group("amount"):
                    if any(w in after for w in _CHANGE):
                        continue
                    stated = [stated_budget]
                    findings += self_amount(subject, tok, segment, original, stated)
                    stated_budget = stated[0]
                elif tok.group("percent"):
                    findings += _check_percent(cat, subject, stated_budget, after, tok.group("pnum"), original)
                elif tok.group("nobudget"):
                    budget = stated_budget if subject.item and stated_budget is not None else subject.budget
                    if budget is not None and budget != 0:
                        findings.append(_finding(
                            "text-no-budget", f"说明称“{subject.labels[0]}”无年初预算数，但公开表年初预算数为"
                            f" {budget:.2f} 万元", original, subject.budget_cells, budget, ZERO))
                elif tok.group("bare"):
                    if any(w in after for w in _CHANGE):
                        continue
                    findings.append(_finding(
                        "text-percent-sign", f"百分比缺少“%”号：“{tok.group(0)}”", original, subject.cells, None,
                        _dec(tok.group("bnum"))))
            tail, _ = _find_label(sentence[prev:], subjects)  # a 项 named in a sentence of its own
            if tail is not None and tail.item and tail is not item:
                item, stated_budget = tail, None
    return findings


def self_amount(subject: Subject, tok: re.Match, segment: str, sentence: str,
                stated: list[Decimal | None]) -> list[dict[str, Any]]:
    """An amount statement: the 决算数 (or the 预算数 when the words say so) of its subject."""
    value = _dec(tok.group(2))
    if tok.group("unit") == "元":
        value = value / Decimal(10000)
    elif tok.group("unit") == "亿元":
        value = value * Decimal(10000)
    cleaned = re.sub(r"(一般公共|政府性基金|国有资本经营)预算", "", segment)
    is_budget = cleaned.rfind("预算") > cleaned.rfind("决算")
    if is_budget and subject.item:
        stated[0] = value  # a 项's 年初预算 comes from the text itself
        return []
    expected = subject.budget if is_budget else subject.actual
    if expected is None or _q(value, 2) == expected:
        return []
    what = "年初预算数" if is_budget else "决算数"
    return [_finding("text-amount", f"金额与公开表不符：“{subject.labels[0]}”{what}应为 {expected:.2f} 万元，"
                     f"说明写作 {_q(value, 2):.2f} 万元", sentence,
                     subject.budget_cells if is_budget else subject.cells, expected, _q(value, 2))]


def _check_percent(cat: Catalogue, subject: Subject, stated_budget: Decimal | None, segment: str,
                   number: str, sentence: str) -> list[dict[str, Any]]:
    written = _dec(number)
    decimals = len(number.split(".")[1]) if "." in number else 0
    if any(w in segment for w in _CHANGE):
        return []
    if "完成" in segment and "预算" in segment:
        budget = stated_budget if subject.item and stated_budget is not None else subject.budget
        if budget is None or subject.actual is None:
            return []
        if budget == 0:
            return [_finding("text-completion-zero", f"“{subject.labels[0]}”年初预算为0，完成率无法计算，不应写“完成年初预算的"
                             f" {number}%”（应说明无年初预算数）", sentence, subject.budget_cells, None, written)]
        expected = _q(subject.actual / budget * HUNDRED, decimals)
        if written != expected:
            return [_finding("text-completion", f"完成率有误：“{subject.labels[0]}”决算 {subject.actual:.2f} ÷ 年初预算"
                             f" {budget:.2f} = {expected}%，说明写作 {number}%", sentence,
                             subject.cells + subject.budget_cells, expected, written)]
        return []
    m = re.search(r"占(.*)$", segment)
    if m is None or subject.actual is None:
        return []
    right = cat.bases.get(subject.base or "")
    if right is None:
        return []
    stated = _find_base(m.group(1), cat.bases) if m.group(1) else None
    if right.value == 0:
        return [_finding("text-share-zero", f"基数“{right.labels[0]}”为0，占比无法计算", sentence, right.cells, None,
                         written)]
    expected = _q(subject.actual / right.value * HUNDRED, decimals)
    accepted = {expected}
    if subject.group:
        lr = cat.group_shares(subject.group, decimals).get(subject.key)
        if lr is not None:
            accepted.add(lr)
    if stated is not None and stated.key != right.key:
        return [_finding("text-share-base", f"占比基数有误：“{subject.labels[0]}”应以“{right.labels[0]}”为基数"
                         f"（{subject.actual:.2f} ÷ {right.value:.2f} = {expected}%），说明以“{stated.labels[0]}”为基数",
                         sentence, subject.cells + right.cells, expected, written)]
    if written in accepted:
        return []
    hint = ""
    for b in cat.bases.values():
        if b.key != right.key and b.value and _q(subject.actual / b.value * HUNDRED, decimals) == written:
            hint = f"；{number}% 相当于以“{b.labels[0]}”为基数，基数有误"
            break
    return [_finding("text-share", f"占比有误：“{subject.labels[0]}”{subject.actual:.2f} ÷ “{right.labels[0]}”"
                     f"{right.value:.2f} = {expected}%，说明写作 {number}%{hint}", sentence,
                     subject.cells + right.cells, expected, written)]


# -- files ------------------------------------------------------------------------------
def read_text_file(path: str | Path) -> str:
    """A 说明 as text: .docx paragraphs, or a plain-text file (UTF-8, UTF-8 with BOM or GB18030)."""
    from juesuan.errors import fail

    p = Path(path)
    if not p.exists():
        raise fail("file-missing", path=str(p))
    if p.suffix.lower() == ".docx":
        from juesuan.narrative.docx_export import read_docx_text

        try:
            return read_docx_text(p)
        except Exception as exc:  # python-docx raises several kinds on a bad file
            raise fail("file-corrupt", path=str(p), reason=str(exc)) from exc
    data = p.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise fail("file-corrupt", path=str(p), reason="无法识别的文本编码 / unknown text encoding")
