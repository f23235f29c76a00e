"""Workflows in words: the trigger as a sentence, steps as a readable list."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import ExpressionDescriptor, Options
from croniter import croniter

from synth_web.engine.apps import catalog, find_action, get_app
from synth_web.engine.validation import Problem
from synth_web.models import utcnow
from synth_web.workflows.catalog_view import action_title

TRIGGER_LABELS = {
    "manual": "Manual",
    "schedule": "Schedule",
    "webhook": "Webhook",
    "app_event": "App event",
}
# cron-descriptor's sentences, reworded where a shorter one reads better.
REWORDINGS = (
    (re.compile(r"^At (\d\d:\d\d), Monday through Friday$"), r"Every weekday at \1"),
    (re.compile(r"^At (\d\d:\d\d)$"), r"Every day at \1"),
    (re.compile(r"^At (\d\d:\d\d), only on (\w+)$"), r"Every \2 at \1"),
)
PARAM_WIDTH = 80


@dataclass
class TriggerWords:
    """A trigger told as a sentence, with what a person needs next to it."""

    kind: str
    sentence: str
    uses_url: bool = False
    timezone: str | None = None
    next_runs: list[datetime] = field(default_factory=list)
    cron: str | None = None


@dataclass
class StepWords:
    """One step told for people: app, action and the parameters that matter."""

    number: int
    id: str
    type: str
    icon: str
    app_name: str
    action_label: str
    description: str
    params: list[tuple[str, str]]
    known: bool


def trigger_label(kind: str | None) -> str:
    """Name a trigger type in one or two words."""
    return TRIGGER_LABELS.get(kind or "", str(kind or "None"))


@lru_cache(maxsize=512)
def cron_words(cron: str) -> str:
    """Describe a 5-field cron expression in words, or quote it when we cannot."""
    options = Options()
    options.use_24hour_time_format = True
    options.verbose = False
    try:
        sentence = ExpressionDescriptor(cron, options).get_description()
    except Exception:  # noqa: BLE001 - the library raises several types; fall back
        return f"On the cron schedule {cron}"
    for pattern, replacement in REWORDINGS:
        if pattern.match(sentence):
            return pattern.sub(replacement, sentence)
    return sentence


def next_fire_times(
    cron: str, zone_name: str, count: int = 3, now: datetime | None = None
) -> list[datetime]:
    """Return the next times a schedule fires, in its own time zone."""
    try:
        zone = ZoneInfo(zone_name)
        if not croniter.is_valid(cron) or len(cron.split()) != 5:
            return []
        it = croniter(cron, (now or utcnow()).astimezone(zone))
        return [it.get_next(datetime) for _ in range(count)]
    except (ZoneInfoNotFoundError, ValueError, KeyError):
        return []


def describe_trigger(trigger: Any) -> TriggerWords:
    """Tell what starts a workflow, in a sentence."""
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGER_LABELS:
        return TriggerWords("unknown", "No valid trigger yet, so it cannot start.")
    kind = trigger["type"]
    if kind == "manual":
        return TriggerWords(kind, "When you press Run now")
    if kind == "webhook":
        return TriggerWords(kind, "When a POST reaches", uses_url=True)
    if kind == "app_event":
        app = get_app(str(trigger.get("app", "")))
        name = app.name if app else str(trigger.get("app", "an app"))
        event = trigger.get("event", "an event")
        return TriggerWords(kind, f"When {name} sends “{event}” to", uses_url=True)
    cron = str(trigger.get("cron", ""))
    zone = str(trigger.get("timezone") or "UTC")
    return TriggerWords(
        kind,
        f"{cron_words(cron)} ({zone})",
        timezone=zone,
        next_runs=next_fire_times(cron, zone),
        cron=cron,
    )


def short_value(value: Any) -> str:
    """Show a parameter value on one line, cut to a readable width."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= PARAM_WIDTH else text[: PARAM_WIDTH - 1] + "…"


def describe_step(number: int, action: Any) -> StepWords:
    """Tell one step for people."""
    action = action if isinstance(action, dict) else {}
    kind = str(action.get("type", ""))
    params = action.get("with") if isinstance(action.get("with"), dict) else {}
    app_key, _, action_name = kind.partition(".")
    app, act = find_action(kind) if kind else (None, None)
    keys = act.key_params if act else tuple(params)[:2]
    label = action_title(act) if act else (action_name or "step").replace("_", " ")
    return StepWords(
        number=number,
        id=str(action.get("id", "")),
        type=kind,
        icon=app.icon if app and app.icon else "?",
        app_name=app.name if app else (app_key or "Unknown app"),
        action_label=label,
        description=act.description if act else "Not in the app catalog.",
        params=[(key, short_value(params[key])) for key in keys if key in params],
        known=act is not None,
    )


def describe_steps(actions: Any) -> list[StepWords]:
    """Tell every step of a workflow, in order."""
    steps = actions if isinstance(actions, list) else []
    return [describe_step(number, action) for number, action in enumerate(steps, 1)]


STEP_PATH = re.compile(r"^actions\[(\d+)\]\.?(.*)$")
FIELDS = ("name", "intent", "trigger", "actions", "definition")


@dataclass(frozen=True)
class ShownProblem:
    """A problem as a page shows it: where, in words, and what is wrong."""

    field: str
    where: str
    message: str
    path: str


def problem_location(problem: Problem, definition: dict[str, Any]) -> str:
    """Say where a problem is in words: "Step 3 (notify) · with.url"."""
    match = STEP_PATH.match(problem.path)
    if match:
        index, rest = int(match.group(1)), match.group(2)
        actions = definition.get("actions")
        step = actions[index] if isinstance(actions, list) else None
        step_id = step.get("id") if isinstance(step, dict) else None
        where = f"Step {index + 1}" + (f" ({step_id})" if step_id else "")
        return f"{where} · {rest}" if rest else where
    if problem.path.startswith("trigger."):
        return problem.path.removeprefix("trigger.")
    return ""


def explain_problems(
    problems: list[Problem], definition: dict[str, Any]
) -> dict[str, list[ShownProblem]]:
    """Group problems by the form field they belong to, each located in words."""
    grouped: dict[str, list[ShownProblem]] = {name: [] for name in FIELDS}
    for problem in problems:
        field_name = problem.field if problem.field in grouped else "definition"
        where = problem_location(problem, definition)
        grouped[field_name].append(
            ShownProblem(field_name, where, problem.message, problem.path)
        )
    return grouped


@dataclass(frozen=True)
class ActionHelp:
    """One action of the catalog, for the editor's reference."""

    type: str
    app_name: str
    description: str
    needs_connection: bool
    params: list[tuple[str, bool, str]]


@lru_cache(maxsize=1)
def action_reference() -> tuple[ActionHelp, ...]:
    """List every action of the catalog with its parameters, for the editor."""
    items = []
    for app in catalog().values():
        for action in app.actions.values():
            schema = action.schema
            required = set(schema.get("required", ()))
            params = [
                (name, name in required, str(spec.get("description", "")))
                for name, spec in schema.get("properties", {}).items()
            ]
            items.append(
                ActionHelp(
                    f"{app.key}.{action.name}",
                    app.name,
                    action.description,
                    app.needs_connection,
                    params,
                )
            )
    return tuple(items)
