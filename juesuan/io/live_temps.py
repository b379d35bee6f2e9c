"""The temporary files this process has open (each atomic write's), removed on exit and on
SIGTERM/SIGHUP. Apart from :mod:`juesuan.io.safe_write` so that every run can install the
clean-up without importing the writer (shutil, zipfile …)."""

from __future__ import annotations

import atexit
import contextlib
import signal
from pathlib import Path
from typing import Any

_live_temps: set[Path] = set()
_stopped_by: list[int] = []  # the termination signal received, if any


def _drop_temp(tmp: Path | None) -> None:
    if tmp is None:
        return
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
    _live_temps.discard(tmp)


def remove_live_temps() -> None:
    """Remove this process's temporary files (on exit and on SIGTERM/SIGHUP)."""
    for tmp in list(_live_temps):
        _drop_temp(tmp)


def install_signal_cleanup() -> None:
    """Turn SIGTERM/SIGHUP into an orderly exit, so every ``finally`` runs and no temporary
    file stays behind (SIGINT already raises KeyboardInterrupt)."""
    def stop(signum: int, _frame: Any) -> None:
        _stopped_by.append(signum)
        remove_live_temps()
        raise SystemExit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, stop)
    atexit.register(remove_live_temps)


def stop_code() -> int | None:
    """The exit code of a run stopped by SIGTERM/SIGHUP (128 + the signal), None otherwise:
    an error raised while that stop unwinds (a half-written file failing to close) is part
    of the stop, not a defect to report."""
    return 128 + _stopped_by[0] if _stopped_by else None
