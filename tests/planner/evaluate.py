"""Score the planner against the evaluation set: shared by the test and the bench.

A case is right when every expectation it states holds: the outcome, the trigger
type, the schedule (the next fire times of both crons in the expected zone, so
`0 9 * * 1-5` and `0 9 * * MON-FRI` are equal), the zone, the app event, the
ordered action types, the apps to connect, the unsupported names and any step
values it lists.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from synth_web.planner import Plan, PlanContext, plan_for

CASES = Path(__file__).with_name("cases.jsonl")
PERSON = "ada@example.com"
FIRE_TIMES = 40
FROM = datetime(
    2026, 1, 5, 0, 0
)  # a Monday in winter; 40 fires reach past DST for most


@dataclass
class Result:
    """One case, what the planner answered, and what was wrong."""

    case: dict[str, Any]
    plan: Plan
    wrong: list[str]
    ms: float = 0.0

    @property
    def ok(self) -> bool:
        """Tell whether every expectation held."""
        return not self.wrong


def load_cases() -> list[dict[str, Any]]:
    """Read every case of the evaluation set."""
    with CASES.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def context_of(case: dict[str, Any]) -> PlanContext:
    """Describe the case's person to the planner."""
    return PlanContext(PERSON, case["user_timezone"], dict(case["connected"]))


def fire_times(cron: str, zone: str) -> list[datetime]:
    """Return the first fire times of a cron in a zone."""
    start = FROM.replace(tzinfo=ZoneInfo(zone))
    it = croniter(cron, start)
    return [it.get_next(datetime) for _ in range(FIRE_TIMES)]


def check(case: dict[str, Any], plan: Plan) -> list[str]:
    """List what differs between the expectation and the plan."""
    expect, wrong = case["expect"], []
    outcomes = (
        expect["outcome"]
        if isinstance(expect["outcome"], list)
        else [expect["outcome"]]
    )
    if plan.outcome not in outcomes:
        wrong.append(f"outcome {plan.outcome!r}, expected {expect['outcome']!r}")
        return wrong
    flow = plan.workflow
    if expect.get("trigger") is not None:
        wrong += check_workflow(expect, flow)
    if "missing" in expect and sorted(plan.missing) != sorted(expect["missing"]):
        wrong.append(f"missing {plan.missing}, expected {expect['missing']}")
    if "unsupported" in expect:
        said = {name.lower() for name in plan.unsupported}
        absent = [n for n in expect["unsupported"] if n.lower() not in said]
        if absent:
            wrong.append(f"unsupported {plan.unsupported} lacks {absent}")
    return wrong


def check_workflow(expect: dict[str, Any], flow: dict[str, Any] | None) -> list[str]:
    """Compare the draft's trigger, schedule and steps with the expectation."""
    if flow is None:
        return ["no workflow"]
    wrong = []
    trigger = flow["trigger"]
    if trigger["type"] != expect["trigger"]:
        return [f"trigger {trigger['type']!r}, expected {expect['trigger']!r}"]
    if expect.get("cron"):
        if trigger.get("timezone") != expect["timezone"]:
            wrong.append(
                f"zone {trigger.get('timezone')}, expected {expect['timezone']}"
            )
        zone = expect["timezone"]
        if fire_times(trigger["cron"], zone) != fire_times(expect["cron"], zone):
            wrong.append(f"cron {trigger['cron']!r}, expected {expect['cron']!r}")
    if expect.get("event"):
        said = f"{trigger.get('app')}.{trigger.get('event')}"
        if said != expect["event"]:
            wrong.append(f"event {said}, expected {expect['event']}")
    types = [step["type"] for step in flow["actions"]]
    if types != expect["actions"]:
        wrong.append(f"actions {types}, expected {expect['actions']}")
    for kind, values in (expect.get("with") or {}).items():
        step = next((s for s in flow["actions"] if s["type"] == kind), None)
        for key, value in values.items():
            got = (step or {}).get("with", {}).get(key)
            if got != value:
                wrong.append(f"{kind}.{key} {got!r}, expected {value!r}")
    return wrong


def run(cases: list[dict[str, Any]] | None = None) -> Iterator[Result]:
    """Plan every case and check it."""
    import time

    for case in cases if cases is not None else load_cases():
        began = time.perf_counter()
        plan = plan_for(case["request"], context_of(case))
        ms = (time.perf_counter() - began) * 1000
        yield Result(case, plan, check(case, plan), ms)


def accuracy(results: list[Result]) -> float:
    """Return the share of right answers."""
    return sum(r.ok for r in results) / len(results) if results else 0.0
