"""Steps that come from their own grammar: waits, and the checks conditions need.

"wait 30 seconds" becomes the action whose slot takes a duration; a condition
becomes the action whose slot takes a condition, and "if https://… is down"
fetches that address first.
"""

from __future__ import annotations

import re

from synth_web.planner import clock
from synth_web.planner.conditions import Condition
from synth_web.planner.starts import word_pattern
from synth_web.planner.steps import Draft, actions_with
from synth_web.planner.text import Request


def take_waits(request: Request) -> list[Draft]:
    """Read "wait 30 seconds" as the action whose slot takes a duration."""
    found = actions_with("duration")
    if not found:
        return []
    app, action = found[0]
    verbs = word_pattern(action.words)
    pattern = re.compile(
        rf"(?:{verbs.pattern if verbs else 'wait'}|\bafter)\s+(?:for\s+)?(?:about\s+)?"
        + clock.DURATION.pattern
    )
    drafts = []
    for match in request.take_all(pattern):
        seconds = clock.seconds_of(match)
        if seconds is not None:
            drafts.append(Draft(app, action, match.start(), match[0], seconds=seconds))
    return drafts


def condition_fetches(conditions: list[Condition], drafts: list[Draft]) -> list[Draft]:
    """Fetch the address a condition names ("if https://… is down") first."""
    fetchers = actions_with("url")
    fetched = {d.source_url for d in drafts} | {
        url for d in drafts for url in d.targets.get("url", [])
    }
    found = []
    for check in conditions:
        if fetchers and check.url and check.url not in fetched:
            app, action = fetchers[0]
            found.append(
                Draft(app, action, check.position - 0.5, "get", source_url=check.url)
            )
            fetched.add(check.url)
    return found


def condition_steps(conditions: list[Condition]) -> list[Draft]:
    """Make a step of each condition, with the action whose slot takes one."""
    found = actions_with("condition")
    if not found:
        return []
    app, action = found[0]
    return [Draft(app, action, c.position, c.words, condition=c) for c in conditions]
