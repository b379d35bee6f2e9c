"""The headless front end: ``juesuan`` commands on .xlsx files.

Each command lives in its own module of this package and registers itself on
:data:`juesuan.cli.app.app`. A run imports only the module of the command it was given
(:data:`COMMAND_MODULES`; a test keeps that table equal to what the modules register), and
every module when it has to list them (``--help``, no command, an unknown one).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from juesuan.cli.app import app

# command (or command group) name → the module of this package that registers it
COMMAND_MODULES = {
    "addin": "addin_cmd", "check": "check", "check-text": "check_text", "clear": "clear",
    "codes": "codes_cmd", "consolidate": "consolidate_cmd", "demo": "demo", "eval": "eval_cmd",
    "fill": "fill", "import": "import_cmd", "narrative": "narrative_cmd", "new": "new",
    "spec": "spec_cmd", "template": "template_cmd",
}


def _load_commands(argv: list[str] | None = None) -> None:
    """Import the module of the command ``argv`` starts with, or every command module when it
    starts with none that is known (an option such as ``--help``, nothing, a typo)."""
    module = COMMAND_MODULES.get(argv[0]) if argv else None
    if module is not None:
        importlib.import_module(f"{__name__}.{module}")
        return
    for info in pkgutil.iter_modules(__path__):
        if info.name not in ("app", "common"):
            importlib.import_module(f"{__name__}.{info.name}")


def main() -> None:
    from juesuan.io.safe_write import install_signal_cleanup

    install_signal_cleanup()  # SIGTERM/SIGHUP: remove temporary files, exit cleanly
    _load_commands(sys.argv[1:])
    app()


__all__ = ["app", "main"]
