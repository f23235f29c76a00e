"""What the workflow endpoints accept and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from synth_web.api.common import (
    SOME_WORD,
    Arguments,
    FieldError,
    JsonList,
    JsonObject,
    Out,
    PageQuery,
    Strict,
    cursor_field,
    unset,
)
from synth_web.api.pagination import BY_ID
from synth_web.engine.validation import Problem
from synth_web.models import Workflow
from synth_web.workflows.listing import APP_KEY
from synth_web.workflows.services import webhook_url

HOOK_TRIGGERS = ("webhook", "app_event")
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=SOME_WORD)
]


class WorkflowQuery(PageQuery):
    """Filters of the workflow list."""

    cursor: str = cursor_field(BY_ID)
    status: Literal["active", "inactive"] | None = None
    q: str | None = Field(
        None, max_length=200, description="Text in the name or the intent."
    )
    app: str | None = Field(
        None,
        pattern=APP_KEY.pattern,
        description="Only workflows with a step of this app, like `slack`.",
    )


class DraftQuery(Arguments):
    """Whether a definition with problems may be saved as an inactive draft."""

    draft: bool = Field(
        False,
        description="Save even with problems, as an inactive draft (201/200 with "
        "its `problems`). Without it, problems answer 422 and nothing is saved.",
    )


class WorkflowCreate(Strict):
    """A workflow definition: name, intent, trigger and actions (DESIGN §3)."""

    name: Name
    intent: str = ""
    trigger: JsonObject = Field(
        description='The trigger object, like {"type": "manual"}.'
    )
    actions: JsonList = Field(description="The steps, in order.")


class WorkflowUpdate(Strict):
    """The parts of a definition to change; what is left out stays."""

    name: Name = unset()
    intent: str = unset()
    trigger: JsonObject = unset()
    actions: JsonList = unset()


class RunRequest(Strict):
    """What a run by hand starts with; the whole body may be left out."""

    payload: JsonObject = unset(
        description="The run's `trigger` data, like "
        '{"body": {"total": 42}, "headers": {}, "query": {}}. Left out, a '
        "webhook or app-event workflow runs on its sample (409 without one); "
        "other workflows run without data."
    )


class WorkflowOut(Out):
    """A workflow with what stops it from running right now."""

    id: int
    name: str
    intent: str
    trigger: JsonObject
    actions: JsonList
    status: Literal["active", "inactive"]
    trigger_type: str
    webhook_url: str | None = Field(
        description="Where to POST to start it (webhook and app_event triggers)."
    )
    created_at: datetime
    updated_at: datetime
    problems: list[FieldError] = Field(
        description="Problems that stop it from being switched on or run."
    )


class WorkflowList(Out):
    """One page of workflows, newest first."""

    data: list[WorkflowOut]
    next_cursor: str | None


def problems_out(problems: list[Problem]) -> list[FieldError]:
    """Return problems as API field errors."""
    return [FieldError(path=p.path, message=p.message, phase=p.phase) for p in problems]


def workflow_out(workflow: Workflow, problems: list[Problem]) -> WorkflowOut:
    """Describe a workflow for the API."""
    hook = workflow.trigger_type in HOOK_TRIGGERS and workflow.webhook_token
    return WorkflowOut(
        id=workflow.id,
        name=workflow.name,
        intent=workflow.intent or "",
        trigger=workflow.trigger if isinstance(workflow.trigger, dict) else {},
        actions=workflow.actions if isinstance(workflow.actions, list) else [],
        status=workflow.status,
        trigger_type=workflow.trigger_type,
        webhook_url=webhook_url(workflow) if hook else None,
        created_at=workflow.created_at,
        updated_at=workflow.updated_at,
        problems=problems_out(problems),
    )
