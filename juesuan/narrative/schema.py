"""The shape of a format's ``narrative`` section (the 说明: wording, inputs, sections and the
data check-text reads), checked at load by :func:`juesuan.spec.shape.check_shape`; the figure
references of ``check`` are resolved against the tables by :mod:`juesuan.narrative.references`."""

from __future__ import annotations

from juesuan.spec.model import TemplateSpec
from juesuan.spec.shape import check_shape

TEXTS = ["text"]
INPUT = {"key!": "text", "label!": "text", "type": "text", "note": "text"}
SECTION = {"key!": "text", "part": "text", "heading": "text", "match": TEXTS, "paragraphs!": ["any"],
           "only_if": "text", "otherwise": "text", "fund_table": "text", "slot": "text", "present": "text",
           "empty": "text", "when": "text", "performance_done": "text", "performance_none": "text"}
NARRATIVE_SHAPE = {
    "sheet": "text", "title": "text", "percent_decimals": "int", "placeholder": "text", "intro": "text",
    "phrases": {"*": "text"},
    "share_lists": [{"slot!": "text", "group": "text", "group_slot": "text", "base": "text", "none": "text"}],
    "previous": [{"key!": "text", "label!": "text", "what": "text"}],
    "notes": {"*": "text"},
    "inputs": [INPUT],
    "item_inputs": {"*": {"label!": "text", "type": "text", "note": "text"}},
    "units": {"intro": "text", "header": TEXTS, "single": "text", "rows": [INPUT]},
    "terms": [{"term!": "text", "definition!": "text"}],
    "sections!": [SECTION],
    "check": {"bases": [{"key!": "text", "labels": TEXTS, "figure!": "any"}], "sections": {"*": ["any"]},
              "counts": ["any"], "old_names": ["any"], "residue": ["any"], "filler": TEXTS},
}


def check_narrative_section(spec: TemplateSpec) -> None:
    """The ``narrative`` section of ``spec`` (when it has one) against its shape."""
    raw = spec.raw.get("narrative")
    if raw is not None:
        check_shape(raw, NARRATIVE_SHAPE, "narrative")
