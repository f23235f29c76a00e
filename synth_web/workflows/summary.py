"""A workflow in one line of plain words, and the intent the builder writes.

"When a webhook arrives → if total > 100 → send a message to #sales on Slack"
leads the workflow's page; the same phrases, joined by commas, are the intent
the builder writes for a person who did not write their own.
"""

from __future__ import annotations

import re
from typing import Any

from synth_web.engine.apps import find_action, get_app
from synth_web.engine.templating import is_template
from synth_web.workflows.catalog_view import action_phrase, app_events, slot_of
from synth_web.workflows.describe import cron_words

MAX_INTENT = 2000
TARGET_SLOTS = ("channel", "email", "url")
EXPRESSION = re.compile(r"^\s*\{\{(.*?)\}\}\s*$", re.DOTALL)
# Paths and filters that say how, not what: `trigger.body.total | float` is "total".
NOISE = (
    re.compile(r"\btrigger\.(body|query|headers)\."),
    re.compile(r"\bsteps\.[a-z][a-z0-9_]*\.output\."),
    re.compile(r"\s*\|\s*[a-z_]+(\([^)]*\))?"),
)
SKIPPED = {"core.set"}  # naming values is how a workflow works, not what it does


def trigger_phrase(trigger: Any) -> str:
    """Say when a workflow starts: "When a webhook arrives"."""
    trigger = trigger if isinstance(trigger, dict) else {}
    kind = trigger.get("type")
    if kind == "manual":
        return "When you press Run now"
    if kind == "webhook":
        return "When a webhook arrives"
    if kind == "schedule":
        zone = trigger.get("timezone") or "UTC"
        return f"{cron_words(str(trigger.get('cron', '')))} ({zone})"
    if kind == "app_event":
        app = get_app(str(trigger.get("app", "")))
        name = app.name if app else str(trigger.get("app") or "an app")
        titles = {e.name: e.title for e in app_events(app)}
        event = str(trigger.get("event", ""))
        if event in titles:
            return f"When {lower_first(titles[event])} ({name})"
        return f"When {name} sends “{event or 'an event'}”"
    return "When it starts"


def lower_first(text: str) -> str:
    """Lower-case the first letter, for a phrase inside a sentence."""
    return text[:1].lower() + text[1:]


def condition_words(text: Any) -> str:
    """Say a condition in words: `{{ trigger.body.total > 100 }}` is "total > 100"."""
    match = EXPRESSION.match(text) if isinstance(text, str) else None
    if match is None:
        return str(text)
    expression = match.group(1)
    for pattern in NOISE:
        expression = pattern.sub(" " if pattern is NOISE[2] else "", expression)
    return " ".join(expression.split())


def step_phrase(step: Any) -> str:
    """Say what one step does: "send a message to #sales on Slack"."""
    step = step if isinstance(step, dict) else {}
    kind = str(step.get("type", ""))
    params = step.get("with") if isinstance(step.get("with"), dict) else {}
    app, action = find_action(kind)
    if app is None or action is None:
        return f"run {kind or 'a step'}"
    if kind == "core.filter":
        return f"if {condition_words(params.get('condition', ''))}"
    phrase = action_phrase(action)
    for name, value in params.items():
        if slot_of(action, name) in TARGET_SLOTS and shown_plainly(value):
            phrase += f" to {value}"
            break
    return phrase + (f" on {app.name}" if app.needs_connection else "")


def shown_plainly(value: Any) -> bool:
    """Tell whether a value reads well in a sentence (short text, no template)."""
    return isinstance(value, str) and 0 < len(value) <= 60 and not is_template(value)


def phrases(definition: dict[str, Any]) -> list[str]:
    """List the trigger's phrase and each step's that says something."""
    actions = definition.get("actions")
    steps = actions if isinstance(actions, list) else []
    said = [step_phrase(step) for step in steps if step_type(step) not in SKIPPED]
    return [trigger_phrase(definition.get("trigger")), *said]


def step_type(step: Any) -> str:
    """Return a step's type, or nothing."""
    return str(step.get("type", "")) if isinstance(step, dict) else ""


def summary(definition: dict[str, Any]) -> str:
    """Tell a workflow in one line: trigger → step → step."""
    return " → ".join(phrases(definition))


def generated_intent(definition: dict[str, Any]) -> str:
    """Write the intent from the trigger and the steps, as one sentence."""
    parts = phrases(definition)
    if len(parts) == 1:
        return f"{parts[0]}, do nothing yet."
    sentence = ", ".join(parts) + "."
    return sentence if len(sentence) <= MAX_INTENT else sentence[: MAX_INTENT - 1] + "…"
