"""How the official tables look, as plain data (单元格角色样式): one entry per cell role
(font, alignment, border, fill, number format, locking) and the sheet settings every
computed sheet shares (print setup, notes, drop-down messages, protection).

Both writers read it: :mod:`juesuan.io.styles` builds openpyxl named styles from it, and
:mod:`juesuan.io.fresh_package` writes the same styles as XML without importing openpyxl.
"""

from __future__ import annotations

from juesuan.records import record

FONT = "宋体"
TITLE_FONT = "黑体"
MONEY = "#,##0.00"
BORDER_COLOR = "000000"  # every ruled cell: a thin black line on each side
HEADER_FILL = "F2F2F2"
INPUT_FILL = "FFF9E5"
# Print setup: margins in inches (A4 landscape), and the longest table (in rows) still
# squeezed onto one page tall; longer tables flow onto further pages, fitted to width.
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.55, "header": 0.25, "footer": 0.25}
ONE_PAGE_ROWS = 48
PAGE_FOOTER = "第 &P 页，共 &N 页"
FOOTER_SIZE = 9
# Header notes (批注) and drop-down lists (数据验证)
NOTE_AUTHOR = "决算助手"
NOTE_WIDTH, NOTE_HEIGHT = 240, 80
CHOICE_ERROR_TITLE = "无效的选项"
CHOICE_ERROR = "请从下拉列表中选择。"
CHOICE_PROMPT_TITLE = "请选择"
CHOICE_PROMPT = "从下拉列表中选择一项。"


@record(frozen=True)
class RoleStyle:
    """One cell role's look; ``fill`` is a solid fill colour (RGB hex) or None."""

    name: str
    size: float = 10
    bold: bool = False
    font: str = FONT
    h: str = "left"
    v: str = "center"
    wrap: bool = False
    border: bool = False
    fill: str | None = None
    number_format: str = "General"
    locked: bool = True
    indent: int = 0
    shrink: bool = False


ROLES: dict[str, RoleStyle] = {
    "title": RoleStyle("js-title", size=18, font=TITLE_FONT, h="center"),
    "label": RoleStyle("js-label", size=10, h="right"),
    "dept": RoleStyle("js-dept", size=10),
    "unit": RoleStyle("js-unit", size=10, h="right"),
    "header": RoleStyle("js-header", bold=True, h="center", wrap=True, border=True),
    "lanci": RoleStyle("js-lanci", h="center", border=True),
    "body-label": RoleStyle("js-body-label", border=True, indent=1, shrink=True),
    "body-code": RoleStyle("js-body-code", border=True, number_format="@", indent=1),
    "body-line": RoleStyle("js-body-line", h="center", border=True),
    "amount": RoleStyle("js-amount", h="right", border=True, number_format=MONEY),
    "total-label": RoleStyle("js-total-label", bold=True, h="center", border=True),
    "total-amount": RoleStyle("js-total-amount", bold=True, h="right", border=True, number_format=MONEY),
    "note": RoleStyle("js-note", size=9, wrap=True, v="top"),
    "note-small": RoleStyle("js-note-small", size=9, wrap=True),
    "input-title": RoleStyle("js-input-title", size=14, font=TITLE_FONT),
    "input-header": RoleStyle("js-input-header", bold=True, h="center", wrap=True, border=True, fill=HEADER_FILL),
    "form-label": RoleStyle("js-form-label", bold=True, border=True),
    "input": RoleStyle("js-input", border=True, fill=INPUT_FILL, locked=False, number_format="@"),
    # Detail rows: unlocked and formatted (codes as text) but not ruled, so that the 200
    # blank rows prepared for input don't print as empty ruled pages.
    "input-text": RoleStyle("js-input-text", locked=False, number_format="@"),
    "input-money": RoleStyle("js-input-money", h="right", locked=False, number_format=MONEY),
    # self-evaluations and the 说明 (issue 5)
    "percent": RoleStyle("js-percent", h="right", border=True, number_format="0.00%"),
    "eval-input": RoleStyle("js-eval-input", border=True, fill=INPUT_FILL, locked=False, wrap=True),
    "eval-input-money": RoleStyle("js-eval-input-money", h="right", border=True, fill=INPUT_FILL, locked=False,
                                  number_format=MONEY),
    "heading": RoleStyle("js-heading", size=12, bold=True, font=TITLE_FONT),
    "body-text": RoleStyle("js-body-text", size=11, wrap=True, v="top"),
    # what the accountant typed on a table sheet outside the table, carried by Fill (kept_extras)
    "kept": RoleStyle("js-kept", locked=False),
}
