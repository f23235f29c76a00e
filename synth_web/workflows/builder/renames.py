"""Renaming a step's id renames the references to it in every template."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

STEP_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def renames_of(old_ids: list[str], new_ids: list[Any]) -> dict[str, str]:
    """Return old id -> new id for steps renamed to an id no other step has."""
    renames = {}
    for old, new in zip(old_ids, new_ids, strict=True):
        if old and isinstance(new, str) and old != new and STEP_ID.match(old):
            if STEP_ID.match(new) and new_ids.count(new) == 1 and old not in new_ids:
                renames[old] = new
    return renames


def rename_refs(value: Any, renames: Mapping[str, str]) -> Any:
    """Rewrite `steps.<old>` references inside every text of a value."""
    if isinstance(value, dict):
        return {key: rename_refs(item, renames) for key, item in value.items()}
    if isinstance(value, list):
        return [rename_refs(item, renames) for item in value]
    if not isinstance(value, str) or "steps" not in value:
        return value
    names = "|".join(re.escape(old) for old in renames)
    pattern = re.compile(rf"(?<![\w.])steps(\.|\[\s*['\"])({names})(?=\W|$)")
    return pattern.sub(lambda m: f"steps{m.group(1)}{renames[m.group(2)]}", value)
