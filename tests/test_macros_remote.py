"""The ribbon macros end to end through real xlwings (its remote engine), against the CLI.

Each test turns a real .xlsx into the JSON snapshot an Excel client sends
(:mod:`remote_payload`), makes it ``xw.Book.caller()`` with ``set_mock_caller()``, runs a
handler of :mod:`juesuan.excel.macros`, carries the recorded actions out on the same .xlsx
and compares the outcome with what the CLI produces from the same input. The remote
engine is xlwings PRO (PolyForm Noncommercial for these tests); without it the tests skip.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from remote_payload import (
    action_counts,
    apply_actions,
    apply_to_new,
    blank_payload,
    payload_from_xlsx,
    remote_available,
    writes_per_sheet,
)

from juesuan.io.files import write_new
from juesuan.reading import read_table
from juesuan.sample import sample_inputs

REASON = remote_available()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

# Upper bounds on the actions one computed table sheet costs (fill of the demo department
# measures 8 sheets → 8 value writes and ~40–60 formatting actions per sheet).
MAX_ACTIONS_PER_TABLE = 90


def _grids(path: Path) -> dict[str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}
    finally:
        wb.close()


def _caller(path: Path, client: str = "Office.js") -> Any:
    import xlwings as xw

    book = xw.Book(json=payload_from_xlsx(path, client=client))
    book.set_mock_caller()
    return book


def _alerts(actions: list[dict]) -> list[tuple[str, str, str]]:
    """(prompt, title, mode) of every message box."""
    return [(a["args"][0], a["args"][1], a["args"][3]) for a in actions if a["func"] == "alert"]


@pytest.fixture()
def ledger_book(spec, tmp_path) -> Path:
    """A fresh template with the sample department's detail sheets typed in, tables empty."""
    return write_new(tmp_path / "in.xlsx", spec, inputs=sample_inputs(2019))


@pytest.fixture()
def counting_port(monkeypatch) -> list:
    """Every port the macros create, to count its reads."""
    from juesuan.excel import macros

    ports: list = []
    original = macros._port

    def port(book):
        p = original(book)
        ports.append(p)
        return p

    monkeypatch.setattr(macros, "_port", port)
    return ports


def test_fill_writes_what_the_cli_writes(spec, ledger_book, tmp_path, counting_port) -> None:
    from juesuan.excel import macros

    cli_out = tmp_path / "cli.xlsx"
    run_cli("fill", str(ledger_book), "-o", str(cli_out), check=True)

    book = _caller(ledger_book)
    result = macros.on_ribbon("js_fill")
    assert result is not None, _alerts(book.json()["actions"])
    actions = book.json()["actions"]
    xl_out = apply_actions(ledger_book, actions, tmp_path / "xl.xlsx")

    cli, xl = _grids(cli_out), _grids(xl_out)
    assert list(cli) == list(xl)
    for name in {p.name for p in result.pictures}:  # tables and any extra computed sheets
        assert xl[name] == cli[name], name
    for table in spec.tables:
        mine, theirs = read_table(spec, table, xl[table.sheet]), read_table(spec, table, cli[table.sheet])
        got = [(r.key, r.cells, r.values) for rows in mine.panels for r in rows]
        want = [(r.key, r.cells, r.values) for rows in theirs.panels for r in rows]
        assert got == want and got, table.sheet
    for sheet in spec.inputs:  # detail sheets are read, never written
        assert xl[sheet.sheet] == _grids(ledger_book)[sheet.sheet]

    # codes stay text in the live workbook too (an Excel client would turn "2110101" into
    # a number in a General cell; the test client does the same)
    codes = [v for row in xl["公开02表"] for v in row[:1] if isinstance(v, str) and v.isdigit()]
    assert codes and all(isinstance(v, str) for v in codes)

    # one read per sheet at most; one value write per table sheet, none elsewhere
    (port,) = counting_port
    assert port.reads <= len(_grids(ledger_book))
    written = {p.name for p in result.pictures}
    assert {t.sheet for t in spec.tables} <= written
    assert writes_per_sheet(actions) == {i: 1 for i, n in enumerate(xl) if n in written}
    counts = action_counts(actions)
    assert counts["sheetClear"] == len(written)
    per_sheet = (len(actions) - counts["alert"] - counts["setScreenUpdating"]) / len(written)
    assert per_sheet <= MAX_ACTIONS_PER_TABLE, counts

    # one message box: the summary, not an error
    ((prompt, _title, mode),) = _alerts(actions)
    assert mode == "info" and "已填充 8 张公开表" in prompt
    assert result.accounts.dept in prompt


@pytest.mark.parametrize("fmt", [f for f in __import__("juesuan.spec", fromlist=["x"]).available_formats()
                                 if f != "2019"])  # 2019: the tests above, with a whole ledger
def test_fill_and_check_any_format_as_the_cli(fmt, tmp_path) -> None:
    """A blank workbook of every other format the engine has: 填充 writes what ``juesuan fill``
    writes and names the format's own table sheets; 校验 then agrees with ``juesuan check``."""
    import json

    from juesuan.excel import macros
    from juesuan.spec import load_spec

    spec = load_spec(fmt)
    blank, cli_out = tmp_path / "blank.xlsx", tmp_path / "cli.xlsx"
    run_cli("new", "--format", fmt, "--dept", "验收局", "--year", "2020", "-o", str(blank), check=True)
    proc = run_cli("fill", str(blank), "-o", str(cli_out))
    book = _caller(blank)
    result = macros.fill(book)
    ((prompt, _t, mode),) = _alerts(book.json()["actions"])
    if proc.returncode == 2:  # a workbook without ledger lines is refused by both, at the same cells
        assert result is None and mode == "critical"
        cells = [line.split("：")[0].removeprefix("· ").split("!")[-1] for line in prompt.splitlines()
                 if line.startswith("· ")]
        assert cells and all(c in proc.stdout + proc.stderr for c in cells)
        checked = blank
    else:
        assert proc.returncode == 0 and result is not None
        xl_out = apply_actions(blank, book.json()["actions"], tmp_path / "xl.xlsx")
        cli, xl = _grids(cli_out), _grids(xl_out)
        assert list(cli) == list(xl)
        for table in spec.tables:
            assert xl[table.sheet] == cli[table.sheet], table.sheet
        assert mode == "info" and all(t.sheet in prompt for t in spec.tables)
        checked = xl_out

    proc = run_cli("check", str(checked), "--format", "json")
    book = _caller(checked)
    report = macros.validate(book)
    assert report is not None and report.to_json() == json.loads(proc.stdout)


def test_fill_keeps_the_looks(spec, ledger_book, tmp_path) -> None:
    """Merges, number formats, bold totals and borders as the file writer makes them."""
    import openpyxl

    from juesuan.excel import macros

    cli_out = tmp_path / "cli.xlsx"
    run_cli("fill", str(ledger_book), "-o", str(cli_out), check=True)
    book = _caller(ledger_book)
    macros.fill(book)
    xl_out = apply_actions(ledger_book, book.json()["actions"], tmp_path / "xl.xlsx")
    a, b = openpyxl.load_workbook(cli_out), openpyxl.load_workbook(xl_out)
    for table in spec.tables:
        wa, wb = a[table.sheet], b[table.sheet]
        assert sorted(map(str, wa.merged_cells.ranges)) == sorted(map(str, wb.merged_cells.ranges))
        for row in wa.iter_rows():
            for ca in row:
                cb = wb[ca.coordinate]
                if not ca.has_style or type(ca).__name__ == "MergedCell":
                    continue
                look_a = (ca.font.name, ca.font.sz, bool(ca.font.b), ca.alignment.horizontal or "general",
                          bool(ca.alignment.wrap_text), getattr(ca.border.left, "style", None))
                look_b = (cb.font.name, cb.font.sz, bool(cb.font.b), cb.alignment.horizontal or "general",
                          bool(cb.alignment.wrap_text), getattr(cb.border.left, "style", None))
                assert look_a == look_b, (table.sheet, ca.coordinate)
                # same format, except that number-like text is made explicitly text ("@")
                assert cb.number_format == ca.number_format or (cb.number_format == "@" and isinstance(ca.value, str))


def test_fill_on_a_client_without_alignment_or_notes(spec, ledger_book, tmp_path) -> None:
    """A client that can't align cells: alignment is skipped and noted, the values land."""
    from juesuan.excel import macros

    cli_out = tmp_path / "cli.xlsx"
    run_cli("fill", str(ledger_book), "-o", str(cli_out), check=True)
    book = _caller(ledger_book, client="Google Apps Script")
    ports: list = []
    original = macros._port
    macros_port = lambda b: ports.append(original(b)) or ports[-1]  # noqa: E731
    mp = pytest.MonkeyPatch()
    mp.setattr(macros, "_port", macros_port)
    try:
        assert macros.fill(book) is not None
    finally:
        mp.undo()
    actions = book.json()["actions"]
    assert "setHorizontalAlignment" not in action_counts(actions)
    assert {"h_align", "v_align", "protect", "page_setup"} <= set(ports[0].skipped)
    xl = _grids(apply_actions(ledger_book, actions, tmp_path / "xl.xlsx"))
    cli = _grids(cli_out)
    assert all(xl[t.sheet] == cli[t.sheet] for t in spec.tables)


def test_fill_problems_reach_a_message_box(spec, tmp_path) -> None:
    """Unusable input: the same problems as the CLI reports, in a message box; nothing written."""
    from juesuan.excel import macros

    inputs = sample_inputs(2019)
    inputs["expense"][3][4] = "一百二十"  # an amount that is not a number
    inputs["expense"][5][0] = "21101X1"  # a malformed functional code
    path = write_new(tmp_path / "bad.xlsx", spec, inputs=inputs)
    proc = run_cli("fill", str(path), "-o", str(tmp_path / "cli.xlsx"))
    assert proc.returncode == 2

    book = _caller(path)
    assert macros.fill(book) is None
    actions = book.json()["actions"]
    assert "setValues" not in action_counts(actions) and "sheetClear" not in action_counts(actions)
    ((prompt, _title, mode),) = _alerts(actions)
    assert mode == "critical" and "Traceback" not in prompt
    assert "填充未完成" in prompt and "一百二十" in prompt and "21101X1" in prompt
    cells = [line.split("：")[0].removeprefix("· ") for line in prompt.splitlines() if line.startswith("· ")]
    assert len(cells) == 2
    for where in cells:  # every place the box names is a place the CLI names
        assert where.split("!")[-1] in proc.stderr, (where, proc.stderr)


def test_fill_refuses_a_workbook_that_is_not_a_template(tmp_path) -> None:
    import xlwings as xw

    from juesuan.excel import macros

    book = xw.Book(json=blank_payload("随便.xlsx"))
    book.set_mock_caller()
    macros.on_ribbon("js_fill")
    ((prompt, _title, mode),) = _alerts(book.json()["actions"])
    assert mode == "critical" and "不是决算公开模板" in prompt


def _new_via_ribbon(monkeypatch, answer: str | None) -> tuple[Any, list, list[str]]:
    """Click 新建 on a plain workbook, answering the format question with ``answer``."""
    import xlwings as xw

    from juesuan.excel import macros

    caller = xw.Book(json=blank_payload("当前.xlsx"))
    created: list = []
    prompts: list[str] = []

    def new_book(app):
        created.append(xw.Book(json=blank_payload("工作簿2.xlsx")))
        return created[-1]

    def ask(book, prompt, title, default):
        prompts.append(prompt)
        return answer

    monkeypatch.setattr(macros, "_new_book", new_book)
    monkeypatch.setattr(macros, "ask", ask)
    return macros.new(caller), created, prompts


@pytest.mark.parametrize("pick", ["number", "name"])
def test_new_asks_for_the_format_and_builds_the_cli_template(tmp_path, monkeypatch, pick) -> None:
    """新建 offers every format the engine has (data, not a list in the macros) and builds
    exactly what ``juesuan new --format F`` builds."""
    from juesuan.spec import available_formats

    formats = available_formats()
    if len(formats) < 2:
        pytest.skip("only one template format: 新建 does not ask")
    index = len(formats) - 1 if pick == "number" else 0
    fmt = formats[index]
    cli_out = tmp_path / "cli-new.xlsx"
    run_cli("new", "--format", fmt, "-o", str(cli_out), check=True)

    result, created, prompts = _new_via_ribbon(monkeypatch, str(index + 1) if pick == "number" else fmt)
    assert result is created[0]
    (prompt,) = prompts
    for i, f in enumerate(formats, start=1):
        assert f"{i}. {f}" in prompt
    actions = created[0].json()["actions"]
    out = apply_to_new(actions, tmp_path / "xl-new.xlsx")
    cli, xl = _grids(cli_out), _grids(out)
    assert list(xl) == list(cli)
    for name in cli:
        assert xl[name] == cli[name], name
    assert writes_per_sheet(actions) == {i: 1 for i in range(len(cli))}
    ((prompt, _t, mode),) = _alerts(actions)
    assert mode == "info" and "已按" in prompt


@pytest.mark.parametrize("answer", [None, "1999"])
def test_new_cancelled_or_unknown_format_creates_nothing(monkeypatch, answer) -> None:
    from juesuan.spec import available_formats

    if len(available_formats()) < 2:
        pytest.skip("only one template format: 新建 does not ask")
    result, created, prompts = _new_via_ribbon(monkeypatch, answer)
    assert result is None and created == [] and len(prompts) == 1


def test_new_offers_the_format_juesuan_new_makes(tmp_path, monkeypatch) -> None:
    """新建 on a workbook that is not a template: the answer offered (what OK takes) is the
    format ``juesuan new`` makes without --format (the newest base format, 2020 today), not
    the last in the list (a bureau's variant such as 2020-b, the order of the central 表样)."""
    from juesuan.spec import available_formats, newest_format

    if len(available_formats()) < 2:
        pytest.skip("only one template format: 新建 does not ask")
    import xlwings as xw

    from juesuan.excel import macros

    defaults: list[str] = []
    created: list = []
    monkeypatch.setattr(macros, "ask", lambda book, prompt, title, default: defaults.append(default) or default)
    monkeypatch.setattr(macros, "_new_book",
                        lambda app: created.append(xw.Book(json=blank_payload("工作簿2.xlsx"))) or created[-1])
    assert macros.new(xw.Book(json=blank_payload("当前.xlsx"))) is not None
    assert defaults == [newest_format()]
    cli_out = tmp_path / "cli-new.xlsx"
    run_cli("new", "-o", str(cli_out), check=True)  # the CLI's default format
    xl = _grids(apply_to_new(created[0].json()["actions"], tmp_path / "xl-new.xlsx"))
    assert list(xl) == list(_grids(cli_out)) and xl == _grids(cli_out)


def test_format_question_fits_excels_input_box(monkeypatch) -> None:
    """Many formats (years × regional variants): the prompt stays within InputBox's 255
    characters and still numbers every format; the default is the caller's format."""
    from juesuan.excel import macros

    many = [(f"20{y}{v}", f"部门决算公开模板（20{y}年度格式{v}，某省财政厅印发的地区变体）")
            for y in range(19, 25) for v in ("", "-b")]
    monkeypatch.setattr(macros, "format_choices", lambda: many)
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(macros, "ask", lambda book, prompt, title, default: seen.append((prompt, default)) or "3")
    assert macros.choose_format(object(), current="2021-b") == many[2][0]
    ((prompt, default),) = seen
    assert len(prompt) <= macros.MAX_PROMPT and default == "2021-b"
    assert all(f"{i}. {fmt}" in prompt for i, (fmt, _) in enumerate(many, start=1))
    monkeypatch.setattr(macros, "format_choices", lambda: many[:1])
    assert macros.choose_format(object()) == many[0][0] and len(seen) == 1  # one format: no question


def test_fill_and_check_report_progress_in_the_status_bar(spec, ledger_book, tmp_path, monkeypatch) -> None:
    """Fill and Check write their progress to Excel's status bar and give it back after.
    The remote engine has no status bar: the test gives its App one that records writes."""
    from xlwings.pro import _xlremote

    from juesuan.excel import macros

    writes: list[Any] = []
    monkeypatch.setattr(_xlremote.App, "status_bar", property(lambda self: "就绪前的文字",
                                                               lambda self, v: writes.append(v)), raising=False)
    book = _caller(ledger_book)
    result = macros.on_ribbon("js_fill")
    assert result is not None
    texts = [w for w in writes if isinstance(w, str)]
    assert writes[-1] == "就绪前的文字" and texts[:-1] and all(t.startswith("决算助手：填充") for t in texts[:-1])
    for picture in result.pictures:  # one line per sheet written
        assert any(picture.name in t for t in texts), picture.name
    assert not any(" / " in t for t in texts)  # the Chinese half of the engine's bilingual steps

    filled = apply_actions(ledger_book, book.json()["actions"], tmp_path / "filled.xlsx")
    writes.clear()
    monkeypatch.setattr(_xlremote.App, "status_bar", property(lambda self: False,
                                                               lambda self, v: writes.append(v)), raising=False)
    _caller(filled)
    assert macros.on_ribbon("js_validate") is not None
    assert writes[-1] is False and all(str(t).startswith("决算助手：校验") for t in writes[:-1])
    assert any("公开01表" in str(t) for t in writes) and any("规则" in str(t) for t in writes)


def test_status_bar_is_given_back_when_fill_fails(spec, tmp_path, monkeypatch) -> None:
    from xlwings.pro import _xlremote

    from juesuan.excel import macros

    inputs = sample_inputs(2019)
    inputs["expense"][3][4] = "一百二十"
    path = write_new(tmp_path / "bad.xlsx", spec, inputs=inputs)
    writes: list[Any] = []
    monkeypatch.setattr(_xlremote.App, "status_bar", property(lambda self: False, lambda self, v: writes.append(v)),
                        raising=False)
    book = _caller(path)
    assert macros.fill(book) is None
    assert writes and writes[-1] is False
    ((prompt, _t, mode),) = _alerts(book.json()["actions"])
    assert mode == "critical" and "一百二十" in prompt


def test_about_names_the_versions(demo_copy) -> None:
    from juesuan import __version__
    from juesuan.excel import macros

    book = _caller(demo_copy)
    text = macros.on_ribbon("js_about")
    ((prompt, _title, mode),) = _alerts(book.json()["actions"])
    assert prompt == text and mode == "info"
    assert __version__ in prompt and "当前工作簿模板格式：2019" in prompt


def test_unknown_button_is_a_message_not_a_crash(demo_copy) -> None:
    from juesuan.excel import macros

    book = _caller(demo_copy)
    assert macros.on_ribbon("js_nonexistent") is None
    ((prompt, _title, mode),) = _alerts(book.json()["actions"])
    assert mode == "critical" and "js_nonexistent" in prompt


def test_eval_add_adds_the_cli_sheet(demo_copy, tmp_path) -> None:
    from juesuan.excel import macros

    cli_copy = tmp_path / "cli-eval.xlsx"
    shutil.copy2(demo_copy, cli_copy)
    run_cli("eval", "add", str(cli_copy), "--name", macros.DEFAULT_PROJECT, check=True)
    book = _caller(demo_copy)
    picture = macros.on_ribbon("js_eval_add")
    assert picture is not None, _alerts(book.json()["actions"])
    xl = _grids(apply_actions(demo_copy, book.json()["actions"], tmp_path / "xl-eval.xlsx"))
    cli = _grids(cli_copy)
    assert picture.name in xl and xl[picture.name] == cli[picture.name]


@pytest.fixture()
def broken_tables(spec, ledger_book, tmp_path) -> Path:
    """A filled workbook (by the CLI) with one figure of 公开05表 retyped wrong."""
    import openpyxl

    filled = tmp_path / "filled.xlsx"
    run_cli("fill", str(ledger_book), "-o", str(filled), check=True)
    wb = openpyxl.load_workbook(filled)
    table = next(t for t in spec.tables if t.id == "05")
    rows = read_table(spec, table, _grids(filled)[table.sheet]).panels[0]
    row = next(r for r in rows if r.code and len(r.code) == 7 and r.values.get("basic"))
    cell = row.cells["basic"]
    wb[table.sheet][cell].value = float(row.values["basic"]) + 1.23
    wb.save(tmp_path / "broken.xlsx")
    return tmp_path / "broken.xlsx"


def _looks_of_marks(path: Path) -> dict:
    """Every cell with a fill or a note: (sheet, cell) → (colour, note text)."""
    import openpyxl

    from juesuan.marks import RESULTS_SHEET, STATE_SHEET

    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title in (STATE_SHEET, RESULTS_SHEET):
            continue
        for row in ws.iter_rows():
            for c in row:
                colour = c.fill.fgColor.rgb[-6:] if c.fill.fill_type == "solid" else None
                if c.comment is not None or (colour and ws.title.startswith("公开")):
                    out[(ws.title, c.coordinate)] = (colour, c.comment.text if c.comment else None)
    return out


def test_validate_finds_what_check_finds(spec, broken_tables, tmp_path, counting_port) -> None:
    import json

    from juesuan.excel import macros
    from juesuan.marks import RESULTS_SHEET, STATE_SHEET

    proc = run_cli("check", str(broken_tables), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    expected = json.loads(proc.stdout)
    assert expected["stats"]["errors"] >= 1
    cli_marked = tmp_path / "cli-marked.xlsx"
    run_cli("check", str(broken_tables), "--mark", str(cli_marked))

    book = _caller(broken_tables)
    report = macros.on_ribbon("js_validate")
    assert report is not None, _alerts(book.json()["actions"])
    assert report.to_json() == expected  # same findings, same cells, same amounts
    actions = book.json()["actions"]
    (port,) = counting_port
    assert port.reads <= len(_grids(broken_tables))
    ((prompt, _title, mode),) = _alerts(actions)
    assert mode == "critical" and prompt.startswith("校验未通过") and f"错误 {expected['stats']['errors']}" in prompt

    xl_marked = apply_actions(broken_tables, actions, tmp_path / "xl-marked.xlsx")
    assert _looks_of_marks(xl_marked) == _looks_of_marks(cli_marked) != {}
    xl, cli = _grids(xl_marked), _grids(cli_marked)
    assert list(xl) == list(cli)
    assert xl[RESULTS_SHEET] == cli[RESULTS_SHEET]
    assert xl[STATE_SHEET] == cli[STATE_SHEET]  # same state format: either side can clear
    counts = action_counts(actions)
    painted = len(xl[STATE_SHEET]) - 1  # one state row per marked cell
    assert painted >= 1 and counts["addNote"] == painted and counts["setRangeColor"] <= painted
    assert counts["setValues"] == 2  # the state sheet and the results sheet, once each


@pytest.mark.parametrize("marked_by", ["ribbon", "cli"])
def test_clear_restores_the_workbook(broken_tables, tmp_path, marked_by) -> None:
    """清除标记 leaves what ``juesuan clear`` leaves, whoever made the marks."""
    from juesuan.excel import macros
    from juesuan.marks import STATE_SHEET

    if marked_by == "cli":
        marked = tmp_path / "marked.xlsx"
        run_cli("check", str(broken_tables), "--mark", str(marked))
    else:
        book = _caller(broken_tables)
        macros.validate(book)
        marked = apply_actions(broken_tables, book.json()["actions"], tmp_path / "marked.xlsx")
    cli_cleared = tmp_path / "cli-cleared.xlsx"
    run_cli("clear", str(marked), "-o", str(cli_cleared), check=True)

    book = _caller(marked)
    restored = macros.on_ribbon("js_clear")
    assert restored and restored == len(_grids(marked)[STATE_SHEET]) - 1
    xl_cleared = apply_actions(marked, book.json()["actions"], tmp_path / "xl-cleared.xlsx")
    assert _looks_of_marks(xl_cleared) == _looks_of_marks(cli_cleared) == _looks_of_marks(broken_tables)
    assert _grids(xl_cleared) == _grids(cli_cleared) == _grids(broken_tables)
    ((prompt, _t, _m),) = _alerts(book.json()["actions"])
    assert f"已清除 {restored} 个单元格" in prompt


def test_runtime_needs_no_xlwings_pro(tmp_path) -> None:
    """The adapter and the macros import and run with xlwings.pro unimportable."""
    code = textwrap.dedent("""
        import sys
        sys.modules["xlwings.pro"] = None  # any import of it fails
        from juesuan.excel import macros
        from juesuan.io.xlwings_book import XlwingsBook

        class App:
            shown = []
            def alert(self, text, **kw):
                self.shown.append(text)
        class Book:
            app = App()
            sheets = []
        print(macros.about(Book()) is not None, XlwingsBook(Book()).sheet_names() == [])
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={k: v for k, v in __import__("os").environ.items() if k != "XLWINGS_LICENSE_KEY"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]


@pytest.mark.parametrize("button", ["js_clear", "js_validate"])
@pytest.mark.parametrize("damage", [("B3", "第三行"), ("C3", "<fill><oops")])
def test_a_damaged_marks_state_is_named_as_the_cli_names_it(broken_tables, tmp_path, button, damage) -> None:
    """The hidden state sheet of ``juesuan check --mark`` edited by hand (a cell address or a
    fill record no longer valid): 清除标记 and 校验 refuse as ``juesuan clear`` does — one
    message naming the state sheet's row, no Python error, nothing restored or painted."""
    import openpyxl

    from juesuan.excel import macros
    from juesuan.marks import STATE_SHEET

    marked = tmp_path / "marked.xlsx"
    run_cli("check", str(broken_tables), "--mark", str(marked))
    wb = openpyxl.load_workbook(marked)
    wb[STATE_SHEET][damage[0]] = damage[1]
    wb.save(marked)
    proc = run_cli("clear", str(marked), "-o", str(tmp_path / "cli.xlsx"))
    assert proc.returncode == 2 and f"{STATE_SHEET}!A3" in proc.stdout + proc.stderr

    book = _caller(marked)
    assert macros.on_ribbon(button) is None
    actions = book.json()["actions"]
    ((prompt, _title, mode),) = _alerts(actions)
    assert mode == "critical" and "未完成" in prompt and f"{STATE_SHEET}!A3" in prompt
    assert "意外" not in prompt and "ValueError" not in prompt and prompt.count("\n") <= 3  # one problem, one line
    assert not set(action_counts(actions)) - {"alert", "setScreenUpdating"}  # nothing written


def test_an_unexpected_error_is_one_chinese_line_and_the_log(ledger_book, monkeypatch, tmp_path) -> None:
    """A defect of juesuan (here: an engine step raising a multi-line English error, as a COM
    error does): the box says in one Chinese line what happened and where the details are;
    the exception and its traceback go to the log, not to the accountant."""
    from juesuan.excel import macros

    def broken(*args, **kwargs):
        raise RuntimeError("(-2147352567, 'Exception occurred.',\n (0, 'Microsoft Excel', 'Insert method of Range class failed'))")

    log = tmp_path / "macros.log"
    monkeypatch.setattr(macros, "LOG_PATH", log)
    monkeypatch.setattr("juesuan.jobs.fill_workbook", broken)
    book = _caller(ledger_book)
    assert macros.on_ribbon("js_fill") is None
    ((prompt, _title, mode),) = _alerts(book.json()["actions"])
    cause, where = prompt.split("\n")
    assert mode == "critical" and cause.startswith("填充时发生意外错误") and str(log) in where
    assert "RuntimeError" not in prompt and "Exception" not in prompt and "Insert method" not in prompt
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError" in text and "Insert method of Range class failed" in text


def test_fill_box_says_the_clis_notes_in_chinese(tmp_path) -> None:
    """The notes ``juesuan fill`` prints in both languages (a figure typed over and replaced,
    the 说明's blanks, the self-evaluations) reach the 填充 box in their Chinese half only,
    with what they list intact."""
    import re

    import openpyxl

    from juesuan.excel import macros
    from juesuan.spec import load_spec

    spec = load_spec("2020")
    typed = write_new(tmp_path / "typed.xlsx", spec, inputs=sample_inputs(2020, spec=spec))
    filled = tmp_path / "filled.xlsx"
    run_cli("fill", str(typed), "-o", str(filled), check=True)
    wb = openpyxl.load_workbook(filled)
    wb["1收入支出决算总表"]["B7"].value = 123.45  # a figure typed over by hand
    wb.save(filled)
    proc = run_cli("fill", str(filled), "-o", str(tmp_path / "cli.xlsx"), check=True)
    assert "figures replaced" in proc.stdout and "blanks still to fill in" in proc.stdout

    book = _caller(filled)
    assert macros.fill(book) is not None
    ((prompt, _t, mode),) = _alerts(book.json()["actions"])
    assert mode == "info"
    assert "与明细表不符、已被替换的数字：1收入支出决算总表!B7" in prompt and "123.45 →" in prompt
    assert re.search(r"说明：尚有 \d+ 处待填写", prompt)
    assert not re.search(r"[A-Za-z]{3,}", prompt.replace("B7", "")), prompt  # no English words


def test_a_sheet_of_the_accountants_named_like_the_results_is_never_replaced(broken_tables, tmp_path) -> None:
    """The accountant keeps a sheet of their own called 校验结果 (no marks state: 校验 did not
    make it). 校验 in Excel works on the open workbook and a macro leaves no undo: it stops,
    naming the sheet, before painting anything; 清除标记 and ``juesuan clear`` leave it."""
    import openpyxl

    from juesuan.excel import macros
    from juesuan.marks import RESULTS_SHEET

    wb = openpyxl.load_workbook(broken_tables)
    own = wb.create_sheet(RESULTS_SHEET)
    own["A1"], own["B2"] = "我自己的核对记录", 123
    wb.save(broken_tables)

    book = _caller(broken_tables)
    assert macros.on_ribbon("js_validate") is None
    actions = book.json()["actions"]
    ((prompt, _t, mode),) = _alerts(actions)
    assert mode == "critical" and "校验未完成" in prompt and RESULTS_SHEET in prompt and "改名" in prompt
    assert not set(action_counts(actions)) - {"alert", "setScreenUpdating"}  # nothing painted or replaced

    book = _caller(broken_tables)
    assert macros.on_ribbon("js_clear") == 0
    assert "sheetDelete" not in action_counts(book.json()["actions"])
    run_cli("clear", str(broken_tables), "-o", str(tmp_path / "cli.xlsx"), check=True)
    assert _grids(tmp_path / "cli.xlsx")[RESULTS_SHEET][:2] == [["我自己的核对记录", ""], ["", 123]]
