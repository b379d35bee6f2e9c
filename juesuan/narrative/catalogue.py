"""The figures a 说明 may quote, section by section, built from the spec's ``narrative.check``
data (labels, synonyms, where each figure lives) over the filled tables and the accountant's
entries. Shared by the writer (which words a figure with its base) and the checker (which
ties a clause to a figure): one place says what 基本支出 means in 三、 and in 六、.

A figure reference is ``<table>.<row key>.<column key>`` (``05.total.subtotal``) or
``entry:<key>`` (an input cell of the 说明 sheet); a list means the first one available;
``also:`` lists figures a 说明 may quote instead (either is right).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from decimal import Decimal
from typing import Any

from juesuan.evaluation.model import amount
from juesuan.lazy_re import lazy
from juesuan.narrative.shares import largest_remainder
from juesuan.records import record
from juesuan.spec.model import TemplateSpec
from juesuan.tables import FilledAccounts, TableValues

ZERO = Decimal(0)
NUMBERING = lazy(r"^[一二三四五六七八九十]+、")
LEVEL_SUFFIX = {3: "（类）", 5: "（款）", 7: "（项）"}


@record
class Subject:
    """One figure the text may state: its labels, value, base for shares and budget."""

    key: str
    labels: tuple[str, ...]
    actual: Decimal | None
    section: str = ""
    budget: Decimal | None = None  # None: not known
    base: str | None = None  # key of its base for "占 X%"
    group: str | None = None  # shares of one whole (largest remainder)
    cells: list[tuple[str, str]] = field(default_factory=list)
    budget_cells: list[tuple[str, str]] = field(default_factory=list)
    item: bool = False  # a 项: its 年初预算 may be stated in the text
    code: str | None = None
    absent: bool = False  # a name of the code list that the tables do not show
    previous: Decimal | None = None  # last year's figure, when known
    also: list[Decimal] = field(default_factory=list)  # other figures the text may quote for it (``also:``)


@record
class Base:
    """A figure the 说明 may quote, with its labels and the cells it comes from."""

    key: str
    labels: tuple[str, ...]
    value: Decimal | None
    cells: list[tuple[str, str]] = field(default_factory=list)


def check_settings(spec: TemplateSpec) -> dict[str, Any]:
    raw = spec.raw.get("narrative")
    if not isinstance(raw, dict):
        return {}
    chk = raw.get("check")
    return chk if isinstance(chk, dict) else {}


def strip_numbering(label: str) -> str:
    return NUMBERING.sub("", label or "").strip()


class Figures:
    """Reads figure references against one set of accounts and entries."""

    def __init__(self, spec: TemplateSpec, accounts: FilledAccounts, entries: Mapping[str, Any]):
        self.spec, self.accounts, self.entries = spec, accounts, dict(entries)
        parts = [amount(self.entries.get(k)) for k in ("proc_goods", "proc_works", "proc_services")]
        if all(p is not None for p in parts) and self.entries.get("proc_total") in (None, ""):
            self.entries["proc_total"] = sum(parts, ZERO)  # type: ignore[arg-type]

    def table(self, tid: str) -> TableValues | None:
        return self.accounts.tables.get(tid)

    def sheet(self, tid: str) -> str:
        try:
            return self.spec.table(tid).sheet
        except KeyError:
            return tid

    def get(self, ref: Any) -> tuple[Decimal | None, list[tuple[str, str]]]:
        """The value of a reference (or the first available of a list) and its cells."""
        refs = ref if isinstance(ref, list) else [ref]
        for r in refs:
            value, cells, known = self._one(str(r))
            if known:
                return value, cells
        return None, []

    def _one(self, ref: str) -> tuple[Decimal | None, list[tuple[str, str]], bool]:
        if ref.startswith("entry:"):
            value = amount(self.entries.get(ref[6:]))
            return value, [], value is not None
        tid, _, rest = ref.partition(".")
        row_key, _, col = rest.rpartition(".")
        t = self.table(tid)
        if t is None:
            return None, [], False
        row = t.row(row_key)
        if row is None:
            return ZERO, [], True  # a row the table does not show (a class with no spending)
        value = row.values.get(col)
        cell = row.cells.get(col)
        return (value if value is not None else ZERO), ([(self.sheet(tid), cell)] if cell else []), True


class Catalogue:
    """Every figure of the 说明 by section, with bases and share groups."""

    def __init__(self, spec: TemplateSpec, accounts: FilledAccounts, entries: Mapping[str, Any] | None = None,
                 previous: Mapping[str, Decimal] | None = None):
        self.spec = spec
        self.cfg = check_settings(spec)
        self.fig = Figures(spec, accounts, entries or {})
        self.sections: dict[str, list[Subject]] = {}
        self.bases: dict[str, Base] = {}
        self.groups: dict[str, list[str]] = {}
        self.group_whole: dict[str, str] = {}
        self.by_key: dict[str, Subject] = {}
        narrative = spec.raw.get("narrative") or {}
        self.order = [str(s["key"]) for s in narrative.get("sections", []) if "key" in s]
        self.match = {str(s["key"]): tuple(s.get("match", ())) for s in narrative.get("sections", []) if "key" in s}
        self.codes = self._code_names()
        for b in self.cfg.get("bases", []):
            value, cells = self.fig.get(b["figure"])
            self.bases[str(b["key"])] = Base(str(b["key"]), tuple(b.get("labels", ())), value, cells)
        for section, items in (self.cfg.get("sections") or {}).items():
            for item in items:
                self._add(str(section), item)
        for key, subject in self.by_key.items():
            if previous is not None and key in previous:
                subject.previous = previous[key]

    # -- building ---------------------------------------------------------------------
    def _code_names(self) -> dict[str, str]:
        """The 功能分类 names of the format's code list (so every name in it is known)."""
        return dict(self.spec.codes.functional)

    def _put(self, section: str, s: Subject) -> Subject:
        s.section = section
        self.sections.setdefault(section, []).append(s)
        self.by_key.setdefault(s.key, s)
        if s.group:
            self.groups.setdefault(s.group, [])
            if s.key not in self.groups[s.group]:
                self.groups[s.group].append(s.key)
            if s.base:
                self.group_whole.setdefault(s.group, s.base)
        return s

    def _add(self, section: str, item: Mapping[str, Any]) -> None:
        if "rows" in item:
            self._add_rows(section, item)
        elif "codes" in item:
            self._add_codes(section, item)
        else:
            value, cells = self.fig.get(item["figure"])
            s = Subject(str(item["key"]), tuple(str(x) for x in item.get("labels", ())), value,
                        base=item.get("base"), group=item.get("group"), cells=cells)
            if "budget" in item:
                s.budget, s.budget_cells = self.fig.get(item["budget"])
            for ref in item.get("also", ()) or ():  # what real 说明 quote as well (涉及资金: 预算 or 执行数)
                other, _cells = self.fig.get(ref)
                if other is not None:
                    s.also.append(other)
            self._put(section, s)

    def _add_rows(self, section: str, item: Mapping[str, Any]) -> None:
        """Fixed rows of a table, labelled as printed (numbering dropped) plus synonyms."""
        tid = str(item["rows"])
        t = self.fig.table(tid)
        synonyms = item.get("synonyms", {}) or {}
        for row_key in item.get("keys", []):
            row = t.row(str(row_key)) if t is not None else None
            if row is None:
                continue
            label = strip_numbering(row.label)
            value, cells = self.fig.get(f"{tid}.{row_key}.{item['col']}")
            labels = (label, *[str(x) for x in synonyms.get(str(row_key), ())])
            self._put(section, Subject(f"row:{label}", labels, value, base=item.get("base"),
                                       group=item.get("group"), cells=cells))

    def _add_codes(self, section: str, item: Mapping[str, Any]) -> None:
        """Code rows of a table (类/款/项 or 经济分类 款), named as printed, with ``X（类）`` forms
        and the ``X（类）Y（款）Z（项）`` path of a 项; other names of the code list are known
        too (so a longer name is never read as a shorter one inside it) but marked absent."""
        tid, col = str(item["codes"]), str(item["col"])
        t = self.fig.table(tid)
        levels = {int(k): v or {} for k, v in (item.get("levels") or {}).items()}
        economic = bool(item.get("economic"))
        rows = [r for r in (t.rows() if t is not None else []) if r.code and len(r.code) in levels]
        names = {r.code: r.label for r in (t.rows() if t is not None else []) if r.code}
        seen = set()
        for r in rows:
            opts = levels[len(r.code)]
            value, cells = self.fig.get(f"{tid}.{r.key}.{col}")
            if economic:
                labels: tuple[str, ...] = (r.label, r.code)
            else:
                labels = self._func_labels(r.code, r.label, names)
            s = Subject(f"{tid}.{r.code}", labels, value, base=opts.get("base"), group=opts.get("group"),
                        cells=cells, item=bool(opts.get("item")), code=r.code)
            if s.item:
                s.budget = amount(self.fig.entries.get(f"budget:{r.code}"))
            self._put(section, s)
            seen.add(r.code)
        if not economic and item.get("code_list", True):
            for code, name in self.codes.items():
                if len(code) in levels and code not in seen:
                    self._put(section, Subject(f"{tid}.{code}", self._func_labels(code, name, self.codes), None,
                                               code=code, absent=True))

    def _func_labels(self, code: str, label: str, names: Mapping[str, str]) -> tuple[str, ...]:
        suffix = LEVEL_SUFFIX[len(code)]
        labels = [f"{label}{suffix}"]
        if len(code) == 3 and label.endswith("支出") and len(label) > 4:  # 节能环保（类）支出, 节能环保（类）
            labels += [f"{label[:-2]}（类）支出", f"{label[:-2]}（类）"]
        if len(code) == 7:
            cls, kuan = names.get(code[:3], self.codes.get(code[:3], "")), names.get(code[:5], self.codes.get(code[:5], ""))
            labels.insert(0, f"{cls}（类）{kuan}（款）{label}（项）")
            labels.insert(1, f"{kuan}（款）{label}（项）")
        elif len(code) == 5:
            cls = names.get(code[:3], self.codes.get(code[:3], ""))
            labels.insert(0, f"{cls}（类）{label}（款）")
        labels += [label, code]
        return tuple(labels)

    # -- lookups -----------------------------------------------------------------------
    def section_of(self, heading: str, normalise) -> str | None:  # noqa: ANN001 - the text normaliser
        text = normalise(heading)
        best, found = 0, None
        for key in self.order:  # the longest matching words win (四、财政拨款收入支出… over 一、收入支出…)
            for m in self.match.get(key, ()):
                m = normalise(m)
                if m and m in text and len(m) > best:
                    best, found = len(m), key
        return found

    def candidates(self, section: str | None) -> list[Subject]:
        if section is not None:
            return self.sections.get(section, [])
        return [s for key in self.sections for s in self.sections[key]]

    def group_shares(self, group: str, decimals: int) -> dict[str, Decimal]:
        keys = self.groups.get(group, [])
        whole = self.bases.get(self.group_whole.get(group, ""))
        if not keys or whole is None or not whole.value:
            return {}
        parts = [self.by_key[k].actual or ZERO for k in keys]
        shares = largest_remainder(parts, whole.value, decimals)
        return dict(zip(keys, shares, strict=True)) if shares else {}

    def group_items(self, group: str) -> list[Subject]:
        return [self.by_key[k] for k in self.groups.get(group, [])]

    def previous_values(self) -> dict[str, Decimal]:
        """Every subject's figure by key: what a later year's check reads as 上年数."""
        return {k: s.actual for k, s in self.by_key.items() if s.actual is not None and not s.absent}
