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
# "`channel` is required." and "Unknown field `chanel`. …" name the parameter
# they are about, while their path is the object that holds it.
NAMED = re.compile(r"^(?:`([^`]+)` is required\.|Unknown field `([^`]+)`\.)")
STEP_KEYS = ("id", "type")
SETTINGS = ("retry", "timeout_seconds")
SETTING_NAMES = ("max_attempts", "backoff_seconds", "timeout_seconds")


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
    parts = re.split(r"[.\[]", rest)
    if parts[0] in SETTINGS:
        return f"set.{parts[-1]}" if parts[-1] in SETTING_NAMES else "settings"
    if parts[0] != "with":
        return ""
    if len(parts) > 1:
        return f"with.{parts[1]}"
    named = NAMED.match(message)
    return f"with.{named.group(1) or named.group(2)}" if named else "with"


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
