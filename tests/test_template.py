"""The template workbook looks like the official tables and protects what it computes:
sheets in order, titles and labels, fonts and number formats, borders (06's filler rows and
its 公用经费合计 footer), drop-downs, header notes, frozen panes, print setup, protection."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.cell import range_boundaries

from juesuan.layout import TITLE_ROW, body_row, columns, geometry, render_table
from juesuan.port import picture_to_grid


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, spec) -> Path:
    from juesuan.io.template_file import build_template

    return build_template(spec, tmp_path_factory.mktemp("tpl") / "template.xlsx")


@pytest.fixture(scope="module")
def wb(built: Path):
    return openpyxl.load_workbook(built)


def _cell(ws, row0: int, col0: int):
    return ws.cell(row=row0 + 1, column=col0 + 1)


def test_sheets_are_the_specs_in_order(wb, spec) -> None:
    from juesuan.jobs import template_pictures

    expected = [p.name for p in template_pictures(spec)]
    assert wb.sheetnames == expected
    assert wb.sheetnames[: len(spec.sheet_names)] == spec.sheet_names  # extras only come after


def test_titles_labels_and_unit_lines(wb, spec) -> None:
    for table in spec.tables:
        ws = wb[table.sheet]
        last = len(columns(table)) - 1
        title = _cell(ws, TITLE_ROW, 0)
        assert title.value == table.title
        assert title.font.name == "黑体" and title.alignment.horizontal == "center"
        assert f"A1:{openpyxl.utils.get_column_letter(last + 1)}1" in {str(m) for m in ws.merged_cells.ranges}
        geo = geometry(table)
        assert _cell(ws, geo.label, last).value == f"公开{table.id}表"
        assert str(_cell(ws, geo.info, 0).value).startswith("部门：")
        assert _cell(ws, geo.info, last).value == "单位：万元"


def test_headers_lanci_and_body_look(wb, spec) -> None:
    for table in spec.tables:
        ws = wb[table.sheet]
        places = columns(table)
        for pl in places:
            top = _cell(ws, geometry(table).lanci - 1, pl.index)
            assert top.border.left.style == "thin" and top.border.bottom.style == "thin", (table.sheet, pl)
            body = _cell(ws, body_row(table), pl.index)
            assert body.font.name == "宋体" or isinstance(body, MergedCell)
            assert body.border.top.style == "thin", (table.sheet, body.coordinate)
            if pl.spec.role == "amount":
                assert body.number_format == "#,##0.00"
                if pl.spec.lanci:
                    assert str(_cell(ws, geometry(table).lanci, pl.index).value) == pl.spec.lanci
            if pl.spec.role == "code" and isinstance(body.value, str) and body.value.isdigit():
                assert body.number_format == "@"  # codes stay text when typed over
    ws = wb["公开02表"]
    assert _cell(ws, geometry(spec.table("02")).lanci, 0).value == "栏次"


def test_table06_filler_rows_and_footer(wb, spec) -> None:
    table = spec.table("06")
    ws = wb[table.sheet]
    places = columns(table)
    from juesuan.fill import fill_accounts
    from juesuan.ledger import Ledger

    values = fill_accounts(spec, Ledger(info={}, lines=[])).tables["06"]
    heights = [len(p) for p in values.panels]
    assert len(set(heights)) > 1, "06 panels should differ in length for this test to mean anything"
    footer = body_row(table) + max(heights)
    for p, panel_rows in enumerate(values.panels):
        for r in range(body_row(table) + len(panel_rows), footer):  # filler rows are ruled
            for pl in (q for q in places if q.panel == p):
                cell = _cell(ws, r, pl.index)
                assert cell.value is None
                assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate
    merges = {str(m) for m in ws.merged_cells.ranges}
    p2 = [pl.index for pl in places if pl.panel == 1]
    p3 = [pl.index for pl in places if pl.panel == 2]
    name3 = next(pl.index for pl in places if pl.panel == 2 and pl.spec.role == "name")
    span = f"{_cell(ws, footer, p2[0]).coordinate}:{_cell(ws, footer, name3).coordinate}"
    assert span in merges
    assert _cell(ws, footer, p2[0]).value == "公用经费合计"
    assert _cell(ws, footer, p3[-1]).number_format == "#,##0.00"
    code1 = next(pl.index for pl in places if pl.panel == 0 and pl.spec.role == "code")
    assert _cell(ws, footer, code1).value == "人员经费合计"
    first = _cell(ws, body_row(table), code1)
    assert first.value == "301" and first.number_format == "@"


def test_filled_tables_read_back_through_the_geometry(spec) -> None:
    """The looks (filler rows, merged footers, 栏次 spans) don't disturb the reading side."""
    from juesuan.fill import fill_accounts
    from juesuan.jobs import template_pictures
    from juesuan.ledger import read_ledger
    from juesuan.port import MemoryWorkbook
    from juesuan.reading import read_table
    from juesuan.sample import sample_inputs

    book = MemoryWorkbook()
    for pic in template_pictures(spec, inputs=sample_inputs(2019)):
        book.replace_sheet(pic)
    accounts = fill_accounts(spec, read_ledger(spec, book))
    for table in spec.tables:
        values = accounts.tables[table.id]
        grid = picture_to_grid(render_table(table, values, accounts.dept, spec.unit))
        back = read_table(spec, table, grid)
        for panel, panel_back in zip(values.panels, back.panels, strict=True):
            want = {(r.key, k): v for r in panel for k, v in r.values.items() if v is not None}
            got = {(r.key, k): v for r in panel_back for k, v in r.values.items() if v is not None}
            assert got == want, table.id
        for f, fb in zip(values.footers, back.footers, strict=True):
            if f is not None and f.values:
                assert fb is not None and fb.values == f.values, table.id
    assert any(v != Decimal(0) for r in accounts.tables["06"].panels[0] for v in r.values.values() if v)


def test_table_sheets_are_protected_and_locked(wb, spec) -> None:
    for table in spec.tables:
        ws = wb[table.sheet]
        assert ws.protection.sheet is True and not ws.protection.password
        assert ws.protection.formatColumns is False  # widths stay adjustable
        assert all(c.protection.locked for row in ws.iter_rows() for c in row)


def test_detail_sheets_leave_input_cells_editable(wb, spec) -> None:
    for sheet in spec.inputs:
        ws = wb[sheet.sheet]
        if sheet.kind == "form":
            assert ws.protection.sheet is True
            for i, f in enumerate(sheet.fields):
                assert ws.cell(row=3 + i, column=2).protection.locked is f.locked, f.label
            continue
        assert ws.freeze_panes == "A3"
        assert ws.print_title_rows == "$2:$2"
        for c, col in enumerate(sheet.columns, start=1):
            header = ws.cell(row=2, column=c)
            assert header.value == col.label and header.protection.locked
            assert header.comment is not None and header.comment.text == col.note
            for r in (3, 100, 202):
                cell = ws.cell(row=r, column=c)
                assert cell.protection.locked is False, cell.coordinate
                assert cell.number_format == ("#,##0.00" if col.type == "money" else "@"), cell.coordinate


def test_drop_downs_offer_the_vocabularies(wb, spec) -> None:
    seen = set()
    for sheet in spec.inputs:
        ws = wb[sheet.sheet]
        found = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
        for c, col in enumerate(sheet.columns):
            if col.type != "choice":
                continue
            letter = openpyxl.utils.get_column_letter(c + 1)
            dv = next(dv for rng, dv in found.items() if rng.startswith(f"{letter}3:"))
            c1, r1, c2, r2 = range_boundaries(str(dv.sqref))
            assert (c1, r1, c2) == (c + 1, 3, c + 1) and r2 >= 202
            assert dv.type == "list" and dv.showErrorMessage
            assert dv.formula1.strip('"').split(",") == list(spec.vocabularies[col.vocabulary])
            seen.add(col.vocabulary)
    assert seen == {"income_kind", "expense_kind", "fund", "balance_item", "sangong_item", "code_scheme"}


def test_print_setup(wb, spec) -> None:
    from juesuan.jobs import template_pictures

    landscape = {p.name: p.landscape for p in template_pictures(spec)}
    assert all(landscape[name] for name in spec.sheet_names)  # the spec's sheets: A4 landscape
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert int(ps.paperSize) == 9, ws.title
        assert ps.orientation == ("landscape" if landscape[ws.title] else "portrait"), ws.title
        assert int(ps.fitToWidth) == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_options.horizontalCentered
        assert 0.2 <= ws.page_margins.left <= 0.8
    for table in spec.tables:
        ws = wb[table.sheet]
        assert ws.print_title_rows == f"$4:${geometry(table).lanci + 1}"
        assert ws.freeze_panes == _cell(ws, body_row(table), 0).coordinate
    assert int(wb["公开01表"].page_setup.fitToHeight) == 1  # one printed page


def test_long_tables_flow_onto_more_pages(spec) -> None:
    """A short table is squeezed onto one page; a long one is fitted to width only."""
    from juesuan.io.xlsx import new_workbook
    from juesuan.tables import TableRow, TableValues

    table = spec.table("05")
    from juesuan.io.styles import ONE_PAGE_ROWS

    codes = sorted(spec.codes.functional) * 3
    rows = [TableRow(key=c, label=spec.codes.functional[c], code=c, values={"subtotal": Decimal("1.00")})
            for c in codes]
    long = TableValues("05", [rows], [None])
    short = TableValues("05", [rows[:10]], [None])
    assert len(rows) > ONE_PAGE_ROWS
    ws = new_workbook([render_table(table, long, "某部门")]).worksheets[0]
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == f"$4:${geometry(table).lanci + 1}"  # headers repeat on each page
    ws = new_workbook([render_table(table, short, "某部门")]).worksheets[0]
    assert int(ws.page_setup.fitToHeight) == 1
