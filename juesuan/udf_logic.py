"""Pure logic behind the Excel worksheet functions (``JS_SUMCODE`` … ``JS_GRADE``).

Nothing here imports xlwings: ``udfs/juesuan_udfs.py`` is a thin layer of decorated
functions that call :func:`excel_call` with one of the functions below, so everything
can be tested with plain Python values.

Conventions
- Inputs arrive in the shapes xlwings passes: a scalar, a 1-D list (a row or column),
  a 2-D list (list of rows, a column being a list of 1-element lists), a tuple, a numpy
  array, a pandas Series or DataFrame. Blank cells are ``None``, ``""``, blank text or NaN.
- Money is ``Decimal``. A float from Excel is read with Excel's 15 significant digits
  (``0.30000000000000004`` → ``0.3``, ``2150510.0`` → ``2150510``), text with
  :func:`juesuan.money.parse_amount`. Sums are exact; rounding is half-up and explicit.
- The functions return ``Decimal``/``str``/nested lists; :func:`excel_call` turns
  ``Decimal`` into float only at the Excel boundary (Excel cells are doubles) and every
  failure into a readable ``#…`` string (``#编码错误: abc``), never a traceback.
- The template format (code list, scoring rules, grade thresholds) of ``JS_NAME``,
  ``JS_ROLLUP``, ``JS_SCORE`` and ``JS_GRADE``: the one given; when blank, that of the
  workbook the formula is in (its 基本信息 › 模板格式, read through a :class:`CallingBook`
  the Excel layer supplies), else the newest format installed
  (:func:`juesuan.spec.newest_format`). See :func:`template_format`.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import pandas as pd

from juesuan.codes import BadCode, ancestors, normalise_code, split_code_name
from juesuan.intervals import compare_sum
from juesuan.money import CENT, NotANumber, parse_amount, round_cents, wan
from juesuan.records import record

CODE_LEVELS = (3, 5, 7)  # 类 / 款 / 项 (经济分类 uses 3 and 5)
TOTAL_LABEL = "合计"
HUNDRED = Decimal(100)
CHECK, APPROX, CROSS = "✓", "≈", "✗"
#: Seconds a calling workbook's format (and the newest format installed) is remembered: a
#: recalculation of many cells reads 基本信息 once, and a workbook closed and another opened
#: under the same name is read afresh.
FORMAT_MEMORY_SECONDS = 5.0
_CACHE_SIZE = 8


class UdfError(ValueError):
    """A readable worksheet error; the message starts with ``#`` and is shown in the cell."""


# ---------------------------------------------------------------- cell values

def is_blank(value: Any) -> bool:
    """``None``, empty or blank text, NaN (pandas' blank) are blank cells."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    return value is pd.NA or value is pd.NaT


def show(value: Any) -> str:
    """A cell value as the user typed/saw it (floats with Excel's 15 digits)."""
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value).strip()


def cell_decimal(value: Any) -> Decimal | None:
    """An amount cell → ``Decimal`` (blank → None); floats keep Excel's 15 significant digits."""
    if is_blank(value):
        return None
    if isinstance(value, float):
        if math.isinf(value):
            raise UdfError(f"#数值错误: {show(value)}")
        return Decimal(format(value, ".15g"))
    try:
        return parse_amount(value)
    except NotANumber:
        raise UdfError(f"#数值错误: {show(value)}") from None


def read_code(value: Any, levels: Sequence[int] = CODE_LEVELS) -> str | None:
    """A code cell → text of 3/5/7 digits (``2150510.0`` → ``"2150510"``); blank → None."""
    if is_blank(value):
        return None
    try:
        code = normalise_code(value)
    except (BadCode, ValueError, OverflowError):
        named = split_code_name(value) if isinstance(value, str) else None  # "[2080505]名称", as Fill reads it
        if named is None:
            raise UdfError(f"#编码错误: {show(value)}") from None
        code = named.code
    if code is None:
        return None
    if not (code.isascii() and code.isdigit()):
        raise UdfError(f"#编码错误: {show(value)}")
    if len(code) not in levels:
        allowed = "、".join(str(n) for n in levels)
        raise UdfError(f"#编码错误: {show(value)}（应为 {allowed} 位数字）")
    return code


def _criterion_text(value: Any) -> str:
    """A criterion cell as comparable text: trimmed, ``1.0`` → ``1``, blank → ``""``."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return show(value)


def _digits(value: Any) -> int:
    if is_blank(value):
        return 2
    number = cell_decimal(value)
    if number is None or number != number.to_integral_value() or not 0 <= number <= 10:
        raise UdfError(f"#参数错误: 小数位数应为 0–10 的整数，而不是 {show(value)}")
    return int(number)


def round_half_up(value: Fraction, digits: int = 2) -> Decimal:
    """Exact half-up (away from zero) rounding of a fraction to ``digits`` decimals."""
    scaled = abs(value) * 10**digits
    units = math.floor(scaled + Fraction(1, 2))
    result = Decimal(units).scaleb(-digits)
    return -result if value < 0 else result


# ---------------------------------------------------------------- shapes

def flatten(values: Any) -> list[Any]:
    """Every cell of a range, row by row (scalar → one cell, None → one blank cell)."""
    if isinstance(values, pd.DataFrame):
        return values.to_numpy(dtype=object).ravel().tolist()
    if isinstance(values, (pd.Series, np.ndarray)):
        return np.asarray(values, dtype=object).ravel().tolist()
    if isinstance(values, (list, tuple)):
        try:  # the common case, a column: a list of 1-cell rows (a 1-char text unpacks to itself)
            return [cell for (cell,) in values]
        except (TypeError, ValueError):
            pass
        kinds = set(map(type, values))  # C-speed; a 100,000-row column is a list of 1-cell lists
        if kinds <= {list, tuple}:
            return list(itertools.chain.from_iterable(values))
        if kinds & {list, tuple}:
            return [cell for v in values for cell in (v if isinstance(v, (list, tuple)) else [v])]
        return list(values)
    return [values]


def to_grid(values: Any) -> tuple[list[list[Any]], str]:
    """A range as rows of cells plus its kind: ``scalar``, ``line`` (1-D) or ``grid`` (2-D)."""
    if isinstance(values, pd.DataFrame):
        return values.to_numpy(dtype=object).tolist(), "grid"
    if isinstance(values, pd.Series):
        return [values.to_numpy(dtype=object).tolist()], "line"
    if isinstance(values, np.ndarray):
        if values.ndim == 0:
            return [[values.item()]], "scalar"
        if values.ndim == 1:
            return [values.astype(object).tolist()], "line"
        return values.astype(object).reshape(values.shape[0], -1).tolist(), "grid"
    if isinstance(values, (list, tuple)):
        if values and set(map(type, values)) <= {list, tuple}:
            rows = [list(row) for row in values]
            if len({len(row) for row in rows}) > 1:
                raise UdfError("#参数错误: 区域各行长度不一致")
            return rows, "grid"
        return [list(values)], "line"
    return [[values]], "scalar"


def from_grid(rows: list[list[Any]], kind: str) -> Any:
    """Inverse of :func:`to_grid`; a 1×1 result is returned as a single value."""
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    if kind == "line":
        return rows[0]
    return rows


def elementwise(fn: Callable[..., Any], *args: Any) -> Any:
    """Apply ``fn`` cell by cell; ranges must share one shape, single cells broadcast.

    A cell whose computation fails shows its own ``#…`` message; the others are kept.
    """
    grids = [to_grid(arg) for arg in args]
    sizes = [(len(rows), len(rows[0]) if rows else 0) for rows, _ in grids]
    ranged = [k for k, size in enumerate(sizes) if size != (1, 1)]
    if not ranged:
        return _cell(fn, *(rows[0][0] for rows, _ in grids))
    shape = sizes[ranged[0]]
    if any(sizes[k] != shape for k in ranged):
        raise UdfError("#参数错误: 各区域大小不一致")
    out = [
        [_cell(fn, *(rows[i][j] if k in ranged else rows[0][0] for k, (rows, _) in enumerate(grids)))
         for j in range(shape[1])]
        for i in range(shape[0])
    ]
    return from_grid(out, grids[ranged[0]][1])


def _cell(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except UdfError as exc:
        return str(exc)


# ---------------------------------------------------------------- the template format

class CallingBook(Protocol):
    """The workbook a worksheet function is computed in, as the Excel layer sees it
    (:class:`juesuan.excel.udf_caller.CallerBook` over xlwings' ``caller`` range)."""

    @property
    def key(self) -> str:
        """Names the open workbook (its full name); ``""`` when it can't be known."""
        ...

    def template_format(self) -> str:
        """The workbook's 基本信息 › 模板格式 as shown; ``""`` when it has none."""
        ...


_BOOK_FORMATS: dict[str, tuple[float, str, str]] = {}  # key → (when read, 模板格式, error text)
_NEWEST: dict[str, tuple[float, str]] = {}  # "" → (when looked up, the newest format)


def newest_format() -> str:
    """The newest template format installed (:func:`juesuan.spec.newest_format`), remembered
    for :data:`FORMAT_MEMORY_SECONDS` (the lookup lists the spec folders)."""
    now = time.monotonic()
    hit = _NEWEST.get("")
    if hit is None or now - hit[0] > FORMAT_MEMORY_SECONDS:
        from juesuan.spec import newest_format as lookup

        hit = _NEWEST[""] = (now, lookup())
    return hit[1]


def book_format(book: CallingBook | None) -> str | None:
    """The format recorded in the calling workbook, or None when there is none to know (no
    caller, not a 决算 workbook, 模板格式 blank). A format this installation lacks is an error:
    the workbook says which format it is, and another one's names would be wrong."""
    if book is None:
        return None
    key = book.key
    if not key:
        return None
    now = time.monotonic()
    hit = _BOOK_FORMATS.get(key)
    if hit is None or now - hit[0] > FORMAT_MEMORY_SECONDS:
        hit = _BOOK_FORMATS[key] = (now, *_checked(book.template_format()))
    _, found, problem = hit
    if problem:
        raise UdfError(problem)
    return found or None


def _checked(found: str) -> tuple[str, str]:
    """(format, error text): the recorded format if this installation has it."""
    from juesuan.spec import available_formats

    found = found.strip()
    known = available_formats()
    if found and found not in known:
        return found, (f"#参数错误: 本工作簿的模板格式 {found} 未安装（已有 {'、'.join(known)}），"
                       "请在函数的最后一个参数中指定格式")
    return found, ""


def template_format(fmt: Any, book: CallingBook | None = None) -> str:
    """The format a worksheet function works in: ``fmt`` when given (``2019``, ``2020-b``);
    when blank, the calling workbook's (:func:`book_format`); else the newest installed."""
    if not is_blank(fmt):
        return _criterion_text(fmt)
    return book_format(book) or newest_format()


# ---------------------------------------------------------------- code sums (JS_SUMCODE, JS_ROLLUP)

@record
class CodeBook:
    """Exact sums of one (codes, amounts[, criteria]) input, grouped by code and criteria values."""

    sums: dict[tuple[str, str, str], Decimal]
    nested: dict[str, str]  # a code present together with one of its descendants → that descendant
    memo: dict[Any, Any] = field(default_factory=dict)

    def total(self, prefix: str, value1: str | None = None, value2: str | None = None) -> Decimal:
        key = (prefix, value1, value2)
        if key not in self.memo:
            for parent, child in self.nested.items():
                if parent.startswith(prefix):
                    raise UdfError(f"#层级重复: {parent} 与下级 {child} 同时出现，按前缀求和会重复计算")
            self.memo[key] = sum(
                (amount for (code, k1, k2), amount in self.sums.items()
                 if code.startswith(prefix) and value1 in (None, k1) and value2 in (None, k2)),
                Decimal(0),
            )
        return self.memo[key]


_BOOKS: list[tuple[list[list[Any] | None], CodeBook]] = []  # most recently used last


def _same(cached: list[list[Any] | None], columns: list[list[Any] | None]) -> bool:
    """Equal content? A cheap sample first, then every cell (no hashing of 100,000 cells)."""
    for old, new in zip(cached, columns, strict=True):
        if old is None or new is None:
            if old is not new:
                return False
        elif len(old) != len(new) or old[:: len(old) // 64 + 1] != new[:: len(new) // 64 + 1]:
            return False
    return cached == columns


def code_book(codes: Any, amounts: Any, criteria1: Any = None, criteria2: Any = None) -> CodeBook:
    """The grouped sums of a range, cached by content (Excel passes new lists on every call)."""
    columns = [flatten(codes), flatten(amounts)]
    for crit in (criteria1, criteria2):
        columns.append(flatten(crit) if crit is not None else None)
    n = len(columns[0])
    names = ("金额", "条件区域1", "条件区域2")
    for name, column in zip(names, columns[1:], strict=True):
        if column is not None and len(column) != n:
            raise UdfError(f"#参数错误: 编码区域有 {n} 个单元格，{name}有 {len(column)} 个")
    for k, (cached, book) in enumerate(_BOOKS):
        if _same(cached, columns):
            _BOOKS.append(_BOOKS.pop(k))
            return book
    book = _build_book(*columns)
    _BOOKS.append((columns, book))
    del _BOOKS[:-_CACHE_SIZE]
    return book


def _factorize(column: list[Any], reader: Callable[[Any], str | None]) -> tuple[np.ndarray, list[str | None]]:
    """Per-row ids into a list of distinct normalised values (each distinct raw value read once)."""
    seen: dict[Any, int] = dict.fromkeys(column)
    for i, raw in enumerate(seen):
        seen[raw] = i
    raw_ids = np.array(list(map(seen.__getitem__, column)), dtype=np.int64)
    texts: list[str | None] = []
    index: dict[str | None, int] = {}
    mapping = np.empty(len(seen), dtype=np.int64)
    for i, raw in enumerate(seen):
        text = reader(raw)
        mapping[i] = slot = index.setdefault(text, len(texts))
        if slot == len(texts):
            texts.append(text)
    return mapping[raw_ids], texts


def _group_sums(group: np.ndarray, values: np.ndarray, groups: int) -> dict[int, int]:
    """Exact integer sums of ``values`` per group id (ids in ``range(groups)``)."""
    if not len(values):
        return {}
    magnitude = float(np.abs(values).sum(dtype=np.float64))
    if magnitude < 2**52 and groups <= 4 * len(values) + 1024:
        # every partial sum is an integer below 2**53, so float accumulation is exact
        totals = np.bincount(group, weights=values.astype(np.float64), minlength=groups)
        counts = np.bincount(group, minlength=groups)
        return {int(g): int(totals[g]) for g in np.flatnonzero(counts)}
    series = pd.Series(values if magnitude < 2**62 else values.astype(object))
    return {int(g): int(t) for g, t in series.groupby(group, sort=False).sum().items()}


def _build_book(codes: list, amounts: list, crit1: list | None, crit2: list | None) -> CodeBook:
    n = len(codes)
    code_ids, code_texts = _factorize(codes, read_code)
    ids1, texts1 = _factorize(crit1, _criterion_text) if crit1 is not None else (np.zeros(n, np.int64), [""])
    ids2, texts2 = _factorize(crit2, _criterion_text) if crit2 is not None else (np.zeros(n, np.int64), [""])
    group = (code_ids * len(texts1) + ids1) * len(texts2) + ids2
    cents, scale, exact, slow_rows = _scaled_amounts(amounts)
    blank_code = np.array([text is None for text in code_texts], dtype=bool)[code_ids]
    keep = exact & ~blank_code
    sums: dict[tuple[str, str, str], Decimal] = {}

    def key_of(gid: int) -> tuple[str, str, str]:
        rest, k2 = divmod(gid, len(texts2))
        c, k1 = divmod(rest, len(texts1))
        return code_texts[c] or "", texts1[k1] or "", texts2[k2] or ""

    groups = len(code_texts) * len(texts1) * len(texts2)
    for gid, total in _group_sums(group[keep], cents[keep], groups).items():
        sums[key_of(gid)] = Decimal(total).scaleb(-scale)
    for row in slow_rows:
        amount = cell_decimal(amounts[row])
        if amount is None or blank_code[row]:
            continue
        key = key_of(int(group[row]))
        sums[key] = sums.get(key, Decimal(0)) + amount
    present = {text for text in code_texts if text}
    nested = {}
    for code in sorted(present, key=len):
        for parent in ancestors(code, CODE_LEVELS)[:-1]:
            if parent in present:
                nested.setdefault(parent, code)
    return CodeBook(sums, nested)


def _scaled_amounts(amounts: list[Any]) -> tuple[np.ndarray, int, np.ndarray, list[int]]:
    """Vectorised exact reading of float amounts as integers of 10**-scale.

    Returns (scaled ints, scale, mask of rows read exactly this way, rows to read one by one).
    A float is taken on the fast path only when it is the double nearest to k / 10**scale
    with |k| < 10**15, so the integer equals the cell's 15-digit decimal value exactly.
    """
    n = len(amounts)
    kinds = set(map(type, amounts))
    if kinds <= {float, type(None)}:
        is_float = np.ones(n, dtype=bool)
    else:
        is_float = np.fromiter((type(v) is float for v in amounts), dtype=bool, count=n)
    floats = np.array([v if f else np.nan for v, f in zip(amounts, is_float, strict=True)], dtype=np.float64) \
        if not is_float.all() else np.array(amounts, dtype=np.float64)
    finite = np.isfinite(floats)
    if np.isinf(floats).any():
        bad = floats[np.isinf(floats)][0]
        raise UdfError(f"#数值错误: {show(float(bad))}")
    best = None
    with np.errstate(invalid="ignore", over="ignore"):
        for scale in (2, 4, 6):
            factor = 10.0**scale
            scaled = np.rint(floats * factor)
            ok = finite & (np.abs(scaled) < 1e15) & (scaled / factor == floats)
            if best is None or ok.sum() > best[2].sum():
                best = (scaled, scale, ok)
            if ok.sum() == finite.sum():
                break
    scaled, scale, ok = best
    ints = np.where(ok, scaled, 0).astype(np.int64)
    slow = np.flatnonzero(~ok & ~(is_float & np.isnan(floats))).tolist()
    return ints, scale, ok, slow


def sum_by_code(codes: Any, amounts: Any, prefix: Any, criteria1: Any = None, value1: Any = None,
                criteria2: Any = None, value2: Any = None) -> Any:
    """Σ amounts whose code starts with ``prefix`` (类/款/项; blank or 合计 = all), optionally
    only rows whose criteria columns equal the given values. ``prefix`` may be a range:
    the answer then has its shape. Exact ``Decimal`` sums, in the unit of the amounts."""
    wanted = []
    for n, (crit, value) in enumerate(((criteria1, value1), (criteria2, value2)), start=1):
        if crit is None:
            wanted.append(None)
            continue
        if isinstance(value, (list, tuple, pd.Series, pd.DataFrame, np.ndarray)):
            raise UdfError(f"#参数错误: 条件值{n}应为单个值")
        if is_blank(value):
            raise UdfError(f"#参数错误: 给了条件区域{n}，但没有条件值{n}")
        wanted.append(_criterion_text(value))
    book = code_book(codes, amounts, criteria1, criteria2)

    def one(p: Any) -> Decimal:
        text = "" if is_blank(p) or show(p) == TOTAL_LABEL else read_code(p)
        return book.total(text or "", wanted[0], wanted[1])

    return elementwise(one, prefix)


@lru_cache(maxsize=4)
def _code_names(fmt: str) -> tuple[dict[str, str], dict[str, str]]:
    from juesuan.errors import InputError
    from juesuan.spec import SpecError, load_spec

    try:
        codes = load_spec(fmt).codes
    except SpecError as exc:
        raise UdfError(f"#科目表错误: {exc}") from None
    except InputError as exc:  # an unknown format
        raise UdfError(f"#科目表错误: {exc.problems[0].message_zh}") from None
    return codes.functional, codes.economic


def code_name(code: Any, fmt: Any = None, book: CallingBook | None = None) -> str:
    """The name of a 功能分类 (7 digits, or 3/5) or 经济分类 (3/5) code in the format's list
    (:func:`template_format`: blank ``fmt`` = the calling workbook's, else the newest)."""
    text = read_code(code)
    if text is None:
        return ""
    fmt = template_format(fmt, book)
    functional, economic = _code_names(fmt)
    name = functional.get(text) if len(text) == 7 else functional.get(text) or economic.get(text)
    if name is None:
        raise UdfError(f"#未收录: {text} 不在 {fmt} 年科目表中")
    return name


def rollup(codes: Any, amounts: Any, fmt: Any = None, book: CallingBook | None = None) -> list[list[Any]]:
    """Rows ``[code, name, total]`` for every 类/款/项 present, sorted by code, ``合计`` first;
    names from the code list of :func:`template_format`."""
    sums = code_book(codes, amounts)
    fmt = template_format(fmt, book)
    if ("rollup", fmt) not in sums.memo:
        if sums.nested:
            parent, child = next(iter(sums.nested.items()))
            raise UdfError(f"#层级重复: {parent} 与下级 {child} 同时出现，汇总会重复计算")
        functional, economic = _code_names(fmt)
        totals: dict[str, Decimal] = {}
        grand = Decimal(0)
        for (code, _, _), amount in sums.sums.items():
            grand += amount
            for level in ancestors(code, CODE_LEVELS):
                totals[level] = totals.get(level, Decimal(0)) + amount
        rows: list[list[Any]] = [[TOTAL_LABEL, "", grand]]
        for code in sorted(totals):
            rows.append([code, functional.get(code) or economic.get(code) or "", totals[code]])
        sums.memo[("rollup", fmt)] = rows
    return [list(row) for row in sums.memo[("rollup", fmt)]]


# ---------------------------------------------------------------- amounts and percentages

def to_wan(yuan: Any) -> Decimal | None:
    """元 → 万元, half-up to 0.01 (blank → blank)."""
    amount = cell_decimal(yuan)
    return None if amount is None else wan(amount)


def percent(part: Any, base: Any, digits: Any = 2) -> Decimal:
    """``part / base × 100`` half-up to ``digits`` decimals (blank part = 0; base 0 → ``#无基数``)."""
    places = _digits(digits)
    base_value = cell_decimal(base)
    if not base_value:
        raise UdfError("#无基数: 分母为 0 或空白，百分比无意义")
    part_value = cell_decimal(part) or Decimal(0)
    return round_half_up(Fraction(part_value) * 100 / Fraction(base_value), places)


def shares(values: Any, digits: Any = 2) -> Any:
    """Largest-remainder percentages of each cell, summing to exactly 100 (same shape; blank → blank)."""
    places = _digits(digits)
    rows, kind = to_grid(values)
    cells = [(i, j, cell_decimal(v)) for i, row in enumerate(rows) for j, v in enumerate(row)]
    present = [(i, j, v) for i, j, v in cells if v is not None]
    if any(v < 0 for _, _, v in present):
        raise UdfError("#参数错误: 含负数，无法按比例分配")
    total = sum((v for _, _, v in present), Decimal(0))
    if total == 0:
        raise UdfError("#无基数: 合计为 0，无法计算占比")
    units = 100 * 10**places
    exact = [Fraction(v) * units / Fraction(total) for _, _, v in present]
    floors = [math.floor(q) for q in exact]
    spare = units - sum(floors)
    order = sorted(range(len(present)), key=lambda k: (-(exact[k] - floors[k]), -present[k][2], k))
    for k in order[:spare]:
        floors[k] += 1
    out: list[list[Any]] = [[None] * len(row) for row in rows]
    for (i, j, _), units_k in zip(present, floors, strict=True):
        out[i][j] = Decimal(units_k).scaleb(-places).quantize(Decimal(1).scaleb(-places))
    return from_grid(out, kind)


def _format_difference(value: Decimal) -> str:
    cents = round_cents(value)
    return f"{cents:f}" if cents == value else f"{value.normalize():f}"


def consistency(total: Any, items: Any) -> str:
    """``✓`` when total = Σ items to the cent, ``≈ 舍入差 d`` when rounding explains d, else ``✗ 差 d``.

    ``d`` = total − Σ items; each figure stands for ±0.005 (rounded to 0.01), see
    :mod:`juesuan.intervals`.
    """
    cells = flatten(total)
    if len(cells) != 1:
        raise UdfError("#参数错误: 合计应为单个单元格")
    stated = cell_decimal(cells[0])
    parts = [(1, cell_decimal(v)) for v in flatten(items)]
    verdict = compare_sum(stated, parts)
    if verdict.status == "ok":
        return CHECK
    diff = _format_difference(verdict.difference)
    if verdict.status == "rounding":
        return f"{APPROX} 舍入差 {diff}"
    return f"{CROSS} 差 {diff}"


# ---------------------------------------------------------------- self-evaluation (绩效自评)
# One rule, one implementation: the rates, scores, direction words and grades are the ones
# Fill computes (juesuan.evaluation.scoring), with the spec's grade thresholds and zero-budget
# score (evaluation-<format>.yaml). Only reading cells and the error texts are added here.

BUDGET_WORDS = ("预算", "预算执行", "预算执行率", "执行率")


@lru_cache(maxsize=4)
def _eval_config(fmt: str) -> Any:
    from juesuan.errors import InputError
    from juesuan.evaluation.model import config
    from juesuan.spec import SpecError, load_spec

    try:
        cfg = config(load_spec(fmt))
    except SpecError as exc:
        raise UdfError(f"#参数错误: 模板格式 {fmt}：{exc}") from None
    except InputError as exc:  # an unknown format
        raise UdfError(f"#参数错误: 模板格式 {fmt}：{exc.problems[0].message_zh}") from None
    if cfg is None:
        raise UdfError(f"#参数错误: 模板格式 {fmt} 没有绩效自评规则")
    return cfg


def _measure(value: Any) -> Decimal | None:
    """A 年度指标值/实际完成值 as Fill reads it (``≥95%`` → 95); floats with Excel's 15 digits."""
    from juesuan.evaluation.scoring import parse_measure

    if isinstance(value, float):
        return cell_decimal(value)
    number, _hint = parse_measure(None if is_blank(value) else value)
    return number


def rate(budget: Any, actual: Any) -> Decimal:
    """执行率 B/A as a percentage, half-up to 2 decimals (A = 0 or blank → ``#无预算数``)."""
    from juesuan.evaluation.scoring import execution_rate, publish_rate

    a = cell_decimal(budget)
    if not a:
        raise UdfError("#无预算数: 全年预算数(A)为 0，执行率无意义")
    b = cell_decimal(actual) or Decimal(0)
    return publish_rate(execution_rate(a, b)) * HUNDRED


def direction_of(value: Any) -> str:
    """``≥``/``>=``/``不低于``/``正向`` → ``≥``; ``≤``… → ``≤``; ``定性``; ``预算`` (the budget row)."""
    from juesuan.evaluation.scoring import normalise_direction

    text = "" if is_blank(value) else show(value).replace(" ", "").replace("　", "")
    if text in BUDGET_WORDS:
        return "预算"
    direction = normalise_direction(text)
    if direction is None:
        raise UdfError(f"#方向错误: “{text}”应为 ≥（正向）、≤（反向）或 预算")
    return direction


def score(target: Any, actual: Any, weight: Any, direction: Any, fmt: Any = None,
          book: CallingBook | None = None) -> Decimal:
    """The published score of one row, as Fill computes it: ``≥`` 分值 × min(B/A, 1),
    ``≤`` 分值 × min(A/B, 1), ``预算`` the budget row (A = 0 → the zero-budget score of the
    spec of :func:`template_format`); half-up to 0.01."""
    from juesuan.evaluation import scoring
    from juesuan.evaluation.model import Indicator

    cfg = _eval_config(template_format(fmt, book))
    if is_blank(direction):  # as Fill: the hint in A (≥95%), or ≥ for two plain numbers
        kind = Indicator(target=target, actual=actual).effective_direction
        if kind is None:
            raise UdfError("#方向错误: 未填指标方向，且年度指标值(A)中没有 ≥/≤")
    else:
        kind = direction_of(direction)
    if kind == scoring.QUAL:
        raise UdfError("#参数错误: 定性指标的得分由评价人填写，不能计算")
    values = []
    for label, value in (("年度指标值(A)", target), ("实际完成值(B)", actual), ("分值", weight)):
        number = _measure(value) if label != "分值" else cell_decimal(value)
        if number is None:
            raise UdfError(f"#参数错误: {label}为空或不是数字（{show(value) if not is_blank(value) else '空白'}）")
        values.append(number)
    a, b, w = values
    if kind == "预算":
        result = scoring.budget_score(w, a, b, cfg.zero_budget_score)
    else:
        result = scoring.indicator_score(kind, w, a, b)
    assert result is not None  # every input is present
    return scoring.publish(result)


def grade(value: Any, fmt: Any = None, book: CallingBook | None = None) -> str:
    """等级 of a 总分 after rounding to 0.01, with the thresholds of the spec of
    :func:`template_format` (blank → blank)."""
    from juesuan.evaluation.scoring import grade_of, publish

    number = cell_decimal(value)
    if number is None:
        return ""
    return grade_of(publish(number), _eval_config(template_format(fmt, book)).grades) or ""


# ---------------------------------------------------------------- the Excel boundary

def to_excel(value: Any) -> Any:
    """``Decimal`` → float (Excel cells are doubles), None → ``""``, recursively in lists."""
    if isinstance(value, list):
        return [to_excel(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    return value


def excel_call(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn`` for a worksheet function: results for Excel, failures as ``#…`` text."""
    try:
        return to_excel(fn(*args))
    except UdfError as exc:
        return str(exc)
    except Exception as exc:  # a worksheet cell must never show a traceback
        return f"#内部错误: {type(exc).__name__}: {exc}"


__all__ = [
    "CENT", "CallingBook", "CodeBook", "UdfError", "book_format", "cell_decimal", "code_book", "code_name",
    "consistency", "direction_of", "elementwise", "excel_call", "flatten", "from_grid", "grade", "is_blank",
    "newest_format", "percent", "rate", "read_code", "rollup", "round_half_up", "score", "shares", "show",
    "sum_by_code", "template_format", "to_excel", "to_grid", "to_wan",
]
