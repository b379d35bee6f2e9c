"""``@record`` behaves as ``@dataclass`` does: equality, hashing, repr, frozenness, pickling,
``replace`` — compared side by side on twin classes, one of each kind."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal

import pytest

from juesuan.ledger import LedgerLine
from juesuan.records import record
from juesuan.spec.model import Ref


@dataclasses.dataclass(frozen=True)
class FrozenTwin:
    sign: int
    row: str
    col: str | None = None


@record(frozen=True)
class FrozenRecord:
    sign: int
    row: str
    col: str | None = None


@dataclasses.dataclass
class MutableTwin:
    key: str
    values: list[int] = dataclasses.field(default_factory=list)


@record
class MutableRecord:
    key: str
    values: list[int] = dataclasses.field(default_factory=list)


@record(frozen=True)
class One:
    value: str


@record(frozen=True)
class Child(FrozenRecord):
    extra: int = 0


CASES = [((1, "a"), (1, "a")), ((1, "a", "x"), (1, "a", "x")), ((1, "a"), (-1, "a")), ((1, "a", "x"), (1, "a", None))]


@pytest.mark.parametrize(("left", "right"), CASES)
def test_frozen_equality_and_hash_match_dataclass(left: tuple, right: tuple) -> None:
    twin_equal = FrozenTwin(*left) == FrozenTwin(*right)
    assert (FrozenRecord(*left) == FrozenRecord(*right)) is twin_equal
    assert (FrozenRecord(*left) != FrozenRecord(*right)) is (not twin_equal)
    assert hash(FrozenRecord(*left)) == hash(FrozenTwin(*left))  # same hash: sets iterate in the same order
    assert {FrozenRecord(*left), FrozenRecord(*right)} == {FrozenRecord(*left), FrozenRecord(*right)}
    assert len({FrozenRecord(*left), FrozenRecord(*right)}) == len({FrozenTwin(*left), FrozenTwin(*right)})


def test_one_field_hashes_as_a_one_tuple() -> None:
    assert hash(One("x")) == hash(("x",))
    assert One("x") == One("x") and One("x") != One("y")


def test_other_classes_are_never_equal() -> None:
    assert FrozenRecord(1, "a") != FrozenTwin(1, "a")
    assert FrozenRecord(1, "a") != (1, "a", None)
    assert FrozenRecord(1, "a") != Child(1, "a")  # a subclass is another class, as with dataclass
    assert Child(1, "a", None, 2) == Child(1, "a", None, 2) and Child(1, "a", None, 2) != Child(1, "a", None, 3)


def test_repr_matches_dataclass() -> None:
    assert repr(FrozenRecord(1, "a")) == repr(FrozenTwin(1, "a")).replace("FrozenTwin", "FrozenRecord")
    assert repr(MutableRecord("k", [1])) == repr(MutableTwin("k", [1])).replace("MutableTwin", "MutableRecord")
    assert repr(Child(1, "a", extra=5)) == "Child(sign=1, row='a', col=None, extra=5)"


def test_frozen_refuses_assignment_and_mutable_is_unhashable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FrozenRecord(1, "a").row = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(MutableRecord("k"))
    assert MutableRecord("k", [1]) == MutableRecord("k", [1]) and MutableRecord("k") != MutableRecord("k", [1])


def test_a_record_is_a_dataclass() -> None:
    line = LedgerLine("expense", Decimal("1.50"), func="2010101", row=7)
    assert dataclasses.is_dataclass(line)
    assert [f.name for f in dataclasses.fields(line)][:3] == ["ledger", "amount", "func"]
    assert dataclasses.replace(line, row=8) == LedgerLine("expense", Decimal("1.50"), func="2010101", row=8)
    assert pickle.loads(pickle.dumps(line)) == line and hash(pickle.loads(pickle.dumps(line))) == hash(line)
    assert Ref(1, "total") == Ref(1, "total", None) and {Ref(1, "total"): 1}[Ref(1, "total", None)] == 1


def test_fields_left_out_of_comparison_are_refused() -> None:
    with pytest.raises(TypeError, match="compared and shown"):
        @record
        class Hidden:
            key: str
            note: str = dataclasses.field(default="", compare=False)
