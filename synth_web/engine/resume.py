"""Retry from a step: reuse the saved outputs of the steps before it.

A run records a fingerprint of every step of the workflow it ran
(`metadata.steps_seen`, by step id). A failed run may be retried from step N
when each step before N, in the workflow as it is now, has a successful record
in that run and the same fingerprint: nothing it did would come out differently.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from synth_web.engine.steps import Plan
from synth_web.models import Execution


@dataclass(frozen=True)
class ResumePoint:
    """A step a failed run can be retried from."""

    number: int  # 1-based
    id: str


def fingerprint(action: Any) -> str:
    """Return a short hash of a step's whole definition."""
    text = json.dumps(action, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprints(actions: list[Any]) -> dict[str, str]:
    """Return step id → fingerprint for every step of a workflow."""
    return {
        str(action.get("id")): fingerprint(action)
        for action in actions
        if isinstance(action, dict)
    }


def saved_records(execution: Execution) -> dict[str, dict[str, Any]]:
    """Return the run's successful step records by step id."""
    results = execution.results if isinstance(execution.results, list) else []
    return {
        str(r.get("id")): r
        for r in results
        if isinstance(r, dict) and r.get("status") == "success"
    }


def resume_points(execution: Execution, actions: list[Any]) -> list[ResumePoint]:
    """Return the steps (2 and later) this failed run can be retried from."""
    seen = (execution.meta or {}).get("steps_seen")
    if execution.status != "failure" or not isinstance(seen, dict):
        return []
    saved = saved_records(execution)
    points = []
    for index, action in enumerate(actions[:-1]):
        step_id = str(action.get("id")) if isinstance(action, dict) else ""
        if step_id not in saved or seen.get(step_id) != fingerprint(action):
            break
        following = actions[index + 1]
        points.append(ResumePoint(index + 2, str(following.get("id"))))
    return points


def reused_records(
    execution: Execution, actions: list[Any], start_step: int
) -> list[dict[str, Any]]:
    """Return copies of the records of the steps before `start_step`, marked."""
    saved = saved_records(execution)
    records = []
    for action in actions[: start_step - 1]:
        record = copy.deepcopy(saved[str(action["id"])])
        record["reused_from"] = execution.id
        records.append(record)
    return records


def start(plan: Plan) -> list[dict[str, Any]]:
    """Return the records a run resumed at a step starts with; prime the context.

    The retry stored them as the new run's first results; their outputs become
    `steps.<id>.output` exactly as if the steps had just run.
    """
    start_step = plan.meta.get("start_step")
    if not isinstance(start_step, int) or start_step < 2:
        return []
    results = plan.conn.execute(
        select(Execution.results).where(Execution.id == plan.execution_id)
    ).scalar()
    records = list(results or [])[: start_step - 1]
    for record in records:
        plan.context["steps"][record["id"]] = {"output": record.get("output")}
    return records
