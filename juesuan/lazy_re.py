"""Regular expressions compiled when first used, not when their module is imported.

Compiling costs: ``[\\u3400-\\u9fff]`` alone takes ≈4 ms, and the package's module-level
patterns together ≈13 ms of a 0.25 s check of a typical department (issue 14), most of them
for input that department never has (codes typed with names, units after numbers, …).
``lazy(pattern, flags)`` stands for ``re.compile(pattern, flags)``: the pattern is compiled at
its first ``match``/``search``/… and the compiled methods are then found directly on the
object, so a pattern used on every ledger line costs the same as a compiled one.
"""

from __future__ import annotations

import re
from typing import Any

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer")


class LazyPattern:
    """A :class:`re.Pattern` compiled on first use (see the module's docstring)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def _compile(self) -> re.Pattern[str]:
        compiled = re.compile(*self._source)
        for name in _METHODS:  # the instance now answers these without __getattr__
            self.__dict__[name] = getattr(compiled, name)
        self.__dict__["compiled"] = compiled
        return compiled

    def __getattr__(self, name: str) -> Any:  # only for names not yet in the instance
        if name.startswith("__") or name == "_source":
            raise AttributeError(name)
        compiled = self._compile()
        return compiled if name == "compiled" else getattr(compiled, name)

    @property
    def pattern(self) -> str:
        return self._source[0]

    @property
    def flags(self) -> int:
        return self.compiled.flags

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r})"


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """``re.compile(pattern, flags)``, deferred to the first use."""
    return LazyPattern(pattern, flags)
