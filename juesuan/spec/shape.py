"""Checking a free-form section of a spec (the self-evaluation layout, …) against its declared
shape, so that a bureau editing the YAML hears of a misspelt key, a missing one or a wrong
type at load, with its place, instead of when a workbook is filled.

A shape is data: ``"text"`` (text or a number written as text), ``"int"``, ``"number"``,
``"bool"``, ``"any"``; ``[shape]`` a list of that shape; ``{"key": shape, "required!": shape}``
a mapping with those keys only (a trailing ``!`` marks a required key; a ``"*"`` key gives
the shape of any other key, as in a mapping of named phrases)."""

from __future__ import annotations

from typing import Any

from juesuan.spec.loader import SpecError

Shape = Any
_LEAVES = {
    "text": ((str, int, float), "文本 / text"),
    "int": ((int,), "整数 / an integer"),
    "number": ((int, float), "数字 / a number"),
    "bool": ((bool,), "true 或 false / true or false"),
}


def check_shape(value: Any, shape: Shape, where: str) -> None:
    """Raise :class:`SpecError` at the first part of ``value`` that does not fit ``shape``."""
    if shape == "any":
        return
    if isinstance(shape, str):
        kinds, name = _LEAVES[shape]
        if isinstance(value, bool) and shape != "bool" or not isinstance(value, kinds):
            raise SpecError(where, f"应为{name} / expected {name.split(' / ')[1]}, got {type(value).__name__}")
        return
    if isinstance(shape, list):
        if not isinstance(value, list):
            raise SpecError(where, "应为列表 / expected a list")
        for i, item in enumerate(value):
            check_shape(item, shape[0], f"{where}[{i}]")
        return
    if not isinstance(value, dict):
        raise SpecError(where, "应为映射 / expected a mapping")
    keys = {k.rstrip("!"): v for k, v in shape.items() if k != "*"}
    for key in value:
        if key not in keys:
            if "*" not in shape:
                raise SpecError(f"{where}.{key}", f"未知键“{key}”，可用：{', '.join(keys)} / unknown key")
            check_shape(value[key], shape["*"], f"{where}.{key}")
    for key, sub in shape.items():
        if key == "*":
            continue
        name = key.rstrip("!")
        if name in value:
            check_shape(value[name], sub, f"{where}.{name}")
        elif key.endswith("!"):
            raise SpecError(where, f"缺少“{name}” / missing '{name}'")
