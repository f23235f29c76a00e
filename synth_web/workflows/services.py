"""Workflow rules: access, saving drafts, switching on and off, copies, runs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from flask import url_for
from sqlalchemy import func, select

from synth_web.access import owned_or_404
from synth_web.engine import live
from synth_web.engine.checks import connection_statuses, workflow_problems
from synth_web.engine.validation import Problem
from synth_web.extensions import db
from synth_web.models import Execution, Workflow, WorkflowOrigin, utcnow
from synth_web.models.execution import FINISHED_STATUSES
from synth_web.models.workflow import new_webhook_token


def get_workflow_or_404(workflow_id: int) -> Workflow:
    """Return the signed-in person's workflow, or answer 404 for anyone else's."""
    return owned_or_404(Workflow, workflow_id)


def current_problems(workflow: Workflow) -> list[Problem]:
    """Return what stops the workflow from running, with the person's connections."""
    return workflow_problems(workflow, connection_statuses(workflow.user_id))


def definition_problems(user_id: int, definition: dict[str, Any]) -> list[Problem]:
    """Return the problems a definition would have if this person saved it."""
    probe = Workflow(user_id=user_id)
    probe.apply_definition(definition)
    return current_problems(probe)


def remember_sources(
    workflow: Workflow, sources: Mapping[str, str], intent_generated: bool = False
) -> None:
    """Keep the JSON texts as typed, and whether the builder wrote the intent."""
    meta = {**(workflow.meta or {}), "source": dict(sources)}
    meta.pop("intent_generated", None)
    if intent_generated:
        meta["intent_generated"] = True
    workflow.meta = meta


def definition_version(definition: Mapping[str, Any]) -> str:
    """Fingerprint a definition, so a save based on an older one can be noticed."""
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def editor_texts(workflow: Workflow) -> dict[str, str]:
    """Return the trigger and actions texts for the editor.

    The text as last typed is shown while it still means the stored value;
    otherwise (after an import or a copy, say) the stored JSON is laid out anew.
    """
    source = (workflow.meta or {}).get("source") or {}
    texts = {}
    for name, value in (("trigger", workflow.trigger), ("actions", workflow.actions)):
        typed = source.get(name)
        try:
            same = isinstance(typed, str) and json.loads(typed or "null") == value
        except ValueError:
            same = False
        texts[name] = typed if same else json.dumps(value, indent=2, ensure_ascii=False)
    return texts


def create_workflow(
    user_id: int,
    definition: dict[str, Any],
    sources: Mapping[str, str] | None = None,
    intent_generated: bool = False,
    origin: WorkflowOrigin | None = None,
) -> tuple[Workflow, list[Problem]]:
    """Save a new workflow, inactive, and return it with its problems.

    An origin (the plan card it came from) is saved in the same commit.
    """
    workflow = Workflow(user_id=user_id, status="inactive", meta={})
    workflow.apply_definition(definition)
    if sources:
        remember_sources(workflow, sources, intent_generated)
    if origin is not None:
        workflow.origin = origin
    db.session.add(workflow)
    db.session.commit()
    return workflow, current_problems(workflow)


def update_workflow(
    workflow: Workflow,
    definition: dict[str, Any],
    sources: Mapping[str, str],
    intent_generated: bool = False,
) -> tuple[list[Problem], bool]:
    """Save an edit; return its problems and whether it had to be switched off.

    An active workflow whose edit brings problems is still saved (nothing typed is
    lost) but switched off, because a workflow with problems must not run.
    """
    workflow.apply_definition(definition)
    remember_sources(workflow, sources, intent_generated)
    problems = current_problems(workflow)
    switched_off = bool(problems) and workflow.is_active
    if switched_off:
        workflow.status = "inactive"
    db.session.commit()
    return problems, switched_off


def set_status(workflow: Workflow, active: bool) -> list[Problem]:
    """Switch a workflow on or off; refuse to switch on one with problems."""
    if active:
        problems = current_problems(workflow)
        if problems:
            return problems
    wanted = "active" if active else "inactive"
    if workflow.status != wanted:
        workflow.status = wanted
        if active:
            # Schedules only fire for times after this (no surprise catch-up run).
            workflow.meta = {
                **(workflow.meta or {}),
                "activated_at": utcnow().isoformat(),
            }
        db.session.commit()
    return []


def copy_name(name: str) -> str:
    """Name a copy "… (copy)", within the column's 200 characters."""
    suffix = " (copy)"
    return name[: 200 - len(suffix)] + suffix


def duplicate_workflow(workflow: Workflow) -> Workflow:
    """Save an inactive copy with its own webhook URL."""
    copy = Workflow(user_id=workflow.user_id, status="inactive")
    copy.apply_definition({**workflow.definition, "name": copy_name(workflow.name)})
    copy.meta = {"copied_from": workflow.id}
    db.session.add(copy)
    db.session.commit()
    return copy


def run_count(workflow: Workflow) -> int:
    """Count the runs that deleting the workflow would delete."""
    query = select(func.count()).where(Execution.workflow_id == workflow.id)
    return db.session.scalar(query) or 0


def delete_workflow(workflow: Workflow) -> None:
    """Delete a workflow; the database deletes its runs with it.

    Pages of its unfinished runs still poll: their kept readings are dropped, so
    the next poll finds the run gone (404) instead of "unchanged" (204).
    """
    unfinished = select(Execution.id).where(
        Execution.workflow_id == workflow.id,
        Execution.status.not_in(FINISHED_STATUSES),
    )
    polled = list(db.session.scalars(unfinished))
    db.session.delete(workflow)
    db.session.commit()
    live.changed(polled)


def rotate_webhook_token(workflow: Workflow) -> None:
    """Give the workflow a new webhook URL; the old one stops working at once."""
    workflow.webhook_token = new_webhook_token()
    db.session.commit()


def webhook_url(workflow: Workflow) -> str:
    """Return the full URL that starts this workflow when something POSTs to it."""
    return url_for("hooks.receive", token=workflow.webhook_token or "", _external=True)
