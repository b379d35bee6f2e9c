"""Checks across sections of a loaded format: every rule's parameters against its kind's
declared schema (:data:`juesuan.rules.schema.KIND_PARAMS`) and every cell reference of a rule
against the tables (table id, fixed row key or level selector, column key), and the 说明's
figure references (:mod:`juesuan.narrative.references`) and the self-evaluation layout
(:mod:`juesuan.evaluation.schema`). Run at load, so a
bureau editing a spec hears of a misspelt key or a row that does not exist before any
workbook is checked."""

from __future__ import annotations

from juesuan.spec.model import TemplateSpec


def with_rules(spec: TemplateSpec) -> TemplateSpec:
    """The spec with its validated rule catalogue (``spec.rules``)."""
    import dataclasses

    from juesuan.evaluation.schema import check_evaluation_section
    from juesuan.narrative.references import check_narrative_references
    from juesuan.narrative.schema import check_narrative_section
    from juesuan.rules.schema import parse_catalogue

    check_evaluation_section(spec)
    check_narrative_section(spec)
    check_narrative_references(spec)
    return dataclasses.replace(spec, rules=parse_catalogue(spec))
