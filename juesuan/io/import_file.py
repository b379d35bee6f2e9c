"""``juesuan import`` on files: read the CSV of published figures, and write a fresh template
workbook holding them (the engine part is :mod:`juesuan.importer`)."""

from __future__ import annotations

from pathlib import Path

from juesuan.errors import Problem, fail
from juesuan.importer import import_rows, read_csv
from juesuan.io.template_file import save_new_workbook
from juesuan.io.text import decode_text
from juesuan.jobs import template_pictures
from juesuan.pipeline import sheet_order
from juesuan.spec.model import TemplateSpec


def import_file(csv_path: str | Path, out: str | Path, spec: TemplateSpec, dept: str = "", year: str = "",
                eval_variant: str | None = None, warnings: list[Problem] | None = None) -> Path:
    """Write a fresh template workbook at ``out`` holding the figures of ``csv_path``
    (``eval_variant``: the published layout of its self-evaluations, default by the rows present;
    ``warnings`` receives the rows read but not used, blank or zero, that the format lacks)."""
    path = Path(csv_path)
    try:
        text = decode_text(path.read_bytes(), str(path))
    except FileNotFoundError:
        raise fail("file-missing", path=str(path)) from None
    except OSError as exc:
        raise fail("file-corrupt", path=str(path), reason=str(exc)) from exc
    tables = import_rows(spec, read_csv(text, path.name), dept, path.name, eval_variant,
                         warnings if warnings is not None else [])
    # the template's sheets in pipeline order, each replaced by its imported picture where there is one
    template = template_pictures(spec, dept, year)
    imported = {p.name: p for p in tables}
    ordered = [imported.get(p.name, p) for p in template]
    ordered += [p for p in tables if p.name not in {q.name for q in template}]
    return save_new_workbook(spec, lambda: sheet_order(spec, ordered), out)
