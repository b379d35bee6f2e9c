"""``@record``: a :func:`dataclasses.dataclass` that costs a third to start.

On Python 3.11, ``@dataclass`` writes the source of ``__init__``, ``__repr__`` and ``__eq__``
(and, frozen, ``__setattr__``, ``__delattr__`` and ``__hash__``) and compiles each one: about
1 ms per class. A check of a typical department creates some forty classes before it reads
a cell — 50 ms of a 0.26 s click (issue 14). ``@record`` lets ``dataclass`` generate only
what must be generated (``__init__``; the frozen guards) and gives every record the same
shared ``__repr__``, ``__eq__`` and ``__hash__``, which behave exactly as the generated ones:

- ``__eq__``: equal when ``other`` has the very same class and every field is equal (the
  fields compared as one tuple, in order), else ``NotImplemented``;
- ``__hash__``: a frozen record hashes the tuple of its fields, like ``dataclass``; a mutable
  one is unhashable (``__hash__ = None``), like ``dataclass`` with ``eq=True``;
- ``__repr__``: ``ClassName(field=value, …)``.

A record is a real dataclass: :func:`dataclasses.fields`, :func:`~dataclasses.replace`,
:func:`~dataclasses.asdict` and pickling work on it unchanged. Records here use neither
``field(compare=False)`` nor ``field(repr=False)``; :func:`record` refuses them.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def record(cls: type[T] | None = None, /, *, frozen: bool = False) -> Any:
    """``@record`` or ``@record(frozen=True)``: see the module's docstring."""

    def wrap(klass: type[T]) -> type[T]:
        return _shared_methods(dataclasses.dataclass(klass, repr=False, eq=False, frozen=frozen), frozen)

    return wrap if cls is None else wrap(cls)


def _shared_methods(klass: type[T], frozen: bool) -> type[T]:
    fields = dataclasses.fields(klass)  # type: ignore[arg-type]
    if not all(f.compare and f.repr for f in fields):
        raise TypeError(f"{klass.__qualname__}: @record fields are all compared and shown")
    names = tuple(f.name for f in fields)
    klass.__record_values__ = _values_getter(names)  # type: ignore[attr-defined]
    own = klass.__dict__
    if "__eq__" not in own:  # a method the class writes itself stays, as with ``dataclass``
        klass.__eq__ = _eq  # type: ignore[method-assign, assignment]
        if "__hash__" not in own:
            klass.__hash__ = _hash if frozen else None  # type: ignore[method-assign, assignment]
    if "__repr__" not in own:
        klass.__repr__ = _repr  # type: ignore[method-assign, assignment]
    return klass


def _values_getter(names: tuple[str, ...]) -> Any:
    """The fields of an instance as one tuple (``attrgetter`` of one name returns the bare value)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return lambda obj: ()


def _eq(self: Any, other: object) -> Any:
    if other.__class__ is self.__class__:
        values = self.__class__.__record_values__
        return values(self) == values(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__class__.__record_values__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
    return f"{self.__class__.__qualname__}({shown})"
