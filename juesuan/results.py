"""What a Fill run hands from step to step: the computed accounts, the sheet pictures to
write, notes for the user, and values later steps share (the self-evaluations read once)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import Any

from juesuan.port import SheetPicture
from juesuan.records import record
from juesuan.tables import FilledAccounts

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    """A progress callback that shows nothing."""
    return None


@record
class FillResult:
    """What Fill computed: the filled tables, the sheet pictures to write, notes for the user."""

    accounts: FilledAccounts
    pictures: list[SheetPicture]
    notes: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)  # shared between later steps (e.g. evaluations read once)
