"""The plain ``juesuan check FILE`` — one workbook, no option, the click users make most —
run without building the typer command line: importing typer and click costs ≈80 ms, a
fifth of checking a typical department. Anything else (an option, several files, a folder,
a wildcard, ``--help``) goes to typer, whose ``check`` command calls the same
:func:`juesuan.cli.checking.check_command`; a test runs both ways and compares them."""

from __future__ import annotations

import gc
from pathlib import Path

_WILDCARDS = frozenset("*?[")


def plain_check(argv: list[str]) -> Path | None:
    """The workbook of ``argv`` when it is exactly ``check FILE`` (FILE not an option, not a
    folder, no wildcard typer would expand on Windows), else None."""
    if len(argv) != 2 or argv[0] != "check":
        return None
    arg = argv[1]
    if not arg or arg.startswith("-") or _WILDCARDS.intersection(arg):
        return None
    path = Path(arg)
    return None if path.is_dir() else path


def run_plain_check(path: Path) -> None:
    """``juesuan check FILE`` with every option at its default (exits with the check's code).
    One workbook, then the process ends: the cyclic collector stays off (it would walk the
    spec's and the engine's objects again and again, ≈20 ms of a 0.3 s check; the engine
    makes few reference cycles, see :mod:`juesuan.gcpause`)."""
    gc.disable()
    from juesuan.cli.checking import check_command

    check_command([path])
