"""The CLI's console plumbing without the command-line parser: consoles, progress display,
and turning engine errors into readable messages and exit codes (0 ok, 1 findings,
2 unusable input or a file that can't be written; 130 interrupted).

Everything printed goes through :func:`clean_text`: control characters from a workbook
(terminal escape sequences in a name) are shown escaped, never sent to the terminal.

Nothing here imports typer (≈80 ms): the plain ``juesuan check FILE`` runs without it
(:mod:`juesuan.cli.fast`). Exits are ``SystemExit`` with the code, which typer lets through.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from juesuan.errors import InputError, Problem
from juesuan.lazy_re import lazy
from juesuan.spec import SpecError, TemplateSpec, load_spec, load_spec_file

_CONTROL = lazy(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class _LazyConsole:
    """A console made on first use (importing rich costs ≈50 ms that a command printing plain
    JSON, or nothing, need not pay) whose plain-text arguments are cleaned of control
    characters (ESC, BEL, bidi overrides …) before they reach the terminal."""

    def __init__(self, **options: Any):
        self._options = options
        self._console: Any = None

    def _console_or_make(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def _plain_stream(self) -> Any:
        """The stream itself while no console exists and it is not a terminal: plain text
        then goes straight to it (no import of rich, no wrapping at a guessed width)."""
        if self._console is not None or os.environ.get("FORCE_COLOR"):
            return None
        stream = sys.stderr if self._options.get("stderr") else sys.stdout
        try:
            return None if stream is None or stream.isatty() else stream
        except (AttributeError, ValueError, OSError):
            return None

    @property
    def is_terminal(self) -> bool:
        return self._console.is_terminal if self._console is not None else self._plain_stream() is None

    def print(self, *objects: Any, **kwargs: Any) -> None:  # noqa: A003 - rich's name
        plain = (kwargs == {"highlight": False, "markup": False} or kwargs == {"highlight": False}
                 and not any("[" in o for o in objects if isinstance(o, str)))
        stream = self._plain_stream() if plain and all(isinstance(o, str) for o in objects) else None
        if stream is not None:
            stream.write(" ".join(clean_text(o) for o in objects) + "\n")
            return
        self._console_or_make().print(*(clean_text(o) if isinstance(o, str) else o for o in objects), **kwargs)

    def status(self, message: str, **kwargs: Any) -> Any:
        """rich's status spinner on a terminal; elsewhere a silent stand-in."""
        if self._plain_stream() is not None:
            return _SilentStatus()
        return self._console_or_make().status(message, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._console_or_make(), name)


class _SilentStatus(contextlib.AbstractContextManager):
    """What ``status`` gives where nothing is shown: ``update`` does nothing."""

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def clean_text(text: str) -> str:
    """``text`` with control characters (ESC, BEL, bidi overrides …) shown as ``\\x1b``;
    newlines and tabs kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def _write_stdout(text: str) -> None:
    """``text`` on stdout as it is; characters the stream's encoding lacks as escapes."""
    stream = sys.stdout
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = stream.encoding or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def echo_json(doc: Any) -> None:
    """``doc`` as JSON on stdout; control characters inside strings as ``\\u001b`` escapes."""
    import json

    text = json.dumps(doc, ensure_ascii=False, indent=2)
    _write_stdout(_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


out: Any = _LazyConsole()
err: Any = _LazyConsole(stderr=True)

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERRUPTED = 0, 1, 2, 130

def show_problems(problems: list[Problem], title: str = "无法处理 / cannot proceed") -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_lines=False, title_justify="left")
    table.add_column("位置 / where", style="cyan", no_wrap=True)
    table.add_column("问题 / problem", overflow="fold")  # long CJK text wraps, never cut off
    for p in problems[:200]:
        table.add_row(escape(clean_text(p.where or "-")),
                      f"{escape(clean_text(p.message_zh))}\n[dim]{escape(clean_text(p.message_en))}[/dim]")
    err.print(table)
    if len(problems) > 200:
        err.print(f"…… 另有 {len(problems) - 200} 个问题 / {len(problems) - 200} more problems")


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Run a command body; turn known errors into messages and exit code 2."""
    try:
        yield
    except InputError as exc:
        show_problems(exc.problems)
        raise SystemExit(EXIT_UNUSABLE) from None
    except SpecError as exc:
        from rich.markup import escape

        err.print(f"[red]{escape(clean_text(str(exc)))}[/red]")
        raise SystemExit(EXIT_UNUSABLE) from None
    except KeyboardInterrupt:
        err.print("已中断，未写入任何文件 / interrupted: nothing was written", highlight=False, markup=False)
        raise SystemExit(EXIT_INTERRUPTED) from None


def get_spec(fmt: str | None, spec_file: str | Path | None = None) -> TemplateSpec:
    """The spec a command works with: a bureau's file, else a shipped format (default: newest)."""
    if spec_file:
        return load_spec_file(spec_file)
    return load_spec(fmt)


@contextlib.contextmanager
def progress() -> Iterator:
    """A status line on stderr that each step updates (silent when not a terminal)."""
    with err.status("开始 / starting") as status:
        def step(message: str) -> None:
            status.update(message)
            if not err.is_terminal:
                err.print(f"· {message}", highlight=False)
        yield step
