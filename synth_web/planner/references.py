"""A message that names data: a field of the trigger's data, or content from elsewhere.

"post the order id to #sales" on a webhook sends `{{ trigger.body.order_id }}`
(a snake_case guess, said in assumptions); "email me the customer's email" sends
`{{ trigger.body.customer_email }}`. "post the daily summary to #team" with nothing
to read it from is a question: where does the summary come from?
"""

from __future__ import annotations

import re

from synth_web.planner.steps import Draft

PHRASE = re.compile(
    r"^(?:(?:me|us|them)\s+)?(?P<the>(?:the|its|their)\s+)?"
    r"(?:(?P<owner>[a-z]+)'s\s+)?(?P<noun>[a-z]+(?:\s+[a-z]+){0,2})$"
)
# Words that make a phrase a message of its own, not a field ("the reminder").
MESSAGE_NOUNS = frozenset(
    "message messages note notes reminder reminders alert alerts warning warnings "
    "notice greeting greetings update updates text news".split()
)
# Words that are the whole data, handled as such ("post it", "log the payload").
WHOLE = frozenset(
    "it them this that result results response output data json payload body event "
    "events call request details content contents everything all whole".split()
)
NOT_NOUNS = frozenset(
    "a an the to in on at for with of and or every each when if me us slack gmail "
    "please".split()
)
# What a message can pass on but Synth cannot make: it comes from somewhere.
FROM_ELSEWHERE = frozenset(
    "summary summaries report reports digest recap numbers figures stats "
    "statistics metrics kpis kpi results totals news headlines weather forecast "
    "briefing".split()
)


def noun_phrase(draft: Draft) -> tuple[str | None, list[str]] | None:
    """Return the owner and words of "the order id", "the customer's email"."""
    target = r"\b(?:to|in|on|via|at|into)\s+(?:channel|email|url)_\d+"
    text = re.sub(target, " ", draft.without_verb())
    match = PHRASE.match(" ".join(text.split()))
    if match is None or not (match.group("the") or match.group("owner")):
        return None
    words = match.group("noun").split()
    if any(word in NOT_NOUNS or "_" in word for word in words):
        return None
    return match.group("owner"), words


def field_reference(draft: Draft) -> tuple[str, str] | None:
    """Return the template and its note for a message naming a field of the data."""
    found = noun_phrase(draft)
    if found is None:
        return None
    owner, words = found
    if set(words) <= WHOLE or words[-1] in MESSAGE_NOUNS:
        return None
    name = "_".join(([owner] if owner and owner not in WHOLE else []) + words)
    note = (
        f"The message reads `{name}` from the webhook's data "
        f"(`trigger.body.{name}`); rename it if your data calls it otherwise."
    )
    return f"{{{{ trigger.body.{name} }}}}", note


def from_elsewhere(drafts: list[Draft]) -> str | None:
    """Return the thing a message passes on that must come from somewhere."""
    for draft in drafts:
        if "message" not in draft.action.slots.values() or draft.targets.get("quote"):
            continue
        found = noun_phrase(draft)
        if found and found[1][-1] in FROM_ELSEWHERE:
            return " ".join(found[1])
    return None


def where_from(thing: str) -> str:
    """Ask where something a message passes on comes from."""
    many = thing.endswith("s") and not thing.endswith(("news", "status"))
    does, it = ("do", "them") if many else ("does", "it")
    return (
        f"Where {does} the {thing} come from? A webhook can send {it} (“when a "
        "webhook arrives, post it to #team”), or a step can fetch "
        f"{it} (“fetch https://… and post it to #team”)."
    )
