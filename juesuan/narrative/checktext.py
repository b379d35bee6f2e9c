"""Checking a 说明 written elsewhere against the filled tables (rules 16 and 17), precise first.

The text is read paragraph by paragraph and sentence by sentence; a section heading (一、…)
selects the figures its words may mean (基本支出 in 三、 is 03表's, in 六、 05表's). Each
statement — an amount, a share, a rate, “无年初预算数”, “持平” — is tied to the item named in
*its own clause* (the text since the last ，；：、 before it): the name ending last there,
the longest on a tie, with ``X（类）Y（款）Z（项）`` paths and the code list's other names
known, so 其他普通教育支出 is never read as 教育支出. A clause with no item name that holds
only connecting words (其中, 支出决算为, 占) continues the item before it; a clause naming
something the tables do not have is reported as a note (unverified), never as an error.

Each share is compared with its stated base (占本年支出合计的 …) or, when none is stated,
with the item's own base, at the printed precision; group shares (两类共占) with the sum of
the items named; year-on-year changes with last year's figures (``previous``) or, without
them, only for what the sentence itself contradicts. Every finding is a
:class:`juesuan.report.Finding` with the sentence quoted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from juesuan.evaluation.model import amount
from juesuan.lazy_re import lazy
from juesuan.narrative.catalogue import Base, Catalogue, Subject, check_settings
from juesuan.narrative.shares import HUNDRED, unit
from juesuan.narrative.textparse import (
    HEADING,
    TOKEN,
    decimals_of,
    last_break,
    normalise,
    number,
    paragraphs,
    sentences,
)
from juesuan.records import record
from juesuan.report import CellRef, Finding
from juesuan.spec.model import TemplateSpec
from juesuan.tables import FilledAccounts

ZERO = Decimal(0)
TEN_THOUSAND = Decimal(10000)
UP = ("增加", "增长", "上升", "提高", "增多")
DOWN = ("减少", "下降", "降低", "减小")
_DIRECTION = lazy("|".join(UP + DOWN))
_TO = lazy(r"(增加|减少|增长|下降|上升|降低)(为|到|至)$")
_GROUP = lazy(r"(共|合计|共计|累计|总共)约?占")
_COUNT_WORD = lazy(r"([两二三四五六七八九])(类|项|款|者|部分|个)")
_COUNTS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZERO_BASE = lazy(r"上年(度)?(决算数|支出|数)?(为0(\.0+)?(万元|元)?(?![.\d])|无|未)")
_FUND_BUDGET = lazy(r"(一般公共|政府性基金|国有资本经营)预算")
DEFAULT_FILLER = (
    "与上年相比", "比上年", "较上年", "同比", "其中", "主要包括", "主要用于", "包括", "分别为", "分别是", "合计", "共计", "总额",
    "支出决算数", "支出决算", "决算数", "决算", "年初预算数", "年初预算", "预算数", "预算", "支出", "金额", "全年",
    "本年度", "本年", "年度", "实际", "累计", "完成", "上年", "为", "是", "达", "共", "计", "其", "占", "的", "各", "约",
    "数", "了", "和", "及", "与", "等", "元", "万", "发生", "安排", "列支", "总计", "情况", "到", "至", "均",
    *UP, *DOWN, "上升", "降低", "变动", "增幅", "降幅",
)


_GLOBAL = "*"  # the names of every section that are not 科目 rows
_NAME_BOUNDARY = ("的", "为", "和", "及", "与", "其中", "用于", "包括", "是", "中", "在", "对", "年度", "方面", "即", "共",
                  "本年", "全年", "主要")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@record
class _State:
    """What a paragraph has said so far: the item in focus, stated budgets and prior-year figures."""

    current: Subject | None = None
    stated_budget: dict[str, Decimal] = field(default_factory=dict)
    stated_previous: dict[str, Decimal] = field(default_factory=dict)


class Checker:
    def __init__(self, spec: TemplateSpec, catalogue: Catalogue, has_previous: bool):
        self.spec, self.cat = spec, catalogue
        self.cfg = check_settings(spec)
        self.has_previous = has_previous
        self.findings: list[Finding] = []
        self.filler = sorted({*DEFAULT_FILLER, *(str(w) for w in self.cfg.get("filler", []))}, key=len, reverse=True)
        self.quoted: dict[tuple[str, str], tuple[Decimal, str, int]] = {}
        self.unverified_change = False
        self.labels = self._label_index()

    # -- findings ----------------------------------------------------------------------
    def add(self, rule: str, message: str, quote: str, cells: list[tuple[str, str]] | None = None,
            expected: Decimal | None = None, actual: Decimal | None = None, severity: str = "error",
            en: str = "") -> None:
        """A finding; ``message`` as it always was (Chinese / short English), ``en`` the English
        message (else the short English after “ / ”)."""
        diff = actual - expected if expected is not None and actual is not None else None
        kind = "unverified" if severity == "info" else "finding"
        self.findings.append(Finding(rule, severity, message, [CellRef(s, c) for s, c in cells or []], expected,
                                     actual, diff, kind=kind, quote=quote,
                                     message_en=en or message.split(" / ", 1)[-1]))

    def note(self, message: str, quote: str, en: str = "") -> None:
        if any(f.rule == "text-unverified" and f.quote == quote and f.message == message for f in self.findings):
            return
        self.add("text-unverified", message, quote, severity="info", en=en)

    # -- labels ------------------------------------------------------------------------
    def _label_index(self) -> dict[str | None, list[tuple[str, Subject]]]:
        index: dict[str | None, list[tuple[str, Subject]]] = {}
        every: list[tuple[str, Subject]] = []
        for section, subjects in self.cat.sections.items():
            pairs = [(normalise(lab), s) for s in subjects for lab in s.labels if lab]
            index[section] = pairs
            every += pairs
        index[None] = every
        index[_GLOBAL] = [(lab, s) for lab, s in every if s.code is None]  # 03's 类 is not 05's: codes stay local
        return index

    @staticmethod
    def _embedded(text: str, i: int, lab: str, s: Subject) -> bool:
        """A bare 科目 name inside a longer name (教育支出 in 其他普通教育支出（项）): not this item."""
        if s.code is None or lab.isdigit():
            return False
        if not lab.endswith("）") and text[i + len(lab):].startswith(("（类）", "（款）", "（项）")):
            return True
        before = text[:i]
        return bool(before) and _is_cjk(before[-1]) and not before.endswith(_NAME_BOUNDARY)

    def find_label(self, text: str, section: str | None) -> tuple[Subject | None, int, int, bool]:
        """The item named last in ``text`` (longest name on a tie): (subject, start, end, certain).
        The section's own names first; names of other sections only when they mean one figure."""
        for scope in ((section, _GLOBAL) if section is not None else (None,)):
            best: tuple[int, int] | None = None
            hits: list[tuple[Subject, int]] = []
            for lab, s in self.labels.get(scope, []):
                i = text.rfind(lab)
                if i < 0 or self._embedded(text, i, lab, s):
                    continue
                rank = (i + len(lab), len(lab))
                if best is None or rank > best:
                    best, hits = rank, [(s, i)]
                elif rank == best:
                    hits.append((s, i))
            if best is None:
                continue
            values = {(h.actual, h.absent) for h, _ in hits}
            chosen, start = hits[0]
            if scope == section or len(values) == 1:
                return chosen, start, best[0], len(values) == 1 or scope == section
            return chosen, start, best[0], False
        return None, -1, -1, True

    def all_labels(self, text: str, section: str | None) -> list[Subject]:
        """Every item named in ``text``, left to right, longest name first where names overlap."""
        found: list[tuple[int, int, Subject]] = []
        for lab, s in self.labels.get(section, []) + (self.labels[_GLOBAL] if section is not None else []):
            start = text.find(lab)
            while start >= 0:
                found.append((start, start + len(lab), s))
                start = text.find(lab, start + 1)
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        out: list[Subject] = []
        end = -1
        for a, b, s in found:
            if a >= end:
                if s not in out:
                    out.append(s)
                end = b
        return out

    def is_filler(self, text: str) -> bool:
        rest = re.sub(r"\d{4}年度?|\d+|[（）%.。，；：、,\-]", "", text)
        for w in self.filler:
            rest = rest.replace(w, "")
        return len(rest) <= 1

    # -- the text ----------------------------------------------------------------------
    def run(self, text: str) -> list[Finding]:
        section: str | None = None
        for n, para in enumerate(paragraphs(text)):
            if HEADING.match(para):
                section = self.cat.section_of(para, normalise)
            state = _State()
            for sentence in sentences(para, n):
                self.scan_words(sentence.text, sentence.original)
                self.sentence(sentence.text, sentence.original, section, state)
        return self.findings

    def scan_words(self, text: str, quote: str) -> None:
        """Template residue and old class names: wrong whatever the figures."""
        for pattern in self.cfg.get("residue", []):
            m = re.search(str(pattern), text)
            if m:
                self.add("text-residue", f"模板残留文字“{m.group(0)}”未替换 / template text left in", quote,
                         en=f"Template text “{m.group(0)}” was left in, not replaced")
                break
        names = set(self.cat.codes.values())
        for item in self.cfg.get("old_names", []):
            old, new = str(item["old"]), str(item["new"])
            if old in text and new not in text.replace(old, "") and any(new in n for n in names):
                self.add("text-old-name", f"科目名称已变更：“{old}”应为“{new}” / old class name", quote,
                         en=f"The class name has changed: “{old}” should be “{new}”")

    def sentence(self, text: str, quote: str, section: str | None, state: _State) -> None:
        prev_end = 0
        named: list[Subject] = []  # items named in this sentence (group shares)
        parent: Subject | None = None  # the item a “其中：” list of this ；-segment belongs to
        directions: dict[str, set[str]] = {}
        change_seen = False
        self.unverified_change = False
        for tok in TOKEN.finditer(text):
            before = text[prev_end:tok.start()]
            start = last_break(before)  # the statement's own clause: before[start:]
            prev_end = tok.end()
            kind = next(k for k in ("amount", "percent", "nobudget", "flat", "count", "bare") if tok.group(k))
            if kind == "amount" and re.match(r"(及|或)?(以上|以下|以内)", text[tok.end():]):
                continue  # a threshold (单位价值50万元以上), not a figure
            if kind == "flat" and not re.search(r"上年|同比|去年", text):
                continue  # 决算数与年初预算数持平: not a change on last year
            if kind == "count":
                self.count(tok, text[:tok.start()], quote)
                continue
            if "；" in before:
                parent = None
            if "其中" in before and state.current is not None and parent is None:
                parent = state.current
            clause = before[start:]
            label_part = before
            if kind in ("percent", "bare", "nobudget"):
                cut = re.search(r"占|完成|为年初预算|执行率|无年初", clause)
                label_part = before[:start + cut.start()] if cut else before
            subject, _, end, certain = self.find_label(label_part, section)
            if subject is not None and end <= start:
                subject = None  # named in an earlier clause: not this statement's item
            if subject is not None:
                after = before[end:]
                if kind == "amount" and (re.search(r"（[类款项]）", after) or not self.is_filler(after)):
                    state.current = None  # the amount belongs to a name after the item (a 项 the tables lack)
                    self.note(f"未能确定“{tok.group(0)}”所指的公开表项目，未核对 / not tied to a figure", quote,
                              en=f"Which item of the tables “{tok.group(0)}” refers to is unclear: not checked")
                    continue
                if not certain:
                    if kind in ("amount", "percent"):
                        self.note(f"“{subject.labels[0]}”可能指多个数字，未核对 / ambiguous name, not checked", quote,
                                  en=f"“{subject.labels[0]}” may mean several figures: not checked")
                    state.current = None
                    continue
                state.current = subject
                if subject not in named:
                    named.append(subject)
            else:
                after = clause
                own = label_part[start:] if len(label_part) > start else ""
                if not self.is_filler(own) and kind == "amount":
                    state.current = None
                    self.note(f"未能确定“{tok.group(0)}”所指的公开表项目，未核对 / not tied to a figure", quote,
                              en=f"Which item of the tables “{tok.group(0)}” refers to is unclear: not checked")
                    continue
                subject = state.current
            if subject is None:
                if kind in ("amount", "percent", "bare"):
                    self.note(f"未能确定“{tok.group(0)}”所指的公开表项目，未核对 / not tied to a figure", quote,
                              en=f"Which item of the tables “{tok.group(0)}” refers to is unclear: not checked")
                continue
            dirm = list(_DIRECTION.finditer(after))
            direction = ("up" if dirm[-1].group(0) in UP else "down") if dirm else None
            ctx = _FUND_BUDGET.sub("", text[:tok.start()])
            if direction and re.search(r"(比|较|与|超)(年初)?预算", ctx) and not re.search(r"上年|去年|同比", ctx):
                self.note("与预算相比的增减未核对 / a change against the budget is not checked", quote,
                          en="A change against the budget is not checked")
                continue  # 比年初预算增加…: a change against the budget, not on last year
            if direction:
                directions.setdefault(subject.key, set()).add(direction)
            if kind == "flat":
                directions.setdefault(subject.key, set()).add("flat")
                self.flat(subject, quote)
                change_seen = True
            elif kind == "amount":
                if direction and not _TO.search(after):
                    change_seen = True
                    self.change_amount(subject, tok, direction, quote, state)
                else:
                    self.amount(subject, tok, after, quote, state)
            elif kind == "percent":
                if direction or "增幅" in after or "降幅" in after:
                    change_seen = True
                    self.change_percent(subject, tok, direction, quote, text, state)
                elif re.search(r"完成|执行率|为年初预算", clause):
                    self.completion(subject, tok, quote, state)
                elif "占" in clause:
                    if _GROUP.search(clause):
                        inside = self.all_labels(before[start:], section)
                        self.group_share(subject, inside if len(inside) >= 2 else named, tok, clause, quote)
                    else:
                        direct = subject in named and label_part[start:].strip() != "" and \
                            self.find_label(label_part, section)[0] is subject
                        alternatives = [parent] if parent is not None and parent is not subject and not direct else []
                        self.share(subject, tok, clause, quote, alternatives)
            elif kind == "bare":
                self.add("text-percent-sign", f"百分比缺少“%”号：“{tok.group(0)}” / a share without %", quote,
                         self.cells(subject), None, number(tok.group("bnum")),
                         en=f"A percentage without its “%” sign: “{tok.group(0)}”")
            elif kind == "nobudget":
                self.no_budget(subject, quote, state)
        for key, dirs in directions.items():
            if "flat" in dirs and len(dirs) > 1:
                s = self.cat.by_key[key]
                self.add("text-yoy-direction", f"“{s.labels[0]}”同一句中既称增减又称“持平” / 持平 and a change in one"
                                               " sentence", quote, self.cells(s),
                         en=f"“{s.labels[0]}”: one sentence says both a change and “持平” (unchanged)")
            elif {"up", "down"} <= dirs and not self.has_previous:
                s = self.cat.by_key[key]
                self.add("text-yoy-direction", f"“{s.labels[0]}”同一句中增减方向不一致 / up and down in one sentence",
                         quote, self.cells(s), en=f"“{s.labels[0]}”: one sentence says both up and down")
        if change_seen and self.unverified_change and not any(f.quote == quote and f.rule.startswith("text-yoy")
                                                               for f in self.findings):
            self.note("上年数未知（可用 --previous 提供上年决算），同比变动未核对 / last year unknown, change not checked",
                      quote, en="Last year's figures are unknown (give last year's workbook with --previous):"
                                " the change on last year is not checked")
        tail, _, _, certain = self.find_label(text[prev_end:], section)  # an item named after the last figure
        if tail is not None and certain and tail.item:
            state.current = tail

    # -- statements --------------------------------------------------------------------
    def cells(self, s: Subject) -> list[tuple[str, str]]:
        return list(s.cells)

    def _twice(self, s: Subject, measure: str, value: Decimal, quote: str, places: int = 2,
               unit_: str = "万元") -> None:
        """The same figure quoted again with another value (compared at the coarser precision)."""
        key = (s.key, measure)
        if key in self.quoted:
            first, where, p0 = self.quoted[key]
            coarse = min(p0, places)
            if _q(first, coarse) != _q(value, coarse):
                self.add("text-twice", f"“{s.labels[0]}”前后两处数字不一致：{first:f} 与 {value:f} {unit_} / one figure"
                         f" quoted twice with two values（前文：{where}）", quote, self.cells(s), first, value,
                         en=f"“{s.labels[0]}” is quoted twice with two values: {first:f} and {value:f} {unit_}"
                            f" (earlier: {where})")
        else:
            self.quoted[key] = (value, quote, places)

    def count(self, tok: re.Match, before: str, quote: str) -> None:
        """A count (团组 1 个, 公务用车保有量 12 辆): the entry named nearest before it with its unit."""
        unit_ = tok.group("cunit")
        best, found = -1, None
        for item in self.cfg.get("counts", []):
            if str(item.get("unit")) != unit_:
                continue
            for lab in item.get("labels", []):
                i = before.rfind(normalise(str(lab)))
                if i >= 0 and i + len(normalise(str(lab))) > best:
                    best, found = i + len(normalise(str(lab))), item
        if found is None or re.search(r"[。；]", before[best:]):
            return
        key, written = str(found["key"]), number(tok.group("cnum"))
        s = Subject(f"count:{key}", (str(found["labels"][0]),), None)
        self._twice(s, "count", written, quote, 0, unit_)
        expected = amount(self.cat.fig.entries.get(key))
        if expected is not None and expected != written:
            self.add("text-count", f"数量与填写的不符：“{found['labels'][0]}”应为 {expected.normalize():f}{unit_}，说明写作 {tok.group(0)}"
                     " / count differs from the entry", quote, [], expected, written,
                     en=f"The count differs from the entry: “{found['labels'][0]}” should be"
                        f" {expected.normalize():f}{unit_}, the text says {tok.group(0)}")

    def amount(self, s: Subject, tok: re.Match, after: str, quote: str, state: _State) -> None:
        written, unit_ = number(tok.group("anum")), tok.group("unit")
        places = decimals_of(tok.group("anum"))
        wan = written / TEN_THOUSAND if unit_ == "元" else (written * TEN_THOUSAND if unit_ == "亿元" else written)
        wan_places = min(2, places + (4 if unit_ == "元" else (-4 if unit_ == "亿元" else 0)))
        cleaned = _FUND_BUDGET.sub("", after)
        if "上年" in cleaned:
            state.stated_previous[s.key] = wan
            if s.previous is not None and _eq(wan, s.previous, 2):
                return
            if s.previous is not None:
                self.add("text-yoy-amount", f"“{s.labels[0]}”上年数应为 {s.previous:.2f} 万元 / last year's figure",
                         quote, [], s.previous, _q(wan, 2),
                         en=f"Last year's figure of “{s.labels[0]}” should be {s.previous:.2f} 万元")
            return
        is_budget = cleaned.rfind("预算") > cleaned.rfind("决算")
        if is_budget and s.budget is None:
            state.stated_budget[s.key] = wan  # a 项's 年初预算 comes from the text itself
            self._twice(s, "budget", wan, quote, wan_places)
            return
        expected = s.budget if is_budget else s.actual
        self._twice(s, "budget" if is_budget else "actual", wan, quote, wan_places)
        if expected is None:
            if s.absent and written != 0:
                self.note(f"公开表中没有“{s.labels[0]}”，未核对 / not in the tables", quote,
                          en=f"The tables have no “{s.labels[0]}”: not checked")
            return
        if is_budget:
            state.stated_budget[s.key] = wan
        shown = _in_unit(expected, unit_)
        if _q(shown, places) == written:
            return
        if not is_budget and any(_q(_in_unit(other, unit_), places) == written for other in s.also):
            return  # another figure the 说明 may quote for it (涉及资金: the 全年执行数 total)
        cells = s.budget_cells if is_budget else self.cells(s)
        what = "年初预算数" if is_budget else "决算数"
        what_en = "the budget (年初预算数)" if is_budget else "the final figure (决算数)"
        if (unit_ == "元" and _q(expected, places) == written) or (unit_ == "万元" and _q(expected * TEN_THOUSAND,
                                                                                        places) == written):
            self.add("text-unit", f"单位有误：“{s.labels[0]}”{what}为 {expected:.2f} 万元，说明写作 {tok.group(0)}"
                     f" / wrong unit (元 vs 万元)", quote, cells, expected, _q(wan, 2),
                     en=f"Wrong unit (元 vs 万元): {what_en} of “{s.labels[0]}” is {expected:.2f} 万元, the text says"
                        f" {tok.group(0)}")
            return
        self.add("text-amount", f"金额与公开表不符：“{s.labels[0]}”{what}应为 {expected:.2f} 万元，说明写作"
                 f" {tok.group(0)} / amount differs from the table", quote, cells, expected, _q(wan, 2),
                 en=f"The amount differs from the tables: {what_en} of “{s.labels[0]}” should be {expected:.2f} 万元,"
                    f" the text says {tok.group(0)}")

    def share(self, s: Subject, tok: re.Match, clause: str, quote: str, alternatives: list[Subject] | None = None
              ) -> None:
        """A share: against its stated base, else the item's own base, at the printed precision.
        After a “其中：” list the share may be the list's parent's: right under either reading is
        right; wrong under both is reported against the nearest item."""
        written, places = number(tok.group("pnum")), decimals_of(tok.group("pnum"))
        for alt in alternatives or []:
            base = self.cat.bases.get(alt.base or "")
            if alt.actual is not None and base is not None and base.value and \
                    _pct(alt.actual, base.value, places) == written:
                return
            if alt.group and self.cat.group_shares(alt.group, places).get(alt.key) == written:
                return
        m = re.search(r"占(.*)$", clause)
        stated = self.find_base(m.group(1) if m else "")
        right = self.cat.bases.get(s.base or "")
        if right is None:
            right = stated
        if right is None or s.actual is None:
            self.note(f"“{s.labels[0]}”的占比基数不明，未核对 / share base unknown", quote,
                      en=f"The base of the share of “{s.labels[0]}” is unclear: not checked")
            return
        if stated is not None and stated.key != right.key:
            expected = _pct(s.actual, right.value, places)
            self.add("text-share-base", f"占比基数有误：“{s.labels[0]}”应以“{right.labels[0]}”为基数"
                     f"（{s.actual:.2f} ÷ {_v(right.value)} = {_show(expected)}%），说明以“{stated.labels[0]}”为基数"
                     " / share of the wrong base", quote, self.cells(s) + right.cells, expected, written,
                     en=f"Wrong base of a share: “{s.labels[0]}” is a share of “{right.labels[0]}”"
                        f" ({s.actual:.2f} ÷ {_v(right.value)} = {_show(expected)}%), the text takes"
                        f" “{stated.labels[0]}” as its base")
            return
        if not right.value:
            self.add("text-share", f"基数“{right.labels[0]}”为0，占比无法计算 / share of a zero base", quote, right.cells,
                     None, written, en=f"The base “{right.labels[0]}” is 0: no share can be computed")
            return
        expected = _pct(s.actual, right.value, places)
        if re.search(r"(不足|低于|小于|不到)$", clause):
            exact = s.actual / right.value * HUNDRED
            if 0 < abs(exact) < written:
                return
        accepted = {expected}
        if s.group:
            lr = self.cat.group_shares(s.group, places).get(s.key)
            if lr is not None:
                accepted.add(lr)
        if written in accepted or (written == 0 and s.actual == 0):
            return
        hint = hint_en = ""
        for b in self.cat.bases.values():
            if b.key != right.key and b.value and _pct(s.actual, b.value, places) == written:
                hint = f"；{tok.group('pnum')}% 相当于以“{b.labels[0]}”为基数，基数有误"
                hint_en = f"; {tok.group('pnum')}% is a share of “{b.labels[0]}”: the wrong base"
                break
        self.add("text-share-base" if hint else "text-share",
                 f"占比有误：“{s.labels[0]}”{s.actual:.2f} ÷ “{right.labels[0]}”{_v(right.value)} = {_show(expected)}%，"
                 f"说明写作 {tok.group('pnum')}%{hint} / share differs", quote, self.cells(s) + right.cells, expected,
                 written, en=f"The share differs: “{s.labels[0]}” {s.actual:.2f} ÷ “{right.labels[0]}”"
                            f" {_v(right.value)} = {_show(expected)}%, the text says {tok.group('pnum')}%{hint_en}")

    def group_share(self, s: Subject, named: list[Subject], tok: re.Match, clause: str, quote: str) -> None:
        written, places = number(tok.group("pnum")), decimals_of(tok.group("pnum"))
        members = [x for x in named if x.base and x.actual is not None]
        m = _COUNT_WORD.search(clause)
        if m and len(members) >= _COUNTS[m.group(1)]:
            members = members[-_COUNTS[m.group(1)]:]
        bases = {x.base for x in members}
        if len(members) < 2 or len(bases) != 1:
            self.note("合计占比所指的项目不明，未核对 / group share not tied to items", quote,
                      en="The items of a combined share are unclear: not checked")
            return
        base = self.cat.bases.get(bases.pop() or "")
        if base is None or not base.value:
            return
        total = sum((x.actual or ZERO for x in members), ZERO)
        expected = _pct(total, base.value, places)
        accepted = {expected, sum((_pct(x.actual or ZERO, base.value, places) for x in members), ZERO)}
        groups = {x.group for x in members}
        if len(groups) == 1 and None not in groups:
            lr = self.cat.group_shares(groups.pop() or "", places)
            if all(x.key in lr for x in members):
                accepted.add(sum((lr[x.key] for x in members), ZERO))
        if written in accepted:
            return
        names = "、".join(x.labels[0] for x in members)
        self.add("text-group-share", f"合计占比有误：{names}合计 {total:.2f} ÷ “{base.labels[0]}”{_v(base.value)} = "
                 f"{_show(expected)}%，说明写作 {tok.group('pnum')}% / group share differs", quote,
                 [c for x in members for c in x.cells] + base.cells, expected, written,
                 en=f"The combined share differs: {names} together {total:.2f} ÷ “{base.labels[0]}” {_v(base.value)} ="
                    f" {_show(expected)}%, the text says {tok.group('pnum')}%")

    def completion(self, s: Subject, tok: re.Match, quote: str, state: _State) -> None:
        written, places = number(tok.group("pnum")), decimals_of(tok.group("pnum"))
        budget = s.budget if s.budget is not None else state.stated_budget.get(s.key)
        if budget is None or s.actual is None:
            self.note(f"“{s.labels[0]}”年初预算数未知，完成率未核对 / budget unknown", quote,
                      en=f"The budget of “{s.labels[0]}” is unknown: the completion rate is not checked")
            return
        if budget == 0:
            self.add("text-completion-zero", f"“{s.labels[0]}”年初预算为0，完成率无法计算，不应写“{tok.group(0)}”"
                     "（应说明无年初预算数）/ completion of a zero budget", quote, s.budget_cells, None, written,
                     en=f"The budget of “{s.labels[0]}” is 0: no completion rate can be computed; the text should not"
                        f" say “{tok.group(0)}” (but that there was no budget)")
            return
        expected = _pct(s.actual, budget, places)
        if written != expected:
            self.add("text-completion", f"完成率有误：“{s.labels[0]}”决算 {s.actual:.2f} ÷ 年初预算 {budget:.2f} = "
                     f"{_show(expected)}%，说明写作 {tok.group('pnum')}% / completion rate differs", quote,
                     self.cells(s) + s.budget_cells, expected, written,
                     en=f"The completion rate differs: “{s.labels[0]}” final {s.actual:.2f} ÷ budget {budget:.2f} ="
                        f" {_show(expected)}%, the text says {tok.group('pnum')}%")

    def no_budget(self, s: Subject, quote: str, state: _State) -> None:
        budget = s.budget if s.budget is not None else state.stated_budget.get(s.key)
        if budget is None:
            return
        if budget != 0:
            self.add("text-no-budget", f"说明称“{s.labels[0]}”无年初预算数，但年初预算数为 {budget:.2f} 万元"
                     " / says no budget but there is one", quote, s.budget_cells, budget, ZERO,
                     en=f"The text says “{s.labels[0]}” had no budget, but its budget is {budget:.2f} 万元")

    def _previous(self, s: Subject, state: _State) -> Decimal | None:
        return s.previous if s.previous is not None else state.stated_previous.get(s.key)

    def change_amount(self, s: Subject, tok: re.Match, direction: str, quote: str, state: _State) -> None:
        written = number(tok.group("anum"))
        wan = written / TEN_THOUSAND if tok.group("unit") == "元" else written
        prev = self._previous(s, state)
        if prev is None or s.actual is None:
            self.unverified_change = True
            return
        diff = s.actual - prev
        if diff == 0 or (diff > 0) != (direction == "up"):
            self._direction(s, diff, quote)
            return
        places = decimals_of(tok.group("anum"))
        if _q(_in_unit(abs(diff), tok.group("unit")), places) != written:
            self.add("text-yoy-amount", f"同比增减额有误：“{s.labels[0]}”{s.actual:.2f} − 上年 {prev:.2f} = {diff:.2f}"
                     f" 万元，说明写作 {tok.group(0)} / change in amount differs", quote, self.cells(s), abs(diff),
                     _q(wan, 2), en=f"The change on last year differs: “{s.labels[0]}” {s.actual:.2f} − last year"
                                    f" {prev:.2f} = {diff:.2f} 万元, the text says {tok.group(0)}")

    def change_percent(self, s: Subject, tok: re.Match, direction: str | None, quote: str, text: str,
                       state: _State) -> None:
        written, places = number(tok.group("pnum")), decimals_of(tok.group("pnum"))
        prev = self._previous(s, state)
        if prev == 0 or (prev is None and _ZERO_BASE.search(text)):
            self.add("text-yoy-zero-base", f"“{s.labels[0]}”上年数为0，不能计算增长率（说明写作 {tok.group(0)}）"
                     " / growth from a zero base", quote, self.cells(s), None, written,
                     en=f"Last year's figure of “{s.labels[0]}” is 0: no growth rate can be computed (the text says"
                        f" {tok.group(0)})")
            return
        if prev is None or s.actual is None:
            self.unverified_change = True
            return
        diff = s.actual - prev
        if direction is not None and (diff == 0 or (diff > 0) != (direction == "up")):
            self._direction(s, diff, quote)
            return
        expected = _pct(abs(diff), prev, places)
        if written != expected:
            self.add("text-yoy-percent", f"同比增减幅度有误：“{s.labels[0]}”({s.actual:.2f} − {prev:.2f}) ÷ {prev:.2f} = "
                     f"{_show(expected)}%，说明写作 {tok.group('pnum')}% / change in % differs", quote, self.cells(s),
                     expected, written, en=f"The change in % differs: “{s.labels[0]}” ({s.actual:.2f} − {prev:.2f}) ÷"
                                          f" {prev:.2f} = {_show(expected)}%, the text says {tok.group('pnum')}%")

    def flat(self, s: Subject, quote: str) -> None:
        prev = s.previous
        if prev is None or s.actual is None:
            self.unverified_change = True
            return
        if s.actual != prev:
            self._direction(s, s.actual - prev, quote)

    def _direction(self, s: Subject, diff: Decimal, quote: str) -> None:
        if any(f.rule == "text-yoy-direction" and f.quote == quote for f in self.findings):
            return
        word = "持平" if diff == 0 else ("增加" if diff > 0 else "减少")
        word_en = "unchanged (持平)" if diff == 0 else ("up (增加)" if diff > 0 else "down (减少)")
        self.add("text-yoy-direction", f"增减方向有误：“{s.labels[0]}”与上年相比应为{word}（{diff:+.2f} 万元）"
                 " / direction word contradicts the figures", quote, self.cells(s), diff, None,
                 en=f"Wrong direction: “{s.labels[0]}” should be {word_en} on last year ({diff:+.2f} 万元)")

    def find_base(self, text: str) -> Base | None:
        best, found = 0, None
        for b in self.cat.bases.values():
            for label in b.labels:
                lab = normalise(label)
                if lab and lab in text and len(lab) > best:
                    best, found = len(lab), b
        return found


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(unit(places), rounding=ROUND_HALF_UP)


def _eq(a: Decimal, b: Decimal, places: int) -> bool:
    return _q(a, places) == _q(b, places)


def _in_unit(wan: Decimal, unit_: str) -> Decimal:
    return wan * TEN_THOUSAND if unit_ == "元" else (wan / TEN_THOUSAND if unit_ == "亿元" else wan)


def _pct(part: Decimal, whole: Decimal | None, places: int) -> Decimal:
    return _q(part / whole * HUNDRED, places) if whole else ZERO


def _show(value: Decimal) -> str:
    return f"{value:f}"


def _v(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def check_text(text: str, spec: TemplateSpec, accounts: FilledAccounts, entries: Mapping[str, Any] | None = None,
               previous: Mapping[str, Decimal] | None = None) -> list[Finding]:
    """Every finding on the statements of ``text`` against the tables (errors and notes)."""
    from juesuan.narrative.previous import from_entries

    if previous is None:
        previous = from_entries(entries or {}) or None
    cat = Catalogue(spec, accounts, entries or {}, previous)
    return Checker(spec, cat, previous is not None).run(text)
