"""A draft told in words: its name, its intent and one sentence per step."""

from __future__ import annotations

from typing import Any

from synth_web.engine.apps import find_action, get_app
from synth_web.workflows.describe import cron_words

NAME_LENGTH = 120


def trigger_sentence(trigger: dict[str, Any]) -> str:
    """Say what starts the workflow, as the start of a sentence."""
    kind = trigger["type"]
    if kind == "schedule":
        return f"{cron_words(trigger['cron'])} ({trigger['timezone']})"
    if kind == "webhook":
        return "When a webhook arrives"
    if kind == "app_event":
        app = get_app(trigger["app"])
        event = app.events.get(trigger["event"]) if app else None
        title = event.title if event else trigger["event"]
        return f"When {title[:1].lower()}{title[1:]} in {app.name if app else ''}"
    return "When you press Run now"


def step_detail(step: dict[str, Any]) -> str:
    """Say the parameters that matter for one step, in a few words."""
    params = step.get("with", {})
    _, action = find_action(step["type"])
    slots = action.slots if action else {}
    parts = []
    for name, kind in slots.items():
        value = params.get(name)
        if value is None or kind in ("payload", "subject"):
            continue
        if kind in ("channel", "email"):
            shown = ", ".join(value) if isinstance(value, list) else value
            parts.append(f"to {shown}")
        elif kind == "url":
            parts.append(f"{params.get('method', 'GET')} {value}")
        elif kind == "duration":
            parts.append(f"for {value:g} seconds")
        elif kind == "message":
            text = value if len(value) <= 60 else value[:59] + "…"
            parts.append(f"“{text}”")
    return " ".join(part for part in parts)


def step_sentence(step: dict[str, Any], words: str = "") -> str:
    """Tell one step in a short sentence: "Slack · Send a message to #dev: “Hi”"."""
    app, action = find_action(step["type"])
    title = f"{app.name} · {action.title}" if app and action else step["type"]
    if step["type"].endswith(".filter") and words:
        return f"{title}: {words}."
    detail = step_detail(step)
    return f"{title} {detail}.".replace(" “", ": “", 1) if detail else f"{title}."


def intent(trigger: dict[str, Any], steps: list[dict[str, Any]]) -> str:
    """Write the intent: what starts it and what it does, in one sentence."""
    doing = []
    for step in steps:
        _, action = find_action(step["type"])
        if action is None or step["type"].endswith((".filter", ".delay")):
            continue
        detail = step_detail(step).split(": ")[0].split(" “")[0]
        doing.append(f"{action.title[:1].lower()}{action.title[1:]} {detail}".strip())
    what = ", then ".join(doing) or "run its steps"
    return f"{trigger_sentence(trigger)}: {what}."[:2000]


def name(trigger: dict[str, Any], steps: list[dict[str, Any]]) -> str:
    """Name the draft after its main step and what starts it."""
    main = next(
        (s for s in steps if not s["type"].endswith((".filter", ".delay"))), steps[0]
    )
    app, action = find_action(main["type"])
    target = step_detail(main).split(" “")[0]
    label = f"{app.name if app else main['type']} {target}".strip()
    kind = trigger["type"]
    when = {
        "schedule": cron_words(trigger.get("cron", "")) if kind == "schedule" else "",
        "webhook": "on webhook",
        "app_event": "on event",
        "manual": "by hand",
    }[kind]
    return f"{label} · {when}"[:NAME_LENGTH]
