"""A model's answer, read as data: bounded, checked against the Plan schema, and
its draft validated in the same three phases as every other.

Only the Plan's own fields are read (anything else the model adds, such as the
id of a workflow, a person or a connection, is dropped unread); which apps are
missing is decided from the person's connections, never from the model.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from synth_web.planner.bounds import OutOfBounds, check_bounds
from synth_web.planner.contract import Plan, PlanContext
from synth_web.planner.model_prompt import PLAN_SCHEMA
from synth_web.planner.outcome import decide, draft_problems

MAX_ANSWER_CHARS = 64_000
FENCE = re.compile(r"^\s*```(?:json)?\s*(?P<body>.*?)\s*```\s*$", re.S)
VALIDATOR = Draft202012Validator(PLAN_SCHEMA)
FIELDS = tuple(PLAN_SCHEMA["properties"])
# A Plan, or the problems to send back for repair.
Answer = tuple[Plan | None, list[str]]


def read_answer(content: str, context: PlanContext) -> Answer:
    """Return the Plan a model answered, or the problems to send back for repair."""
    data, problems = parse(content)
    if data is None:
        return None, problems
    problems = schema_problems(data)
    if problems:
        return None, problems
    outcome = data["outcome"]
    if outcome in ("workflow", "needs_connection"):
        return drafted(data, context)
    if outcome == "unsupported" and not data["unsupported"]:
        return None, ["unsupported: name what is missing."]
    if outcome == "clarify" and not (data["question"] or "").strip():
        return None, ["question: a clarify answer asks a question."]
    return Plan(
        outcome,
        brain="model",
        unsupported=list(data["unsupported"]) if outcome == "unsupported" else [],
        alternatives=data["alternatives"],
        question=data["question"] if outcome == "clarify" else None,
        explanation=list(data["explanation"]),
        assumptions=list(data["assumptions"]),
    ), []


def schema_problems(data: dict[str, Any]) -> list[str]:
    """Say where the answer strays from the Plan schema, briefly."""
    found = []
    for error in VALIDATOR.iter_errors(data):
        if error.context:  # "not valid under any of the schemas": say which part
            error = best_match(error.context)
        where = ".".join(map(str, error.absolute_path)) or "answer"
        found.append(f"{where}: {error.message[:300]}")
    return found[:20]


def parse(content: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Read the answer's JSON object, bounded, keeping only the Plan's fields."""
    if len(content) > MAX_ANSWER_CHARS:
        return None, [f"The answer is longer than {MAX_ANSWER_CHARS:,} characters."]
    fenced = FENCE.match(content)
    try:
        data = json.loads(fenced.group("body") if fenced else content)
        check_bounds(data)
    except OutOfBounds as exc:
        return None, [f"The answer cannot be read: {exc}."]
    except ValueError as exc:
        return None, [f"The answer is not valid JSON ({exc}). Send one JSON object."]
    if not isinstance(data, dict):
        return None, ["The answer must be one JSON object (the Plan)."]
    return {key: data[key] for key in FIELDS if key in data}, []


def drafted(
    data: dict[str, Any], context: PlanContext
) -> tuple[Plan | None, list[str]]:
    """Validate the draft in three phases, then check the person's connections."""
    workflow = data["workflow"]
    if workflow is None:
        return None, ["workflow: a workflow answer needs the draft."]
    problems = draft_problems(workflow)
    if problems:
        return None, [f"workflow.{p.path}: {p.message}" for p in problems[:20]]
    plan = Plan(
        "workflow",
        brain="model",
        workflow=workflow,
        explanation=list(data["explanation"]),
        assumptions=list(data["assumptions"]),
    )
    return decide(plan, context), []
