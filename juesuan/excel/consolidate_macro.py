"""The 汇总 button of the 决算 tab (id ``js_consolidate``): ask for the units' workbooks (files,
or a folder), consolidate them with the same job as ``juesuan consolidate`` and write the
department workbook beside them — a new file, never over an existing one — then open it.

The button and its entry in ``macros.HANDLERS`` are added by whoever owns the ribbon
(``addin/customUI.xml``); the handler is :func:`consolidate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from juesuan.errors import InputError, Problem
from juesuan.excel.macros import TITLE, Cancelled, alert, ask, chinese_half, guarded, problems_text

BUTTON_ID = "js_consolidate"
ACTION = "汇总"
FILE_FILTER = "Excel 工作簿 (*.xlsx;*.xlsm),*.xlsx;*.xlsm"
FOLDER_PICKER = 4  # msoFileDialogFolderPicker


def _caller() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def pick_units(book: Any) -> list[str] | None:
    """The units' workbooks the user chooses: several files (Excel's 打开 dialog), or, when
    that is cancelled, a folder. None when both are cancelled or no dialog exists."""
    try:
        api = book.app.api
    except Exception:  # noqa: BLE001 - engines without Excel's object model
        return None
    get_files = getattr(api, "GetOpenFilename", None)
    if get_files is not None:
        try:
            chosen = get_files(FILE_FILTER, 1, "选择各单位的决算工作簿（可多选；取消则选择文件夹）", None, True)
        except Exception:  # noqa: BLE001 - no dialog: try the folder picker
            chosen = False
        if chosen not in (False, None) and not (isinstance(chosen, str) and chosen.lower() == "false"):
            return [str(p) for p in (chosen if isinstance(chosen, list | tuple) else [chosen])]
    file_dialog = getattr(api, "FileDialog", None)
    if file_dialog is None:
        return None
    try:
        dialog = file_dialog(FOLDER_PICKER)
        dialog.Title = "选择存放各单位决算工作簿的文件夹"
        if dialog.Show() != -1:
            return None
        return [str(dialog.SelectedItems(1))]
    except Exception:  # noqa: BLE001 - no dialog
        return None


def output_beside(paths: list[str], dept: str) -> Path:
    """``<部门>决算-汇总.xlsx`` beside the units: in the folder of the chosen files, or beside
    the chosen folder (not in it, where it would count as a unit next time);
    ``…-汇总(2).xlsx`` and so on when that name is taken."""
    first = Path(paths[0])
    folder = first.parent
    stem = f"{dept or '部门'}决算-汇总"
    target = folder / f"{stem}.xlsx"
    n = 2
    while target.exists():
        target = folder / f"{stem}({n}).xlsx"
        n += 1
    return target


def consolidate(book: Any = None, paths: list[str] | None = None, dept: str | None = None,
                out: str | Path | None = None, open_result: bool = True) -> Any:
    """汇总: the department workbook from its units' workbooks; returns the outcome (None
    when cancelled or refused, with a message box saying why)."""
    from juesuan.io.consolidate_file import Outcome, consolidate_paths, write_department

    book = book if book is not None else _caller()
    with guarded(book, ACTION):
        if paths is None:
            paths = pick_units(book)
            if not paths:
                alert(book, "未选择单位工作簿，未汇总。", f"{TITLE} - {ACTION}")
                raise Cancelled
        if dept is None:
            dept = ask(book, "部门名称（留空则取本级单位名称）：", f"{TITLE} - {ACTION}", "")
            if dept is None:
                raise Cancelled
        if out is not None and Path(out).exists():
            raise InputError([Problem("output-exists", {"path": str(out)})])
        result, findings = consolidate_paths(paths, out, dept or None)
        target = Path(out) if out is not None else output_beside(paths, result.dept)
        outcome = Outcome(result, write_department(result, target), findings)
        lines = [f"已汇总 {len(result.units)} 个单位（{result.dept} {result.year}）：",
                 *(f"· {u.name}{'（本级）' if u.parent else ''}：明细 {len(u.ledger.lines)} 行" for u in result.units),
                 f"内部抵销 {len(result.elimination_lines)} 行。", *map(chinese_half, result.notes),
                 f"部门工作簿：{outcome.written}", "请在部门工作簿中点击“填充”生成公开表。"]
        if outcome.findings:
            lines += ["", "内部抵销不平衡：", problems_text(outcome.findings)]
        if open_result:
            try:
                book.app.books.open(str(outcome.written))
            except Exception:  # noqa: BLE001 - the file is written; opening it is a convenience
                lines.append("（无法自动打开，请手动打开）")
        alert(book, "\n".join(lines), f"{TITLE} - {ACTION}")
        return outcome
    return None
