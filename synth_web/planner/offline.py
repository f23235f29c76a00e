"""The offline brain: grammar and the catalog's words, deterministic, no network.

Reading order: set exact values aside, refuse what is against the person, name
what the catalog lacks, then take waits, conditions, the trigger (by hand, a
schedule, a webhook, an app's event) and finally the steps each clause asks for.
The outcome is decided in the Plan contract's order: clarify, unsupported,
needs_connection, workflow.
"""

from __future__ import annotations

import re
from functools import cache

from synth_web.engine.apps import catalog, get_app
from synth_web.engine.validation import validate_definition
from synth_web.planner import clock, schedule_days, starts, unknown
from synth_web.planner.assemble import assemble
from synth_web.planner.conditions import take_conditions
from synth_web.planner.contract import Plan, PlanContext, clarify, refuse
from synth_web.planner.derived import condition_fetches, condition_steps, take_waits
from synth_web.planner.health import take_status_checks
from synth_web.planner.references import from_elsewhere
from synth_web.planner.safety import check_safety
from synth_web.planner.schedule import PERIODS, Unsayable, take_schedule
from synth_web.planner.steps import Draft, read_steps
from synth_web.planner.text import Request, read_request

MAX_WAIT_SECONDS = 300
LONG_WAIT = unknown.Unknown(
    "waiting longer than 5 minutes",
    re.compile("$^"),
    "A wait can last up to 5 minutes; a second workflow on a schedule can pick up "
    "later.",
)
COMMON = (
    "every each daily weekly monthly yearly hourly annually quarterly minute minutes "
    "hour hours day days week weeks month months year years weekday weekdays weekend "
    "weekends noon midnight morning evening afternoon night when whenever then with "
    "from that this there their have your what about into only after before send "
    "sends webhook webhooks hook manually manual demand button click press status "
    "amount total count above below least most greater less urgent critical time "
    "times twice once other office business hours working channel message result "
    "subject text body payload json data please could would should thanks like want"
)
EXAMPLE = (
    "For example: “Every weekday at 9, post ‘Stand-up!’ to #team on Slack” or "
    "“When a webhook arrives, email me the payload”."
)


@cache
def vocabulary() -> frozenset[str]:
    """Return the words typos are corrected towards: the catalog's and the grammar's."""
    words: set[str] = set(COMMON.split())
    words |= set(schedule_days.DAYS) | set(schedule_days.MONTHS) | set(PERIODS)
    words |= set(clock.NUMBER_WORDS) | set(clock.ORDINALS) | set(clock.UNITS)
    for app in catalog().values():
        phrases = list(app.words) + [w for e in app.events.values() for w in e.words]
        phrases += [w for a in app.actions.values() for w in a.words]
        words |= {part for phrase in phrases for part in phrase.split()}
    for item in unknown.SERVICES + unknown.CAPABILITIES:
        words |= set(re.findall(r"[a-z]{4,}", item.pattern.pattern))
    return frozenset(word for word in words if word.isalpha())


class OfflineBrain:
    """Plan from grammar and the catalog, in a few milliseconds."""

    name = "offline"

    def plan(self, text: str, context: PlanContext) -> Plan:
        """Turn a request in plain words into a Plan."""
        request = read_request(text, vocabulary())
        if not request.has_words:
            return clarify(f"What would you like Synth to automate? {EXAMPLE}")
        refusal = check_safety(request.raw)
        if refusal is not None:
            return refusal
        waits = take_waits(request)
        missing = lacking(request, waits)
        if missing:
            return refuse([m.name for m in missing], unknown.alternatives_for(missing))
        conditions = take_status_checks(request) + take_conditions(request)
        try:
            start = take_start(request, context)
        except Unsayable as exc:
            return clarify(str(exc))
        drafts = read_steps(request)
        drafts += condition_fetches(conditions, drafts)
        if not drafts:
            return clarify(question_for(start))
        if start is not None:
            conditions += start.conditions
        conditions.sort(key=lambda c: c.position)
        if conditions and not has_data(start, drafts):
            return clarify(
                f"Where does the {conditions[0].field.replace('_', ' ')} come from? "
                "A webhook can send it (“when a webhook arrives with …”), or a step "
                "can fetch it from a URL."
            )
        elsewhere = from_elsewhere(drafts)
        if elsewhere and not has_data(start, drafts):
            return clarify(where_from(elsewhere))
        checks = condition_steps(conditions)
        return decide(
            assemble(start, drafts + waits, checks, request, context), context
        )


def lacking(request: Request, waits: list[Draft]) -> list[unknown.Unknown]:
    """Name the services and capabilities the request needs that Synth lacks."""
    missing = unknown.missing_services(request.raw)
    outside_events = blank(request.raw, starts.event_spans(request))
    missing += unknown.missing_capabilities(outside_events)
    if any((w.seconds or 0) > MAX_WAIT_SECONDS for w in waits):
        missing.append(LONG_WAIT)
    return missing


def take_start(request: Request, context: PlanContext) -> starts.Start | None:
    """Read what starts the workflow: by hand, a schedule, a webhook or an event."""
    start = starts.take_manual(request)
    timing = take_schedule(request, context.timezone)
    if start is None and timing is not None:
        trigger = {"type": "schedule", "cron": timing.cron, "timezone": timing.timezone}
        return starts.Start(trigger, assumptions=timing.assumptions)
    return (
        start
        or starts.take_webhook(request)
        or starts.take_event(request)
        or starts.take_arrival(request)
    )


def has_data(start: starts.Start | None, drafts: list[Draft]) -> bool:
    """Tell whether a condition has something to read: an event or a fetch."""
    if start is not None and start.trigger["type"] in ("webhook", "app_event"):
        return True
    return any(d.slot("url") and d.source_url or d.targets.get("url") for d in drafts)


def where_from(thing: str) -> str:
    """Ask where something a message passes on comes from."""
    many = thing.endswith("s") and not thing.endswith(("news", "status"))
    does, it = ("do", "them") if many else ("does", "it")
    return (
        f"Where {does} the {thing} come from? A webhook can send {it} (“when a "
        "webhook arrives, post it to #team”), or a step can fetch "
        f"{it} (“fetch https://… and post it to #team”)."
    )


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Blank spans of a text."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def question_for(start: starts.Start | None) -> str:
    """Ask what should happen, naming the trigger already understood."""
    offered = unknown.offered()
    if start is None:
        return f"What would you like Synth to do, and when? {offered} {EXAMPLE}"
    from synth_web.planner.words import trigger_sentence

    return f"{trigger_sentence(start.trigger)}, what should happen? {offered}"


def decide(plan: Plan, context: PlanContext) -> Plan:
    """Check the draft for this person: workflow, or which apps to connect."""
    if plan.workflow is None:
        return plan
    # Judged as if every app were connected: only connections may be missing.
    connected = {key: "active" for key in catalog()}
    problems = validate_definition(plan.workflow, connected)
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
