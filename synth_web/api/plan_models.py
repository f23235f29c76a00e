"""What the planner and catalog endpoints accept and answer (strict, documented)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from synth_web.api.chat_models import CONVERSATION_ID
from synth_web.api.common import Strict, unset
from synth_web.engine.triggers import SLUG
from synth_web.engine.validation import STEP_ID
from synth_web.planner import MAX_REQUEST_CHARS

APP_SLUG = r"^[a-z][a-z0-9_]{0,39}$"
ACTION_TYPE = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
Words = list[Annotated[str, Field(min_length=1, max_length=200)]]
Sentences = list[Annotated[str, Field(min_length=1, max_length=2000)]]


class Out(BaseModel):
    """An answer object: exactly the fields documented, by their JSON names."""

    model_config = ConfigDict(
        extra="forbid", serialize_by_alias=True, validate_by_name=True
    )


class PlanRequest(Strict):
    """A request in plain words, alone or as the next turn of a conversation."""

    request: str = Field(
        min_length=1,
        max_length=MAX_REQUEST_CHARS,
        description="What to automate, in plain words (at most 2,000 characters).",
        examples=["Every weekday at 8:15, post 'Stand-up!' to #dev on Slack."],
    )
    conversation_id: str = unset(
        pattern=CONVERSATION_ID,
        description="Plan as the next turn of this conversation of yours (a new "
        "id starts one): its last draft can be changed (“make it 10am”), and the "
        "request and the answer, with the Plan in its metadata, are appended to "
        "it. Needs the `write` scope. Without it nothing is saved.",
    )


class Fact(Out):
    """A preference the person stated: the usual alerts channel, email, zone."""

    key: Literal["alerts_channel", "email", "timezone"]
    value: str = Field(min_length=1, max_length=200)


class ManualTrigger(Out):
    """Runs when the person presses Run now."""

    type: Literal["manual"]


class ScheduleTrigger(Out):
    """Runs on a 5-field cron in an IANA time zone."""

    type: Literal["schedule"]
    cron: str = Field(min_length=9, max_length=200, pattern=r"^\S+( \S+){4}$")
    timezone: str = Field(min_length=1, max_length=64)


class WebhookTrigger(Out):
    """Runs when something POSTs to the workflow's webhook URL."""

    type: Literal["webhook"]


class AppEventTrigger(Out):
    """Runs when an app relays one of its events to the webhook URL."""

    type: Literal["app_event"]
    app: str = Field(pattern=SLUG)
    event: str = Field(pattern=SLUG)


Trigger = Annotated[
    ManualTrigger | ScheduleTrigger | WebhookTrigger | AppEventTrigger,
    Field(discriminator="type"),
]


class DraftStep(Out):
    """One step of a draft: `app.action` with its `with` mapping."""

    id: str = Field(pattern=STEP_ID)
    type: str = Field(pattern=ACTION_TYPE)
    with_: dict[str, Any] = Field(
        alias="with", description="The action's parameters (templates allowed)."
    )


class DraftWorkflow(Out):
    """A workflow definition, ready to save (DESIGN §3)."""

    name: str = Field(min_length=1, max_length=200)
    intent: str = Field(min_length=1, max_length=2000)
    trigger: Trigger
    actions: list[DraftStep] = Field(min_length=1, max_length=50)


class PlanOut(Out):
    """The Plan: a draft workflow, the apps to connect, a refusal or a question."""

    outcome: Literal["workflow", "needs_connection", "unsupported", "clarify"]
    workflow: DraftWorkflow | None = Field(
        description="Present for `workflow` and `needs_connection`."
    )
    missing: list[Annotated[str, Field(pattern=APP_SLUG)]] = Field(
        description="Apps to connect (or switch on) first, by slug."
    )
    unsupported: Words = Field(
        description="Services or capabilities the catalog does not have."
    )
    alternatives: str | None = Field(
        max_length=2000, description="What Synth can do instead."
    )
    question: str | None = Field(max_length=2000, description="For `clarify`.")
    explanation: Sentences = Field(description="One short sentence per step.")
    assumptions: Sentences = Field(description="The defaults the planner chose.")
    brain: Literal["offline", "model"]
    fallback: str | None = Field(
        max_length=2000,
        description="Why the configured model did not answer (a timeout, an "
        "error, an invalid answer), so the offline planner did; else null.",
    )
    learned: list[Fact] = Field(
        description="Preferences the request stated, which the chat remembers."
    )
    follow_up: bool = Field(
        description="True when the answer changes the conversation's last draft."
    )
    memory_used: list[Annotated[int, Field(ge=1)]] = Field(
        description="Your memory entries this answer used (now marked used)."
    )


class EventOut(Out):
    """An event an app can relay to start a workflow."""

    name: str = Field(pattern=SLUG)
    title: str
    words: Words
    fields: Words = Field(description="Fields of its payload, under trigger.body.")


class ActionOut(Out):
    """An action of the catalog, with the JSON Schema of its `with`."""

    type: str = Field(pattern=ACTION_TYPE)
    title: str = Field(description="In plain words, like “Send a message”.")
    description: str
    words: Words = Field(description="Words people use for it.")
    slots: dict[
        str,
        Literal[
            "channel",
            "email",
            "url",
            "method",
            "message",
            "subject",
            "payload",
            "condition",
            "duration",
        ],
    ] = Field(description="Parameter -> the kind of value the planner fills it with.")
    json_schema: dict[str, Any] = Field(alias="schema")


class AppOut(Out):
    """An app of the catalog and its state for this person."""

    slug: str = Field(pattern=APP_SLUG)
    name: str
    description: str
    needs_connection: bool
    connected: bool = Field(description="Connected (always true when none is needed).")
    switched_on: bool = Field(
        description="Connected and switched on: its steps can run now."
    )
    words: Words
    events: list[EventOut]
    actions: list[ActionOut]


class AppList(Out):
    """The whole catalog, built-ins first."""

    data: list[AppOut]
