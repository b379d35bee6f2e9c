"""The ordered steps every job runs after the tables: the self-evaluations (绩效自评), then the
说明. One list, named here and nowhere else; no step registers itself on import.

A :class:`Step` knows the spec section it serves (a format without an ``evaluation``
section has no self-evaluation step), how to picture its sheets in a fresh template, how
to recompute them in Fill, and, optionally, how to take its tables from an import CSV.
``juesuan new``, ``template build``, ``fill`` and ``import`` all call :func:`steps` and
therefore produce the same sheets in the same order (:func:`sheet_order`). A spec may name
its steps and their order (``steps: [evaluations, narrative]``); a name not known here is a
spec error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from juesuan.port import SheetPicture, WorkbookPort
from juesuan.records import record
from juesuan.results import FillResult, Progress
from juesuan.spec.loader import SpecError
from juesuan.spec.model import TemplateSpec

TemplateFn = Callable[[TemplateSpec, dict[str, list[list[Any]]]], list[SheetPicture]]
FillFn = Callable[[TemplateSpec, WorkbookPort, FillResult, Progress], None]
ImportFn = Callable[..., list[SheetPicture]]  # (spec, rows, variant=None); raises LookupError: not my table


@record(frozen=True)
class Step:
    """One step of the Fill pipeline: the spec section it serves and its template, fill and import functions."""

    name: str
    section: str  # the spec section the step serves
    template: TemplateFn
    fill: FillFn
    import_tables: ImportFn | None = None


def _known() -> dict[str, Step]:
    from juesuan.evaluation.importer import import_evaluation_rows
    from juesuan.evaluation.steps import fill_step as evaluation_fill
    from juesuan.evaluation.steps import template_step as evaluation_template
    from juesuan.narrative.steps import fill_step as narrative_fill
    from juesuan.narrative.steps import template_step as narrative_template

    return {
        "evaluations": Step("evaluations", "evaluation", evaluation_template, evaluation_fill, import_evaluation_rows),
        "narrative": Step("narrative", "narrative", narrative_template, narrative_fill),
    }


DEFAULT_ORDER = ("evaluations", "narrative")


def steps(spec: TemplateSpec) -> tuple[Step, ...]:
    """The steps of this format, in order: those the spec names (``steps:``), else every
    known step whose section the spec has."""
    known = _known()
    names = spec.raw.get("steps")
    if names is None:
        return tuple(known[n] for n in DEFAULT_ORDER if known[n].section in spec.raw)
    if not isinstance(names, list) or any(n not in known for n in names):
        raise SpecError("steps", f"应为步骤名列表，可用：{', '.join(known)} / expected a list of step names")
    return tuple(known[n] for n in names)


def sheet_order(spec: TemplateSpec, pictures: list[SheetPicture]) -> list[SheetPicture]:
    """Pictures in the workbook's order: detail sheets, tables (in the format's order), then
    each step's sheets in step order (as produced), anything else last."""
    rank = {name: i for i, name in enumerate(spec.sheet_names)}
    return sorted(pictures, key=lambda p: rank.get(p.name, len(rank)))
