"""The headless front end: ``juesuan`` commands on .xlsx files.

Each command lives in its own module of this package and registers itself on
:data:`juesuan.cli.app.app`. A run imports only the module of the command it was given
(:data:`COMMAND_MODULES`; a test keeps that table equal to what the modules register), and
every module when it has to list them (``--help``, no command, an unknown one). The plain
``juesuan check FILE`` runs without typer at all (:mod:`juesuan.cli.fast`).
"""

from __future__ import annotations

import importlib
import sys

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
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name not in ("app", "common"):
            importlib.import_module(f"{__name__}.{info.name}")


EXIT_INTERNAL = 3


def main() -> None:
    from juesuan.cli.fast import plain_check, run_plain_check
    from juesuan.io.live_temps import install_signal_cleanup

    install_signal_cleanup()  # SIGTERM/SIGHUP: remove temporary files, exit cleanly
    try:
        plain = plain_check(sys.argv[1:])
        if plain is not None:
            run_plain_check(plain)
            return
        _load_commands(sys.argv[1:])
        from juesuan.cli.app import app

        app()
    except Exception as exc:  # noqa: BLE001 - the last resort: a short message, never a traceback
        from juesuan.io.live_temps import remove_live_temps, stop_code

        stopped = stop_code()
        if stopped is not None:  # SIGTERM/SIGHUP arrived and something failed on the way out
            remove_live_temps()
            raise SystemExit(stopped) from None
        raise SystemExit(_internal_error(exc)) from None


def _internal_error(exc: BaseException) -> int:
    """Report a defect of juesuan itself: a two-line message, the details in a log file the
    user can send (nothing was written: every write is atomic). Exit code 3."""
    import tempfile
    import traceback

    from juesuan import __version__

    text = "".join(traceback.format_exception(exc))
    log = None
    try:
        with tempfile.NamedTemporaryFile("w", prefix="juesuan-error-", suffix=".log", delete=False,
                                         encoding="utf-8") as fh:
            fh.write(f"juesuan {__version__}\nargs: {sys.argv[1:]!r}\n\n{text}")
            log = fh.name
    except OSError:
        pass
    where = f"{log}" if log else "-"
    sys.stderr.write(
        f"内部错误（程序缺陷，并非您的数据问题），未写入任何文件。请将日志发给技术支持：{where}\n"
        f"Internal error (a defect of juesuan, not of your data); nothing was written. "
        f"Please send the log to support: {where}\n{type(exc).__name__}: {exc}\n")
    return EXIT_INTERNAL


__all__ = ["COMMAND_MODULES", "main"]
