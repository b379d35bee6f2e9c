"""Which format a workbook is (模板格式): the value recorded on its 基本信息 form, checked
against the formats this installation knows; and the spec to use for it."""

from __future__ import annotations

from juesuan.errors import fail
from juesuan.ledger import form_value
from juesuan.port import WorkbookPort
from juesuan.spec import TemplateSpec, available_formats, check_format, load_spec, newest_format


def detect_format(book: WorkbookPort) -> str:
    """The template format recorded on the workbook's 基本信息 form (模板格式). Where that form
    and label are is read from the newest format's spec (every shipped format shares them)."""
    return _detect(book, load_spec())


def _detect(book: WorkbookPort, newest: TemplateSpec) -> str:
    sheet, label = newest.info.sheet, newest.info_label("format")
    if sheet not in book.sheet_names():
        raise fail("not-a-template")
    fmt = form_value(book.read_sheet(sheet), label)
    if not fmt:
        raise fail("not-a-template")
    if fmt not in available_formats():
        raise fail("template-version", sheet=sheet, found=fmt, expected="/".join(available_formats()))
    return fmt


def spec_for(book: WorkbookPort, fmt: str | None) -> TemplateSpec:
    check_format(fmt)  # an unknown --format is said as such, not as a workbook of another format
    newest = load_spec()
    found = _detect(book, newest)
    spec = newest if found == newest_format() else load_spec(found)
    if fmt and fmt != found:
        raise fail("template-version", sheet=spec.info.sheet, found=found, expected=fmt)
    return spec
