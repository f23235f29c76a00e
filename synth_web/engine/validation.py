"""Validation of a workflow definition in three phases, as a list of problems.

1. structural: JSON Schema for the definition, the trigger, each action and its `with`;
2. logical: templates parse and only read the trigger and earlier steps; cron and time
   zone are real;
3. capability: every app is in the catalog, with an active connection if it needs one.

Problems never stop a draft from being saved; they stop activation and runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from jsonschema import Draft202012Validator, FormatChecker

from synth_web.engine.apps import App, catalog, find_action
from synth_web.engine.messages import describe_error, did_you_mean
from synth_web.engine.templating import (
    ROOT_NAMES,
    TemplateError,
    is_template,
    template_names,
    walk_strings,
)
from synth_web.engine.triggers import TRIGGER_SCHEMAS, TRIGGER_TYPES

MAX_ACTIONS = 50
MAX_DEFINITION_BYTES = 256 * 1024
STEP_ID = r"^[a-z][a-z0-9_]{0,39}$"
CACHEABLE_BYTES = 32 * 1024

DEFINITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "trigger", "actions"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "intent": {"type": "string", "maxLength": 2000},
        "trigger": {"type": "object"},
        "actions": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_ACTIONS,
            "items": {
                "type": "object",
                "required": ["id", "type"],
                "additionalProperties": False,
                "properties": {
                    "id": {
                        "type": "string",
                        "pattern": STEP_ID,
                        "errorMessage": "Step ids are short slugs: lower-case "
                        "letters, digits and _, starting with a letter "
                        "(like `notify_sales`).",
                    },
                    "type": {
                        "type": "string",
                        "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
                        "errorMessage": "Action types look like `app.action`, "
                        "for example `slack.post_message`.",
                    },
                    "name": {"type": "string", "maxLength": 200},
                    "with": {"type": "object"},
                    "retry": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "max_attempts": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 5,
                            },
                            "backoff_seconds": {
                                "type": "number",
                                "minimum": 0,
                                "maximum": 60,
                            },
                        },
                    },
                    "timeout_seconds": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 300,
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Problem:
    """Something that stops a workflow from running, and where it is."""

    path: str
    message: str
    phase: str

    @property
    def field(self) -> str:
        """Return the form field the problem belongs to (name, trigger, actions…)."""
        return self.path.split(".")[0].split("[")[0]

    def as_dict(self) -> dict[str, str]:
        """Return the problem as JSON-ready data."""
        return {"path": self.path, "message": self.message, "phase": self.phase}


_VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}
# Only the formats Synth declares are checked (jsonschema checks none by default).
FORMATS = FormatChecker(formats=())


@FORMATS.checks("email")
def is_addresses(value: object) -> bool:
    """Tell whether a text is one or more email addresses, separated by commas."""
    if not isinstance(value, str):
        return True
    parts = [part for part in value.split(",") if part.strip()]
    return bool(parts) and all("@" in parseaddr(part)[1] for part in parts)


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    # Schemas are module constants: key on identity, keep the schema alive with it.
    entry = _VALIDATORS.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, Draft202012Validator(schema, format_checker=FORMATS))
        _VALIDATORS[id(schema)] = entry
    return entry[1]


def schema_problems(instance: Any, schema: dict[str, Any], path: str) -> list[Problem]:
    """Check a value against a JSON Schema; templates stand in for any value."""
    validator = _validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path)):
        if is_template(error.instance) and error.validator != "required":
            continue  # checked again after rendering, when the value is known
        where = join_path(path, error.absolute_path)
        problems.append(Problem(where, describe_error(error), "structural"))
    return problems


def join_path(base: str, parts: Iterable[Any]) -> str:
    """Build `actions[2].with.url` from a base and JSON path parts."""
    path = base
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def validate_definition(
    definition: Mapping[str, Any], connections: Mapping[str, str] | None = None
) -> list[Problem]:
    """Return every problem of a workflow definition, in the order a person fixes."""
    try:
        key = json.dumps(definition, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return _validate(definition, connections)
    if len(key) > CACHEABLE_BYTES:
        return _validate(definition, connections)
    statuses = None if connections is None else tuple(sorted(connections.items()))
    return list(_validate_cached(key, statuses))


@lru_cache(maxsize=2048)
def _validate_cached(
    key: str, statuses: tuple[tuple[str, str], ...] | None
) -> tuple[Problem, ...]:
    # Runs, pages and schedulers validate the same definitions again and again.
    connections = None if statuses is None else dict(statuses)
    return tuple(_validate(json.loads(key), connections))


def _validate(definition: Any, connections: Mapping[str, str] | None) -> list[Problem]:
    if not isinstance(definition, Mapping):
        return [
            Problem("definition", "A workflow must be a JSON object.", "structural")
        ]
    size = len(json.dumps(definition, default=str).encode())
    if size > MAX_DEFINITION_BYTES:
        message = f"The workflow is {size // 1024} KB; the limit is 256 KB."
        return [Problem("definition", message, "structural")]
    problems = schema_problems(dict(definition), DEFINITION_SCHEMA, "")
    if not (definition.get("intent") or "").strip():
        problems.append(
            Problem(
                "intent",
                "Say in one sentence what this workflow does.",
                "structural",
            )
        )
    problems += trigger_problems(definition.get("trigger"))
    actions = definition.get("actions")
    if isinstance(actions, list):
        problems += actions_problems(actions, connections)
    return problems


def trigger_problems(trigger: Any) -> list[Problem]:
    """Check the trigger's type, its fields, its cron and its time zone."""
    if not isinstance(trigger, Mapping):
        return []  # the definition schema already said it must be an object
    kind = trigger.get("type")
    if kind not in TRIGGER_TYPES:
        choices = ", ".join(TRIGGER_TYPES)
        message = f"Choose a trigger type: {choices}."
        if kind:
            guess = did_you_mean(str(kind), TRIGGER_TYPES)
            message = f"`{kind}` is not a trigger type.{guess} {message}"
        return [Problem("trigger.type", message, "structural")]
    problems = schema_problems(dict(trigger), TRIGGER_SCHEMAS[kind], "trigger")
    if kind == "schedule" and not problems:
        problems += schedule_problems(trigger)
    return problems


def schedule_problems(trigger: Mapping[str, Any]) -> list[Problem]:
    """Check that a schedule's cron has five valid fields and its zone exists."""
    problems = []
    cron = str(trigger.get("cron", ""))
    fields = cron.split()
    if len(fields) != 5:
        problems.append(
            Problem(
                "trigger.cron",
                "A cron schedule has 5 fields (minute hour day-of-month month "
                f"day-of-week), like `0 9 * * 1-5`; this one has {len(fields)}.",
                "logical",
            )
        )
    elif not croniter.is_valid(cron):
        problems.append(
            Problem(
                "trigger.cron",
                f"`{cron}` is not a valid cron expression. Each field takes numbers, "
                "ranges (1-5), lists (1,3) or steps (*/15).",
                "logical",
            )
        )
    zone = trigger.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "trigger.timezone",
                f"`{zone}` is not a time zone. Use a name like Europe/Paris or UTC.",
                "logical",
            )
        )
    return problems


def actions_problems(
    actions: list[Any], connections: Mapping[str, str] | None
) -> list[Problem]:
    """Check each step: unique id, known app and action, `with`, templates, access."""
    problems: list[Problem] = []
    ids = [a.get("id") if isinstance(a, Mapping) else None for a in actions]
    seen: set[str] = set()
    for index, action in enumerate(actions):
        if not isinstance(action, Mapping):
            continue
        base = f"actions[{index}]"
        step_id = action.get("id")
        if isinstance(step_id, str) and step_id in seen:
            problems.append(
                Problem(
                    f"{base}.id",
                    f"Two steps are called `{step_id}`; step ids must be unique.",
                    "structural",
                )
            )
        if isinstance(step_id, str):
            seen.add(step_id)
        problems += action_problems(action, base, ids, index, connections)
    return problems


def action_problems(
    action: Mapping[str, Any],
    base: str,
    ids: list[Any],
    index: int,
    connections: Mapping[str, str] | None,
) -> list[Problem]:
    """Check one step against the catalog, its schema and its templates."""
    kind = action.get("type")
    params = action.get("with", {})
    problems: list[Problem] = []
    if isinstance(kind, str) and "." in kind:
        app, act = find_action(kind)
        problems += catalog_problems(kind, app, act, f"{base}.type")
        if act is not None and isinstance(params, Mapping):
            problems += schema_problems(dict(params), act.schema, f"{base}.with")
        if app is not None and connections is not None:
            problems += connection_problems(app, connections, f"{base}.type")
    if isinstance(params, Mapping):
        problems += template_problems(params, base, ids, index)
    return problems


def catalog_problems(kind: str, app: App | None, act: Any, path: str) -> list[Problem]:
    """Explain an app or action that the catalog does not have."""
    app_key, _, action_name = kind.partition(".")
    if app is not None and act is not None:
        return []
    guess = did_you_mean(kind, action_types())
    if app is None:
        supported = ", ".join(catalog())
        message = f"Unknown app `{app_key}` in `{kind}`.{guess} Supported apps: "
        return [Problem(path, f"{message}{supported}.", "capability")]
    offered = ", ".join(app.actions)
    message = f"{app.name} has no action `{action_name}`.{guess} It offers: {offered}."
    return [Problem(path, message, "capability")]


def action_types() -> list[str]:
    """List every action type of the catalog, like `slack.post_message`."""
    return [f"{key}.{name}" for key, app in catalog().items() for name in app.actions]


def connection_problems(
    app: App, connections: Mapping[str, str], path: str
) -> list[Problem]:
    """Require an active connection for apps that need one."""
    if not app.needs_connection:
        return []
    status = connections.get(app.key)
    if status is None:
        message = f"Connect {app.name} to use this step."
    elif status != "active":
        message = f"{app.name} connection is off."
    else:
        return []
    return [Problem(path, message, "capability")]


def template_problems(
    params: Mapping[str, Any], base: str, ids: list[Any], index: int
) -> list[Problem]:
    """Check that each template parses and reads only what exists before it."""
    problems = []
    for path, text in walk_strings(dict(params), f"{base}.with"):
        if not is_template(text):
            continue
        try:
            names, step_ids = template_names(text)
        except TemplateError as exc:
            problems.append(Problem(path, f"Template error on {exc}.", "logical"))
            continue
        for name in sorted(names - ROOT_NAMES):
            message = (
                f"The template uses `{name}`, which does not exist. Templates can "
                "use trigger, steps, workflow, execution and now."
            )
            problems.append(Problem(path, message, "logical"))
        for ref in sorted(step_ids):
            message = step_reference_problem(ref, ids, index)
            if message:
                problems.append(Problem(path, message, "logical"))
    return problems


def step_reference_problem(ref: str, ids: list[Any], index: int) -> str | None:
    """Explain a reference to a step that is not an earlier one, or return None."""
    earlier = [i for i in ids[:index] if isinstance(i, str)]
    if ref in earlier:
        return None
    if ids[index] == ref:
        return f"Step `{ref}` uses its own output; steps can only use earlier steps."
    if ref in ids:
        later = ids.index(ref) + 1
        return (
            f"This uses step `{ref}`, which runs later (step {later}). A step can "
            "only use the trigger and earlier steps."
        )
    listing = ", ".join(f"`{i}`" for i in earlier) or "none"
    guess = did_you_mean(ref, earlier)
    return (
        f"This uses step `{ref}`, which does not exist.{guess} Earlier steps: "
        f"{listing}."
    )
