"""Reading the units' workbooks for a consolidation, through the workbook port.

Every unit is read, whatever fails: the problems of all units are returned at once, each
located as ``[单位.xlsx]收入明细!D5``. Every unit must be of one template format and year,
and appear once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from juesuan.consolidate.engine import ELIMINATION_UNIT, Unit
from juesuan.errors import InputError, Problem
from juesuan.ledger import INPUT_FIRST_ROW, form_value, read_ledger
from juesuan.port import WorkbookPort
from juesuan.spec import SpecError, TemplateSpec, available_formats, check_format, load_spec

INFO_SHEET = "基本信息"


def located(label: str, problem: Problem) -> Problem:
    """``problem`` as seen from a department: its sheet prefixed with the unit's workbook."""
    return replace(problem, sheet=f"[{label}]{problem.sheet or ''}")


def unit_format(port: WorkbookPort) -> str | None:
    """The template format a unit's 基本信息 sheet records (None: not a template)."""
    if INFO_SHEET not in port.sheet_names():
        return None
    return form_value(port.read_sheet(INFO_SHEET), "模板格式") or None


def read_units(books: list[tuple[str, WorkbookPort]], fmt: str | None = None,
               loader: Callable[[str], TemplateSpec] = load_spec) -> tuple[TemplateSpec, list[Unit]]:
    """Read every unit (``(label, port)`` pairs); raise :class:`InputError` with every unit's
    problems, or return the common spec and the units in the order given."""
    check_format(fmt)  # an unknown --format is the user's error, said before any unit is read
    problems: list[Problem] = []
    formats: dict[str, str | None] = {}
    known = available_formats()
    for label, port in books:
        found = unit_format(port)
        formats[label] = found
        if found is None:
            problems.append(located(label, Problem("not-a-template")))
        elif found not in known:
            problems.append(located(label, Problem("template-version", {"found": found, "expected": "/".join(known)},
                                                   INFO_SHEET)))
    present = [f for f in formats.values() if f in known]
    common = fmt or (Counter(present).most_common(1)[0][0] if present else None)
    for label, found in formats.items():
        if found in known and common is not None and found != common:
            problems.append(located(label, Problem("unit-format", {"found": found, "expected": common}, INFO_SHEET)))
    specs: dict[str, TemplateSpec] = {}
    units: list[Unit] = []
    for label, port in books:
        found = formats[label]
        if found not in known:
            continue
        try:
            spec = specs.get(found) or specs.setdefault(found, loader(found))
            name = _unit_name(spec, port, label)
            ledger = read_ledger(spec, port, unit=name)  # its lines carry the unit's name
        except InputError as exc:
            problems += [located(label, p) for p in exc.problems]
            continue
        except SpecError as exc:
            problems.append(located(label, Problem("spec-invalid", {"where": exc.where, "reason": exc.reason})))
            continue
        tagged = ledger.typed_units
        if len(tagged) > 1 or ELIMINATION_UNIT in tagged:
            problems.append(located(label, Problem("unit-is-department", {"units": "、".join(sorted(tagged))},
                                                   INFO_SHEET)))
            continue
        units.append(Unit(label, name, ledger))
    _check_together(units, problems)
    if problems:
        raise InputError(problems)
    if common is None or not units:
        raise InputError([Problem("no-units")])
    return specs[common], units


def _unit_name(spec: TemplateSpec, port: WorkbookPort, label: str) -> str:
    """A unit's 单位名称: its 基本信息 部门名称 (as :func:`read_ledger` reads it), else its file's stem."""
    sheet = spec.info.sheet
    grid = port.read_sheet(sheet) if sheet in port.sheet_names() else []
    return form_value(grid[INPUT_FIRST_ROW:], spec.info_label("dept")).strip() or label.rsplit(".", 1)[0]


def _check_together(units: list[Unit], problems: list[Problem]) -> None:
    """One name per unit, one year for all."""
    first: dict[str, Unit] = {}
    for u in units:
        if u.name in first:
            problems.append(located(u.label, Problem("unit-duplicate", {"name": u.name, "other": first[u.name].label},
                                                     INFO_SHEET)))
        else:
            first[u.name] = u
    years = Counter(str(u.ledger.info.get("year") or "") for u in units if u.ledger.info.get("year"))
    if len(years) > 1:
        common = years.most_common(1)[0][0]
        for u in units:
            year = str(u.ledger.info.get("year") or "")
            if year and year != common:
                problems.append(located(u.label, Problem("unit-year", {"found": year, "expected": common}, INFO_SHEET)))
