"""Insert data: the references a step's text fields can use, from real data.

The trigger's sample and earlier steps' outputs (of the last test or run) are
walked into `trigger.body.total`-style paths, so a person picks a field instead
of typing braces. Bounded: a few levels deep, a few dozen entries a group.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from synth_web.workflows.builder.state import BuilderState

MAX_DEPTH = 4
MAX_ENTRIES = 40
MAX_PREVIEW = 40
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Which parts of the trigger to offer, in this order (headers are many and last).
TRIGGER_PARTS = ("body", "query", "headers")


@dataclass(frozen=True)
class Entry:
    """One field to insert: its path, the reference and a glimpse of its value."""

    path: str
    preview: str

    @property
    def reference(self) -> str:
        """Return the template text that reads this field."""
        return "{{ " + self.path + " }}"


@dataclass(frozen=True)
class Group:
    """The fields of one source: the trigger, or one earlier step."""

    title: str
    entries: tuple[Entry, ...]


def join(path: str, key: Any) -> str:
    """Extend a path by a key, with brackets where a dot will not do."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if NAME.match(key) else f"{path}[{json.dumps(key)}]"


def preview(value: Any) -> str:
    """Show a value briefly."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_PREVIEW else text[: MAX_PREVIEW - 1] + "…"


def walk(value: Any, path: str, found: list[Entry], depth: int = 0) -> None:
    """Collect the leaves (and whole objects) under a path, breadth bounded."""
    if len(found) >= MAX_ENTRIES:
        return
    if isinstance(value, dict) and depth < MAX_DEPTH:
        for key, child in value.items():
            walk(child, join(path, key), found, depth + 1)
    elif isinstance(value, list) and value and depth < MAX_DEPTH:
        found.append(Entry(path, preview(value)))
        walk(value[0], join(path, 0), found, depth + 1)
    else:
        found.append(Entry(path, preview(value)))


def trigger_group(sample: dict[str, Any] | None) -> Group | None:
    """Offer the sample's body, query and headers."""
    if not sample:
        return None
    found: list[Entry] = []
    for part in TRIGGER_PARTS:
        if part in sample and sample[part] not in (None, {}, []):
            walk(sample[part], f"trigger.{part}", found, 1)
    return Group("Trigger sample", tuple(found)) if found else None


def step_group(step_id: str, output: Any) -> Group | None:
    """Offer one earlier step's output."""
    if not NAME.match(step_id):
        return None
    found: list[Entry] = []
    walk(output, f"steps.{step_id}.output", found, 1)
    return Group(f"Step {step_id}", tuple(found)) if found else None


def data_menus(
    state: BuilderState, sample: dict[str, Any] | None, outputs: dict[str, Any]
) -> list[list[Group]]:
    """Return, for each step of the builder, the groups its fields may insert."""
    menus: list[list[Group]] = []
    groups = [g for g in [trigger_group(sample)] if g]
    for step_state in state.steps:
        menus.append(list(groups))
        step = step_state.step if isinstance(step_state.step, dict) else {}
        step_id = str(step.get("id") or "")
        if step_id in outputs and (group := step_group(step_id, outputs[step_id])):
            groups.append(group)
    return menus
