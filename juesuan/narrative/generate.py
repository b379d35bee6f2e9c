"""The 说明 text, section by section, from the filled tables (``FilledAccounts``), the
accountant's entries (reasons, counts) and the self-evaluations. Wording comes from the
spec's ``narrative`` section; every amount and percentage is computed here with its base."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from juesuan.evaluation.model import Evaluation, amount
from juesuan.narrative.catalogue import Catalogue, Subject
from juesuan.narrative.previous import from_entries
from juesuan.narrative.shares import fmt_amount, fmt_percent, largest_remainder, percent
from juesuan.records import record
from juesuan.spec.model import TemplateSpec, norm_year
from juesuan.tables import FilledAccounts, TableValues

ZERO = Decimal(0)


@record
class Paragraph:
    """One paragraph of a generated 说明 (title, heading, text or table)."""

    kind: str  # title | heading | subheading | text | table (rows in ``rows``)
    text: str
    rows: list[list[str]] | None = None


@record
class SlotSpec:
    """An input slot of the 说明 that the accountant types (text, money or a count)."""

    key: str
    label: str
    type: str  # text | money | count
    note: str = ""  # the input cell's note (what to type and where it appears)


class _Safe(dict):
    """A format_map mapping: an unknown slot stays visible as ``{name}``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_template(template: str, values: Mapping[str, Any]) -> str:
    """``template`` with its ``{slot}`` names replaced; only plain names are allowed (no
    attribute or index access, no format specs)."""
    for _, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise ValueError(f"说明模板只允许简单的 {{名称}} 占位符 / only plain {{name}} slots are allowed: {{{name}}}")
    return template.format_map(_Safe({k: "" if v is None else str(v) for k, v in values.items()}))


def settings(spec: TemplateSpec) -> dict[str, Any] | None:
    raw = spec.raw.get("narrative")
    return raw if isinstance(raw, dict) and raw.get("sections") else None


def xiang_rows(accounts: FilledAccounts) -> list[tuple[str, str]]:
    """(code, name) of each 项 row of 公开05表, in table order."""
    t05 = accounts.tables.get("05")
    if t05 is None:
        return []
    return [(r.code, r.label) for r in t05.rows() if r.code and len(r.code) == 7]


def slot_specs(spec: TemplateSpec, accounts: FilledAccounts | None) -> list[SlotSpec]:
    """Every entry of the 说明 sheet's input area: the fixed ones (概况, 上年数, 三公 details,
    政府采购, 国有资产, …), then budget, use and reason per 05表 项 (typed once per code and
    kept across fills: the key names the code)."""
    cfg = settings(spec) or {}
    notes = cfg.get("notes", {}) or {}
    out = [SlotSpec(str(d["key"]), str(d["label"]), str(d.get("type", "text")), str(d.get("note", "")))
           for d in cfg.get("inputs", [])]
    for d in cfg.get("units", {}).get("rows", []) if isinstance(cfg.get("units"), dict) else []:
        out.append(SlotSpec(str(d["key"]), str(d["label"]), "text", str(notes.get("unit", ""))))
    for d in cfg.get("previous", []):
        out.append(SlotSpec(f"prev:{d['key']}", f"上年数：{d['label']}（万元）", "money", str(notes.get("previous", ""))))
    if accounts is not None:
        item = cfg.get("item_inputs", {})
        for code, name in xiang_rows(accounts):
            for kind in item:
                d = item.get(kind, {})
                label = fill_template(str(d.get("label", "{code} {name}")), {"code": code, "name": name})
                out.append(SlotSpec(f"{kind}:{code}", label, str(d.get("type", "text")), str(d.get("note", ""))))
    return out


class _Writer:
    def __init__(self, spec: TemplateSpec, accounts: FilledAccounts, entries: Mapping[str, Any],
                 evaluations: list[Evaluation], previous: Mapping[str, Decimal] | None = None,
                 units: list[str] | None = None):
        self.cfg = settings(spec) or {}
        self.units = list(units or [])
        self.accounts = accounts
        self.entries = entries
        self.evaluations = evaluations
        self.decimals = int(self.cfg.get("percent_decimals", 2))
        self.phrases: dict[str, str] = self.cfg.get("phrases", {})
        self.slots = {s.key: s for s in slot_specs(spec, accounts)}
        self.t = accounts.tables
        last = dict(from_entries(entries))
        last.update(previous or {})
        self.cat = Catalogue(spec, accounts, entries, last)
        self.new_dept = str(entries.get("new_dept") or "").strip() in ("是", "Y", "y", "yes", "1", "TRUE", "True")

    # -- helpers ---------------------------------------------------------------------
    def phrase(self, key: str, **values: Any) -> str:
        return fill_template(self.phrases.get(key, ""), values)

    def placeholder(self, key: str) -> str:
        label = self.slots[key].label if key in self.slots else key
        return fill_template(str(self.cfg.get("placeholder", "【请填写{label}】")), {"label": label})

    def entry(self, key: str) -> str:
        """An accountant's entry as text for the narrative, or its bracketed placeholder."""
        raw = self.entries.get(key)
        slot = self.slots.get(key)
        if raw is None or str(raw).strip() == "":
            return self.placeholder(key)
        if slot is not None and slot.type == "money":
            value = amount(raw)
            return fmt_amount(value) if value is not None else str(raw).strip()
        if slot is not None and slot.type == "count":
            value = amount(raw)
            return str(int(value)) if value is not None and value == int(value) else str(raw).strip()
        return str(raw).strip().rstrip("。；;，,")

    def money_entry(self, key: str) -> Decimal | None:
        return amount(self.entries.get(key))

    def pct(self, value: Decimal | None) -> str:
        return fmt_percent(value, self.decimals)

    def share_text(self, part: Decimal, share: Decimal | None) -> str:
        """A share as printed: never 0.00% for a non-zero part (不足0.01%)."""
        if share is not None and share == 0 and part != 0:
            return self.phrase("tiny_share", unit=self.pct(Decimal(1).scaleb(-self.decimals)))
        return self.pct(share)

    def shares(self, subjects: list[Subject], whole: Decimal | None) -> list[Decimal] | None:
        if not whole:
            return None
        return largest_remainder([s.actual or ZERO for s in subjects], whole, self.decimals)

    def share_items(self, group: str, base: str) -> str:
        subjects = self.cat.group_items(group)
        whole = self.cat.bases[base].value if base in self.cat.bases else None
        shares = self.shares(subjects, whole)
        if shares is None:
            return ""
        sep = self.phrases.get("item_sep", "；")
        return sep.join(self.phrase("share_item", label=self.label(s), amount=fmt_amount(s.actual),
                                    share=self.share_text(s.actual or ZERO, sh))
                        for s, sh in zip(subjects, shares, strict=True) if s.actual)

    def group_share(self, group: str, base: str) -> str:
        """The two largest parts of a whole with their printed shares added (两类共占)."""
        subjects = self.cat.group_items(group)
        whole = self.cat.bases[base].value if base in self.cat.bases else None
        shares = self.shares(subjects, whole)
        if shares is None:
            return ""
        pairs = sorted([(sh, s) for s, sh in zip(subjects, shares, strict=True) if s.actual],
                       key=lambda p: -p[0])
        if len(pairs) < 3:
            return ""
        (s1, a), (s2, b) = pairs[0], pairs[1]
        return self.phrase("group_share", a=self.label(a), b=self.label(b), share=self.pct(s1 + s2))

    @staticmethod
    def label(s: Subject) -> str:
        return s.labels[0]

    def completion(self, actual: Decimal, budget: Decimal | None) -> str:
        if budget is None:
            return ""
        if budget == 0:
            return self.phrase("no_budget")
        return self.phrase("completion", rate=self.pct(percent(actual, budget, self.decimals)))

    def change(self, key: str) -> str:
        """Change on last year for subject ``key``: amount and %, 持平, no % from a zero base."""
        s = self.cat.by_key.get(key)
        if s is None or s.actual is None:
            return ""
        if s.previous is None:
            return self.phrase("change_unknown", placeholder=self.placeholder(f"prev:{key}"))
        diff = s.actual - s.previous
        if diff == 0:
            return self.phrase("change_flat")
        if s.previous == 0:
            return self.phrase("change_zero_base", diff=fmt_amount(abs(diff)))
        return self.phrase("change_up" if diff > 0 else "change_down", diff=fmt_amount(abs(diff)),
                           rate=self.pct(percent(abs(diff), s.previous, self.decimals)))

    def fig(self, key: str) -> str:
        s = self.cat.by_key.get(key)
        return fmt_amount(s.actual if s is not None and s.actual is not None else ZERO)

    # -- the values of every section ---------------------------------------------------
    def values(self) -> dict[str, Any]:
        acc = self.accounts
        v: dict[str, Any] = {"dept": acc.dept, "year": norm_year(acc.year), "unit_count": len(self.units),
                             "unit_list": "、".join(self.units)}
        for key in self.slots:
            if ":" not in key:
                v[key] = self.entry(key)
        for key, s in self.cat.by_key.items():
            if ":" in key or "." in key:
                continue
            if s.actual is not None:
                v[f"f_{key}"] = fmt_amount(s.actual)
            if s.budget is not None:
                v[f"b_{key}"] = fmt_amount(s.budget)
                v[f"completion_{key}"] = self.completion(s.actual or ZERO, s.budget)
            else:
                budget_slot = next((d["key"] for d in self.cfg.get("inputs", []) if d["key"] == f"{key}_budget"
                                    or d["key"] == key.replace("_total", "_budget")), None)
                v[f"b_{key}"] = self.placeholder(budget_slot) if budget_slot else ""
                v[f"completion_{key}"] = ""
        for d in self.cfg.get("previous", []):
            key = str(d["key"])
            v[f"change_{key}"] = self.change(key)
            v[f"yoy_{key}"] = (self.phrase("change_new", dept=acc.dept, founded=self.entry("founded")) + "。"
                               if self.new_dept else self.phrase("yoy", what=d.get("what", d["label"]),
                                                                 change=v[f"change_{key}"]))
        v["new_dept_note"] = (self.phrase("change_new", dept=acc.dept, founded=self.entry("founded"))
                              if self.new_dept else "")
        for g in self.cfg.get("share_lists", []):
            v[str(g["slot"])] = self.share_items(str(g["group"]), str(g["base"])) or self.phrase(str(g.get("none", "none")))
            if g.get("group_slot"):
                text = self.group_share(str(g["group"]), str(g["base"]))
                v[str(g["group_slot"])] = (self.phrases.get("group_sep", "，") + text) if text else ""
        exp_total = self.cat.bases["exp_total"].value or ZERO
        gp_total = self.cat.bases["gp_total"].value or ZERO
        gp_share = percent(gp_total, exp_total, self.decimals)
        v["gp_share_text"] = (self.phrase("gp_share", share=self.share_text(gp_total, gp_share))
                              if gp_share is not None else self.phrase("no_share"))
        v["personnel_items"], v["public_items"] = self._econ_names(self.t.get("06"))
        self._sangong(v)
        for sec in self.cfg.get("sections", []):
            if "fund_table" in sec:
                self._fund(v, sec)
        self._procurement(v)
        self._performance(v)
        self._units(v)
        return v

    def _econ_names(self, t06: TableValues | None) -> tuple[str, str]:
        if t06 is None:
            return "", ""
        names: list[list[str]] = [[], []]
        for p, rows in enumerate(t06.panels):
            for r in rows:
                if r.code and len(r.code) == 5 and (r.values.get("amount") or ZERO) != 0:
                    names[0 if p == 0 else 1].append(r.label)
        none = self.phrase("none")
        return "、".join(names[0]) or none, "、".join(names[1]) or none

    def _sangong(self, v: dict[str, Any]) -> None:
        total = self.cat.by_key.get("sangong_total")
        a_total = total.actual if total and total.actual is not None else ZERO
        v["completion"] = self.completion(a_total, total.budget if total else None)
        v["sangong_any"] = "是" if a_total or (total and total.budget) else ""
        parts = self.cat.group_items("sangong")
        shares = largest_remainder([s.actual or ZERO for s in parts], a_total, self.decimals)
        if shares is None:
            v["sangong_items"] = self.phrase("none")
            return
        items = []
        for s, share in zip(parts, shares, strict=True):
            items.append(self.phrase("sangong_item", label=self.label(s), actual=fmt_amount(s.actual),
                                     completion=self.completion(s.actual or ZERO, s.budget),
                                     share=self.share_text(s.actual or ZERO, share)))
        v["sangong_items"] = self.phrases.get("item_sep", "；").join(items)

    def _section(self, key: str) -> dict[str, Any]:
        return next((s for s in self.cfg.get("sections", []) if s.get("key") == key), {})

    def _fund(self, v: dict[str, Any], sec: dict[str, Any]) -> None:
        """政府性基金 / 国有资本经营: the figures, or the “无…” sentence for an empty table."""
        t = self.t.get(str(sec["fund_table"]))
        slot = str(sec.get("slot", f"{sec['key']}_text"))
        if t is None or t.empty:
            v[slot] = fill_template(str(sec.get("empty", "")), v)
        else:
            v[slot] = fill_template(str(sec.get("present", "")), v)

    def _procurement(self, v: dict[str, Any]) -> None:
        total = self.cat.by_key.get("proc_total")
        if total is None or total.actual is None:  # the total adds up the parts: name the one missing
            parts = ("proc_goods", "proc_works", "proc_services")
            missing = next((k for k in parts if self.money_entry(k) is None), parts[0])
            v["proc_total"] = self.placeholder(missing)
            v["proc_sme_share"] = v["proc_small_share"] = "【请填写】"
            return
        v["proc_total"] = fmt_amount(total.actual)
        for key in ("proc_sme", "proc_small"):
            s = self.cat.by_key.get(key)
            share = percent(s.actual, total.actual, self.decimals) if s and s.actual is not None else None
            v[f"{key}_share"] = self.share_text(s.actual or ZERO, share) if share is not None else \
                self.phrase("no_share_of", what="政府采购")

    def _performance(self, v: dict[str, Any]) -> None:
        sec = self._section("performance") or self._section("important")
        evals = self.evaluations
        if not evals:
            v["performance"] = fill_template(str(sec.get("performance_none", "")), v)
            return
        total = evaluation_amount(evals)
        counts: dict[str, int] = {}
        for ev in evals:
            counts[ev.grade or "—"] = counts.get(ev.grade or "—", 0) + 1
        grades = [g for g in ("优", "良", "中", "差") if g in counts] + [g for g in counts if g not in "优良中差"]
        scores = [ev.total for ev in evals if ev.total is not None]
        v["grade_items"] = "、".join(self.phrase("grade_item", grade=g, count=counts[g]) for g in grades)
        v["eval_count"], v["eval_amount"] = len(evals), fmt_amount(total)
        v["eval_average"] = f"{(sum(scores, ZERO) / len(scores)).quantize(Decimal('0.01')):.2f}" if scores else "—"
        v["performance"] = fill_template(str(sec.get("performance_done", "")), v)

    def _units(self, v: dict[str, Any]) -> None:
        units = self.cfg.get("units") or {}
        if self.units:  # the 单位构成 sheet of a consolidated department
            self.unit_rows = [[str(n), name, ""] for n, name in enumerate(self.units, start=1)]
            return
        rows = []
        for d in units.get("rows", []) if isinstance(units, dict) else []:
            raw = self.entries.get(str(d["key"]))
            if raw is None or not str(raw).strip():
                continue
            name, _, note = str(raw).strip().partition("|")
            rows.append([str(len(rows) + 1), name.strip(), note.strip()])
        self.unit_rows = rows

    # -- 五（三）: one paragraph per 项 -------------------------------------------------------
    def xiang_paragraphs(self) -> list[str]:
        t05 = self.t.get("05")
        names = {r.code: r.label for r in (t05.rows() if t05 else []) if r.code}
        out = []
        for n, (code, name) in enumerate(xiang_rows(self.accounts), start=1):
            actual = _v(t05, code, "subtotal")
            budget = self.money_entry(f"budget:{code}")
            reason = self.entry(f"reason:{code}")
            use_raw = self.entries.get(f"use:{code}")
            use = self.phrase("xiang_use", use=str(use_raw).strip().rstrip("。；;，,")) if use_raw not in (None, "") \
                else ""
            if budget is None:
                budget_text, completion, variance = self.placeholder(f"budget:{code}"), "", ""
            else:
                budget_text = fmt_amount(budget)
                completion = self.completion(actual, budget)
                if actual > budget:
                    variance = self.phrase("over_budget", reason=reason)
                elif actual < budget:
                    variance = self.phrase("under_budget", reason=reason)
                else:
                    variance = self.phrase("equal_budget")
            text = self.phrase("xiang_item", n=n, code=code, class_name=names.get(code[:3], ""),
                               kuan_name=names.get(code[:5], ""), xiang_name=name, budget=budget_text,
                               actual=fmt_amount(actual), completion=completion, variance=variance, use=use)
            out.append(_tidy(text))
        return out


def _tidy(text: str) -> str:
    text = re.sub(r"，。|。。|，，|；。", lambda m: m.group(0)[-1], text)
    return text.replace("。。", "。").replace("，，", "，")


def _v(table: TableValues | None, row: str, col: str) -> Decimal:
    if table is None:
        return ZERO
    value = table.value(row, col)
    return value if value is not None else ZERO


def generate(spec: TemplateSpec, accounts: FilledAccounts, entries: Mapping[str, Any] | None = None,
             evaluations: list[Evaluation] | None = None,
             previous: Mapping[str, Decimal] | None = None, units: list[str] | None = None) -> list[Paragraph]:
    """The whole 说明 as paragraphs (title, parts, headings, subheadings, body text, tables):
    the sections of the format in order, each as the spec words it. ``previous``: last
    year's figures by subject key (else the 上年数 entries); ``units``: the units listed on the
    单位构成 sheet (a consolidated department), which the 单位构成 section lists before any typed
    entry. A section with ``only_if: slot`` prints its ``otherwise`` sentence instead of its
    paragraphs when the slot is empty."""
    w = _Writer(spec, accounts, entries or {}, evaluations or [], previous, units)
    cfg = w.cfg
    values = w.values()
    out = [Paragraph("title", fill_template(str(cfg.get("title", "")), values))]
    for sec in cfg.get("sections", []):
        if sec.get("when") and not values.get(str(sec["when"])):
            continue
        if sec.get("part"):
            out.append(Paragraph("part", fill_template(str(sec["part"]), values)))
        if sec.get("heading"):
            out.append(Paragraph("heading", fill_template(str(sec["heading"]), values)))
        if sec.get("only_if") and not values.get(str(sec["only_if"])):  # e.g. no 三公 spending at all
            out.append(Paragraph("text", _tidy(fill_template(str(sec.get("otherwise", "")), values))))
            continue
        for para in sec.get("paragraphs", []):
            if isinstance(para, dict) and "subheading" in para:
                out.append(Paragraph("subheading", fill_template(str(para["subheading"]), values)))
            elif isinstance(para, dict) and para.get("items") == "xiang":
                out += [Paragraph("text", text) for text in w.xiang_paragraphs() or [w.phrase("no_items")]]
            elif isinstance(para, dict) and para.get("items") == "units":
                out += _units_paragraphs(w, cfg, values)
            elif isinstance(para, dict) and para.get("items") == "terms":
                out += _terms(cfg, values)
            elif isinstance(para, dict) and "if" in para:
                key = str(para["if"])
                text = para.get("then") if values.get(key) else para.get("else")
                if text:
                    out.append(Paragraph("text", _tidy(fill_template(str(text), values))))
            else:
                text = _tidy(fill_template(str(para), values))
                if text.strip():
                    out.append(Paragraph("text", text))
    return out


def _units_paragraphs(w: _Writer, cfg: Mapping[str, Any], values: Mapping[str, Any]) -> list[Paragraph]:
    """部门决算单位构成: a table 序号 | 单位名称 | 备注, or the 机构设置 text for one unit."""
    units = cfg.get("units") or {}
    rows = w.unit_rows
    if len(rows) >= 2:
        intro = fill_template(str(units.get("intro", "")), {**values, "count": len(rows)})
        header = [str(h) for h in units.get("header", ["序号", "单位名称", "备注"])]
        return [Paragraph("text", intro), Paragraph("table", "", [header, *rows])]
    return [Paragraph("text", fill_template(str(units.get("single", "")), values))]


def _terms(cfg: Mapping[str, Any], values: Mapping[str, Any]) -> list[Paragraph]:
    """名词解释: each standard term with its definition (data in the spec)."""
    out = []
    for n, t in enumerate(cfg.get("terms", []), start=1):
        out.append(Paragraph("text", fill_template(f"{n}. {t['term']}：{t['definition']}", values)))
    return out


def evaluation_amount(evals: list, column: str = "budget") -> Decimal:
    """涉及资金: the sum of the self-evaluated projects' total funds (万元), as the 说明 states it
    (``column``: ``budget`` the 全年预算数, as Fill writes it; ``spent`` the 全年执行数, which
    some 说明 quote instead)."""
    total = ZERO
    for ev in evals:
        line = ev.line("total")
        total += (amount(getattr(line, column)) if line else None) or ZERO
    return total
