"""``detail``: every published figure equals what the detail sheets imply.

When the detail sheets (收入明细, 支出明细 …) hold data, the tables are recomputed with
:func:`juesuan.ledger.read_ledger` (read once for every rule, :meth:`Context.ledger`) and
:func:`juesuan.fill.fill_accounts` (the same engine as Fill: exact values first, the
controlled rounding only when a figure is a cent or more from exact, taken from the record
Fill keeps of it when that matches the ledger — :func:`implied_accounts`,
:mod:`juesuan.rounding_record`) and compared with the sheets figure by figure, by intervals: a published figure
agrees with the detail sheets when it lies within the rounding bound of its exact value —
strictly less than a cent away (the floor or the ceiling of the exact value, as any correct
rounding prints, half-up or controlled), or no further than Fill's own figure is (the bound
Fill guarantees and prints). So a workbook rounded half-up figure by figure (by hand, or by
SUMIFS formulas) raises no error here; its non-additive totals are the sum rules' rounding
notes. ``tolerance`` widens the bound. Detail sheets that are present but empty (an imported
disclosure) make the rule not applicable; problems in the detail rows are reported at their
cells.

Parameters: ``tables`` (default: every table of the spec).
"""

from __future__ import annotations

from decimal import Decimal

from juesuan.errors import InputError
from juesuan.fill import Computation
from juesuan.intervals import Verdict
from juesuan.ledger import Ledger
from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import (
    ROUNDING,
    Cell,
    Context,
    Message,
    Rule,
    RuleError,
    SheetMissing,
    judge,
    plain,
    refs_of,
    render,
)
from juesuan.tables import FilledAccounts, TableRow

MESSAGE = Message("{where}与明细表不符：按明细应为 {expected}，表中为 {actual}，差额 {difference}",
                  "{where} does not match the detail sheets: they imply {expected}, the table shows {actual},"
                  " difference {difference}")
MISSING_ROW = Message("{table}缺少“{row}”行：按明细该行应为 {expected}",
                      "{table} lacks the row “{row}”: the detail sheets imply {expected} for it")
EXTRA_ROW = Message("{where}在明细表中没有对应数据，表中为 {actual}",
                    "{where} has no data on the detail sheets, the table shows {actual}")
UNFILLED = Message("公开表尚未填充：明细表有 {lines} 行数据，而各公开表的数字均为空。请先运行“填充”（juesuan fill），再校验",
                   "The tables have not been filled: the detail sheets hold {lines} lines and every figure of"
                   " every table is blank. Run Fill (juesuan fill) first, then check")
LEDGER = Message("明细表有误，无法与公开表比对：{problem}",
                 "The detail sheets have an error, they can't be compared with the tables: {problem}")
ZERO = Decimal(0)
CENT = Decimal("0.01")


def _problems(rule: Rule, exc: InputError) -> list[Finding]:
    out = []
    for p in exc.problems:
        cells = [CellRef(p.sheet, p.cell)] if p.sheet and p.cell else []
        out.append(plain(rule, cells, None, LEDGER, severity=p.severity if p.severity != "error" else None,
                         problem=p.message_zh, en={"problem": p.message_en}))
    return out


@register("detail", {"message": MESSAGE, "missing-row": MISSING_ROW, "extra-row": EXTRA_ROW,
                    "ledger": LEDGER, "rounding": ROUNDING, "unfilled": UNFILLED})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    spec = ctx.spec
    missing = [s.sheet for s in spec.inputs if s.sheet not in ctx.sheet_names and not s.optional]
    if missing:  # deleted or renamed: one finding per sheet for the whole check (validate groups them)
        raise SheetMissing(missing[0])
    try:
        ledger = ctx.ledger()  # read once: later rules (ledger-*, units) look at it too
    except InputError as exc:
        return _problems(rule, exc)
    if not ledger.line_count:  # (line_count: a large ledger's lines are built only if needed)
        return []
    if _never_filled(rule, ctx) and any(line.amount for line in ledger.lines):  # one finding, not one per figure
        return [plain(rule, [], None, rule.template(UNFILLED, "unfilled"), lines=len(ledger.lines))]
    try:
        accounts = implied_accounts(rule, ctx, ledger)
    except InputError as exc:
        return _problems(rule, exc)
    except Exception as exc:  # noqa: BLE001 - an engine failure must not crash the whole check
        raise RuleError(f"无法由明细表计算公开表 / cannot compute the tables from the details: {exc!r}") from exc
    return compare_accounts(rule, ctx, accounts, MESSAGE)


def _never_filled(rule: Rule, ctx: Context) -> bool:
    """Whether every figure of every table the rule compares is blank (a workbook whose
    detail sheets were typed and never filled)."""
    for tid in [str(t) for t in rule.param("tables", None) or [t.id for t in ctx.spec.tables]]:
        ctx.table_spec(tid)
        for row in ctx.table(tid).rows():
            if any(v is not None for v in row.values.values()):
                return False
    return True


def implied_accounts(rule: Rule, ctx: Context, ledger: Ledger) -> FilledAccounts:
    """What ``ledger`` implies for the comparison of :func:`compare_accounts`: Fill's rounded
    figures straight away when the workbook keeps a record of Fill's rounding of this very
    ledger (:mod:`juesuan.rounding_record`); else first the exact values alone (no controlled
    rounding, no repair pass), and Fill's rounded figures only when they can change a
    verdict — a published figure a cent (plus ``tolerance``) or more from its exact value, or
    a table row missing. Within a cent any rounding agrees (:func:`within_bound`), so the
    findings are the same either way."""
    from juesuan import rounding_record

    computation = Computation(ctx.spec, ledger)
    recorded = computation.recorded_accounts(  # Fill's own rounding, when it left a record of it
        lambda leaves: rounding_record.apply(ctx.port, ctx.spec, leaves), rounding_record.MAX_OFF)
    if recorded is not None:
        return recorded
    exact = computation.accounts(rounded=False)
    if _exact_decides(rule, ctx, exact):
        return exact
    return computation.accounts()  # the same tables, rounded as Fill rounds them


def _exact_decides(rule: Rule, ctx: Context, accounts: FilledAccounts) -> bool:
    """Whether every figure :func:`compare_accounts` would judge lies within a cent (plus
    ``tolerance``) of its exact value, and no table row is missing."""
    for tid in [str(t) for t in rule.param("tables", None) or [t.id for t in ctx.spec.tables]]:
        ctx.table_spec(tid)
        for row in accounts.tables[tid].rows():
            if row.role == "spare" or not row.values:
                continue
            actual = ctx.row(tid, row.key)
            if actual is None:
                return False
            for col in row.values:
                if col not in actual.values:
                    continue
                exact = accounts.exact.get((tid, row.key, col))
                if exact is None:  # no figure (an empty table): blank whether rounded or not
                    continue
                if not abs((actual.values[col] or ZERO) - exact) < CENT + rule.tolerance:
                    return False
    return True


def compare_accounts(rule: Rule, ctx: Context, accounts: FilledAccounts, message: Message = MESSAGE,
                     missing_row: Message = MISSING_ROW, extra_row: Message = EXTRA_ROW) -> list[Finding]:
    """Every figure of the workbook's tables against ``accounts`` (what some ledger implies):
    a finding per figure that differs (beyond ``tolerance``), per missing or extra row."""
    tables = [str(t) for t in rule.param("tables", None) or [t.id for t in ctx.spec.tables]]
    out: list[Finding] = []
    for tid in tables:
        ctx.table_spec(tid)
        implied = accounts.tables[tid]
        sheet = ctx.sheet(tid)
        seen: set[str] = set()
        for row in implied.rows():
            if row.role == "spare" or not row.values:
                continue
            seen.add(row.key)
            actual = ctx.row(tid, row.key)
            if actual is None:
                if any(v for v in row.values.values()):
                    out.append(plain(rule, [], tid, rule.template(missing_row, "missing_row_message"),
                                     table=ctx.table_spec(tid).display, row=ctx.row_label(tid, row, row.key),
                                     expected="、".join(f"{v:.2f}" for v in row.values.values() if v is not None)))
                continue
            for col, want in row.values.items():
                out += _compare(rule, ctx, tid, sheet, actual, col, want, accounts.exact.get((tid, row.key, col)),
                                message)
        for actual in ctx.table(tid).rows():
            if actual.role == "spare" or actual.key in seen:
                continue
            for col, have in actual.values.items():
                if have:
                    address = actual.cells.get(col)
                    cell = Cell(have, CellRef(sheet, address) if address else None, tid, actual.key, col,
                                ctx.describe(tid, actual, actual.key, col))
                    message = render(extra_row.zh, where=cell.label, actual=f"{have:.2f}")
                    out.append(Finding(rule.id, rule.severity, message, refs_of([cell]), ZERO, have, have, tid,
                                       message_en=render(extra_row.en, where=cell.label, actual=f"{have:.2f}")))
    return out


def within_bound(have: Decimal | None, want: Decimal | None, exact: Decimal | None,
                 tolerance: Decimal = ZERO) -> bool:
    """Whether a published figure ``have`` agrees with the detail sheets: Fill's figure
    ``want`` (± ``tolerance``), or within the rounding bound of the ``exact`` value —
    strictly under a cent away, or no further than Fill's own figure."""
    have, want = have or ZERO, want or ZERO
    if abs(have - want) <= tolerance:
        return True
    if exact is None:
        return False
    off = abs(have - exact)
    return off < CENT + tolerance or off <= abs(want - exact) + tolerance


def _compare(rule: Rule, ctx: Context, tid: str, sheet: str, actual: TableRow, col: str,
             want: Decimal | None, exact: Decimal | None = None, message: Message = MESSAGE) -> list[Finding]:
    have = actual.values.get(col)
    if col not in actual.values:
        return []
    difference = (have or ZERO) - (want or ZERO)
    if within_bound(have, want, exact, rule.tolerance):
        return []
    address = actual.cells.get(col)
    cell = Cell(have, CellRef(sheet, address) if address else None, tid, actual.key, col,
                ctx.describe(tid, actual, actual.key, col))
    verdict = Verdict("error", want or ZERO, have or ZERO, difference, rule.tolerance)
    finding = judge(rule, verdict, [cell], tid, where=cell.label, default=message)
    return [finding] if finding else []
