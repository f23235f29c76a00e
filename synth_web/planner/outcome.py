"""A draft checked for the person: a workflow, or the apps to connect first.

Every brain's draft goes through the same three validation phases. It is judged
as if every app were connected, so that only connections can be missing; then
the person's own connection states decide between `workflow` and
`needs_connection`.
"""

from __future__ import annotations

from synth_web.engine.apps import catalog, get_app
from synth_web.engine.validation import Problem, validate_definition
from synth_web.planner.contract import Plan, PlanContext, clarify


def draft_problems(workflow: dict) -> list[Problem]:
    """Return what is wrong with a draft, whatever the person has connected."""
    connected = {key: "active" for key in catalog()}
    return validate_definition(workflow, connected)


def decide(plan: Plan, context: PlanContext) -> Plan:
    """Check the draft for this person: workflow, or which apps to connect."""
    if plan.workflow is None:
        return plan
    problems = draft_problems(plan.workflow)
    if problems:
        first = problems[0]
        return clarify(
            f"I could not build a valid workflow from that ({first.message}). "
            "Could you say it another way?"
        )
    plan.missing = needed_connections(plan.workflow, context)
    if plan.missing:
        names = " and ".join(get_app(key).name for key in plan.missing)  # type: ignore[union-attr]
        plan.outcome = "needs_connection"
        plan.alternatives = f"Connect {names} in Connections, then ask again."
    return plan


def needed_connections(workflow: dict, context: PlanContext) -> list[str]:
    """Return the apps the draft needs that are not connected and switched on."""
    keys = {step["type"].split(".")[0] for step in workflow["actions"]}
    if workflow["trigger"]["type"] == "app_event":
        keys.add(workflow["trigger"]["app"])
    return sorted(
        key
        for key in keys
        if (app := get_app(key)) is not None
        and app.needs_connection
        and context.connections.get(key) != "active"
    )
