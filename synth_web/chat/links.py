"""Messages link to workflows: the one a card created, and those they name.

Each by name, with its state and latest run, and only the person's own: a
workflow id in a message's metadata that is someone else's shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select

from synth_web.extensions import db
from synth_web.inputs import whole_number
from synth_web.models import ChatMessage, Workflow, WorkflowOrigin
from synth_web.workflows.listing import LastRun, last_runs


@dataclass
class MadeWorkflow:
    """A workflow a message created or names, with its latest run."""

    id: int
    name: str
    is_active: bool
    last_run: LastRun | None
    created_here: bool


def meta_id(message: ChatMessage, key: str) -> int | None:
    """Return an id a message's metadata names (workflow_id…), if it is a real id."""
    value = (message.meta or {}).get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return whole_number(value) if isinstance(value, str) else None


def origins_of(user_id: int, message_ids: list[int]) -> dict[int, int]:
    """Return message id → id of the workflow each of these messages created."""
    if not message_ids:
        return {}
    rows = db.session.execute(
        select(WorkflowOrigin.message_id, WorkflowOrigin.workflow_id).where(
            WorkflowOrigin.message_id.in_(message_ids),
            WorkflowOrigin.user_id == user_id,
        )
    )
    return {row.message_id: row.workflow_id for row in rows}


def workflows_by_id(user_id: int, ids: set[int]) -> dict[int, MadeWorkflow]:
    """Return the person's workflows among these ids, with their latest runs."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Workflow.id, Workflow.name, Workflow.status).where(
            Workflow.id.in_(ids), Workflow.user_id == user_id
        )
    ).all()
    runs = last_runs([row.id for row in rows])
    return {
        row.id: MadeWorkflow(
            row.id, row.name, row.status == "active", runs.get(row.id), False
        )
        for row in rows
    }


def message_workflows(
    user_id: int, messages: Iterable[ChatMessage]
) -> dict[int, list[MadeWorkflow]]:
    """Find the person's workflows each message created or names, by message id.

    A workflow id in a message's metadata that is not the person's shows nothing.
    """
    messages = list(messages)
    created = origins_of(user_id, [m.id for m in messages])
    named = {m.id: meta_id(m, "workflow_id") for m in messages}
    found = workflows_by_id(
        user_id, set(created.values()) | {w for w in named.values() if w}
    )
    links: dict[int, list[MadeWorkflow]] = {}
    for message in messages:
        shown: list[MadeWorkflow] = []
        for workflow_id, here in (
            (created.get(message.id), True),
            (named[message.id], False),
        ):
            if workflow_id in found and all(w.id != workflow_id for w in shown):
                shown.append(replace(found[workflow_id], created_here=here))
        if shown:
            links[message.id] = shown
    return links
