"""Install ``juesuan.xlam`` into Excel's startup folder (XLSTART) and point it at this Python.

Mirrors what ``xlwings addin install --file`` does (copy the add-in into the folder Excel
reports as ``Application.StartupPath``, closing any open copy first; on macOS also install
xlwings' RunPython AppleScript) and then writes the add-in's user config file, the one the
VBA reads through ``PROJECT_NAME`` = ``juesuan``:

* Windows: ``%USERPROFILE%\\.juesuan\\juesuan.conf``
* macOS:   ``~/Library/Containers/com.microsoft.Excel/Data/juesuan.conf``

with ``"INTERPRETER_WIN"``/``"INTERPRETER_MAC"`` (and ``"PYTHONPATH"`` when the UDF module
is not importable from the interpreter).  Linux has no Excel: only ``dry_run`` works there.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil
import sys
from pathlib import Path

from juesuan.excel.addin_build import PROJECT_NAME, UDF_MODULES, build_addin

ADDIN_NAME = f"{PROJECT_NAME}.xlam"
_REPO_UDFS = Path(__file__).resolve().parents[2] / "udfs"


class AddinInstallError(RuntimeError):
    """The add-in cannot be installed on this machine."""


def _platform() -> str:
    if sys.platform.startswith("win"):
        return "win"
    if sys.platform.startswith("darwin"):
        return "mac"
    return "other"


def user_config_path(platform: str | None = None) -> Path:
    """Where the add-in's VBA (``GetConfigFilePath``) looks for the user settings file."""
    platform = platform or _platform()
    home = Path.home()
    if platform == "mac":
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{PROJECT_NAME}.conf"
    return home / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def _udf_pythonpath() -> str | None:
    """Directory to add to PYTHONPATH so ``juesuan_udfs`` imports, or None if not needed."""
    if importlib.util.find_spec(UDF_MODULES) is not None:
        return None
    if (_REPO_UDFS / f"{UDF_MODULES}.py").is_file():
        return str(_REPO_UDFS)
    return None


def config_settings(platform: str | None = None) -> dict[str, str]:
    """The key/value pairs written to the user config file."""
    platform = platform or _platform()
    key = "INTERPRETER_MAC" if platform == "mac" else "INTERPRETER_WIN"
    settings = {key: sys.executable}
    extra = _udf_pythonpath()
    if extra:
        settings["PYTHONPATH"] = extra
    return settings


def merge_config(existing: str, settings: dict[str, str]) -> str:
    """Update ``"KEY","value"`` lines (the format VBA's ``Input #`` reads), keeping other keys."""
    rows = [r for r in csv.reader(io.StringIO(existing)) if len(r) >= 2]
    merged = {r[0].upper(): r[1] for r in rows}
    merged.update({k.upper(): v for k, v in settings.items()})
    return "".join(f'"{k}","{v}"\n' for k, v in merged.items())


def _planned_steps(platform: str, addin: Path) -> list[str]:
    cfg = user_config_path("mac" if platform == "mac" else "win")
    settings = config_settings("mac" if platform == "mac" else "win")
    steps = [
        f"构建加载项 / build the add-in: {addin}",
        "关闭 Excel 中已打开的 juesuan.xlam / close juesuan.xlam if it is open in Excel",
        f"复制到 Excel 启动文件夹 XLSTART（Application.StartupPath）/ copy {ADDIN_NAME} into XLSTART",
    ]
    if platform == "mac":
        steps.append(
            "安装 xlwings 的 RunPython AppleScript / install xlwings' RunPython AppleScript "
            "(~/Library/Application Scripts/com.microsoft.Excel)"
        )
    steps += [f"写入设置 / write setting {cfg}: {k} = {v}" for k, v in settings.items()]
    steps.append("重新启动 Excel，并在信任中心启用宏 / restart Excel and enable macros in the Trust Center")
    return steps


def install_addin(dry_run: bool, addin: Path | None = None) -> list[str]:
    """Install the add-in; return the steps taken (or, with ``dry_run``, the steps planned)."""
    platform = _platform()
    addin = Path(addin) if addin else Path("dist") / ADDIN_NAME
    if dry_run:
        steps = _planned_steps(platform if platform != "other" else "win", addin)
        if platform == "other":
            steps.insert(0, "注意：本机没有 Excel，以下步骤需在 Windows/macOS 上执行 / "
                            "note: no Excel here, these steps need Windows or macOS")
        return steps
    if platform == "other":
        raise AddinInstallError(
            "安装加载项需要 Microsoft Excel（Windows 或 macOS），本机无法安装；可用 --dry-run 查看步骤。\n"
            "Installing the add-in needs Microsoft Excel (Windows or macOS); use --dry-run to list the steps."
        )
    return _install(platform, addin)


def _install(platform: str, addin: Path) -> list[str]:  # pragma: no cover - needs Excel
    import xlwings as xw
    from xlwings import cli as xw_cli

    steps = [f"构建加载项 / built {build_addin(addin)}"]
    for app in xw.apps:
        try:
            app.books[ADDIN_NAME].close()
            steps.append(f"关闭已打开的加载项 / closed open {ADDIN_NAME}")
        except KeyError:
            pass
    target = Path(xw_cli.get_addin_dir()) / ADDIN_NAME
    try:
        shutil.copyfile(addin, target)
    except PermissionError as exc:
        raise AddinInstallError(
            f"无法写入 {target}：请先退出 Excel 再试。\nCannot write {target}: quit Excel and try again."
        ) from exc
    steps.append(f"复制到 XLSTART / copied to {target}")
    if platform == "mac":
        xw_cli.runpython_install(None)
        steps.append("安装 RunPython AppleScript / installed xlwings' RunPython AppleScript")
    cfg = user_config_path(platform)
    cfg.parent.mkdir(parents=True, exist_ok=True)
    settings = config_settings(platform)
    cfg.write_text(merge_config(cfg.read_text() if cfg.exists() else "", settings))
    steps += [f"写入设置 / wrote {cfg}: {k} = {v}" for k, v in settings.items()]
    steps.append("请重新启动 Excel 并启用宏 / restart Excel and enable macros")
    return steps
