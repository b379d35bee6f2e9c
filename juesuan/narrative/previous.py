"""Last year's figures for the year-on-year statements of the 说明: from the 上年数 entries of
the 说明 sheet (``prev:<key>``), or from last year's filled workbook (either format; figures
matched by the subject keys of ``narrative.check``, which mean the same in every format — read
by :mod:`juesuan.io.text_file`), and the entries typed once that carry over to the next year."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from juesuan.evaluation.model import amount

PREFIX = "prev:"


def from_entries(entries: Mapping[str, Any]) -> dict[str, Decimal]:
    """The 上年数 typed on the 说明 sheet (blank cells are unknown, not zero)."""
    out = {}
    for key, value in entries.items():
        if key.startswith(PREFIX) and amount(value) is not None:
            out[key[len(PREFIX):]] = amount(value)
    return out


CARRIED = ("use:", "unit:", "duties", "org_setup")  # entries typed once and carried to the next year


def carried_entries(entries: Mapping[str, Any]) -> dict[str, Any]:
    """The entries a department types once (主要职能, 单位构成, each 项's 主要用于) from last year's 说明."""
    return {k: v for k, v in entries.items() if k.startswith(CARRIED) and v not in (None, "")}
