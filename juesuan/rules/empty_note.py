"""``empty_note``: a table without data carries its "无…情况" line, and only then.

Parameters: ``table``; ``text``: the words the note line must contain when the table is
empty (default: the table's ``empty_note`` from the layout spec, without its 注： prefix and
its ending). The lines below the body starting with 注 or 说明 (2020: the sentence below
the note) are searched for it.

    - {id: R16-08-empty-note, type: empty_note, table: "08", text: 无政府性基金预算财政拨款收入、支出及结转和结余情况}
"""

from __future__ import annotations

from juesuan.layout import body_row
from juesuan.port import a1, cell_at
from juesuan.report import CellRef, Finding
from juesuan.rules import register
from juesuan.rules.base import Context, Message, Rule, RuleError, plain

EMPTY = Message("{table}没有数据，应在表下注明“{text}”", "{table} holds no figures: the note below it should say “{text}”")
NOT_EMPTY = Message("{table}有数据，但表下注明“{text}”", "{table} holds figures, but the note below it says “{text}”")


@register("empty_note", {"empty": EMPTY, "not-empty": NOT_EMPTY})
def check(rule: Rule, ctx: Context) -> list[Finding]:
    tid = str(rule.param("table"))
    table = ctx.table_spec(tid)
    text = rule.param("text", None) or (table.empty_note or "").removeprefix("注：").split("，")[0]
    texts: list[tuple[str, str]] = []
    if not text:
        raise RuleError(f"公开{tid}表没有 empty_note，须给出 text / no empty note text")
    values = ctx.table(tid)
    has_data = any(v for r in values.rows() if r.role != "spare" for v in r.values.values())
    grid = ctx.grid(tid)
    first = body_row(table)
    note_at, note = None, ""
    for r in range(first, len(grid)):  # the note line, and (2020) the sentence below it
        lead = str(cell_at(grid, r, 0) or "").strip()
        if lead.startswith(("注", "说明")):
            texts.append((a1(r, 0), lead))
    if texts:
        hit = next(((at, t) for at, t in texts if text in t), None)
        note_at, note = hit or texts[-1]
    cells = [CellRef(table.sheet, note_at or a1(first, 0))]
    if not has_data and text not in note:
        return [plain(rule, cells, tid, rule.template(EMPTY), table=ctx.table_spec(tid).display, text=text)]
    if has_data and text in note:
        return [plain(rule, cells, tid, rule.template(NOT_EMPTY, "data_message"), table=ctx.table_spec(tid).display, text=text)]
    return []
