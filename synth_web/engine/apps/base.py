"""What an app in the catalog declares: its actions, schemas and connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]


@dataclass(frozen=True)
class Action:
    """One thing an app can do in a workflow step."""

    name: str
    description: str
    schema: Schema
    # Called by the runner as run(context, params) -> output.
    run: Callable[..., Any] | None = None
    # The parameters worth showing when a step is listed in words.
    key_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConnectionField:
    """One field of an app's connection form; secret ones go to the vault."""

    name: str
    label: str
    secret: bool = False
    kind: str = "text"  # text, password, email, number, host, select
    default: str = ""
    help: str = ""
    # (value, label) pairs for kind "select".
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = True
    # A regular expression the value must match, and what to say when it does not.
    pattern: str = ""
    pattern_message: str = ""


@dataclass(frozen=True)
class App:
    """An app of the catalog, such as Slack, with the actions it offers."""

    key: str
    name: str
    description: str
    actions: dict[str, Action]
    # None for built-ins that need no connection.
    connection_type: str | None = None
    connection_fields: tuple[ConnectionField, ...] = ()
    # Called as verify(fields) -> dict of facts, raising on failure.
    verify: Callable[..., dict[str, Any]] | None = None
    icon: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_connection(self) -> bool:
        """Tell whether steps of this app need a connection of the person's."""
        return self.connection_type is not None


def actions(*items: Action) -> dict[str, Action]:
    """Index actions by name."""
    return {item.name: item for item in items}


def string(description: str, **extra: Any) -> Schema:
    """A JSON Schema string with a description."""
    return {"type": "string", "description": description, **extra}
