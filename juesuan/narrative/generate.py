"""The 说明 text, section by section, from the filled tables (``FilledAccounts``), the
accountant's entries (reasons, counts) and the self-evaluations. Wording comes from the
spec's ``narrative`` section; every amount and percentage is computed here with its base."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from juesuan.evaluation.model import Evaluation, amount
from juesuan.narrative.shares import fmt_amount, fmt_percent, largest_remainder, percent
from juesuan.spec.model import TemplateSpec
from juesuan.tables import FilledAccounts, TableValues

ZERO = Decimal(0)
INCOME_KEYS = ("inc_gp", "inc_gf", "inc_sup", "inc_biz", "inc_op", "inc_aff", "inc_other")
EXPENSE_COLS = ("basic", "project", "upper", "operating", "subsidy")
EXPENSE_LABELS = {"basic": "基本支出", "project": "项目支出", "upper": "上缴上级支出", "operating": "经营支出",
                  "subsidy": "对附属单位补助支出"}
SANGONG_PARTS = (("abroad", "因公出国（境）费"), ("car", "公务用车购置及运行费"), ("recep", "公务接待费"))
_NUMBERING = re.compile(r"^[一二三四五六七八九十]+、")


@dataclass
class Paragraph:
    kind: str  # title | heading | subheading | text
    text: str


@dataclass
class SlotSpec:
    key: str
    label: str
    type: str  # text | money | count


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


def _v(table: TableValues | None, row: str, col: str) -> Decimal:
    if table is None:
        return ZERO
    value = table.value(row, col)
    return value if value is not None else ZERO


def xiang_rows(accounts: FilledAccounts) -> list[tuple[str, str]]:
    """(code, name) of each 项 row of 公开05表, in table order."""
    t05 = accounts.tables.get("05")
    if t05 is None:
        return []
    return [(r.code, r.label) for r in t05.rows() if r.code and len(r.code) == 7]


def slot_specs(spec: TemplateSpec, accounts: FilledAccounts | None) -> list[SlotSpec]:
    """Every entry of the 说明 sheet's input area: the fixed ones, then budget and reason per 05表 项."""
    cfg = settings(spec) or {}
    out = [SlotSpec(str(d["key"]), str(d["label"]), str(d.get("type", "text"))) for d in cfg.get("inputs", [])]
    if accounts is not None:
        item = cfg.get("item_inputs", {})
        for code, name in xiang_rows(accounts):
            for kind in ("budget", "reason"):
                d = item.get(kind, {})
                label = fill_template(str(d.get("label", "{code} {name}")), {"code": code, "name": name})
                out.append(SlotSpec(f"{kind}:{code}", label, str(d.get("type", "text"))))
    return out


class _Writer:
    def __init__(self, spec: TemplateSpec, accounts: FilledAccounts, entries: Mapping[str, Any],
                 evaluations: list[Evaluation], units: list[str] | None = None):
        self.cfg = settings(spec) or {}
        self.units = list(units or [])
        self.accounts = accounts
        self.entries = entries
        self.evaluations = evaluations
        self.decimals = int(self.cfg.get("percent_decimals", 2))
        self.phrases: dict[str, str] = self.cfg.get("phrases", {})
        self.slots = {s.key: s for s in slot_specs(spec, accounts)}
        self.t = accounts.tables

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

    def share_items(self, items: list[tuple[str, Decimal]], whole: Decimal) -> str:
        shares = largest_remainder([a for _, a in items], whole, self.decimals)
        if shares is None:
            return ""
        sep = self.phrases.get("item_sep", "；")
        return sep.join(self.phrase("share_item", label=label, amount=fmt_amount(a), share=self.pct(s))
                        for (label, a), s in zip(items, shares, strict=True) if a != 0)

    def completion(self, actual: Decimal, budget: Decimal | None) -> str:
        if budget is None:
            return ""
        if budget == 0:
            return self.phrase("no_budget")
        return self.phrase("completion", rate=self.pct(percent(actual, budget, self.decimals)))

    # -- the values of every section ---------------------------------------------------
    def values(self) -> dict[str, Any]:
        acc, t = self.accounts, self.t
        t01, t03, t04, t05, t06, t07, t08 = (t.get(k) for k in ("01", "03", "04", "05", "06", "07", "08"))
        v: dict[str, Any] = {"dept": acc.dept, "year": acc.year, "unit_count": len(self.units),
                             "unit_list": "、".join(self.units)}
        for key in self.slots:
            if ":" not in key:
                v[key] = self.entry(key)
        grand = _v(t01, "grand_in", "amount")
        v["grand_total"] = fmt_amount(grand)
        prev = self.money_entry("prev_grand_total")
        if prev is None:
            v["change"] = self.placeholder("prev_grand_total")
        else:
            diff = grand - prev
            if diff == 0:
                v["change"] = self.phrase("change_flat")
            elif prev == 0:
                v["change"] = self.phrase("change_zero_base", diff=fmt_amount(abs(diff)))
            else:
                key = "change_up" if diff > 0 else "change_down"
                v["change"] = self.phrase(key, diff=fmt_amount(abs(diff)),
                                          rate=self.pct(percent(abs(diff), prev, self.decimals)))
        inc_total = _v(t01, "inc_total", "amount")
        v["inc_total"] = fmt_amount(inc_total)
        income = [(_NUMBERING.sub("", (t01.row(k).label if t01 and t01.row(k) else k)), _v(t01, k, "amount"))
                  for k in INCOME_KEYS]
        v["income_items"] = self.share_items(income, inc_total) or self.phrase("no_income")
        exp_total = _v(t01, "exp_total", "amount")
        v["exp_total"] = fmt_amount(exp_total)
        expense = [(EXPENSE_LABELS[c], _v(t03, "total", c)) for c in EXPENSE_COLS]
        v["expense_items"] = self.share_items(expense, _v(t03, "total", "total")) or self.phrase("no_expense")
        v["fin_income"] = fmt_amount(_v(t04, "fin_inc_total", "amount"))
        v["fin_expense"] = fmt_amount(_v(t04, "fin_exp_total", "total"))
        v["fin_begin"] = fmt_amount(_v(t04, "fin_begin", "amount"))
        v["fin_end"] = fmt_amount(_v(t04, "fin_end", "total"))
        v["fin_grand"] = fmt_amount(_v(t04, "fin_grand_in", "amount"))
        gp_total = _v(t05, "total", "subtotal")
        v["gp_total"] = fmt_amount(gp_total)
        gp_share = percent(gp_total, exp_total, self.decimals)
        v["gp_share"] = self.pct(gp_share)
        v["gp_share_text"] = (self.phrase("gp_share", share=self.pct(gp_share)) if gp_share is not None
                              else self.phrase("no_share"))
        classes = [(f"{r.label}（类）", r.values.get("subtotal") or ZERO)
                   for r in (t05.rows() if t05 else []) if r.code and len(r.code) == 3]
        v["class_items"] = self.share_items(classes, gp_total) or self.phrase("none")
        v["basic_total"] = fmt_amount(_v(t05, "total", "basic"))
        personnel = _v(t06, "personnel_total", "amount")
        public = _v(t06, "public_total", "amount")
        v["personnel"], v["public"] = fmt_amount(personnel), fmt_amount(public)
        v["personnel_items"], v["public_items"] = self._econ_names(t06)
        self._sangong(v, t07)
        self._gf(v, t08)
        self._procurement(v)
        self._performance(v)
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

    def _sangong(self, v: dict[str, Any], t07: TableValues | None) -> None:
        for key in ("total", "abroad", "car", "car_buy", "car_run", "recep"):
            v[f"a_{key}"] = fmt_amount(_v(t07, "data", f"a_{key}"))
            v[f"b_{key}"] = fmt_amount(_v(t07, "data", f"b_{key}"))
        a_total, b_total = _v(t07, "data", "a_total"), _v(t07, "data", "b_total")
        v["completion"] = self.completion(a_total, b_total)
        parts = [_v(t07, "data", f"a_{k}") for k, _ in SANGONG_PARTS]
        shares = largest_remainder(parts, a_total, self.decimals)
        if shares is None:
            v["sangong_items"] = self.phrase("none")
            return
        items = []
        for (key, label), actual, share in zip(SANGONG_PARTS, parts, shares, strict=True):
            items.append(self.phrase("sangong_item", label=label, actual=fmt_amount(actual),
                                     completion=self.completion(actual, _v(t07, "data", f"b_{key}")),
                                     share=self.pct(share)))
        v["sangong_items"] = self.phrases.get("item_sep", "；").join(items)

    def _section(self, key: str) -> dict[str, Any]:
        return next((s for s in self.cfg.get("sections", []) if s.get("key") == key), {})

    def _gf(self, v: dict[str, Any], t08: TableValues | None) -> None:
        sec = self._section("gf")
        if t08 is None or t08.empty:
            v["gf_text"] = fill_template(str(sec.get("gf_empty", "")), v)
            return
        v.update(gf_begin=fmt_amount(_v(t08, "total", "begin")), gf_income=fmt_amount(_v(t08, "total", "income")),
                 gf_expense=fmt_amount(_v(t08, "total", "exp_sub")), gf_end=fmt_amount(_v(t08, "total", "end")))
        v["gf_text"] = fill_template(str(sec.get("gf_present", "")), v)

    def _procurement(self, v: dict[str, Any]) -> None:
        parts = [self.money_entry(k) for k in ("proc_goods", "proc_works", "proc_services")]
        if any(p is None for p in parts):
            v["proc_total"] = "【请填写政府采购支出】"
            v["proc_sme_share"] = "【请填写】"
            return
        total = sum(parts, ZERO)  # type: ignore[arg-type]
        v["proc_total"] = fmt_amount(total)
        sme = self.money_entry("proc_sme")
        share = percent(sme, total, self.decimals) if sme is not None else None
        v["proc_sme_share"] = self.pct(share) if share is not None else "【请填写】"

    def _performance(self, v: dict[str, Any]) -> None:
        sec = self._section("important")
        evals = self.evaluations
        if not evals:
            v["performance"] = fill_template(str(sec.get("performance_none", "")), v)
            return
        total = ZERO
        for ev in evals:
            line = ev.line("total")
            total += (amount(line.budget) if line else None) or ZERO
        counts: dict[str, int] = {}
        for ev in evals:
            counts[ev.grade or "—"] = counts.get(ev.grade or "—", 0) + 1
        grades = [g for g in ("优", "良", "中", "差") if g in counts] + [g for g in counts if g not in "优良中差"]
        v["grade_items"] = "、".join(self.phrase("grade_item", grade=g, count=counts[g]) for g in grades)
        v["eval_count"], v["eval_amount"] = len(evals), fmt_amount(total)
        v["performance"] = fill_template(str(sec.get("performance_done", "")), v)

    # -- 五（三）: one paragraph per 项 -------------------------------------------------------
    def xiang_paragraphs(self) -> list[str]:
        t05 = self.t.get("05")
        names = {r.code: r.label for r in (t05.rows() if t05 else []) if r.code}
        out = []
        for n, (code, name) in enumerate(xiang_rows(self.accounts), start=1):
            actual = _v(t05, code, "subtotal")
            budget = self.money_entry(f"budget:{code}")
            reason = self.entry(f"reason:{code}")
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
                               actual=fmt_amount(actual), completion=completion, variance=variance)
            out.append(re.sub(r"，。|。。|，，", lambda m: m.group(0)[-1], text).replace("。。", "。"))
        return out


def generate(spec: TemplateSpec, accounts: FilledAccounts, entries: Mapping[str, Any] | None = None,
             evaluations: list[Evaluation] | None = None, units: list[str] | None = None) -> list[Paragraph]:
    """The whole 说明 as paragraphs (title, headings, subheadings, body text). ``units``: the
    names listed in 单位构成 (a section with ``when: units`` appears only when there are some)."""
    w = _Writer(spec, accounts, entries or {}, evaluations or [], units)
    cfg = w.cfg
    values = w.values()
    out = [Paragraph("title", fill_template(str(cfg.get("title", "")), values))]
    for sec in cfg.get("sections", []):
        if sec.get("when") == "units" and not w.units:
            continue
        out.append(Paragraph("heading", str(sec.get("heading", ""))))
        for para in sec.get("paragraphs", []):
            if isinstance(para, dict) and "subheading" in para:
                out.append(Paragraph("subheading", fill_template(str(para["subheading"]), values)))
            elif isinstance(para, dict) and para.get("items") == "xiang":
                out += [Paragraph("text", text) for text in w.xiang_paragraphs() or [w.phrase("no_items")]]
            else:
                text = fill_template(str(para), values)
                out.append(Paragraph("text", re.sub(r"，。", "。", text)))
    return out
