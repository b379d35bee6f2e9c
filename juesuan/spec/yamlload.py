"""Parsing the spec's YAML files with the C parser (libyaml) when PyYAML has it.

The pure-Python parser costs most of a small run's fixed time (≈0.2 s for one format's
files); ``yaml.CSafeLoader`` builds the same documents (plain data: mappings, lists, text,
numbers) about five times faster. Errors are ``yaml.YAMLError`` either way.
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the fastest safe loader available."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader (C or pure Python)
