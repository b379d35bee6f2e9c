"""Ribbon handlers of the 决算 tab: the same jobs as the CLI, on the workbook open in Excel.

The add-in's VBA dispatcher calls :func:`on_ribbon` with the id of the clicked button;
:data:`HANDLERS` maps each id of ``addin/customUI.xml`` to a handler. Handlers are thin:
they wrap the calling workbook (``xw.Book.caller()``) in the workbook port
(:class:`juesuan.io.xlwings_book.XlwingsBook`) and run the engine's jobs
(:func:`juesuan.jobs.fill_workbook`, …) exactly as ``juesuan fill``/``check``/``new`` do on
files. Everything is computed before anything is written.

What reaches the user is a message box in Chinese: a short summary, or the list of
problems the engine found (sheet, cell, what is wrong) — never a Python traceback. An
unexpected failure says so in one line and leaves the details in the log file named in
the message.

Each handler takes an optional ``book`` (default: the caller) so that it can be driven
from Python, and returns what it did for tests and scripts.
"""

from __future__ import annotations

import contextlib
import logging
import platform
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from juesuan import __version__
from juesuan.errors import InputError, Problem, fail

TITLE = "决算助手"
MAX_LISTED = 15  # problems listed in a message box; the rest are counted
MAX_PROMPT = 255  # characters Excel's InputBox prompt shows
LOG_PATH = Path(tempfile.gettempdir()) / "juesuan-macros.log"

log = logging.getLogger("juesuan.macros")


class Cancelled(Exception):
    """A handler stopped after telling the user why (nothing to do, feature missing)."""


# -- plumbing ---------------------------------------------------------------------------
def _caller() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def alert(book: Any, text: str, title: str = TITLE, critical: bool = False) -> None:
    """A message box on the workbook's Excel (``App.alert``, i.e. VBA ``MsgBox``)."""
    try:
        book.app.alert(text, title=title, buttons="ok", mode="critical" if critical else "info")
    except Exception:  # noqa: BLE001 - nowhere left to show it; keep it in the log
        log.warning("alert failed: %s\n%s", text, traceback.format_exc())


def problems_text(problems: list[Problem], limit: int = MAX_LISTED) -> str:
    """Problems as message-box lines: ``· 位置：说明``, the first ``limit`` of them."""
    lines = [f"· {p.where}：{p.message_zh}" if p.where else f"· {p.message_zh}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"…… 另有 {len(problems) - limit} 个问题")
    return "\n".join(lines)


def _log_failure(action: str) -> None:
    try:
        with LOG_PATH.open("a", encoding="utf-8") as f:
            f.write(f"--- {action} ({__version__})\n{traceback.format_exc()}\n")
    except OSError:
        pass


@contextlib.contextmanager
def guarded(book: Any, action: str) -> Iterator[None]:
    """Turn every failure of a handler into a readable message box."""
    from juesuan.spec import SpecError

    try:
        yield
    except Cancelled:
        pass
    except InputError as exc:
        alert(book, f"{action}未完成，请先修正以下问题：\n\n{problems_text(exc.problems)}",
              f"{TITLE} - {action}", critical=True)
    except SpecError as exc:
        alert(book, f"{action}未完成：模板规范有误。\n{exc}", f"{TITLE} - {action}", critical=True)
    except Exception as exc:  # noqa: BLE001 - the user gets a message, the log the traceback
        _log_failure(action)
        alert(book, f"{action}时发生意外错误：{type(exc).__name__}: {exc}\n"
                    f"详细信息已记录在 {LOG_PATH}，请联系技术支持。", f"{TITLE} - {action}", critical=True)


@contextlib.contextmanager
def _quiet_screen(book: Any) -> Iterator[None]:
    """Excel's screen updating off while writing (many small formatting calls)."""
    app = book.app
    try:
        app.screen_updating = False
    except Exception:  # noqa: BLE001 - an engine without it just repaints
        app = None
    try:
        yield
    finally:
        if app is not None:
            with contextlib.suppress(Exception):
                app.screen_updating = True


@contextlib.contextmanager
def _status(port: Any) -> Iterator[Callable[[str], None]]:
    """``progress(text)`` shows 决算助手：text in Excel's status bar; the bar is given back on
    the way out, whatever happened."""
    def progress(text: str) -> None:
        port.show_status(f"{TITLE}：{text.split(' / ')[0]}")

    try:
        yield progress
    finally:
        port.restore_status()


def _port(book: Any) -> Any:
    """The workbook port over ``book`` (the engine's steps are listed in juesuan.pipeline)."""
    from juesuan.io.xlwings_book import XlwingsBook

    return XlwingsBook(book)


def _spec(port: Any) -> Any:
    """The spec of the workbook's template format (基本信息 › 模板格式)."""
    from juesuan.spec import load_spec
    from juesuan.workbook_format import detect_format

    return load_spec(detect_format(port))


# -- handlers ---------------------------------------------------------------------------
def fill(book: Any = None) -> Any:
    """填充: compute every table from the detail sheets and write the table sheets."""
    from juesuan.io.kept_extras import table_ends
    from juesuan.jobs import fill_workbook
    from juesuan.money import format_wan

    book = book if book is not None else _caller()
    with guarded(book, "填充"):
        port = _port(book)
        with _status(port) as progress:
            progress("填充 — 识别模板格式")
            spec = _spec(port)
            result = fill_workbook(spec, port, progress=lambda text: progress(f"填充 — {text}"))
            carry_entry_formulas(port, result.pictures)  # before anything is written: a refusal writes nothing
            ends = table_ends(spec)  # what the accountant added around a table stays
            with _quiet_screen(book):
                for i, picture in enumerate(result.pictures, start=1):
                    progress(f"填充 — 写入 {picture.name}（{i}/{len(result.pictures)}）")
                    port.replace_sheet(picture, table=ends.get(picture.name))
        acc = result.accounts
        lines = [f"已填充 {len(acc.tables)} 张公开表（{acc.dept} {acc.year}）：",
                 "、".join(t.sheet for t in spec.tables if t.id in acc.tables),
                 f"最大舍入偏差：{format_wan(acc.max_deviation)} 万元"
                 + (f"（{acc.max_deviation_at}）" if acc.max_deviation_at else "")]
        lines += list(result.notes)
        if acc.warnings:
            lines += ["", f"提示（{len(acc.warnings)} 条）：", problems_text(acc.warnings)]
        alert(book, "\n".join(lines), f"{TITLE} - 填充")
        return result
    return None


def carry_entry_formulas(port: Any, pictures: list[Any]) -> None:
    """Formulas typed into the entries of the self-evaluation and 说明 sheets go back into
    their pictures, as ``juesuan fill`` carries them on files (:mod:`juesuan.io.kept_formulas`):
    one formula read per such sheet; an engine that can't read formulas keeps the values."""
    from juesuan.io.kept_formulas import carry_into

    for picture in pictures:
        if picture.origins:
            formulas = port.entry_formulas(picture.name)
            if formulas:
                carry_into(picture, formulas)


def validate(book: Any = None) -> Any:
    """校验: check every rule, mark the cells concerned, list the findings on 校验结果."""
    book = book if book is not None else _caller()
    with guarded(book, "校验"):
        from juesuan.validate import check_workbook
        from juesuan.validate.marks_plan import plan_marks

        port = _port(book)
        with _status(port) as progress:
            progress("校验 — 识别模板格式")
            spec = _spec(port)
            wanted = [n for n in port.sheet_names() if n in set(spec.sheet_names)]
            for i, name in enumerate(wanted, start=1):  # read once here; the rules reuse the grids
                progress(f"校验 — 读取 {name}（{i}/{len(wanted)}）")
                port.read_sheet(name)
            progress(f"校验 — 检查 {len(spec.rules)} 条规则")
            report = check_workbook(spec, port)
            plan = plan_marks(report)
            progress("校验 — 标记问题单元格")
            with _quiet_screen(book):
                port.apply_marks(plan)
        alert(book, findings_summary(report), f"{TITLE} - 校验", critical=not report.valid)
        return report
    return None


def findings_summary(report: Any) -> str:
    """The message box after 校验: verdict, counts, the first findings."""
    from juesuan.marks import RESULTS_SHEET
    from juesuan.report import SEVERITY_ZH

    s = report.stats
    verdict = "校验通过" if report.valid else "校验未通过"
    lines = [f"{verdict}：规则 {s['rules']} 条；错误 {s['errors']}，警告 {s['warnings']}，提示 {s['info']}"
             f"（其中舍入差异 {s['rounding']}），规则错误 {s['rule_errors']}。"]
    findings = report.sorted_findings()
    if findings:
        lines += [f"问题单元格已标色并附批注，全部结果见“{RESULTS_SHEET}”工作表；“清除标记”可去除标记。", ""]
        for f in findings[:MAX_LISTED]:
            where = f"{f.cells[0].sheet}!{f.cells[0].cell}" if f.cells else ""
            lines.append(f"· [{SEVERITY_ZH[f.severity]}] {where + '：' if where else ''}{f.message}")
        if len(findings) > MAX_LISTED:
            lines.append(f"…… 另有 {len(findings) - MAX_LISTED} 条")
    return "\n".join(lines)


def clear(book: Any = None) -> int | None:
    """清除标记: remove the colours and notes Validate left (the state sheet lists them)."""
    book = book if book is not None else _caller()
    with guarded(book, "清除标记"):
        port = _port(book)
        with _quiet_screen(book):
            count = port.clear_marks()
        alert(book, f"已清除 {count} 个单元格的校验标记。" if count else "没有需要清除的校验标记。",
              f"{TITLE} - 清除标记")
        return count
    return None


def _new_book(app: Any) -> Any:
    """A fresh workbook in the same Excel instance (a seam the tests replace)."""
    return app.books.add()


def format_choices() -> list[tuple[str, str]]:
    """``(format, name)`` of every template format the engine has, as ``juesuan new --format``
    accepts them (:func:`juesuan.spec.available_formats`: years and a bureau's variants)."""
    from juesuan.spec import SpecError, available_formats, load_spec

    out = []
    for fmt in available_formats():
        try:
            out.append((fmt, load_spec(fmt).name))
        except SpecError:  # a broken spec file is not offered (its error shows when it is used)
            log.warning("spec %s not offered:\n%s", fmt, traceback.format_exc())
    return out


def choose_format(book: Any, current: str | None = None) -> str | None:
    """Ask which format the new workbook gets (skipped when there is only one). The default is
    the calling workbook's format, else the newest. None when the user cancels."""
    choices = format_choices()
    if not choices:
        raise fail("unknown-choice", value="", field="模板格式", choices="（无）")
    ids = [fmt for fmt, _ in choices]
    if len(choices) == 1:
        return ids[0]
    default = current if current in ids else ids[-1]
    head = "请选择新工作簿的模板格式（输入编号或格式）：\n"
    prompt = head + "\n".join(f"{i}. {fmt}  {name}" for i, (fmt, name) in enumerate(choices, start=1))
    if len(prompt) > MAX_PROMPT:  # Excel's InputBox shows 255 characters: the formats alone then
        prompt = head + "\n".join(f"{i}. {fmt}" for i, fmt in enumerate(ids, start=1))
    answer = ask(book, prompt, f"{TITLE} - 新建", default)
    if answer is None:
        return None
    answer = answer.strip()
    if answer.isdigit() and 1 <= int(answer) <= len(ids) and answer not in ids:
        return ids[int(answer) - 1]
    if answer in ids:
        return answer
    alert(book, f"没有模板格式“{answer}”。可选：{'、'.join(ids)}", f"{TITLE} - 新建", critical=True)
    return None


def _current_format(book: Any) -> str | None:
    try:
        return str(_spec(_port(book)).format)
    except InputError:
        return None


def new(book: Any = None, fmt: str | None = None) -> Any:
    """新建: a fresh workbook laid out as the official template (detail sheets + tables), in
    the format the user picks (``fmt`` skips the question)."""
    from juesuan.jobs import template_pictures
    from juesuan.spec import load_spec

    book = book if book is not None else _caller()
    with guarded(book, "新建"):
        fmt = fmt or choose_format(book, _current_format(book))
        if fmt is None:
            raise Cancelled
        spec = load_spec(fmt)
        target = _new_book(book.app)
        port = _port(target)
        pictures = template_pictures(spec)
        first = target.sheets[0]
        if first.name != pictures[0].name:
            first.name = pictures[0].name
        with _quiet_screen(target):
            previous = None
            for picture in pictures:
                port.replace_sheet(picture, after=previous)
                previous = picture.name
            keep = {p.name for p in pictures}
            for sheet in list(target.sheets):
                if sheet.name not in keep:
                    sheet.delete()
            target.sheets[0].activate()
        alert(target, f"已按 {spec.name} 新建工作簿：请在“基本信息”及各明细表中填写数据，然后点击“填充”。",
              f"{TITLE} - 新建")
        return target
    return None


DEFAULT_PROJECT = "新项目"


def ask(book: Any, prompt: str, title: str, default: str) -> str | None:
    """Ask for a line of text (Excel's ``InputBox``); the default where the engine can't
    ask. None when the user cancels."""
    try:
        app_api = book.app.api
    except Exception:  # noqa: BLE001 - engines without Excel's object model
        app_api = None
    input_box = getattr(app_api, "InputBox", None) if not isinstance(app_api, dict | list | tuple) else None
    if input_box is None:
        return default
    try:
        answer = input_box(prompt, title, default)
    except Exception:  # noqa: BLE001 - no dialog available: use the default
        return default
    if answer is False or answer is None:
        return None
    return str(answer).strip() or default


def eval_add(book: Any = None) -> Any:
    """新增自评表: insert a blank 项目支出绩效自评表 sheet for a project."""
    book = book if book is not None else _caller()
    with guarded(book, "新增自评表"):
        from juesuan.evaluation.steps import new_sheet

        port = _port(book)
        spec = _spec(port)
        project = ask(book, "请输入项目名称：", f"{TITLE} - 新增自评表", DEFAULT_PROJECT)
        if project is None:
            raise Cancelled
        try:
            picture = new_sheet(spec, port, project)
        except ValueError as exc:
            alert(book, f"无法新增自评表：{exc}", f"{TITLE} - 新增自评表", critical=True)
            raise Cancelled from None
        with _quiet_screen(book):
            port.replace_sheet(picture)
            port.ensure_sheet(picture.name).activate()
        alert(book, f"已新增工作表“{picture.name}”：请填写项目自评内容，然后点击“填充”计算得分。",
              f"{TITLE} - 新增自评表")
        return picture
    return None


def about(book: Any = None) -> str | None:
    """关于: versions of the add-in, the templates it knows and the open workbook's template."""
    from juesuan.spec import available_formats

    book = book if book is not None else _caller()
    with guarded(book, "关于"):
        try:
            fmt = _spec(_port(book)).format
            current = f"当前工作簿模板格式：{fmt}"
        except InputError:
            current = "当前工作簿不是决算公开模板（新建可生成模板）"
        try:
            import xlwings

            xlw = xlwings.__version__
        except ImportError:  # pragma: no cover - the add-in always has it
            xlw = "-"
        text = "\n".join([
            f"决算助手 {__version__}",
            "部门决算公开表的填充与校验工具。",
            f"支持的模板格式：{'、'.join(available_formats())}",
            current,
            f"Python {platform.python_version()} · xlwings {xlw}",
        ])
        alert(book, text, f"{TITLE} - 关于")
        return text
    return None


def consolidate(book: Any = None) -> Any:
    """汇总: the department workbook from its units' workbooks (:mod:`juesuan.excel.consolidate_macro`)."""
    from juesuan.excel.consolidate_macro import consolidate as run

    return run(book)


HANDLERS: dict[str, Callable[..., Any]] = {
    "js_fill": fill,
    "js_validate": validate,
    "js_clear": clear,
    "js_new": new,
    "js_eval_add": eval_add,
    "js_consolidate": consolidate,
    "js_about": about,
}


def on_ribbon(control_id: str) -> Any:
    """The VBA dispatcher's entry point: run the handler of the clicked button."""
    handler = HANDLERS.get(control_id)
    if handler is None:
        book = _caller()
        with guarded(book, "操作"):
            raise fail("unknown-choice", value=control_id, field="按钮", choices="、".join(HANDLERS))
        return None
    return handler()
