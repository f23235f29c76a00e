"""The builder's trigger card and its catalog of steps, ready for the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from synth_web.auth.forms import timezone_choices
from synth_web.engine.apps import catalog, get_app
from synth_web.engine.messages import closest
from synth_web.engine.triggers import TRIGGER_DESCRIPTIONS, TRIGGER_TYPES
from synth_web.workflows.builder.fields_view import FieldView, raw_field
from synth_web.workflows.builder.schedule import (
    DAYS,
    PRESETS,
    SchedulePreview,
    preset_of,
    preview,
)
from synth_web.workflows.builder.state import BuilderState, StepState, first
from synth_web.workflows.catalog_view import action_title, app_events, apps_with_events
from synth_web.workflows.describe import TRIGGER_LABELS

STATE_LABELS = {
    "builtin": "Built in",
    "active": "Connected",
    "inactive": "Connection off",
    "missing": "Not connected",
}


@dataclass
class TriggerView:
    """The trigger card: its type, and the fields of that type."""

    kind: str
    types: list[tuple[str, str, str]]
    problems: dict[str, list[str]]
    raw_field: FieldView | None = None
    fix: tuple[str, str] | None = None
    cron: str = ""
    timezone: str = ""
    preset: str = "custom"
    at: str = "09:00"
    day: str = "1"
    presets: dict[str, str] = field(default_factory=dict)
    days: tuple[tuple[str, str], ...] = DAYS
    zones: list[tuple[str, str]] = field(default_factory=list)
    schedule: SchedulePreview | None = None
    hook_url: str | None = None
    app: str = ""
    event: str = ""
    app_options: list[tuple[str, str]] = field(default_factory=list)
    event_options: list[tuple[str, str]] | None = None


def trigger_view(
    state: BuilderState,
    problems: dict[str, list[str]],
    hook_url: str | None,
) -> TriggerView:
    """Build the trigger card from the state and the trigger's problems."""
    trigger = state.trigger if isinstance(state.trigger, dict) else {}
    kind = str(trigger.get("type", "")) if not state.trigger_raw else ""
    types = [
        (key, TRIGGER_LABELS[key], TRIGGER_DESCRIPTIONS[key]) for key in TRIGGER_TYPES
    ]
    refused = {key: [message] for key, message in state.trigger_errors.items()}
    view = TriggerView(kind, types, {**problems, **refused}, hook_url=hook_url)
    if state.trigger_raw:
        holder = StepState(state.trigger, state.trigger_posted, state.trigger_errors)
        view.raw_field = raw_field(holder, "t")
        view.raw_field.name = "t.raw"
        return view
    guess = closest(kind, TRIGGER_TYPES) if kind and kind not in TRIGGER_TYPES else None
    if guess:
        view.fix = (f"Use {TRIGGER_LABELS[guess]}", f"trigger:{guess}")
    if kind == "schedule":
        fill_schedule(view, trigger, state.trigger_posted)
    elif kind == "app_event":
        fill_app_event(view, trigger)
    return view


def fill_schedule(view: TriggerView, trigger: dict[str, Any], posted: dict) -> None:
    """Show a schedule as a preset, its cron, its zone and its next fire times."""
    view.cron = str(trigger.get("cron", ""))
    view.timezone = str(trigger.get("timezone", ""))
    preset = preset_of(view.cron)
    view.preset = "custom" if first(posted, "preset") == "custom" else preset.key
    view.at, view.day = preset.at, preset.day
    view.presets = PRESETS
    view.zones = zone_options(view.timezone)
    view.schedule = preview(view.cron, view.timezone)


def zone_options(current: str) -> list[tuple[str, str]]:
    """List time zones to choose from; a zone typed elsewhere stays choosable."""
    options = [("", "UTC (when none is chosen)"), ("UTC", "UTC")]
    options += timezone_choices()
    if current and current not in {value for value, _ in options}:
        options.append((current, f"{current} (not a time zone)"))
    return options


def fill_app_event(view: TriggerView, trigger: dict[str, Any]) -> None:
    """Offer the apps that relay events, and the events of the chosen one."""
    view.app = str(trigger.get("app", ""))
    view.event = str(trigger.get("event", ""))
    apps = apps_with_events()
    view.app_options = [("", "Choose an app…")] + [(a.key, a.name) for a in apps]
    if view.app and view.app not in {a.key for a in apps}:
        view.app_options.append((view.app, f"{view.app} (not in the catalog)"))
    app = get_app(view.app)
    events = app_events(app)
    if events:
        view.event_options = [("", "Choose an event…")]
        view.event_options += [(e.name, e.title) for e in events]
        if view.event and view.event not in {e.name for e in events}:
            view.event_options.append((view.event, f"{view.event} (not declared)"))


@dataclass(frozen=True)
class CatalogApp:
    """One app in the "Add step" catalog, with its connection state."""

    key: str
    name: str
    icon: str
    state: str
    connect_url: str
    actions: list[tuple[str, str, str]]

    @property
    def state_label(self) -> str:
        """Say the connection state in words."""
        return STATE_LABELS[self.state]


def catalog_view(connections: dict[str, str]) -> list[CatalogApp]:
    """List every app with its actions; apps not connected say so and link there."""
    apps = []
    for app in catalog().values():
        state = "builtin"
        if app.needs_connection:
            state = connections.get(app.key, "missing")
            state = state if state in STATE_LABELS else "inactive"
        actions = [
            (f"{app.key}.{action.name}", action_title(action), action.description)
            for action in app.actions.values()
        ]
        link = url_for("connections.new", app=app.key) if state == "missing" else ""
        if state == "inactive":
            link = url_for("connections.index")
        apps.append(CatalogApp(app.key, app.name, app.icon, state, link, actions))
    return apps
