"""Load and validate a template spec file (YAML). Every defect is reported with its path
in the document (``tables[3] (04).panels[1].rows[2]``) and what was expected."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from juesuan.spec.model import (
    FILTER_KEYS,
    LEDGERS,
    CodeList,
    ColumnSpec,
    Filter,
    FiscalSpec,
    InputColumn,
    InputSheetSpec,
    PanelSpec,
    Ref,
    RowSpec,
    TableSpec,
    TemplateSpec,
)

ROLES = ("label", "line", "code", "name", "amount")
INPUT_TYPES = ("text", "func_code", "econ_code", "choice", "money", "year")
_REF = re.compile(r"^([+-])([^.\s]+)(?:\.([^.\s]+))?$")


class SpecError(ValueError):
    """A malformed spec: ``where`` says which part, ``reason`` what is wrong."""

    def __init__(self, where: str, reason: str):
        self.where, self.reason = where, reason
        super().__init__(f"模板规范有误 / invalid spec: {where}: {reason}")


def spec_dir() -> Path:
    """The folder of bundled specs and templates: ``workbooks/`` of the project (source or
    editable install), else ``<prefix>/share/juesuan/workbooks`` (wheel install)."""
    import sys

    source = Path(__file__).resolve().parents[2] / "workbooks"
    if source.is_dir():
        return source
    for prefix in (sys.prefix, sys.base_prefix):
        installed = Path(prefix) / "share" / "juesuan" / "workbooks"
        if installed.is_dir():
            return installed
    return source


def available_formats() -> list[str]:
    return sorted(p.stem.removeprefix("spec-") for p in spec_dir().glob("spec-*.yaml"))


def load_spec(fmt: str = "2019") -> TemplateSpec:
    path = spec_dir() / f"spec-{fmt}.yaml"
    if not path.exists():
        raise SpecError("format", f"没有格式“{fmt}”的规范 / no spec for format '{fmt}' (有/known: {available_formats()})")
    return load_spec_file(path)


def load_spec_file(path: str | Path) -> TemplateSpec:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(path.name, f"YAML 语法错误 / YAML syntax: {exc}") from exc
    except OSError as exc:
        raise SpecError(path.name, f"无法读取 / cannot read: {exc}") from exc
    if isinstance(doc, dict):
        doc = _with_includes(doc, path.parent)
    return parse_spec(doc, base=path.parent, name=str(path))


def _with_includes(doc: dict, base: Path) -> dict:
    """Merge the top-level sections of the files named by ``include`` (rules, evaluations,
    narrative …) into the spec; a section may not be defined twice."""
    includes = doc.get("include") or []
    if isinstance(includes, str):
        includes = [includes]
    merged = dict(doc)
    for name in includes:
        path = base / str(name)
        try:
            part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SpecError(f"include {name}", f"无法读取 / cannot read: {exc}") from exc
        if not isinstance(part, dict):
            raise SpecError(f"include {name}", "应为 YAML 映射 / must be a YAML mapping")
        for key, value in part.items():
            if key in merged:
                raise SpecError(f"include {name}", f"节“{key}”重复定义 / section '{key}' defined twice")
            merged[key] = value
    return merged


def _need(d: dict, key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    if not isinstance(d, dict):
        raise SpecError(where, "应为映射 / expected a mapping")
    if key not in d:
        raise SpecError(where, f"缺少“{key}” / missing '{key}'")
    value = d[key]
    if not isinstance(value, kind):
        raise SpecError(f"{where}.{key}", f"类型应为 {kind} / expected {kind}, got {type(value).__name__}")
    return value


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, (str, int)):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return tuple(str(v) for v in value)
    raise SpecError(where, "应为文本或文本列表 / expected text or a list of text")


def parse_spec(doc: Any, base: Path | None = None, name: str = "spec") -> TemplateSpec:
    if not isinstance(doc, dict):
        raise SpecError(name, "规范应为 YAML 映射 / the spec must be a YAML mapping")
    fmt = str(_need(doc, "format", "spec", (str, int)))
    vocab_raw = _need(doc, "vocabularies", "spec", dict)
    vocabularies = {k: _strs(v, f"vocabularies.{k}") for k, v in vocab_raw.items()}
    codes = _load_codes(doc, base)
    inputs = [_input(d, f"inputs[{i}]", vocabularies) for i, d in enumerate(_need(doc, "inputs", "spec", list))]
    ctx = _Ctx(vocabularies)
    tables = [_table(d, f"tables[{i}]", ctx) for i, d in enumerate(_need(doc, "tables", "spec", list))]
    seen: set[str] = set()
    for t in tables:
        if t.id in seen:
            raise SpecError(f"tables ({t.id})", "表编号重复 / duplicate table id")
        seen.add(t.id)
    rounding = {
        ledger: {axis: _strs(v.get(axis, []), f"rounding.{ledger}.{axis}") for axis in ("rows", "columns", "split", "groups")}
        for ledger, v in (doc.get("rounding") or {}).items()
    }
    fiscal = _fiscal(doc.get("fiscal") or {}, vocabularies)
    return TemplateSpec(
        format=fmt,
        version=str(doc.get("version", fmt)),
        name=str(doc.get("name", fmt)),
        unit=str(doc.get("unit", "万元")),
        decimals=int(doc.get("decimals", 2)),
        vocabularies=vocabularies,
        inputs=inputs,
        rounding=rounding,
        tables=tables,
        codes=codes,
        fiscal=fiscal,
        raw=doc,
        path=name,
    )


def _fiscal(d: Any, vocabularies: dict[str, tuple[str, ...]]) -> FiscalSpec:
    if not isinstance(d, dict):
        raise SpecError("fiscal", "应为映射 / expected a mapping")
    vocab_of = {"income_kinds": "income_kind", "funds": "fund", "fund_kinds": "expense_kind",
                "coded_balance_funds": "fund"}
    values = {}
    for key, vocab in vocab_of.items():
        items = _strs(d.get(key, []), f"fiscal.{key}")
        for v in items:
            if v not in vocabularies.get(vocab, ()):
                raise SpecError(f"fiscal.{key}", f"“{v}”不在词表 {vocab} 中 / '{v}' is not in vocabulary {vocab}")
        values[key] = items
    return FiscalSpec(**values)


def _load_codes(doc: dict, base: Path | None) -> CodeList:
    ref = doc.get("codes")
    if isinstance(ref, str):
        if base is None:
            raise SpecError("codes", "无法定位科目表文件 / cannot locate the code list file")
        path = base / ref
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SpecError("codes", f"无法读取科目表 {path.name} / cannot read code list: {exc}") from exc
    elif isinstance(ref, dict):
        data = ref
    else:
        raise SpecError("codes", "应为科目表文件名或映射 / expected a code-list file name or mapping")
    out = {}
    for scheme in ("functional", "economic"):
        table = data.get(scheme) if isinstance(data, dict) else None
        if not isinstance(table, dict):
            raise SpecError(f"codes.{scheme}", "缺少科目表 / missing code list")
        for code in table:
            if not str(code).isdigit():
                raise SpecError(f"codes.{scheme}.{code}", "编码应为数字文本 / codes are digit strings")
        out[scheme] = {str(k): str(v) for k, v in table.items()}
    return CodeList(functional=out["functional"], economic=out["economic"])


def _input(d: dict, where: str, vocabularies: dict) -> InputSheetSpec:
    kind = _need(d, "kind", where)
    if kind not in ("form", "list"):
        raise SpecError(f"{where}.kind", "应为 form 或 list / expected form or list")
    items_key = "fields" if kind == "form" else "columns"
    items = []
    for j, c in enumerate(_need(d, items_key, where, list)):
        w = f"{where}.{items_key}[{j}]"
        ctype = _need(c, "type", w)
        if ctype not in INPUT_TYPES:
            raise SpecError(f"{w}.type", f"未知类型“{ctype}” / unknown type; known: {INPUT_TYPES}")
        vocab = c.get("vocabulary")
        if ctype == "choice" and vocab not in vocabularies:
            raise SpecError(f"{w}.vocabulary", f"未知词表“{vocab}” / unknown vocabulary")
        items.append(InputColumn(
            key=_need(c, "key", w), label=_need(c, "label", w), type=ctype,
            required=bool(c.get("required", False)), vocabulary=vocab, width=c.get("width"),
            note=str(c.get("note", "")), value=c.get("value"), locked=bool(c.get("locked", False)),
            optional=bool(c.get("optional", False)),
        ))
    ledger = d.get("ledger")
    if ledger is not None and ledger not in LEDGERS:
        raise SpecError(f"{where}.ledger", f"未知账 / unknown ledger '{ledger}'; known: {LEDGERS}")
    return InputSheetSpec(
        id=_need(d, "id", where), sheet=_need(d, "sheet", where), kind=kind,
        title=str(d.get("title", d["sheet"])), ledger=ledger,
        columns=items if kind == "list" else [], fields=items if kind == "form" else [],
        optional=bool(d.get("optional", False)),
    )


class _Ctx:
    def __init__(self, vocabularies: dict[str, tuple[str, ...]]):
        self.vocabularies = vocabularies
        self.allowed = {
            "kind": set(vocabularies.get("income_kind", ())) | set(vocabularies.get("expense_kind", ())),
            "fund": set(vocabularies.get("fund", ())),
            "item": set(vocabularies.get("balance_item", ())) | set(vocabularies.get("sangong_item", ())),
            "ledger": set(LEDGERS),
        }


def _filter(d: Any, where: str, ctx: _Ctx) -> Filter | None:
    if d is None:
        return None
    if not isinstance(d, dict):
        raise SpecError(where, "筛选条件应为映射 / a filter is a mapping")
    out: Filter = {}
    for key, value in d.items():
        if key not in FILTER_KEYS:
            raise SpecError(f"{where}.{key}", f"未知筛选维度 / unknown filter key; known: {FILTER_KEYS}")
        values = _strs(value, f"{where}.{key}")
        allowed = ctx.allowed.get(key)
        if allowed is not None:
            for v in values:
                if v not in allowed:
                    raise SpecError(f"{where}.{key}", f"“{v}”不在词表中 / '{v}' is not in the vocabulary")
        out[key] = values
    return out


def _refs(value: Any, where: str) -> list[Ref]:
    if not isinstance(value, list) or not value:
        raise SpecError(where, "derive 应为非空列表，如 [+a, -b.col] / derive is a non-empty list like [+a, -b.col]")
    refs = []
    for item in value:
        m = _REF.match(str(item))
        if not m:
            raise SpecError(where, f"无法解析引用“{item}”，应为 +行 或 -行.列 / bad reference '{item}'")
        refs.append(Ref(1 if m.group(1) == "+" else -1, m.group(2), m.group(3)))
    return refs


def _derive(value: Any, where: str) -> list[Ref] | dict[str, list[Ref]] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _refs(v, f"{where}.{k}") for k, v in value.items()}
    return _refs(value, where)


def _range(value: Any, where: str) -> tuple[int, int]:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)
            and value[0] <= value[1]):
        raise SpecError(where, "应为 [起, 止] 行次 / expected [first, last] line numbers")
    return value[0], value[1]


def _row(d: dict, where: str, ctx: _Ctx) -> RowSpec:
    if not isinstance(d, dict):
        raise SpecError(where, "行定义应为映射 / a row is a mapping")
    if "spare" in d:
        return RowSpec(kind="spare", lines=_range(d["spare"], f"{where}.spare"))
    if "classes" in d:
        mode = d.get("mode", "all")
        if mode not in ("all", "present"):
            raise SpecError(f"{where}.mode", "应为 all 或 present / expected all or present")
        return RowSpec(kind="classes", scheme=str(d["classes"]), lines=_range(_need(d, "lines", where, list), f"{where}.lines"),
                       mode=mode, where=_filter(d.get("where"), f"{where}.where", ctx),
                       present_where=_filter(d.get("present_where"), f"{where}.present_where", ctx))
    if "codes" in d:
        scheme = d["codes"]
        if scheme not in ("functional", "economic"):
            raise SpecError(f"{where}.codes", "应为 functional 或 economic / expected functional or economic")
        return RowSpec(kind="codes", scheme=scheme, include=_strs(d.get("include", []), f"{where}.include"),
                       where=_filter(d.get("where"), f"{where}.where", ctx))
    key = d.get("key")
    if not isinstance(key, str) or not key:
        raise SpecError(where, "固定行须有 key / a fixed row needs a key")
    line = d.get("line")
    if line is not None and not isinstance(line, int):
        raise SpecError(f"{where}.line", "行次应为整数 / line must be an integer")
    return RowSpec(kind="fixed", key=key, label=str(d.get("label", "")), line=line, role=d.get("role"),
                   where=_filter(d.get("where"), f"{where}.where", ctx), derive=_derive(d.get("derive"), f"{where}.derive"))


def _column(d: dict, where: str, ctx: _Ctx) -> ColumnSpec:
    role = _need(d, "role", where)
    if role not in ROLES:
        raise SpecError(f"{where}.role", f"未知列角色 / unknown role '{role}'; known: {ROLES}")
    header = d.get("header", [])
    return ColumnSpec(
        key=_need(d, "key", where), role=role, header=_strs(header, f"{where}.header"),
        lanci=str(d["lanci"]) if d.get("lanci") is not None else None, width=d.get("width"),
        where=_filter(d.get("where"), f"{where}.where", ctx), derive=_derive(d.get("derive"), f"{where}.derive") or None,
    )


def _table(d: dict, where: str, ctx: _Ctx) -> TableSpec:
    tid = str(_need(d, "id", where, (str, int)))
    where = f"{where} ({tid})"
    panels = []
    for i, p in enumerate(_need(d, "panels", where, list)):
        pw = f"{where}.panels[{i}]"
        columns = [_column(c, f"{pw}.columns[{j}]", ctx) for j, c in enumerate(_need(p, "columns", pw, list))]
        keys = [c.key for c in columns]
        if len(set(keys)) != len(keys):
            raise SpecError(pw, "列 key 重复 / duplicate column keys")
        rows = [_row(r, f"{pw}.rows[{j}]", ctx) for j, r in enumerate(_need(p, "rows", pw, list))]
        footer = _row(p["footer"], f"{pw}.footer", ctx) if p.get("footer") else None
        panels.append(PanelSpec(columns=columns, rows=rows, footer=footer))
    table = TableSpec(
        id=tid, sheet=_need(d, "sheet", where), title=_need(d, "title", where), note=str(d.get("note", "")),
        panels=panels, scope=[_filter(s, f"{where}.scope[{k}]", ctx) or {} for k, s in enumerate(d.get("scope") or [])],
        empty_note=d.get("empty_note"),
    )
    _check_refs(table, where)
    return table


def _check_refs(table: TableSpec, where: str) -> None:
    """Every derive names a row key that exists in the table and a column of that row's panel."""
    row_panel: dict[str, PanelSpec] = {}
    for panel in table.panels:
        for r in [*panel.rows, *([panel.footer] if panel.footer else [])]:
            if r.kind == "fixed":
                if r.key in row_panel:
                    raise SpecError(where, f"行 key 重复 / duplicate row key '{r.key}'")
                row_panel[r.key] = panel
            elif r.kind == "codes" and r.scheme == "economic":
                for code in r.include:
                    row_panel[code] = panel
    code_rows = table.code_driven

    def check(refs: list[Ref], col_key: str | None, w: str) -> None:
        for ref in refs:
            panel = row_panel.get(ref.row)
            if panel is None:
                if code_rows and ref.row == "total":
                    continue
                raise SpecError(w, f"引用了不存在的行“{ref.row}” / unknown row '{ref.row}'")
            col = ref.col or col_key
            if col is not None and panel.column(col) is None:
                raise SpecError(w, f"行“{ref.row}”所在栏没有列“{col}” / no column '{col}' beside row '{ref.row}'")

    for pi, panel in enumerate(table.panels):
        amount_keys = [c.key for c in panel.amount_columns]
        for r in [*panel.rows, *([panel.footer] if panel.footer else [])]:
            if isinstance(r.derive, dict):
                for col, refs in r.derive.items():
                    if panel.column(col) is None:
                        raise SpecError(f"{where}.panels[{pi}] row {r.key}", f"没有列“{col}” / no column '{col}'")
                    check(refs, col, f"{where}.panels[{pi}] row {r.key}.derive.{col}")
            elif isinstance(r.derive, list):
                for col in amount_keys:
                    check(r.derive, col, f"{where}.panels[{pi}] row {r.key}.derive")
        for c in panel.columns:
            if c.derive:
                for ref in c.derive:
                    if panel.column(ref.row) is None:
                        raise SpecError(f"{where}.panels[{pi}].columns {c.key}",
                                        f"列 derive 引用不存在的列“{ref.row}” / unknown column '{ref.row}'")
