"""Load and validate a template spec file (YAML). Every defect is reported with its path
in the document (``tables[3] (04).panels[1].rows[2]``) and what was expected."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from juesuan.lazy_re import lazy
from juesuan.spec.aliases import parse_aliases
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
    SheetLayout,
    TableSpec,
    TemplateSpec,
)

ROLES = ("label", "line", "code", "name", "amount")
INPUT_TYPES = ("text", "func_code", "econ_code", "choice", "money", "year")
_REF = lazy(r"^([+-])([^.\s]+)(?:\.([^.\s]+))?$")


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


SPEC_PATH_VARIABLE = "JUESUAN_SPEC_PATH"


def spec_dirs() -> list[Path]:
    """Where formats are looked up: the folders of ``JUESUAN_SPEC_PATH`` (a bureau's own
    specs and variants, separated like PATH), then the bundled ``workbooks/``."""
    extra = [Path(p) for p in os.environ.get(SPEC_PATH_VARIABLE, "").split(os.pathsep) if p.strip()]
    return [*extra, spec_dir()]


def find_spec(fmt: str) -> Path | None:
    for folder in spec_dirs():
        path = folder / f"spec-{fmt}.yaml"
        if path.is_file():
            return path
    return None


def available_formats() -> list[str]:
    return sorted({p.stem.removeprefix("spec-") for d in spec_dirs() if d.is_dir() for p in d.glob("spec-*.yaml")})


def newest_format() -> str:
    """The default format for new workbooks: the newest base format year shipped."""
    years = [f for f in available_formats() if f.isdigit()]
    return max(years) if years else available_formats()[-1]


def load_spec(fmt: str | None = None) -> TemplateSpec:
    """The validated spec of a format this installation knows; an unknown one is the user's
    error (:class:`~juesuan.errors.InputError`, exit 2), not a defect of a spec."""
    fmt = fmt or newest_format()
    path = find_spec(fmt)
    if path is None:
        raise unknown_format(fmt)
    return load_spec_file(path)


def check_format(fmt: str | None) -> None:
    """Raise the unknown-format error for a ``--format`` this installation doesn't know."""
    if fmt and find_spec(fmt) is None:
        raise unknown_format(fmt)


def unknown_format(fmt: str) -> Exception:
    """The user's error for a format not known, naming the known ones and, for a year given as
    a format (``--format 2021``), the format of that year's accounts."""
    from juesuan.errors import InputError, Problem

    known = available_formats()
    hint = hint_en = ""
    if re.fullmatch(r"\d{4}", fmt.strip()):
        year = int(fmt)
        for base in (f for f in known if f.isdigit()):
            years = load_spec(base).raw.get("years")
            if isinstance(years, list) and len(years) == 2 and (years[0] is None or years[0] <= year) \
                    and (years[1] is None or year <= years[1]):
                hint = f"（{year}年度的决算用 {base} 格式）"
                hint_en = f" (the {year} accounts use the {base} format)"
                break
    return InputError([Problem("format-unknown", {"format": fmt, "known": "、".join(known), "known_en": ", ".join(known),
                                                  "hint": hint, "hint_en": hint_en})])


def load_spec_file(path: str | Path) -> TemplateSpec:
    """The validated spec of ``path``, from the spec cache when none of its files changed
    (:mod:`juesuan.spec.cache`)."""
    from juesuan.spec.cache import cached

    return cached(Path(path), _load_uncached)


_files_read: list[Path] = []


def _load_uncached(path: Path) -> tuple[TemplateSpec, list[Path]]:
    """Parse and validate ``path`` from YAML; also returns every file read to build it."""
    _files_read.clear()
    spec = parse_spec(load_document(path), base=path.parent, name=str(path))
    return spec, list(_files_read)


def _read_yaml(path: Path, where: str) -> Any:
    import yaml

    from juesuan.spec.yamlload import yaml_load

    _files_read.append(path)
    try:
        return yaml_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError(where, f"YAML 语法错误 / YAML syntax: {exc}") from exc
    except OSError as exc:
        raise SpecError(where, f"无法读取 / cannot read: {exc}") from exc


def load_document(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """The spec document with its ``include`` files merged, its code list loaded and, for a
    variant (``extends: BASE``), merged over its base document."""
    path = path.resolve()
    if path in seen:
        raise SpecError(path.name, "extends 循环引用 / extends cycle")
    doc = _read_yaml(path, path.name)
    if not isinstance(doc, dict):
        raise SpecError(path.name, "规范应为 YAML 映射 / the spec must be a YAML mapping")
    doc = _with_includes(doc, path.parent)
    if isinstance(doc.get("codes"), str):
        doc["codes"] = _read_yaml(path.parent / doc["codes"], f"codes ({doc['codes']})")
    base_name = doc.pop("extends", None)
    if base_name is None:
        return doc
    base_name = str(base_name)
    base_path = (path.parent / base_name) if base_name.endswith((".yaml", ".yml")) else find_spec(base_name)
    if base_path is None or not base_path.exists():
        raise SpecError("extends", f"找不到基础格式“{base_name}” / base format not found ({base_path})")
    return merge_variant(load_document(base_path, (*seen, path)), doc)


def _with_includes(doc: dict, base: Path) -> dict:
    """Merge the top-level sections of the files named by ``include`` (rules, evaluations,
    narrative …) into the spec; a section may not be defined twice."""
    includes = doc.get("include") or []
    if isinstance(includes, str):
        includes = [includes]
    merged = dict(doc)
    for name in includes:
        part = _read_yaml(base / str(name), f"include {name}") or {}
        if not isinstance(part, dict):
            raise SpecError(f"include {name}", "应为 YAML 映射 / must be a YAML mapping")
        for key, value in part.items():
            if key in merged:
                raise SpecError(f"include {name}", f"节“{key}”重复定义 / section '{key}' defined twice")
            merged[key] = value
    return merged


def merge_variant(base: dict, variant: dict) -> dict:
    """A variant over its base: mappings merge key by key, lists and scalars replace; ``tables``
    given as a mapping (table id → the keys to change) changes those tables of the base;
    ``table_order`` (table ids) reorders them."""
    out = dict(base)
    for key, value in variant.items():
        if key == "tables" and isinstance(value, dict):
            tables = [dict(t) for t in base.get("tables") or []]
            by_id = {str(t.get("id")): t for t in tables}
            for tid, change in value.items():
                if str(tid) not in by_id:
                    raise SpecError(f"tables.{tid}", f"基础格式中没有表“{tid}” / no table '{tid}' in the base format")
                if not isinstance(change, dict):
                    raise SpecError(f"tables.{tid}", "应为映射 / expected a mapping")
                by_id[str(tid)].update(change)
            out["tables"] = tables
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = merge_variant(base[key], value)
        else:
            out[key] = value
    return out


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


TOP_KEYS = ("format", "version", "name", "unit", "decimals", "input_unit", "codes", "include", "vocabularies",
            "fiscal", "inputs", "econ_groups", "rounding", "tables", "table_order", "sheet_layout", "class_list",
            "rules", "evaluation", "evaluation_rules", "narrative", "eliminations", "steps", "years", "aliases")


def parse_spec(doc: Any, base: Path | None = None, name: str = "spec") -> TemplateSpec:
    if not isinstance(doc, dict):
        raise SpecError(name, "规范应为 YAML 映射 / the spec must be a YAML mapping")
    if isinstance(doc.get("codes"), str):  # a document not passed through load_document
        if base is None:
            raise SpecError("codes", "无法定位科目表文件 / cannot locate the code list file")
        doc = {**doc, "codes": _read_yaml(base / doc["codes"], f"codes ({doc['codes']})")}
    _only(doc, TOP_KEYS, "spec")
    fmt = str(_need(doc, "format", "spec", (str, int)))
    vocab_raw = _need(doc, "vocabularies", "spec", dict)
    vocabularies = {k: _strs(v, f"vocabularies.{k}") for k, v in vocab_raw.items()}
    codes = _load_codes(doc.get("codes"))
    inputs = [_input(d, f"inputs[{i}]", vocabularies) for i, d in enumerate(_need(doc, "inputs", "spec", list))]
    class_list = _strs(doc.get("class_list", []), "class_list")
    for code in class_list:
        if len(code) != 3 or code not in codes.functional:
            raise SpecError("class_list", f"“{code}”不是科目表中的类级科目 / '{code}' is not a listed class")
    ctx = _Ctx(vocabularies, _layout(doc.get("sheet_layout"), "sheet_layout"), class_list)
    table_docs = _need(doc, "tables", "spec", list)
    tables = [_table(d, f"tables[{i}]", ctx) for i, d in enumerate(table_docs)]
    seen: set[str] = set()
    for t in tables:
        if t.id in seen:
            raise SpecError(f"tables ({t.id})", "表编号重复 / duplicate table id")
        seen.add(t.id)
    sheets = [s.sheet for s in inputs] + [t.sheet for t in tables]
    dup = next((s for s in sheets if sheets.count(s) > 1), None)
    if dup:
        raise SpecError("tables", f"工作表名“{dup}”重复 / duplicate sheet name")
    order = doc.get("table_order")
    if order is not None:
        ids = _strs(order, "table_order")
        if sorted(ids) != sorted(seen):
            raise SpecError("table_order", f"应恰好列出每张表一次：{sorted(seen)} / must list every table once")
        tables = [next(t for t in tables if t.id == i) for i in ids]
    for tid, table_aliases in parse_aliases(doc.get("aliases"), tables, codes.functional, codes.economic,
                                            class_list).items():
        next(t for t in tables if t.id == tid).aliases = table_aliases
    rounding_doc = doc.get("rounding") or {}
    if not isinstance(rounding_doc, dict):
        raise SpecError("rounding", "应为映射 / expected a mapping")
    rounding = {}
    for ledger, v in rounding_doc.items():
        if ledger not in LEDGERS:
            raise SpecError(f"rounding.{ledger}", f"未知账 / unknown ledger; known: {LEDGERS}")
        _only(v, ROUNDING_AXES, f"rounding.{ledger}")
        rounding[ledger] = {axis: _strs(v.get(axis, []), f"rounding.{ledger}.{axis}") for axis in ROUNDING_AXES}
        for axis in ("columns", "split"):
            for dim in rounding[ledger][axis]:
                if dim not in ROUNDING_DIMS[axis]:
                    raise SpecError(f"rounding.{ledger}.{axis}", f"未知维度“{dim}”，可用：{ROUNDING_DIMS[axis]} / unknown dimension")
    fiscal = _fiscal(doc.get("fiscal") or {}, vocabularies)
    decimals = doc.get("decimals", 2)
    if not isinstance(decimals, int) or not 0 <= decimals <= 4:
        raise SpecError("decimals", "应为 0–4 的整数 / expected an integer 0–4")
    econ_groups = _econ_groups(doc.get("econ_groups") or {})
    _check_eliminations(doc.get("eliminations"), vocabularies)
    info = next((s for s in inputs if s.kind == "form"), None)
    if info is None or not {"dept", "year", "format"} <= {f.key for f in info.fields}:
        raise SpecError("inputs", "须有一张表单（kind: form）含 dept、year、format 三项 / a form input with dept, year and format is required")
    spec = TemplateSpec(
        format=fmt,
        version=str(doc.get("version", fmt)),
        name=str(doc.get("name", fmt)),
        unit=str(doc.get("unit", "万元")),
        decimals=decimals,
        vocabularies=vocabularies,
        inputs=inputs,
        rounding=rounding,
        tables=tables,
        codes=codes,
        fiscal=fiscal,
        econ_groups=econ_groups,
        class_list=class_list,
        raw=doc,
        path=name,
    )
    return with_rules(spec)


ROUNDING_AXES = ("rows", "columns", "split", "groups")
ROUNDING_DIMS = {"columns": ("fiscal", "fund", "kind", "item"), "split": ("econ_group", "econ_class", "econ")}


def _econ_groups(d: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(d, dict):
        raise SpecError("econ_groups", "应为映射（组名 → 经济分类类级编码） / expected a mapping")
    out = {str(k): _strs(v, f"econ_groups.{k}") for k, v in d.items()}
    seen: dict[str, str] = {}
    for group, codes in out.items():
        for code in codes:
            if code in seen:
                raise SpecError(f"econ_groups.{group}", f"“{code}”已属于“{seen[code]}” / '{code}' is in two groups")
            seen[code] = group
    return out


def _check_eliminations(raw: Any, vocabularies: dict[str, tuple[str, ...]]) -> None:
    """The ``eliminations`` section (consolidation) validated at load like every other section."""
    from juesuan.consolidate.spec import parse_eliminations

    parse_eliminations(raw, vocabularies)


def with_rules(spec: TemplateSpec) -> TemplateSpec:
    """Cross-section checks: the rules' parameters against their kinds' schemas and the tables."""
    from juesuan.spec.references import with_rules as validated

    return validated(spec)


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
    _only(d, (*vocab_of, "opening_balance_item"), "fiscal")
    item = str(d.get("opening_balance_item", "年初结转和结余"))
    if item not in vocabularies.get("balance_item", ()):
        raise SpecError("fiscal.opening_balance_item", f"“{item}”不在词表 balance_item 中 / not in vocabulary balance_item")
    return FiscalSpec(**values, opening_balance_item=item)


def _load_codes(data: Any) -> CodeList:
    if not isinstance(data, dict):
        raise SpecError("codes", "应为科目表文件名或映射 / expected a code-list file name or mapping")
    out = {}
    for scheme in ("functional", "economic"):
        table = data.get(scheme)
        if not isinstance(table, dict):
            raise SpecError(f"codes.{scheme}", "缺少科目表 / missing code list")
        for code in table:
            text = str(code)
            if not (text.isascii() and text.isdigit()):
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


def _only(d: Any, allowed: tuple[str, ...], where: str) -> None:
    """Reject keys the format model does not know (a misspelt key must not be ignored)."""
    if not isinstance(d, dict):
        raise SpecError(where, "应为映射 / expected a mapping")
    unknown = [str(k) for k in d if k not in allowed]
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}", f"未知的键“{unknown[0]}”，可用：{', '.join(allowed)} / unknown key")


def _layout(d: Any, where: str, base: SheetLayout | None = None) -> SheetLayout:
    base = base or SheetLayout()
    if d is None:
        return base
    _only(d, ("label", "dept", "lanci"), where)
    for k, v in d.items():
        if not isinstance(v, bool):
            raise SpecError(f"{where}.{k}", "应为 true 或 false / expected true or false")
    return SheetLayout(**{**base.__dict__, **d})


class _Ctx:
    def __init__(self, vocabularies: dict[str, tuple[str, ...]], layout: SheetLayout | None = None,
                 class_list: tuple[str, ...] = ()):
        self.layout = layout or SheetLayout()
        self.class_list = class_list
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
        _only(d, ("spare",), where)
        return RowSpec(kind="spare", lines=_range(d["spare"], f"{where}.spare"))
    if "classes" in d:
        _only(d, ("classes", "lines", "mode", "where", "present_where", "include", "numbered"), where)
        mode = d.get("mode", "all")
        if mode not in ("all", "present"):
            raise SpecError(f"{where}.mode", "应为 all 或 present / expected all or present")
        include = _strs(d.get("include", []), f"{where}.include")
        if "lines" not in d and not include and not ctx.class_list:
            raise SpecError(where, "类级行须有 lines（行次范围）、include 或规范的 class_list / classes need lines, include or class_list")
        if not include and "lines" not in d:
            include = ctx.class_list
        return RowSpec(kind="classes", scheme=str(d["classes"]),
                       lines=_range(d["lines"], f"{where}.lines") if "lines" in d else None,
                       mode=mode, where=_filter(d.get("where"), f"{where}.where", ctx),
                       present_where=_filter(d.get("present_where"), f"{where}.present_where", ctx),
                       include=include, numbered=bool(d.get("numbered", False)))
    if "codes" in d:
        _only(d, ("codes", "include", "only", "where"), where)
        scheme = d["codes"]
        if scheme not in ("functional", "economic"):
            raise SpecError(f"{where}.codes", "应为 functional 或 economic / expected functional or economic")
        return RowSpec(kind="codes", scheme=scheme, include=_strs(d.get("include", []), f"{where}.include"),
                       only=_strs(d.get("only", []), f"{where}.only"),
                       where=_filter(d.get("where"), f"{where}.where", ctx))
    _only(d, ("key", "label", "line", "role", "where", "derive", "parent"), where)
    key = d.get("key")
    if not isinstance(key, str) or not key:
        raise SpecError(where, "固定行须有 key / a fixed row needs a key")
    line = d.get("line")
    if line is not None and not isinstance(line, int):
        raise SpecError(f"{where}.line", "行次应为整数 / line must be an integer")
    parent = d.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise SpecError(f"{where}.parent", "应为行 key / expected a row key")
    return RowSpec(kind="fixed", key=key, label=str(d.get("label", "")), line=line, role=d.get("role"), parent=parent,
                   where=_filter(d.get("where"), f"{where}.where", ctx), derive=_derive(d.get("derive"), f"{where}.derive"))


def _column(d: dict, where: str, ctx: _Ctx) -> ColumnSpec:
    _only(d, ("key", "role", "header", "lanci", "width", "where", "derive"), where)
    role = _need(d, "role", where)
    if role not in ROLES:
        raise SpecError(f"{where}.role", f"未知列角色 / unknown role '{role}'; known: {ROLES}")
    header = d.get("header", [])
    return ColumnSpec(
        key=_need(d, "key", where), role=role, header=_strs(header, f"{where}.header"),
        lanci=str(d["lanci"]) if d.get("lanci") is not None else None, width=d.get("width"),
        where=_filter(d.get("where"), f"{where}.where", ctx), derive=_derive(d.get("derive"), f"{where}.derive") or None,
    )


TABLE_KEYS = ("id", "sheet", "title", "note", "panels", "scope", "empty_note", "empty_sentence", "layout", "label")


def _table(d: dict, where: str, ctx: _Ctx) -> TableSpec:
    tid = str(_need(d, "id", where, (str, int)))
    where = f"{where} ({tid})"
    _only(d, TABLE_KEYS, where)
    layout = _layout(d.get("layout"), f"{where}.layout", ctx.layout)
    panels = []
    for i, p in enumerate(_need(d, "panels", where, list)):
        pw = f"{where}.panels[{i}]"
        _only(p, ("columns", "rows", "footer"), pw)
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
        empty_note=d.get("empty_note"), empty_sentence=d.get("empty_sentence"), layout=layout,
        label=str(d.get("label", f"公开{tid}表")) if layout.label else None,
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
    _check_cycles(table, where)


def _check_cycles(table: TableSpec, where: str) -> None:
    """A figure may not be derived, directly or through others, from itself. Nodes are
    (row, column); a row without a derive of its own follows its column's derive."""
    row_edges: dict[tuple[str, str], list[tuple[str, str]]] = {}
    col_edges: dict[str, list[str]] = {}
    for panel in table.panels:
        amount_keys = [c.key for c in panel.amount_columns]
        for r in [*panel.rows, *([panel.footer] if panel.footer else [])]:
            if r.kind != "fixed":
                continue
            if isinstance(r.derive, dict):
                for col, refs in r.derive.items():
                    row_edges[(r.key or "", col)] = [(ref.row, ref.col or col) for ref in refs]
            elif isinstance(r.derive, list):
                for col in amount_keys:
                    row_edges[(r.key or "", col)] = [(ref.row, ref.col or col) for ref in r.derive]
        for c in panel.columns:
            if c.derive:
                col_edges[c.key] = [ref.row for ref in c.derive]

    def successors(node: tuple[str, str]) -> list[tuple[str, str]]:
        if node in row_edges:
            return row_edges[node]
        return [(node[0], col) for col in col_edges.get(node[1], [])]

    state: dict[tuple[str, str], int] = {}
    starts = [*row_edges, *(("", col) for col in col_edges)]
    for start in starts:
        stack = [(start, iter(successors(start)))]
        path = [start]
        if state.get(start) == 2:
            continue
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                cycle = " → ".join(f"{r or '*'}.{c}" for r, c in [*path[path.index(nxt):], nxt])
                raise SpecError(where, f"derive 循环引用：{cycle} / derive cycle")
            if state.get(nxt) != 2:
                state[nxt] = 1
                stack.append((nxt, iter(successors(nxt))))
                path.append(nxt)
