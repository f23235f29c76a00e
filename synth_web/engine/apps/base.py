"""What an app in the catalog declares: actions, schemas, connection, words, events.

The words and events are what the planner learns its vocabulary from, the titles
are what pages call a step ("Slack · Send a message"): a new app module teaches
the planner, the builder and the API with no change to any of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Schema = dict[str, Any]
# Kinds of value the planner can find in a request and put into a parameter.
SLOT_KINDS = (
    "channel",  # a chat channel, like #sales
    "email",  # one or more email addresses
    "url",  # an http(s) address
    "method",  # an HTTP method
    "message",  # the text to send or write
    "subject",  # a subject line
    "payload",  # the data to pass on (the trigger's body, an earlier output)
    "condition",  # a true/false template
    "duration",  # a number of seconds
)


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
    # What people call it, in plain words: "Send a message".
    title: str = ""
    # Verbs and phrases people use for it ("post", "notify", "send a message").
    words: tuple[str, ...] = ()
    # Parameter -> the kind of value (SLOT_KINDS) a request in words fills it with.
    slots: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """Something an app can relay to a workflow's webhook URL, which starts a run."""

    name: str
    title: str
    # Words that name it in a "when …" clause ("joins", "new message").
    words: tuple[str, ...] = ()
    # The fields its payload carries under `trigger.body`.
    fields: tuple[str, ...] = ()
    # A one-line message about one event, as a template over `trigger`.
    summary: str = ""


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
    # Names people use for the app itself ("slack"; "email", "mail" for Gmail).
    words: tuple[str, ...] = ()
    # Events the app can relay, by name (Gmail's `new_email`).
    events: dict[str, Event] = field(default_factory=dict)

    @property
    def needs_connection(self) -> bool:
        """Tell whether steps of this app need a connection of the person's."""
        return self.connection_type is not None


def actions(*items: Action) -> dict[str, Action]:
    """Index actions by name."""
    return {item.name: item for item in items}


def events(*items: Event) -> dict[str, Event]:
    """Index events by name."""
    return {item.name: item for item in items}


def string(description: str, **extra: Any) -> Schema:
    """A JSON Schema string with a description."""
    return {"type": "string", "description": description, **extra}
