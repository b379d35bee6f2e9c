"""Scores of a project self-evaluation (项目支出绩效自评), on plain Decimals.

* 执行率 = B / A (undefined when A = 0);
* budget 得分 = 分值 × min(B/A, 1) (the spec's ``zero_budget_score`` when A = 0);
* a "≥" indicator scores 分值 × min(B/A, 1) (a target of 0 is met by any B ≥ 0);
* a "≤" indicator scores 分值 × min(A/B, 1) (an actual of 0 meets any target ≥ 0);
* a 定性 (qualitative) indicator scores what the evaluator entered;
* 总分 = Σ unrounded scores, then half-up to 0.01; 等级 from the rounded 总分.
Ratios are clamped to [0, 1]. Published scores are half-up to 0.01, except where that would
print a 总分 other than the sum of the printed 得分 (:func:`publish_parts`): then the fewest
scores take the other rounding (each stays strictly within a cent of exact), as Fill's
controlled rounding does for the tables.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from juesuan.lazy_re import lazy
from juesuan.money import CENT

ZERO, ONE = Decimal(0), Decimal(1)
RATE_QUANTUM = Decimal("0.0001")  # 执行率 shown as a percentage with two decimals
GE, LE, QUAL = "≥", "≤", "定性"

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％　", "0123456789.,-+% ")
_NUM = lazy(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?|[-+]?\.\d+")
_GE_WORDS = ("≥", ">=", "＞＝", "≧", "正向", "不低于", "不少于", "大于等于", "以上", ">", "＞")
_LE_WORDS = ("≤", "<=", "＜＝", "≦", "反向", "不高于", "不超过", "不多于", "小于等于", "以内", "以下", "<", "＜")


def publish(value: Decimal | None) -> Decimal | None:
    """Half-up to two decimals (scores)."""
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def publish_rate(value: Decimal | None) -> Decimal | None:
    """Half-up to 0.0001 (a rate shown as 91.23%)."""
    return None if value is None else value.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def clamp(ratio: Decimal) -> Decimal:
    return max(ZERO, min(ONE, ratio))


def normalise_direction(value: object) -> str | None:
    """``≥``/``>=``/``不低于`` → ``≥``; ``≤``… → ``≤``; ``定性`` → ``定性``; blank/unknown → None."""
    if value is None:
        return None
    text = str(value).translate(_FULLWIDTH).strip()
    if not text:
        return None
    if "定性" in text:
        return QUAL
    if any(text.startswith(w) or text == w for w in _LE_WORDS):
        return LE
    if any(text.startswith(w) or text == w for w in _GE_WORDS):
        return GE
    return None


def parse_measure(value: object) -> tuple[Decimal | None, str | None]:
    """An indicator value as typed: ``95``, ``"≥95%"``, ``"１,２００个"``, ``"≤30天"`` → (number, direction hint).

    The number keeps the unit the text uses (95% → 95): A and B of a row share their unit.
    """
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, Decimal):
        return value, None
    if isinstance(value, int):
        return Decimal(value), None
    if isinstance(value, float):
        return Decimal(repr(value)), None
    text = str(value).translate(_FULLWIDTH).strip()
    if not text:
        return None, None
    hint = None
    for words, direction in ((_LE_WORDS, LE), (_GE_WORDS, GE)):
        if any(text.startswith(w) for w in words) or any(text.endswith(w) for w in ("以上", "以内", "以下")
                                                           if w in words):
            hint = direction
            break
    m = _NUM.search(text)
    if not m:
        return None, hint
    return Decimal(m.group(0).replace(",", "")), hint


def execution_rate(budget: Decimal | None, spent: Decimal | None) -> Decimal | None:
    """B / A, unrounded; None when A is 0 or either is blank."""
    if budget is None or spent is None or budget == 0:
        return None
    return spent / budget


def budget_score(weight: Decimal | None, budget: Decimal | None, spent: Decimal | None,
                 zero_budget_score: Decimal = ZERO) -> Decimal | None:
    """分值 × min(B/A, 1), unrounded; ``zero_budget_score`` when A = 0; None when incomplete."""
    if weight is None or budget is None or spent is None:
        return None
    if budget == 0:
        return zero_budget_score
    return weight * clamp(spent / budget)


def indicator_score(direction: str | None, weight: Decimal | None, target: Decimal | None,
                    actual: Decimal | None, entered: Decimal | None = None) -> Decimal | None:
    """The unrounded score of one indicator row; None when it cannot be computed."""
    if direction == QUAL:
        return entered
    if weight is None or target is None or actual is None or direction is None:
        return None
    if direction == GE:
        if target == 0:
            return weight if actual >= 0 else ZERO
        return weight * clamp(actual / target)
    if actual == 0:
        return weight if target >= 0 else ZERO
    return weight * clamp(target / actual)


def publish_parts(parts: list[Decimal | None], movable: list[bool]) -> list[Decimal | None]:
    """The printed 得分 of ``parts`` (unrounded scores; None = blank), adding up to the printed
    总分 :func:`total_score`: each half-up to 0.01, then, when their sum misses the 总分, the
    ``movable`` parts (computed, not entered by the evaluator) with the largest remainders
    round up instead (or the smallest, down), in their order among equals. Each printed
    score stays the floor or the ceiling of its exact value, so a sum that half-up already
    gets right is left exactly as half-up prints it. A 总分 the movable parts can't reach (an
    entered score with more than two decimals) leaves every score half-up."""
    printed = [publish(p) for p in parts]
    gap = total_score(parts) - sum((p for p in printed if p is not None), ZERO)
    if not gap:
        return printed
    steps = int(abs(gap) / CENT)
    down = gap < 0
    # those that can take the other rounding: half-up rounded them up (to go down) or down (to go up)
    candidates = [i for i, p in enumerate(parts)
                  if movable[i] and p is not None and printed[i] != p and (printed[i] > p) == down]
    if abs(gap) % CENT or steps > len(candidates):
        return printed
    # going up: the largest remainders first; going down: the smallest (stable among equals)
    candidates.sort(key=lambda i: (parts[i] - printed[i]) if down else -(parts[i] - (printed[i] or ZERO)))
    for i in candidates[:steps]:
        printed[i] = (printed[i] or ZERO) + (-CENT if down else CENT)
    return printed


def total_score(parts: list[Decimal | None]) -> Decimal:
    """Σ unrounded parts, half-up to 0.01 (blank parts count 0)."""
    return publish(sum((p for p in parts if p is not None), ZERO)) or ZERO


def grade_of(total: Decimal | None, grades: list[tuple[str, Decimal]]) -> str | None:
    """The first grade whose minimum the (rounded) 总分 reaches; grades ordered high → low."""
    if total is None:
        return None
    for name, minimum in grades:
        if total >= minimum:
            return name
    return grades[-1][0] if grades else None
