"""Install ``juesuan.xlam`` into Excel's startup folder (XLSTART), pointed at this Python.

Mirrors what ``xlwings addin install --file`` does (copy the add-in into the folder Excel
reports as ``Application.StartupPath``, closing any open copy first; on macOS also install
xlwings' RunPython AppleScript). The add-in is built for this machine: its settings sheet
(``juesuan.conf``) carries ``Interpreter_Win``/``Interpreter_Mac`` = this Python (and
``PYTHONPATH`` when the UDF module is not importable from it), the names xlwings' VBA reads;
no user config file is written (the sheet comes first anyway). Linux has no Excel: only
``dry_run`` works there.
"""

from __future__ import annotations

import importlib.util
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


def _udf_pythonpath() -> str | None:
    """Directory to add to PYTHONPATH so ``juesuan_udfs`` imports, or None if not needed."""
    if importlib.util.find_spec(UDF_MODULES) is not None:
        return None
    if (_REPO_UDFS / f"{UDF_MODULES}.py").is_file():
        return str(_REPO_UDFS)
    return None


def config_settings(platform: str | None = None) -> dict[str, str]:
    """The settings put on the add-in's ``juesuan.conf`` sheet (xlwings' names)."""
    platform = platform or _platform()
    key = "Interpreter_Mac" if platform == "mac" else "Interpreter_Win"
    settings = {key: sys.executable}
    extra = _udf_pythonpath()
    if extra:
        settings["PYTHONPATH"] = extra
    return settings


def _planned_steps(platform: str, addin: Path) -> list[str]:
    settings = config_settings("mac" if platform == "mac" else "win")
    steps = [
        f"构建加载项 / build the add-in: {addin}",
        *[f"写入加载项设置表 juesuan.conf / on the add-in's settings sheet: {k} = {v}" for k, v in settings.items()],
        "关闭 Excel 中已打开的 juesuan.xlam / close juesuan.xlam if it is open in Excel",
        f"复制到 Excel 启动文件夹 XLSTART（Application.StartupPath）/ copy {ADDIN_NAME} into XLSTART",
    ]
    if platform == "mac":
        steps.append(
            "安装 xlwings 的 RunPython AppleScript / install xlwings' RunPython AppleScript "
            "(~/Library/Application Scripts/com.microsoft.Excel)"
        )
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

    settings = config_settings(platform)
    steps = [f"构建加载项 / built {build_addin(addin, settings=settings)}"]
    steps += [f"加载项设置表 juesuan.conf / settings sheet: {k} = {v}" for k, v in settings.items()]
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
    steps.append("请重新启动 Excel 并启用宏 / restart Excel and enable macros")
    return steps
