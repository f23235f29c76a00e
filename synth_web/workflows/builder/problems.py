"""Where each problem of a workflow belongs in the builder: which step, which field.

Problems come from the one validation every part of Synth uses
(`engine.checks.workflow_problems`); this only says where to show them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from synth_web.engine.validation import Problem

STEP = re.compile(r"^actions\[(\d+)\](?:\.(.*))?$")
# "`channel` is required." names the missing parameter; its path is the object.
REQUIRED = re.compile(r"^`([^`]+)` is required\.$")
STEP_KEYS = ("id", "type")
SETTINGS = ("retry", "timeout_seconds")


@dataclass
class Placed:
    """Problems sorted by where the builder shows them."""

    top: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    intent: list[str] = field(default_factory=list)
    trigger: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    steps_top: list[str] = field(default_factory=list)
    steps: dict[int, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    count: int = 0


def step_key(rest: str, message: str) -> str:
    """Say which part of a step a problem is about: a parameter, id, settings…"""
    if rest in STEP_KEYS:
        return rest
    head = re.split(r"[.\[]", rest, maxsplit=1)[0]
    if head in SETTINGS:
        return "settings"
    if head != "with":
        return ""
    param = rest[len("with.") :] if rest.startswith("with.") else ""
    if not param:
        missing = REQUIRED.match(message)
        return f"with.{missing.group(1)}" if missing else "with"
    return "with." + re.split(r"[.\[]", param, maxsplit=1)[0]


def place(problems: list[Problem]) -> Placed:
    """Sort problems by the card and field they belong to."""
    placed = Placed(count=len(problems))
    for problem in problems:
        path, message = problem.path, problem.message
        match = STEP.match(path)
        if match:
            key = step_key(match.group(2) or "", message)
            placed.steps[int(match.group(1))][key].append(message)
        elif path in ("name", "intent"):
            getattr(placed, path).append(message)
        elif path == "trigger" or path.startswith("trigger."):
            key = path.removeprefix("trigger").lstrip(".").split(".")[0]
            placed.trigger[key].append(message)
        elif path == "actions":
            placed.steps_top.append(message)
        else:
            placed.top.append(message)
    return placed
