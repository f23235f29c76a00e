"""A workflow's problems right now, and why it cannot run: pages and the runner share.

`why_not` is the one wording of a refusal: the webhook, Run now, retries, the
scheduler (through `start.start_run`) and the runner's last check all use it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from sqlalchemy import inspect, select

from synth_web.engine.apps import get_app
from synth_web.engine.validation import Problem, validate_definition
from synth_web.extensions import db
from synth_web.models import Connection, Workflow

PROBLEMS_SHOWN = 3
# Validation results kept per (workflow, updated_at, connection states): issue 20.
CACHE_SIZE = 2048
_CACHE: dict[tuple, list[Problem]] = {}
_CACHE_LOCK = threading.Lock()
SWITCHED_OFF = "This workflow is switched off."


def connection_statuses(user_id: int) -> dict[str, str]:
    """Return app key → connection status for one person."""
    rows = db.session.execute(
        select(Connection.app_name, Connection.status).where(
            Connection.user_id == user_id
        )
    )
    return {app: status for app, status in rows}


def workflow_problems(
    workflow: Workflow, connections: Mapping[str, str] | None = None
) -> list[Problem]:
    """Return what stops this workflow from being activated or run."""
    if connections is None:
        connections = connections_of(workflow)
    key = cache_key(workflow, connections)
    if key is None:
        return validate_definition(workflow.definition, connections)
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is None:
        found = validate_definition(workflow.definition, connections)
        with _CACHE_LOCK:
            if len(_CACHE) >= CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))  # the oldest entry
            _CACHE[key] = found
    return list(found)


def cache_key(workflow: Workflow, connections: Mapping[str, str]) -> tuple | None:
    """Key a workflow's problems by its saved version and the connection states.

    Only a saved, unchanged workflow is cached: its definition is what was saved
    at `updated_at` (every change through the ORM moves it). A workflow being
    edited in memory, or a test run's probe, is validated afresh every time.
    """
    if workflow.id is None or workflow.updated_at is None:
        return None
    state = inspect(workflow)
    if not state.persistent or state.modified:
        return None
    return (workflow.id, workflow.updated_at, tuple(sorted(connections.items())))


def connections_of(workflow: Workflow) -> dict[str, str]:
    """Read the connection states this workflow's steps need (none: no query)."""
    return (
        connection_statuses(workflow.user_id) if uses_connected_apps(workflow) else {}
    )


def uses_connected_apps(workflow: Workflow) -> bool:
    """Tell whether any step needs a connection (else none need to be read)."""
    return any(
        (app := get_app(key)) is None or app.needs_connection
        for key in workflow.apps_used
    )


class RunRefused(Exception):
    """A run cannot start; the message says why, in words for a person.

    `reason` is a short code for programs: `inactive` or `problems`.
    `blocked_by` lists the apps whose connections are switched off when switching
    them on is all it takes: the refusal is temporary.
    """

    def __init__(
        self,
        message: str,
        reason: str,
        problems: list[Problem] | None = None,
        blocked_by: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.problems = problems or []
        self.blocked_by = blocked_by or []


def problems_sentence(problems: list[Problem]) -> str:
    """Word a workflow's problems as the reason it cannot run."""
    shown = "; ".join(f"{p.path}: {p.message}" for p in problems[:PROBLEMS_SHOWN])
    more = len(problems) - PROBLEMS_SHOWN
    if more > 0:
        shown += f" (and {more} more)"
    return f"This workflow has problems and cannot run until they are fixed: {shown}"


def why_not(
    workflow: Workflow,
    *,
    by_hand: bool,
    problems: list[Problem] | None = None,
    connections: Mapping[str, str] | None = None,
) -> RunRefused | None:
    """Return why this workflow cannot run now, or None when it can.

    Being switched off stops only what starts on its own (schedules, webhooks): a
    person may still run an inactive workflow by hand, as n8n's test run does.
    Problems always stop it. Pass `problems` when they are already known.
    """
    if not by_hand and not workflow.is_active:
        return RunRefused(SWITCHED_OFF, "inactive")
    if problems is None:
        if connections is None:
            connections = connections_of(workflow)
        problems = workflow_problems(workflow, connections)
    if not problems:
        return None
    blocked_by = switched_off_only(workflow, connections or {})
    return RunRefused(problems_sentence(problems), "problems", problems, blocked_by)


def switched_off_only(workflow: Workflow, connections: Mapping[str, str]) -> list[str]:
    """Return the apps switched off, when switching them on removes every problem."""
    off = [app for app in workflow.apps_used if connections.get(app) == "inactive"]
    if not off:
        return []
    switched_on = {**connections, **dict.fromkeys(off, "active")}
    return [] if workflow_problems(workflow, switched_on) else off
