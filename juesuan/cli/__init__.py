"""The headless front end: ``juesuan`` commands on .xlsx files.

Each command lives in its own module of this package and registers itself on
:data:`juesuan.cli.app.app`; importing the package imports them all.
"""

from __future__ import annotations

import importlib
import pkgutil

from juesuan.cli.app import app


def _load_commands() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name not in ("app", "common"):
            importlib.import_module(f"{__name__}.{info.name}")


def main() -> None:
    from juesuan.io.files import install_signal_cleanup

    install_signal_cleanup()  # SIGTERM/SIGHUP: remove temporary files, exit cleanly
    _load_commands()
    app()


__all__ = ["app", "main"]
