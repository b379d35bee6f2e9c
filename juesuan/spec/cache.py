"""A cache of validated specs (模板规范缓存), so that a command does not parse and validate the
YAML of its format on every run.

An entry holds the files the spec was built from with the BLAKE2b digest of each, and the validated
:class:`TemplateSpec`, pickled. It is used only when every one of those files still has the
same content and the entry was written by the same juesuan code (the stamp of the package's
source files) under the same ``JUESUAN_SPEC_PATH``; otherwise the spec is loaded from YAML and
the entry rewritten. Within one process the entry is kept in memory and each caller gets a
fresh copy (nothing a caller changes leaks to the next).

Where: ``JUESUAN_CACHE_DIR``, else ``%LOCALAPPDATA%/juesuan/cache`` on Windows, else
``$XDG_CACHE_HOME/juesuan`` (``~/.cache/juesuan``). ``JUESUAN_NO_CACHE=1`` turns it off. The
folder is created private to the user, and on POSIX an entry is read only from a folder and
file the user owns and no one else can write (a pickle is code). Any failure to read or write
the cache falls back to loading the YAML: the cache can make a run faster, never different.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE_DIR_VARIABLE = "JUESUAN_CACHE_DIR"
NO_CACHE_VARIABLE = "JUESUAN_NO_CACHE"
_FORMAT = 1

try:  # the digest without importing hashlib, whose OpenSSL binding costs ≈4 ms at each start
    from _blake2 import blake2b as _blake2b
except ImportError:  # another Python than CPython
    from hashlib import blake2b as _blake2b


def _hasher(data: bytes = b"") -> Any:
    return _blake2b(data, digest_size=32)

_memory: dict[str, tuple[tuple[tuple[str, str], ...], bytes]] = {}
_stamp: str | None = None


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    if os.environ.get(NO_CACHE_VARIABLE, "").strip() not in ("", "0"):
        return None
    chosen = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    if chosen:
        return Path(chosen)
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "juesuan" / "cache"
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "juesuan"


def code_stamp() -> str:
    """What identifies the code that builds a spec: the name, size and modification time of
    every source file of the juesuan package (a changed loader means a stale entry)."""
    global _stamp
    if _stamp is None:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        lines = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            prefix = folder[len(root) + 1:].replace(os.sep, "/")
            for name in files:
                if name.endswith(".py"):
                    st = os.stat(os.path.join(folder, name))
                    lines.append(f"{prefix}/{name} {st.st_size} {st.st_mtime_ns}\n")
        h = _hasher(f"{_FORMAT} {sys.version}".encode())
        h.update("".join(sorted(lines)).encode())
        _stamp = h.hexdigest()
    return _stamp


def _digest(path: str) -> str | None:
    try:
        return _hasher(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _fresh(deps: tuple[tuple[str, str], ...]) -> bool:
    return bool(deps) and all(_digest(path) == digest for path, digest in deps)


def _entry_name(path: Path) -> str:
    """The entry of ``path``: also keyed by the spec files on the search path (a base format
    named by ``extends`` resolves to the first one found) and by the code's stamp."""
    from juesuan.spec.loader import spec_dirs

    found = sorted(str(p) for d in spec_dirs() if d.is_dir() for p in d.glob("spec-*.yaml"))
    key = "\n".join((str(path), os.environ.get("JUESUAN_SPEC_PATH", ""), *found, code_stamp()))
    return f"spec-{_hasher(key.encode()).hexdigest()[:32]}.pickle"


def _private(path: Path) -> bool:
    """On POSIX: owned by this user and not writable by group or others."""
    if os.name != "posix":
        return True
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _read_entry(file: Path) -> tuple[tuple[tuple[str, str], ...], bytes] | None:
    try:
        if not (file.is_file() and _private(file.parent) and _private(file)):
            return None
        with open(file, "rb") as fh:
            if pickle.load(fh) != _FORMAT:
                return None
            deps = pickle.load(fh)
            blob = fh.read()
        return (tuple(deps), blob) if isinstance(deps, tuple) else None
    except Exception:  # noqa: BLE001 - a broken entry is a miss, never an error
        return None


def _write_entry(file: Path, deps: tuple[tuple[str, str], ...], blob: bytes) -> None:
    tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            pickle.dump(_FORMAT, fh)
            pickle.dump(deps, fh)
            fh.write(blob)
        os.chmod(tmp, 0o600)
        os.replace(tmp, file)
    except Exception:  # noqa: BLE001 - a cache that can't be written is no cache
        tmp.unlink(missing_ok=True)


def cached(path: Path, build: Callable[[Path], tuple[Any, list[Path]]]) -> Any:
    """The spec of ``path``: from the cache when fresh, else ``build(path)`` (which returns the
    spec and every file it read) and the cache updated."""
    path = path.resolve()
    folder = cache_dir()
    name = _entry_name(path)
    entry = _memory.get(name)
    if entry is None and folder is not None:
        entry = _read_entry(folder / name)
    if entry is not None and _fresh(entry[0]):
        try:
            spec = pickle.loads(entry[1])  # noqa: S301 - our own private cache, see the module docstring
        except Exception:  # noqa: BLE001
            spec = None
        if spec is not None:
            _memory[name] = entry
            return _with_sources(spec, entry[0])
    spec, files = build(path)
    unique = list(dict.fromkeys(Path(f).resolve() for f in files))
    deps = tuple((str(f), d) for f in unique if (d := _digest(str(f))))
    if len(deps) < len(unique):  # a file vanished while loading: don't remember this
        return spec  # (with no digest of its sources: nothing keyed by it is trusted)
    blob = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    _memory[name] = (deps, blob)
    if folder is not None:
        _write_entry(folder / name, deps, blob)
    return _with_sources(pickle.loads(blob), deps)  # noqa: S301 - a fresh copy, as from the cache


def _with_sources(spec: Any, deps: tuple[tuple[str, str], ...]) -> Any:
    """``spec`` with the digest of the files it was built from (``TemplateSpec.sources``: what
    a record keyed by the spec, such as Fill's rounding record, compares)."""
    if hasattr(spec, "sources"):  # (a frozen record: this copy is the caller's own, set before it is handed over)
        object.__setattr__(spec, "sources", _hasher("\n".join(d for _path, d in deps).encode()).hexdigest())
    return spec
