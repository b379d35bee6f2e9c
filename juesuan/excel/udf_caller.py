"""The workbook a worksheet function is computed in: xlwings' ``caller`` range → what
:func:`juesuan.udf_logic.template_format` needs to know about it (a name for the open
workbook and its 基本信息 › 模板格式).

xlwings passes the calling cell as the reserved parameter ``caller`` (the VBA wrapper sends
``Nothing`` in its place, :mod:`juesuan.excel.udf_vba`); a plain Python call has none. Only
Excel I/O lives here, and lazily: nothing is read unless the function's format argument is
blank, the workbook's name is read once per call, and 基本信息 once per workbook for a few
seconds (the memory is in :mod:`juesuan.udf_logic`).

Reading can fail in ways Excel decides (the function called from VBA rather than a cell,
a workbook closing, a COM error): the workbook is then "unknown" and the newest format
applies, exactly as for a call without a caller.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

log = logging.getLogger("juesuan.udfs")


class CallerBook:
    """The calling cell's workbook, read only when asked (:class:`juesuan.udf_logic.CallingBook`)."""

    def __init__(self, caller: Any):
        self.caller = caller

    @cached_property
    def book(self) -> Any:
        return self.caller.sheet.book

    @cached_property
    def key(self) -> str:
        """The workbook's full name (path, or ``工作簿1`` before it is saved); ``""`` if unknown."""
        try:
            return str(self.book.fullname)
        except Exception:  # noqa: BLE001 - no calling workbook to be had: the newest format applies
            log.debug("caller's workbook unknown", exc_info=True)
            return ""

    def template_format(self) -> str:
        """基本信息 › 模板格式 as the workbook shows it (``""``: not a 决算 workbook)."""
        from juesuan.io.xlwings_book import XlwingsBook
        from juesuan.ledger import info_value
        from juesuan.spec import load_spec

        try:
            return info_value(load_spec(), XlwingsBook(self.book), "format")
        except Exception:  # noqa: BLE001 - an unreadable workbook is an unknown one
            log.debug("caller's 基本信息 unreadable", exc_info=True)
            return ""


def calling_book(caller: Any) -> CallerBook | None:
    """The calling workbook of a worksheet function (None for a plain Python call)."""
    return None if caller is None else CallerBook(caller)
