"""The app catalog: one module per app, found automatically.

Adding an app is one new module in this package that defines `APP = App(...)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from synth_web.engine.apps.base import Action, App, ConnectionField, Event

__all__ = [
    "Action",
    "App",
    "ConnectionField",
    "Event",
    "app_label",
    "catalog",
    "find_action",
    "get_app",
]


@cache
def catalog() -> dict[str, App]:
    """Return every app of the catalog by key, built-ins first."""
    apps: dict[str, App] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("_") or module.name == "base":
            continue
        app = getattr(importlib.import_module(f"{__name__}.{module.name}"), "APP", None)
        if isinstance(app, App):
            apps[app.key] = app
    builtins = sorted(k for k, a in apps.items() if not a.needs_connection)
    others = sorted(k for k, a in apps.items() if a.needs_connection)
    return {key: apps[key] for key in builtins + others}


def get_app(key: str) -> App | None:
    """Return one app by key, or None."""
    return catalog().get(key)


def find_action(action_type: str) -> tuple[App | None, Action | None]:
    """Split `app.action` and look both up."""
    app_key, _, action_name = action_type.partition(".")
    app = get_app(app_key)
    return app, (app.actions.get(action_name) if app else None)


def app_label(key: str) -> str:
    """Name an app for people, also when it is not in the catalog."""
    app = get_app(key)
    return app.name if app else key.replace("_", " ").title()
