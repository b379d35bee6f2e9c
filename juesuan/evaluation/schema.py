"""The shape of a format's ``evaluation`` section (the 绩效自评表 layout, grades, variants),
checked at load by :func:`juesuan.spec.shape.check_shape`: every key the evaluation code
reads, with its type; nothing else is accepted."""

from __future__ import annotations

from juesuan.spec.model import TemplateSpec
from juesuan.spec.shape import check_shape

TEXTS = ["text"]
EVALUATION_SHAPE = {
    "sheet_prefix": "text", "title!": "text", "subtitle": "text", "unit_note": "text", "money_unit": "text",
    "header_fields!": [[TEXTS]],
    "budget!": {"section_label": "text", "columns!": TEXTS, "rows!": [{"key!": "text", "label!": "text"}],
                "weight": "number", "zero_budget_score": "number"},
    "goals!": {"section_label": "text", "columns!": TEXTS},
    "indicators!": {"section_label": "text", "columns!": TEXTS, "directions": TEXTS,
                    "template": [{"level1!": "text", "weight": "number", "level2": [["any"]]}],
                    "cost_level2": "text"},
    "total_label": "text",
    "variants": [{"id!": "text", "title": "text", "grade": "bool", "reason": "bool", "rated_lines": TEXTS}],
    "percent_columns": TEXTS, "not_applicable": TEXTS, "grade_label": "text", "total_weight": "number",
    "grades!": [{"grade!": "text", "min!": "number"}],
    "note": "text",
    "summary!": {"sheet!": "text", "title": "text", "columns": TEXTS, "empty_note": "text", "note": "text"},
}


def check_evaluation_section(spec: TemplateSpec) -> None:
    """The ``evaluation`` section of ``spec`` (when it has one) against its shape; each
    ``header_fields`` entry must be a (label, key) pair."""
    raw = spec.raw.get("evaluation")
    if raw is None:
        return
    check_shape(raw, EVALUATION_SHAPE, "evaluation")
    from juesuan.spec.loader import SpecError

    for r, row in enumerate(raw["header_fields"]):
        for i, pair in enumerate(row):
            if len(pair) != 2:
                raise SpecError(f"evaluation.header_fields[{r}][{i}]", "应为 [标签, 键] / expected [label, key]")
