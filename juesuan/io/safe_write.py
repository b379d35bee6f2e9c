"""The one way every file is written (文件安全写入), and the checks made before computing.

Everything is computed before anything is written. :func:`atomic_write` then writes a
temporary file beside the target and renames it into place, so a failure (disk full, a
folder in the way, a kill) leaves no half-written file and the input untouched:

- the target keeps its mode and, where allowed, its owner; a symlink is written through
  (its target file is replaced, the link stays);
- the previous version is kept, when asked, as ``<name>.bak<suffix>``, itself written
  atomically (a hard link, else a copy, renamed into place): the previous good .bak is
  never truncated;
- temporary files (``.~juesuan-<pid>-….tmp``) are removed on any failure or signal
  (:func:`install_signal_cleanup`), and those left by a killed run are removed by the next
  write in the same folder;
- every write failure is an :class:`~juesuan.errors.InputError` (exit 2) naming the file.

Before computing, front ends call :func:`check_new_output` (no silent overwrite without
``--force``, the right extension, never a .docx over a workbook, no file another program
holds open) or :func:`check_in_place` (not read-only, not open elsewhere).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import shutil
import sys
import time
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

from juesuan.errors import InputError, Problem, fail
from juesuan.io.live_temps import _drop_temp, _live_temps, install_signal_cleanup, remove_live_temps  # noqa: F401
from juesuan.lazy_re import lazy

TEMP_PREFIX = ".~juesuan-"
_TEMP_NAME = lazy(r"^\.~juesuan-(\d+)-[0-9a-f]+\.")
_OLD_TEMP_NAME = lazy(r"^\.~juesuan-[A-Za-z0-9_]{8}\.")  # before the pid was in the name
STALE_SECONDS = 3600
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


# -- before computing: may this path be written? -------------------------------------------

def lock_file_of(path: Path) -> Path | None:
    """The lock file of a program holding ``path`` open, if any: Excel/WPS ``~$name``
    (Word-style ``~$`` over the first two characters too), LibreOffice ``.~lock.name#``."""
    folder, name = path.parent, path.name
    for lock in (folder / f"~${name}", folder / f"~${name[2:]}", folder / f".~lock.{name}#"):
        if len(lock.name) > 2 and lock.is_file():
            return lock
    return None


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "xl/workbook.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def check_new_output(path: str | Path, *, force: bool, suffixes: tuple[str, ...], what: str,
                     why: str = "") -> Path:
    """Refuse, before anything is computed, an output path that can't or mustn't be written:
    a folder; the wrong extension (``suffixes``); an existing file without ``force``; a
    workbook about to be overwritten by something else (``what``: a .docx …), even with
    ``force``; a file another program holds open."""
    p = Path(path)
    if p.is_dir():
        raise fail("output-is-folder", path=str(p))
    if p.suffix.lower() not in suffixes:
        raise fail("output-type", path=str(p), expected=" 或 / or ".join(suffixes),
                   reason=why or f"{what}")
    if p.exists() or p.is_symlink():
        if ".docx" in suffixes and _is_workbook(p):
            raise fail("output-over-workbook", path=str(p), what=what)
        if not force:
            raise fail("output-exists", path=str(p))
        lock = lock_file_of(p.resolve())
        if lock is not None:
            raise fail("file-locked", path=str(p), lock=str(lock))
    return p


def workbook_suffix(source: str | Path) -> tuple[str, str]:
    """The extension a workbook read from ``source`` must be written under (macros kept in
    an .xlsm need an .xlsm; anything else is an .xlsx package), and why."""
    if Path(source).suffix.lower() == ".xlsm":
        return ".xlsm", "源文件含宏（.xlsm）/ the source is a macro workbook (.xlsm)"
    return ".xlsx", "工作簿不含宏，Excel 只接受 .xlsx / a workbook without macros must be .xlsx"


def check_in_place(path: str | Path) -> Path:
    """Refuse to replace ``path`` in place when it is read-only or open in another program."""
    p = Path(path)
    real = p.resolve()
    if real.is_dir():
        raise fail("output-is-folder", path=str(p))
    lock = lock_file_of(real) or (lock_file_of(p) if p != real else None)
    if lock is not None:
        raise fail("file-locked", path=str(p), lock=str(lock))
    try:
        mode = real.stat().st_mode
    except OSError as exc:
        raise fail("file-missing", path=str(p)) from exc
    if not mode & 0o222 or not os.access(real, os.W_OK):
        raise fail("file-read-only", path=str(p))
    return p


# -- writing ----------------------------------------------------------------------------

def clean_stale_temps(folder: Path) -> list[Path]:
    """Remove the temporary files a killed run left in ``folder`` (their process is gone, or
    they are older than an hour). Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        m = _TEMP_NAME.match(entry.name)
        try:
            if m:
                pid = int(m.group(1))
                stale = pid != os.getpid() and not _alive(pid) or now - entry.stat().st_mtime > 24 * STALE_SECONDS
            else:
                stale = bool(_OLD_TEMP_NAME.match(entry.name)) and now - entry.stat().st_mtime > STALE_SECONDS
            if stale and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _new_temp(folder: Path, suffix: str) -> Path:
    for _ in range(100):
        tmp = folder / f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(4).hex()}{suffix}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        _live_temps.add(tmp)
        os.close(fd)
        return tmp
    raise OSError(errno.EEXIST, "no free temporary name", str(folder))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def backup_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.bak{target.suffix}")


def _write_backup(real: Path, shown: Path) -> Path:
    """Keep ``real`` as its .bak: a hard link (else a copy) under a temporary name, renamed
    over the previous .bak only once complete."""
    bak = backup_path(real)
    shown_bak = backup_path(shown)
    if bak.is_dir():
        raise fail("backup-write", path=str(shown_bak), reason="这是一个文件夹 / it is a folder")
    tmp = None
    try:
        tmp = _new_temp(real.parent, ".bak")
        tmp.unlink()
        try:
            os.link(real, tmp)
        except OSError:
            shutil.copy2(real, tmp)
            _fsync(tmp)
        os.replace(tmp, bak)
        _live_temps.discard(tmp)
    except OSError as exc:
        _drop_temp(tmp)
        raise InputError([Problem("backup-write", {"path": str(shown_bak), "reason": _reason(exc)})]) from exc
    except BaseException:
        _drop_temp(tmp)
        raise
    return shown_bak


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘已满 / no space left on the device"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入权限 / permission denied ({exc.strerror})"
    if exc.errno == errno.EISDIR:
        return "目标是文件夹 / the target is a folder"
    return exc.strerror or str(exc)


def atomic_write(target: str | Path, write: Callable[[Path], None], *, backup: bool = False) -> Path | None:
    """Write ``target`` through ``write(temp_path)`` (see the module docstring); optionally
    keep the previous file as ``<name>.bak<suffix>``. Returns the backup path, if any."""
    shown = Path(target)
    real = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
    if real.is_dir():
        raise fail("output-is-folder", path=str(shown))
    tmp = None
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(real.parent)
        tmp = _new_temp(real.parent, real.suffix)
        write(tmp)
        try:
            st = real.stat()
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        else:
            os.chmod(tmp, st.st_mode & 0o7777)
            if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (tmp.stat().st_uid, tmp.stat().st_gid):
                with contextlib.suppress(OSError):
                    os.chown(tmp, st.st_uid, st.st_gid)
        _fsync(tmp)
        saved = _write_backup(real, shown) if backup and real.exists() else None
        os.replace(tmp, real)
        _live_temps.discard(tmp)
        _fsync_folder(real.parent)
    except OSError as exc:
        _release(exc)
        _drop_temp(tmp)
        raise InputError([Problem("output-write", {"path": str(shown), "reason": _reason(exc)})]) from None
    except BaseException as exc:
        _release(exc)
        _drop_temp(tmp)
        raise
    return saved


def _release(exc: BaseException) -> None:
    """Let go of what the failed writer still holds (an open zip on a full disk would try to
    finish itself when collected, and print a traceback at exit): clear the failed frames,
    collect, and keep quiet about the errors of those late clean-ups."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


