"""Template specs: the declarative description of one format year (layouts, inputs, sources).

``load_spec("2019")`` finds (``load_spec()``: the newest format) ``workbooks/spec-2019.yaml``; ``load_spec_file(path)`` loads any
spec a finance bureau distributes. The loader validates and fails with a precise message.
"""

from juesuan.spec.loader import (
    SpecError,
    available_formats,
    check_format,
    load_spec,
    load_spec_file,
    newest_format,
    spec_dir,
)
from juesuan.spec.model import (
    CodeList,
    ColumnSpec,
    FiscalSpec,
    InputColumn,
    InputSheetSpec,
    PanelSpec,
    Ref,
    RowSpec,
    TableSpec,
    TemplateSpec,
)

__all__ = [
    "CodeList", "ColumnSpec", "FiscalSpec", "InputColumn", "InputSheetSpec", "PanelSpec", "Ref", "RowSpec",
    "SpecError", "TableSpec", "TemplateSpec", "available_formats", "check_format", "load_spec", "load_spec_file", "newest_format",
    "spec_dir",
]
