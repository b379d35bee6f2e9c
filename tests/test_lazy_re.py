"""``lazy(pattern)`` answers as ``re.compile(pattern)`` does, compiles only when first used,
and a check of a typical workbook leaves the patterns it never needs uncompiled."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from juesuan.lazy_re import lazy

TEXTS = ["2080505 机关事业单位", "[2080505]行政运行", "abc", "", "一、二、三", "12,345.60万元"]
PATTERNS = [(r"^\s*\[?(\d+)\]?\s*(.*)$", 0), (r"[\u3400-\u9fff]+", 0), (r"(\d)(,)", 0), (r"^A", re.I)]


@pytest.mark.parametrize(("source", "flags"), PATTERNS)
def test_answers_as_a_compiled_pattern(source: str, flags: int) -> None:
    compiled, deferred = re.compile(source, flags), lazy(source, flags)
    for text in TEXTS:
        assert _groups(deferred.match(text)) == _groups(compiled.match(text))
        assert _groups(deferred.search(text)) == _groups(compiled.search(text))
        assert _groups(deferred.fullmatch(text)) == _groups(compiled.fullmatch(text))
        assert deferred.findall(text) == compiled.findall(text)
        assert deferred.sub("<\\g<0>>", text) == compiled.sub("<\\g<0>>", text)
        assert deferred.subn("", text, count=1) == compiled.subn("", text, count=1)
        assert deferred.split(text) == compiled.split(text)
        assert [m.span() for m in deferred.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert deferred.pattern == source and deferred.flags == compiled.flags
    assert deferred.groups == compiled.groups  # anything else goes to the compiled pattern


def test_bytes_patterns_work_too() -> None:
    assert lazy(rb"<f[ >/]").search(b'<c r="A1"><f>SUM(A2)</f>').span() == (10, 13)


def test_compiles_once_and_only_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda p, f=0: calls.append(p) or real(p, f))
    deferred = lazy(r"x+")
    assert calls == []
    assert deferred.match("xx") and deferred.search("axx") and not deferred.match("a")
    assert calls == [r"x+"]


def test_a_check_compiles_only_what_it_uses(demo_workbook: Path) -> None:
    """In a real check of the demo, the patterns for code cells with names (the costliest, a
    CJK range) stay uncompiled: the demo's codes are plain."""
    probe = (
        "import sys, contextlib, io\n"
        "from pathlib import Path\n"
        "from juesuan.cli.checking import check_command\n"
        "import juesuan.codes as codes\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: check_command([Path(sys.argv[1])])\n"
        "    except SystemExit as exc: assert exc.code in (0, None), exc.code\n"
        "print('compiled' if 'compiled' in vars(codes._CJK) else 'deferred')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(demo_workbook)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "deferred"


def _groups(match: re.Match | None) -> tuple | None:
    return None if match is None else (match.span(), match.groups())
