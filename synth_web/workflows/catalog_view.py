"""The catalog as the workflow pages read it: titles, events, slots and choices.

The catalog's plain-words fields (an action's `title` and `slots`, an app's
`events`) are read here and only here, with `getattr`, so the pages work with a
catalog that does not declare them yet and pick them up as soon as it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synth_web.engine.apps import Action, App, catalog, find_action, get_app

# What a parameter holds when its action declares no slots: said by its name.
SLOTS_BY_NAME = {
    "channel": "channel",
    "to": "email",
    "cc": "email",
    "bcc": "email",
    "url": "url",
    "text": "message",
    "message": "message",
    "html": "message",
    "body": "message",
    "condition": "condition",
}


@dataclass(frozen=True)
class EventChoice:
    """One event an app can relay to a workflow's webhook URL."""

    name: str
    title: str


def action_title(action: Action) -> str:
    """Name an action in plain words: its title, else its description."""
    title = getattr(action, "title", "") or action.description
    return title.rstrip(".")


def action_phrase(action: Action) -> str:
    """Say what an action does inside a sentence: "send a message"."""
    title = getattr(action, "title", "") or action.name.replace("_", " ")
    return title[:1].lower() + title[1:]


def step_title(action_type: str) -> str:
    """Name a step's action for people: "Slack · Send a message"."""
    app, action = find_action(action_type)
    if app is None or action is None:
        return action_type or "Unknown step"
    return f"{app.name} · {action_title(action)}"


def app_events(app: App | None) -> list[EventChoice]:
    """List the events an app declares (none when the catalog has none yet)."""
    declared: Any = getattr(app, "events", None) or {}
    items = declared.values() if isinstance(declared, dict) else declared
    choices = []
    for event in items:
        name = str(getattr(event, "name", event))
        choices.append(EventChoice(name, str(getattr(event, "title", "") or name)))
    return choices


def apps_with_events() -> list[App]:
    """List the apps of the catalog that relay events."""
    return [app for app in catalog().values() if app_events(app)]


def slot_of(action: Action | None, param: str) -> str:
    """Say what kind of value a parameter holds (channel, email, url, message…)."""
    slots = getattr(action, "slots", None) or {}
    return str(slots.get(param) or SLOTS_BY_NAME.get(param, ""))


def choices_source(app_key: str, param: str) -> Callable[..., list[str]] | None:
    """Return the app's function that lists choices for a parameter, if any."""
    app = get_app(app_key)
    sources = (app.extra.get("choices") if app else None) or {}
    source = sources.get(param)
    return source if callable(source) else None
