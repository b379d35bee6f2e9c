"""The narrative steps of the jobs: Fill writes the 说明 sheet from the filled tables (the
accountant's entries kept as read); a fresh template carries the 说明 sheet with its input
area; :func:`narrative_from_workbook` rebuilds the text from a filled workbook (export)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from juesuan.evaluation.steps import read_evaluations
from juesuan.narrative.generate import Paragraph, generate, settings, slot_specs
from juesuan.narrative.sheet import read_entries, render_narrative
from juesuan.port import SheetPicture, WorkbookPort
from juesuan.reading import read_table
from juesuan.spec.model import TemplateSpec
from juesuan.tables import FilledAccounts

if TYPE_CHECKING:
    from juesuan.results import FillResult, Progress


def sheet_name(spec: TemplateSpec) -> str:
    return str((settings(spec) or {}).get("sheet", "说明"))


def unit_names(spec: TemplateSpec, port: WorkbookPort) -> list[str]:
    """The units listed on the 单位构成 sheet (none for a single unit's workbook)."""
    from juesuan.ledger import read_records

    return [str(r["unit_name"]) for r in read_records(spec, port, "units") if r.get("unit_name")]


def entries_of(spec: TemplateSpec, port: WorkbookPort) -> dict[str, Any]:
    return entries_and_cells(spec, port)[0]


def entries_and_cells(spec: TemplateSpec, port: WorkbookPort) -> tuple[dict[str, Any], dict[str, str]]:
    """The 说明 sheet's entries (key → value as read) and their input cells (key → A1)."""
    from juesuan.errors import InputError, Problem, error_value_code
    from juesuan.port import NO_CACHED_VALUE, CellError

    name = sheet_name(spec)
    if name not in port.sheet_names():
        return {}, {}
    entries, cells = read_entries(port.read_sheet(name))
    # a formula's error value, or one without a value, is no blank entry (【请填写】): named at its cell
    wrong = [Problem("formula-no-value", {}, name, cells[k]) if v is NO_CACHED_VALUE else
             Problem(error_value_code(v), {"value": str(v)}, name, cells[k])
             for k, v in entries.items() if v is NO_CACHED_VALUE or type(v) is CellError]
    if wrong:
        raise InputError(wrong)
    return entries, cells


_NONE_MARKS = ("无", "没有", "—", "——", "－", "-", "–")
_COUNT_UNITS = ("台（套）", "台(套)", "台/套", "人次", "批次", "辆", "个", "台", "套", "次", "人")


def typed_numbers(spec: TemplateSpec, entries: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``entries`` with money and count entries as numbers where they were typed with their unit (“3辆”,
    “19.5万元”) or as “无”/“—” for none (0): the 说明 prints its own unit after the entry, so
    “3辆” would read “保有量3辆辆” and a total (政府采购支出总额) could not be added up.
    Anything else is kept as typed; the input cells themselves are left as typed."""
    from juesuan.evaluation.model import amount

    entries = dict(entries)
    cfg = settings(spec) or {}
    types = {s.key: s.type for s in slot_specs(spec, None)}
    per_item = cfg.get("item_inputs", {}) or {}
    for key, value in list(entries.items()):
        kind = types.get(key)
        if kind is None and ":" in key:
            kind = str((per_item.get(key.split(":", 1)[0]) or {}).get("type", ""))
        if kind not in ("money", "count") or not isinstance(value, str) or amount(value) is not None:
            continue
        text = "".join(value.split())
        if text in _NONE_MARKS:
            entries[key] = 0
            continue
        for unit in ("万元",) if kind == "money" else _COUNT_UNITS:
            if text.endswith(unit) and amount(text[:-len(unit)]) is not None:
                entries[key] = amount(text[:-len(unit)])
                break
    return entries


def stated_entries(spec: TemplateSpec, port: WorkbookPort) -> dict[str, Any]:
    """The entries a 说明 is checked against: the 说明 sheet's input cells, plus the figures
    Fill derives from other sheets (``eval_amount``: 涉及资金 of the self-evaluations, and
    ``eval_spent``: their 全年执行数, which a 说明 may quote instead)."""
    from juesuan.narrative.generate import evaluation_amount

    entries = typed_numbers(spec, entries_of(spec, port))
    evals = read_evaluations(spec, port)
    if evals and entries.get("eval_amount") in (None, ""):
        entries["eval_amount"] = evaluation_amount(evals)
    if evals:
        entries["eval_spent"] = evaluation_amount(evals, "spent")
    return entries


def fill_step(spec: TemplateSpec, port: WorkbookPort, result: FillResult, progress: Progress) -> None:
    """Fill step: the 说明 sheet from the tables just computed."""
    cfg = settings(spec)
    if cfg is None:
        return
    progress("生成说明 / writing the narrative")
    entries, cells = entries_and_cells(spec, port)
    cells = dict(cells)
    previous = result.extras.get("previous")  # last year's figures (``fill --previous``)
    if previous:  # kept in the 上年数 cells, so the next Fill needs no --previous
        for d in cfg.get("previous", []):
            key = str(d["key"])
            if key in previous:
                entries[f"prev:{key}"] = float(previous[key])
                cells.pop(f"prev:{key}", None)  # replaced as asked: no formula of this year's kept
    for key, value in (result.extras.get("previous_entries") or {}).items():
        if entries.get(key) in (None, ""):  # typed once: 主要职能, 单位构成, each 项's 主要用于
            entries[key] = value
    evals = result.extras.get("evaluations")
    if evals is None:
        evals = read_evaluations(spec, port)
    paragraphs = generate(spec, result.accounts, typed_numbers(spec, entries), evals, units=unit_names(spec, port))
    slots = slot_specs(spec, result.accounts)
    result.pictures.append(render_narrative(sheet_name(spec), str(cfg.get("intro", "")), paragraphs, slots, entries,
                                            cells))
    missing = sum(p.text.count("【请填写") for p in paragraphs)
    if missing:
        result.notes.append(f"说明 / narrative: 尚有 {missing} 处待填写（见“{sheet_name(spec)}”表下方）"
                            f" / {missing} blanks still to fill in")


def blank_paragraphs() -> list[Paragraph]:
    """The 说明's text before the first Fill: its title and a line saying Fill writes the rest."""
    return [Paragraph("title", "部门决算情况说明"), Paragraph("text", "（运行“填充”后生成 / written by Fill）")]


def template_step(spec: TemplateSpec, inputs: dict[str, list[list[Any]]]) -> list[SheetPicture]:
    """Template step: the 说明 sheet before the first Fill (title and input area)."""
    cfg = settings(spec)
    if cfg is None:
        return []
    paragraphs = blank_paragraphs()
    return [render_narrative(sheet_name(spec), str(cfg.get("intro", "")), paragraphs, slot_specs(spec, None), {})]


def accounts_from_workbook(spec: TemplateSpec, port: WorkbookPort) -> FilledAccounts:
    """The tables as a filled workbook shows them (for export and checks)."""
    from juesuan.ledger import info_value

    tables = {}
    for t in spec.tables:
        if t.sheet in port.sheet_names():
            tables[t.id] = read_table(spec, t, port.read_sheet(t.sheet))
    return FilledAccounts(format=spec.format, dept=info_value(spec, port, "dept"),
                          year=info_value(spec, port, "year"), tables=tables)


def narrative_from_workbook(spec: TemplateSpec, port: WorkbookPort,
                            accounts: FilledAccounts | None = None) -> list[Paragraph]:
    """The 说明 of a filled workbook: from its tables (``accounts`` when already read), its
    entries and its self-evaluations."""
    accounts = accounts if accounts is not None else accounts_from_workbook(spec, port)
    return generate(spec, accounts, typed_numbers(spec, entries_of(spec, port)), read_evaluations(spec, port),
                    units=unit_names(spec, port))
