"""The computed sheets written straight to XML (直接写出公开表): the parts of a small package —
workbook, styles, one worksheet per picture, notes — that :func:`juesuan.io.patch.plan_patch`
splices into the user's workbook, produced without importing openpyxl.

Fill used to draw its pictures into a fresh openpyxl workbook only to save it and take the
parts back out; importing openpyxl (and numpy with it) and building that workbook were most of
the time of a typical fill. This module writes the same parts directly, as openpyxl's writer
would spell them for :func:`juesuan.io.xlsx.new_workbook` of the same pictures: the role
styles of :mod:`juesuan.io.style_roles` in the same order, every merged range's edge borders
and locking, column widths, row heights, frozen panes, print setup and titles, protection and
unlocked ranges, drop-down lists, and notes (comments + their VML drawing). So a workbook
filled either way reads back the same, and a refill keeps every part byte for byte.

:func:`fresh_parts` returns ``None`` for a picture outside what it writes (a value that is
not text, a number or a truth value; a value or note on a cell a merge covers; a number
format that is not built in; an unusual range): the caller then uses openpyxl.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from juesuan.io.style_roles import (
    BORDER_COLOR,
    CHOICE_ERROR,
    CHOICE_ERROR_TITLE,
    CHOICE_PROMPT,
    CHOICE_PROMPT_TITLE,
    FONT,
    FOOTER_SIZE,
    MARGINS,
    NOTE_AUTHOR,
    NOTE_HEIGHT,
    NOTE_WIDTH,
    ONE_PAGE_ROWS,
    PAGE_FOOTER,
    ROLES,
    RoleStyle,
)
from juesuan.io.text import prepare_picture
from juesuan.lazy_re import lazy
from juesuan.port import CellLook, SheetPicture, column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

# Number formats built into every spreadsheet application (ECMA-376 §18.8.30), by code, as
# openpyxl spells them (a code among these is written as its id, any other as a numFmt of the
# workbook's own, from 164 on).
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, '"$"#,##0_);("$"#,##0)': 5,
                   '"$"#,##0_);[Red]("$"#,##0)': 6, '"$"#,##0.00_);("$"#,##0.00)': 7,
                   '"$"#,##0.00_);[Red]("$"#,##0.00)': 8, "0%": 9, "0.00%": 10, "0.00E+00": 11, "# ?/?": 12,
                   "# ??/??": 13, "mm-dd-yy": 14, "d-mmm-yy": 15, "d-mmm": 16, "mmm-yy": 17, "h:mm AM/PM": 18,
                   "h:mm:ss AM/PM": 19, "h:mm": 20, "h:mm:ss": 21, "m/d/yy h:mm": 22, "#,##0_);(#,##0)": 37,
                   "#,##0_);[Red](#,##0)": 38, "#,##0.00_);(#,##0.00)": 39, "#,##0.00_);[Red](#,##0.00)": 40,
                   '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)': 41,
                   '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)': 42,
                   '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)': 43,
                   '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)': 44,
                   "mm:ss": 45, "[h]:mm:ss": 46, "mmss.0": 47, "##0.0E+0": 48, "@": 49}

# A style array, as openpyxl keeps one per cell: indices into the registries below.
FONT_ID, FILL_ID, BORDER_ID, NUMFMT_ID, PROTECTION_ID, ALIGNMENT_ID, STYLE_ID = range(7)
Style = tuple[int, int, int, int, int, int, int]
ZERO: Style = (0, 0, 0, 0, 0, 0, 0)

DEFAULT_FONT = '<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/><scheme val="minor"/></font>'
EMPTY_FILL = "<fill><patternFill/></fill>"
GRAY_FILL = '<fill><patternFill patternType="gray125"/></fill>'
NO_BORDER = "<border/>"  # a named style's "no border"
SIDES = ("left", "right", "top", "bottom")
UNLOCKED = '<protection locked="0" hidden="0"/>'

SHEET_PROTECTION = ('<sheetProtection selectLockedCells="0" selectUnlockedCells="0" sheet="1" objects="0" '
                    'insertRows="1" insertHyperlinks="1" autoFilter="1" scenarios="0" formatColumns="0" '
                    'deleteColumns="1" insertColumns="1" pivotTables="1" deleteRows="1" formatCells="1" '
                    'formatRows="0" sort="1"/>')

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
                       "\t": "&#09;"})
_RANGE = lazy(r"([A-Z]{1,3})([1-9]\d*)(?::([A-Z]{1,3})([1-9]\d*))?")


class Unsupported(Exception):
    """A picture this writer leaves to openpyxl."""


def _text(value: str) -> str:
    return value.translate(_TEXT)


def _attr(value: str) -> str:
    return value.translate(_ATTR)


def _num(value: float) -> str:
    """A number as openpyxl writes it (``%.16g``; blank for NaN and infinities)."""
    return "" if math.isnan(value) or math.isinf(value) else "%.16g" % value  # noqa: UP031 - openpyxl's spelling


def _t(text: str, note: bool = False) -> str:
    """A ``<t>`` element: space kept when the text starts or ends with white space (a note's
    text only when it is not all white space, as openpyxl spells each)."""
    stripped = text.strip()
    space = ' xml:space="preserve"' if stripped != text and (stripped or not note) else ""
    return f"<t{space}>{_text(text)}</t>"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _bounds(rng: str) -> tuple[int, int, int, int]:
    """``A1:B2`` or ``A1`` → (min_row, min_col, max_row, max_col), 1-based."""
    m = _RANGE.fullmatch(rng)
    if m is None:
        raise Unsupported(rng)
    c1, r1 = _col_number(m.group(1)), int(m.group(2))
    c2, r2 = (_col_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    if c2 < c1 or r2 < r1:
        raise Unsupported(rng)
    return r1, c1, r2, c2


def _ref(r1: int, c1: int, r2: int, c2: int) -> str:
    start = f"{column_letter(c1 - 1)}{r1}"
    return start if (r1, c1) == (r2, c2) else f"{start}:{column_letter(c2 - 1)}{r2}"


class _Indexed:
    """Distinct entries in order of first use (as openpyxl's ``IndexedList``)."""

    def __init__(self, items: Iterable[Any] = ()):
        self.items: list[Any] = []
        self.index: dict[Any, int] = {}
        for item in items:
            self.add(item)

    def add(self, item: Any) -> int:
        i = self.index.get(item)
        if i is None:
            i = self.index[item] = len(self.items)
            self.items.append(item)
        return i


def _thin(side: str) -> str:
    return f'<{side} style="thin"><color rgb="00{BORDER_COLOR}"/></{side}>'


BOX = "<border>" + "".join(_thin(s) for s in SIDES) + "</border>"


def _edges(sides: frozenset[str]) -> str:
    """The border a covered cell of a merged range gets on the range's edges ``sides``."""
    return "<border>" + "".join(_thin(s) if s in sides else f"<{s}/>" for s in SIDES) + "<diagonal/></border>"


def _font(role: RoleStyle) -> str:
    bold = '<b val="1"/>' if role.bold else ""
    return f'<font><name val="{_attr(role.font)}"/>{bold}<sz val="{_num(role.size)}"/></font>'


def _look_font(look: CellLook, role: RoleStyle) -> str:
    """A carried cell's own font (its name and size, else the role's), spelt as openpyxl does."""
    out = [f'<font><name val="{_attr(look.font_name or role.font)}"/>']
    if look.bold:
        out.append('<b val="1"/>')
    if look.italic:
        out.append('<i val="1"/>')
    if look.color:
        out.append(f"<color {color_attrs(look.color)}/>")
    out.append(f'<sz val="{_num(look.size or role.size)}"/>')
    if look.underline:
        out.append(f'<u val="{_attr(look.underline)}"/>')
    return "".join(out) + "</font>"


def color_attrs(color: str) -> str:
    """``rgb:FFFF0000`` / ``theme:1[:tint]`` / ``indexed:10`` as a ``<color>`` element's attributes."""
    kind, _, rest = color.partition(":")
    if kind == "theme":
        theme, _, tint = rest.partition(":")
        return f'theme="{int(theme)}"' + (f' tint="{_num(float(tint))}"' if tint else "")
    if kind == "indexed":
        return f'indexed="{int(rest)}"'
    return f'rgb="{_attr(rest)}"'


def _fill(role: RoleStyle) -> str:
    if role.fill is None:
        return EMPTY_FILL
    return f'<fill><patternFill patternType="solid"><fgColor rgb="00{role.fill}"/></patternFill></fill>'


def _alignment(role: RoleStyle | CellLook) -> str:
    shrink = getattr(role, "shrink", False)
    attrs = [f'horizontal="{_attr(role.h)}"' if role.h else "", f'vertical="{_attr(role.v)}"' if role.v else "",
             'wrapText="1"' if role.wrap else "", 'shrinkToFit="1"' if shrink else "",
             f'indent="{_num(role.indent)}"' if role.indent else ""]
    attrs = [a for a in attrs if a]
    return f"<alignment {' '.join(attrs)}/>" if attrs else ""


class _Styles:
    """The registries of the fresh workbook (fonts, fills, borders, alignments, protections,
    named styles, cell formats), filled in the order openpyxl fills them: the role styles
    first, merged-range borders while the sheets are drawn, cell formats while they are written."""

    def __init__(self) -> None:
        self.fonts = _Indexed([DEFAULT_FONT])
        self.fills = _Indexed([EMPTY_FILL, GRAY_FILL])
        self.borders = _Indexed([_edges(frozenset())])
        self.alignments = _Indexed([""])
        self.protections = _Indexed([""])
        self.xfs = _Indexed([ZERO])
        self.num_fmts = _Indexed()  # the workbook's own number formats (ids from 164)
        self.roles: dict[str, Style] = {}
        self.named: list[tuple[str, Style]] = [("Normal", ZERO)]
        for role, data in ROLES.items():
            fmt = BUILTIN_FORMATS.get(data.number_format)
            if fmt is None:
                raise Unsupported(data.number_format)
            style = (self.fonts.add(_font(data)), self.fills.add(_fill(data)),
                     self.borders.add(BOX if data.border else NO_BORDER), fmt,
                     self.protections.add("" if data.locked else UNLOCKED), self.alignments.add(_alignment(data)),
                     len(self.named))
            self.roles[role] = style
            self.named.append((data.name, style))

    def looked(self, style: Style, role: str, look: CellLook) -> Style:
        """``style`` (of ``role``) with a carried cell's own number format, font and alignment,
        registered in the order openpyxl's ``apply_picture`` registers them."""
        data = ROLES[role]
        if look.number_format is not None:
            fmt = BUILTIN_FORMATS.get(look.number_format)
            style = _with(style, NUMFMT_ID, fmt if fmt is not None else 164 + self.num_fmts.add(look.number_format))
        if look.has_font():
            style = _with(style, FONT_ID, self.fonts.add(_look_font(look, data)))
        if look.has_alignment():
            style = _with(style, ALIGNMENT_ID, self.alignments.add(_alignment(look)))
        return style

    def locked(self, style: Style) -> bool:
        return self.protections.items[style[PROTECTION_ID]] != UNLOCKED

    def _xf(self, style: Style, cell: bool) -> str:
        alignment = self.alignments.items[style[ALIGNMENT_ID]] if style[ALIGNMENT_ID] else ""
        protection = self.protections.items[style[PROTECTION_ID]] if style[PROTECTION_ID] else ""
        attrs = (f'numFmtId="{style[NUMFMT_ID]}" fontId="{style[FONT_ID]}" fillId="{style[FILL_ID]}" '
                 f'borderId="{style[BORDER_ID]}"')
        if alignment:
            attrs += ' applyAlignment="1"'
        if protection:
            attrs += ' applyProtection="1"'
        if cell:
            attrs += f' pivotButton="0" quotePrefix="0" xfId="{style[STYLE_ID]}"'
        inner = alignment + protection
        return f"<xf {attrs}>{inner}</xf>" if inner else f"<xf {attrs}/>"

    def xml(self) -> bytes:
        def section(name: str, items: list[str]) -> str:
            return f'<{name} count="{len(items)}">{"".join(items)}</{name}>'

        named_xfs = [self._xf(style, cell=False) for _, style in self.named]
        builtin = ' builtinId="0"'
        names = [f'<cellStyle name="{_attr(name)}" xfId="{i}"{builtin if i == 0 else ""} hidden="0"/>'
                 for i, (name, _) in enumerate(self.named)]
        formats = [f'<numFmt numFmtId="{164 + i}" formatCode="{_attr(code)}"/>' for i, code in enumerate(self.num_fmts.items)]
        body = ((section("numFmts", formats) if formats else '<numFmts count="0"/>') + section("fonts", self.fonts.items) + section("fills", self.fills.items)
                + section("borders", self.borders.items) + section("cellStyleXfs", named_xfs)
                + section("cellXfs", [self._xf(s, cell=True) for s in self.xfs.items])
                + section("cellStyles", names)
                + '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>')
        return f'<styleSheet xmlns="{MAIN}">{body}</styleSheet>'.encode()


class _Sheet:
    """One picture drawn as openpyxl's ``apply_picture`` draws it: each cell's value, style
    array and whether a merge covers it; the merged ranges in openpyxl's order; notes."""

    def __init__(self, pic: SheetPicture, styles: _Styles):
        self.pic, self.styles = pic, styles
        self.values: dict[tuple[int, int], Any] = {}
        self.style: dict[tuple[int, int], Style] = {}
        self.covered: set[tuple[int, int]] = set()
        self.merged: set[tuple[int, int, int, int]] = set()  # iterated as openpyxl's set of ranges is
        self.notes: dict[tuple[int, int], str] = {}
        if None in pic.column_widths.values() or None in pic.row_heights.values():
            raise Unsupported("a size without a value")
        for (r, c), (value, cell_style) in sorted(pic.cells.items()):
            pos = (r + 1, c + 1)
            role = styles.roles.get(cell_style.role)
            if role is None:
                raise Unsupported(cell_style.role)
            if value is not None:
                if pos in self.covered:
                    raise Unsupported("a value under a merge")
                self.values[pos] = _checked(value)
            look = pic.looks.get((r, c))
            self.style[pos] = role if look is None else styles.looked(role, cell_style.role, look)
            if cell_style.merge_to is not None and cell_style.merge_to != (r, c):
                r2, c2 = cell_style.merge_to
                self._merge(r + 1, c + 1, r2 + 1, c2 + 1)
        self.formulas = {(r + 1, c + 1): f for (r, c), f in pic.formulas.items()}
        for pos in self.formulas:
            if pos in self.covered or pos not in self.style:
                raise Unsupported("a formula under a merge or outside the picture")
        for pos, text in sorted(pic.comments.items()):
            at = (pos[0] + 1, pos[1] + 1)
            if at in self.covered:
                raise Unsupported("a note under a merge")
            self.style.setdefault(at, ZERO)
            self.notes[at] = text
        for rng in pic.unlocked_ranges:
            r1, c1, r2, c2 = _bounds(rng)
            unlocked = styles.protections.add(UNLOCKED)
            for row in range(r1, r2 + 1):
                for col in range(c1, c2 + 1):
                    style = self.style.setdefault((row, col), ZERO)
                    if styles.locked(style):
                        self.style[(row, col)] = _with(style, PROTECTION_ID, unlocked)

    def _merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        """openpyxl's merge: covered cells start blank; each edge cell gets the start cell's
        sides on that edge (every intermediate combination registered, as there); every cell
        of the range gets the start cell's locking."""
        if any(r1 <= a <= r2 and c1 <= b <= c2 for a, b, _, _ in self.merged) or any(
                (row, col) in self.covered for row in range(r1, r2 + 1) for col in range(c1, c2 + 1)):
            raise Unsupported("overlapping merges")
        self.merged.add((r1, c1, r2, c2))
        start = (r1, c1)
        for row in range(r1, r2 + 1):
            for col in range(c1, c2 + 1):
                if (row, col) != start:
                    self.covered.add((row, col))
                    self.style[(row, col)] = ZERO
                    self.values.pop((row, col), None)
        first = self.style[start]
        if self.styles.borders.items[first[BORDER_ID]] == BOX:  # (a start cell without sides adds none)
            sides: dict[tuple[int, int], frozenset[str]] = {}
            edges = {"top": [(r1, c) for c in range(c1, c2 + 1)], "left": [(r, c1) for r in range(r1, r2 + 1)],
                     "right": [(r, c2) for r in range(r1, r2 + 1)], "bottom": [(r2, c) for c in range(c1, c2 + 1)]}
            for name in ("top", "left", "right", "bottom"):
                for pos in edges[name]:
                    if pos == start:
                        continue  # its box already has the side
                    now = sides[pos] = sides.get(pos, frozenset()) | {name}
                    self.style[pos] = _with(self.style[pos], BORDER_ID, self.styles.borders.add(_edges(now)))
        protection = first[PROTECTION_ID]
        for row in range(r1, r2 + 1):
            for col in range(c1, c2 + 1):
                self.style[(row, col)] = _with(self.style[(row, col)], PROTECTION_ID, protection)

    def xml(self, comments: bool) -> bytes:
        pic = self.pic
        out = ['<worksheet xmlns="', MAIN, '"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
               '<pageSetUpPr fitToPage="1"/></sheetPr>']
        if self.style:
            rows = [r for r, _ in self.style]
            cols = [c for _, c in self.style]
            out.append(f'<dimension ref="{column_letter(min(cols) - 1)}{min(rows)}:'
                       f'{column_letter(max(cols) - 1)}{max(rows)}"/>')
        else:
            out.append('<dimension ref="A1:A1"/>')
        out.append(f'<sheetViews><sheetView workbookViewId="0">{_view(pic.freeze)}</sheetView></sheetViews>'
                   '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>')
        widths = sorted(pic.column_widths.items())
        if widths:
            hidden = {c: ' hidden="1"' for c in pic.hidden_columns}
            out.append("<cols>" + "".join(f'<col{hidden.get(c, "")} width="{_num(w)}" '
                                          f'customWidth="1" min="{c + 1}" max="{c + 1}"/>'
                                          for c, w in widths) + "</cols>")
        out.append("<sheetData>")
        heights = {r + 1: h for r, h in pic.row_heights.items()}
        by_row: dict[int, list[int]] = {r: [] for r in heights}
        for r, c in self.style:
            by_row.setdefault(r, []).append(c)
        for r in sorted(by_row):
            height = heights.get(r)
            out.append(f'<row r="{r}">' if height is None else f'<row r="{r}" ht="{_num(height)}" customHeight="1">')
            for c in sorted(by_row[r]):
                out.append(self._cell(r, c))
            out.append("</row>")
        out.append("</sheetData>")
        if pic.protect:
            out.append(SHEET_PROTECTION)
        if self.merged:
            out.append(f'<mergeCells count="{len(self.merged)}">'
                       + "".join(f'<mergeCell ref="{_ref(*b)}"/>' for b in self.merged) + "</mergeCells>")
        if pic.validations:
            out.append(f'<dataValidations count="{len(pic.validations)}">')
            for rng, choices in pic.validations:
                ref = _ref(*_bounds(rng))
                out.append(f'<dataValidation sqref="{ref}" showDropDown="0" showInputMessage="1" '
                           f'showErrorMessage="1" allowBlank="1" errorTitle="{_attr(CHOICE_ERROR_TITLE)}" '
                           f'error="{_attr(CHOICE_ERROR)}" promptTitle="{_attr(CHOICE_PROMPT_TITLE)}" '
                           f'prompt="{_attr(CHOICE_PROMPT)}" type="list"><formula1>'
                           + _text('"' + ",".join(choices) + '"') + "</formula1></dataValidation>")
            out.append("</dataValidations>")
        short = pic.kind == "table" and pic.max_row + 1 <= ONE_PAGE_ROWS
        margins = " ".join(f'{side}="{_num(inches)}"' for side, inches in MARGINS.items())
        out.append(f'<printOptions horizontalCentered="1"/><pageMargins {margins}/>'
                   f'<pageSetup orientation="{"landscape" if pic.landscape else "portrait"}" paperSize="9" '
                   f'fitToHeight="{1 if short else 0}" fitToWidth="1"/>'
                   f'<headerFooter><oddHeader></oddHeader><oddFooter>{_text(_footer())}</oddFooter>'
                   '<evenHeader></evenHeader><evenFooter></evenFooter><firstHeader></firstHeader>'
                   '<firstFooter></firstFooter></headerFooter>')
        if comments:
            out.append(f'<legacyDrawing xmlns:r="{REL}" r:id="anysvml"/>')
        out.append("</worksheet>")
        return "".join(out).encode("ascii", "xmlcharrefreplace")

    def _cell(self, r: int, c: int) -> str:
        pos = (r, c)
        style = self.style[pos]
        value = self.values.get(pos)
        if value is None and style == ZERO and pos not in self.notes and pos not in self.formulas:
            return ""
        ref = f"{column_letter(c - 1)}{r}"
        s = f' s="{self.styles.xfs.add(style)}"' if style != ZERO else ""
        formula = self.formulas.get(pos)
        if formula is not None:  # an accountant's formula, spelt as openpyxl writes one (the cached
            # value is put in by the patch: juesuan.io.cached)
            array = f' t="array" ref="{_attr(formula.array)}"' if formula.array else ""
            return f'<c r="{ref}"{s}><f{array}>{_text(formula.text)}</f><v></v></c>'
        if isinstance(value, str):
            if value == "":
                return f'<c r="{ref}"{s} t="inlineStr"></c>'
            return f'<c r="{ref}"{s} t="inlineStr"><is>{_t(value)}</is></c>'
        if value is None:
            return f'<c r="{ref}"{s} t="n"></c>'
        kind = "b" if isinstance(value, bool) else "n"
        return f'<c r="{ref}"{s} t="{kind}"><v>{_num(value)}</v></c>'


def _checked(value: Any) -> Any:
    if isinstance(value, str | bool | int | float | Decimal):
        return str(value) if isinstance(value, str) else value
    raise Unsupported(type(value).__name__)


def _with(style: Style, field: int, value: int) -> Style:
    return style[:field] + (value,) + style[field + 1:]


def _footer() -> str:
    return f'&C&"{FONT}"&{FOOTER_SIZE} {PAGE_FOOTER}'


def _view(freeze: tuple[int, int] | None) -> str:
    """The sheet view's frozen pane and selections, as openpyxl's ``freeze_panes`` sets them."""
    row, col = (freeze[0] + 1, freeze[1] + 1) if freeze else (1, 1)
    if (row, col) == (1, 1):
        return '<selection activeCell="A1" sqref="A1"/>'
    split = (f'xSplit="{col - 1}" ' if col > 1 else "") + (f'ySplit="{row - 1}" ' if row > 1 else "")
    active = "bottomRight" if row > 1 and col > 1 else "bottomLeft" if row > 1 else "topRight"
    pane = f'<pane {split}topLeftCell="{column_letter(col - 1)}{row}" activePane="{active}" state="frozen"/>'
    before = '<selection pane="topRight"/><selection pane="bottomLeft"/>' if row > 1 and col > 1 else ""
    return pane + before + f'<selection pane="{active}" activeCell="A1" sqref="A1"/>'


# -- notes ---------------------------------------------------------------------------------

_VML_O = "urn:schemas-microsoft-com:office:office"
_VML_V = "urn:schemas-microsoft-com:vml"
_VML_X = "urn:schemas-microsoft-com:office:excel"
_VML_HEAD = (f'<xml><ns0:shapelayout xmlns:ns0="{_VML_O}" xmlns:ns1="{_VML_V}" ns1:ext="edit">'
             '<ns0:idmap ns1:ext="edit" data="1"/></ns0:shapelayout>'
             f'<ns2:shapetype xmlns:ns2="{_VML_V}" xmlns:ns3="{_VML_O}" id="_x0000_t202" coordsize="21600,21600" '
             'ns3:spt="202" path="m,l,21600r21600,l21600,xe"><ns2:stroke joinstyle="miter"/>'
             '<ns2:path gradientshapeok="t" ns3:connecttype="rect"/></ns2:shapetype>')
_VML_SHAPE = (f'<ns0:shape xmlns:ns0="{_VML_V}" xmlns:ns1="{_VML_O}" type="#_x0000_t202" '
              'style="position:absolute; margin-left:59.25pt;margin-top:1.5pt;width:{width}px;height:{height}px;'
              'z-index:1;visibility:hidden" fillcolor="#ffffe1" ns1:insetmode="auto" id="_x0000_s{id:04d}">'
              '<ns0:fill color2="#ffffe1"/><ns0:shadow color="black" obscured="t"/><ns0:path ns1:connecttype="none"/>'
              '<ns0:textbox style="mso-direction-alt:auto"><div style="text-align:left"/></ns0:textbox>'
              f'<ns2:ClientData xmlns:ns2="{_VML_X}" ObjectType="Note"><ns2:MoveWithCells/><ns2:SizeWithCells/>'
              '<ns2:AutoFill>False</ns2:AutoFill><ns2:Row>{row}</ns2:Row><ns2:Column>{col}</ns2:Column>'
              '</ns2:ClientData></ns0:shape>')


def _notes(notes: dict[tuple[int, int], str]) -> tuple[bytes, bytes]:
    """The comments part and its VML drawing for a sheet's notes (in cell order)."""
    records = "".join(f'<comment ref="{column_letter(c - 1)}{r}" authorId="0" shapeId="0"><text>{_t(text, note=True)}</text>'
                      "</comment>" for (r, c), text in sorted(notes.items()))
    comments = (f'<comments xmlns="{MAIN}"><authors><author>{_text(NOTE_AUTHOR)}</author></authors>'
                f"<commentList>{records}</commentList></comments>")
    shapes = "".join(_VML_SHAPE.format(width=NOTE_WIDTH, height=NOTE_HEIGHT, id=i, row=r - 1, col=c - 1)
                     for i, (r, c) in enumerate(sorted(notes), 1026))
    return comments.encode(), (_VML_HEAD + shapes + "</xml>").encode()


# -- the package ---------------------------------------------------------------------------

_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def fresh_parts(pictures: Iterable[SheetPicture]) -> dict[str, bytes] | None:
    """The parts of a package holding exactly ``pictures`` (part name → bytes), as
    :func:`juesuan.io.xlsx.new_workbook` would save them; None when a picture holds something
    this writer leaves to openpyxl. Strings are cleaned first (:func:`prepare_picture`)."""
    pictures = list(pictures)
    for pic in pictures:
        prepare_picture(pic)
    try:
        return _parts(pictures)
    except Unsupported:
        return None


def _parts(pictures: list[SheetPicture]) -> dict[str, bytes]:
    if len({pic.name for pic in pictures}) != len(pictures):
        raise Unsupported("a sheet pictured twice")
    styles = _Styles()
    parts: dict[str, bytes] = {}
    sheets, rels, names, types = [], [], [], []
    n_notes = 0
    for i, pic in enumerate(pictures, 1):
        sheet = _Sheet(pic, styles)
        part = f"xl/worksheets/sheet{i}.xml"
        parts[part] = sheet.xml(comments=bool(sheet.notes))
        types.append(f'<Override PartName="/{part}" ContentType="{_SHEET_TYPE}"/>')
        if sheet.notes:
            n_notes += 1
            comments, vml = _notes(sheet.notes)
            parts[f"xl/comments/comment{n_notes}.xml"] = comments
            parts[f"xl/drawings/commentsDrawing{n_notes}.vml"] = vml
            parts[f"xl/worksheets/_rels/sheet{i}.xml.rels"] = (
                f'<Relationships xmlns="{PKG_REL}"><Relationship Type="{REL}/comments" '
                f'Target="/xl/comments/comment{n_notes}.xml" Id="comments"/><Relationship Type="{REL}/vmlDrawing" '
                f'Target="/xl/drawings/commentsDrawing{n_notes}.vml" Id="anysvml"/></Relationships>').encode()
            types.append(f'<Override PartName="/xl/comments/comment{n_notes}.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>')
        sheets.append(f'<sheet xmlns:r="{REL}" name="{_attr(pic.name)}" sheetId="{i}" state="{"veryHidden" if pic.hidden else "visible"}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Type="{REL}/worksheet" Target="/{part}" Id="rId{i}"/>')
        if pic.print_title_rows:
            top, bottom = pic.print_title_rows
            title = "'" + pic.name.replace("'", "''") + "'"
            names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i - 1}">'
                         f"{_text(title)}!${top + 1}:${bottom + 1}</definedName>")
    rels.append(f'<Relationship Type="{REL}/styles" Target="styles.xml" Id="rId{len(pictures) + 1}"/>')
    defined = "<definedNames>" + "".join(names) + "</definedNames>" if names else ""
    parts["xl/workbook.xml"] = (f'<workbook xmlns="{MAIN}"><sheets>{"".join(sheets)}</sheets>{defined}'
                                "</workbook>").encode()
    parts["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{PKG_REL}">{"".join(rels)}</Relationships>'.encode()
    parts["xl/styles.xml"] = styles.xml()
    parts["_rels/.rels"] = (f'<Relationships xmlns="{PKG_REL}"><Relationship Type="{REL}/officeDocument" '
                            'Target="xl/workbook.xml" Id="rId1"/></Relationships>').encode()
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.vmlDrawing"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(types) + "</Types>").encode()
    return parts


# -- a whole new package (the department workbook of a consolidation) ----------------------

_BOOK_VIEWS = ('<workbookPr/><bookViews><workbookView visibility="visible" minimized="0" showHorizontalScroll="1" '
               'showVerticalScroll="1" showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" '
               'autoFilterDateGrouping="1"/></bookViews>')
_PROPS_TYPES = ('<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
                '<Override PartName="/docProps/core.xml" '
                'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                '<Override PartName="/docProps/app.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>')
_PART_ORDER = ("[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/workbook.xml",
               "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/theme/theme1.xml")


def package_parts(pictures: Iterable[SheetPicture], theme: bytes | None = None) -> dict[str, bytes] | None:
    """Every part of a new workbook holding exactly ``pictures`` (the first sheet active), in
    package order: :func:`fresh_parts` completed with what openpyxl adds to a package of its
    own — the theme (``theme``, else openpyxl's default, the one its workbooks carry) and the
    document properties. None when a picture is left to openpyxl (see :func:`fresh_parts`)."""
    parts = fresh_parts(pictures)
    if parts is None:
        return None
    if theme is None:
        from openpyxl.writer.theme import theme_xml

        theme = theme_xml.encode()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="dcterms:W3CDTF">{now}'
    parts["docProps/core.xml"] = (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
        '<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">juesuan</dc:creator>'
        f'<dcterms:created xmlns:dcterms="http://purl.org/dc/terms/" {stamp}</dcterms:created>'
        f'<dcterms:modified xmlns:dcterms="http://purl.org/dc/terms/" {stamp}</dcterms:modified>'
        '</cp:coreProperties>').encode()
    parts["docProps/app.xml"] = (b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                                 b'extended-properties"><Application>juesuan</Application></Properties>')
    parts["xl/theme/theme1.xml"] = theme
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", _PROPS_TYPES.encode() + b"</Types>")
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(b"</Relationships>", (
        f'<Relationship Type="{PKG_REL}/metadata/core-properties" Target="docProps/core.xml" Id="rId2"/>'
        f'<Relationship Type="{REL}/extended-properties" Target="docProps/app.xml" Id="rId3"/>'
        "</Relationships>").encode())
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(b"</Relationships>", (
        f'<Relationship Type="{REL}/theme" Target="theme/theme1.xml" Id="rId{rels.count(b"<Relationship ") + 1}"/>'
        "</Relationships>").encode())
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<sheets>", _BOOK_VIEWS.encode() + b"<sheets>", 1)
    first = [name for name in _PART_ORDER if name in parts]
    return {name: parts[name] for name in [*first, *(n for n in parts if n not in _PART_ORDER)]}
