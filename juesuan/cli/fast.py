"""The plain ``juesuan check FILE`` — one workbook, no option, the click users make most —
run without building the typer command line: importing typer and click costs ≈80 ms, a
fifth of checking a typical department. Anything else (an option, several files, a folder,
a wildcard, ``--help``) goes to typer, whose ``check`` command calls the same
:func:`juesuan.cli.checking.check_command`; a test runs both ways and compares them."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
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
    """``juesuan check FILE`` with every option at its default, then the process ends with
    the check's exit code.

    One workbook, then the end: the cyclic collector stays off (it would walk the spec's and
    the engine's objects again and again, ≈20 ms of a 0.3 s check; the engine makes few
    reference cycles, see :mod:`juesuan.gcpause`), and the interpreter's tear-down (freeing
    every object one by one, ≈30 ms) is skipped: this run writes no file and holds no
    temporary one, so once the output is flushed there is nothing left to do. A defect (any
    other exception) still goes to the caller's last-resort handler."""
    gc.disable()
    try:
        from juesuan.cli.checking import check_command

        check_command([path])
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:  # Ctrl-C outside the check itself (while importing, printing)
        from juesuan.cli.console import EXIT_INTERRUPTED, err

        err.print("已中断 / interrupted", highlight=False, markup=False)
        code = EXIT_INTERRUPTED
    _end(code)


def _end(code: object) -> None:
    """Flush the output and end the process at once with ``code`` (as ``SystemExit`` would)."""
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, int) and code is not None:
        with contextlib.suppress(Exception):
            sys.stderr.write(f"{code}\n")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # a closed pipe (``| head``)
            stream.flush()
    os._exit(status)
