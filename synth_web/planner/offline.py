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

from synth_web.engine.apps import catalog
from synth_web.planner import clock, schedule_days, starts, unknown
from synth_web.planner.assemble import assemble
from synth_web.planner.conditions import take_conditions
from synth_web.planner.contract import (
    Plan,
    PlanContext,
    Remembered,
    clarify,
    refuse,
)
from synth_web.planner.derived import condition_fetches, condition_steps, take_waits
from synth_web.planner.followup import follow_up, last_draft
from synth_web.planner.health import take_status_checks
from synth_web.planner.outcome import decide
from synth_web.planner.preferences import saying, zone_for
from synth_web.planner.references import from_elsewhere, where_from
from synth_web.planner.safety import check_safety
from synth_web.planner.schedule import PERIODS, Unsayable, take_schedule
from synth_web.planner.statements import Statement, take_statements
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
        stated = take_statements(request)
        if stated and not FILLER.sub("", request.text).strip():
            return understood(stated)
        waits = take_waits(request)
        missing = lacking(request, waits)
        if missing:
            return refuse([m.name for m in missing], unknown.alternatives_for(missing))
        draft = last_draft(context.conversation)
        if draft is not None:
            return decide(
                follow_up(request, waits, draft, context, self.fresh), context
            )
        return self.fresh(request, waits, context)

    def fresh(self, request: Request, waits: list[Draft], context: PlanContext) -> Plan:
        """Plan a request on its own: conditions, trigger, steps."""
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
            return clarify(where_from(conditions[0].field.replace("_", " ")))
        elsewhere = from_elsewhere(drafts)
        if elsewhere and not has_data(start, drafts):
            return clarify(where_from(elsewhere))
        checks = condition_steps(conditions)
        return decide(
            assemble(start, drafts + waits, checks, request, context), context
        )


def understood(stated: list[Statement]) -> Plan:
    """Answer a request that only states preferences."""
    said = "; ".join(saying(Remembered(s.key, s.value)) for s in stated)
    return clarify(f"Understood: {said}. What would you like Synth to automate?")


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
    zone, note, used = zone_for(context)
    timing = take_schedule(request, zone, note)
    if start is None and timing is not None:
        trigger = {"type": "schedule", "cron": timing.cron, "timezone": timing.timezone}
        return starts.Start(
            trigger,
            assumptions=timing.assumptions,
            memory_used=[] if timing.zone_named else used,
        )
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


# What may be left of a request that only stated preferences.
FILLER = re.compile(
    r"\b(?:and|please|from\s+now\s+on|remember|note|that|also|ok|okay|thanks|"
    r"thank\s+you|so|just|by\s+the\s+way|btw|fyi)\b|[^a-z]"
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
