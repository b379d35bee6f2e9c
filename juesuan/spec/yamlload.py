"""Parsing YAML text for the specs: libyaml's C loader when PyYAML was built with it (several
times faster on the rule and code lists), else the pure-Python safe loader. Both are safe
loaders: no Python objects are constructed from tags."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
