"""Conditions in words -> a true/false template for a filter step.

"if the status is not 200", "when the amount is above 1,000", "unless the status is
ok", "only for urgent tickets", "with 'invoice' in the subject". Each is read into a
field, a comparison and a value; which data the field is read from (the trigger or
an earlier fetch) is decided when the steps are known.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from synth_web.planner.condition_words import (
    ADJECTIVE_FIELDS,
    AMOUNT_OF,
    DESCRIBING,
    NOT_FIELDS,
)
from synth_web.planner.text import Request

LEAD = (
    r"(?:\bif|\bwhen|\bwhenever|\bwhere|\bunless|\bonly\s+if|\bonly\s+when|\band"
    r"|\bsays)"
)
OPERATORS = (
    (
        r"is\s+not|isn't|is\s+n't|isnt|does\s+not\s+equal|doesn't\s+equal|!=|<>|"
        r"is\s+other\s+than|is\s+anything\s+but",
        "!=",
    ),
    (r"is\s+at\s+least|at\s+least|>=|is\s+no\s+less\s+than", ">="),
    (r"is\s+at\s+most|at\s+most|<=|is\s+no\s+more\s+than", "<="),
    (
        r"is\s+(?:above|over|greater\s+than|more\s+than|higher\s+than|bigger\s+than|"
        r"larger\s+than)|exceeds|goes\s+(?:above|over)|>|above|over|greater\s+than|"
        r"more\s+than|bigger\s+than|larger\s+than|higher\s+than",
        ">",
    ),
    (
        r"is\s+(?:below|under|less\s+than|lower\s+than|smaller\s+than)|goes\s+below|<|"
        r"below|under|less\s+than|lower\s+than|smaller\s+than|fewer\s+than",
        "<",
    ),
    (r"contains|includes|mentions|has", "contains"),
    (r"is\s+equal\s+to|equals|is|==|=", "=="),
)
OPERATOR = "|".join(f"(?:{words})" for words, _ in OPERATORS)
VALUE = (
    r"[$€£]?(?P<value>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?|quote_\d+|"
    r"[a-z][\w-]*)"
)
# One or two words ("amount", "order total"); the second is never a verb.
FIELD = (
    r"(?P<field>[a-z][a-z_]*(?:\s+(?!is\b|isn't|equals|contains|has\b|exceeds|goes|"
    r"does|at\b|above|below|over|under|includes|mentions|of\b|more\b|less\b|worth|"
    r"bigger|larger|higher|lower|smaller|fewer|greater)[a-z_]+)?)"
)
# "the webhook's priority": the owner is the data's source, the field is its own.
OWNER = r"(?:(?P<owner>[a-z]+)'s\s+)?"
COMPARISON = re.compile(
    rf"(?P<lead>{LEAD})\s+(?:the\s+|its\s+|their\s+|his\s+|her\s+)?{OWNER}{FIELD}"
    rf"\s+(?P<op>{OPERATOR})\s+{VALUE}"
)
NUMERIC = "|".join(
    f"(?:{words})" for words, op in OPERATORS if op in {">", "<", ">=", "<="}
)
# A comparison anywhere, also inside the trigger's clause: "whenever the sensor
# reports a temperature above 40", "an order with a total of at least 80",
# "whose status equals 'refunded'".
LOOSE = re.compile(
    r"(?P<lead>\b(?:an?|the|its|their|whose|with\s+an?|with\s+the|having\s+an?))\s+"
    rf"{OWNER}{FIELD}\s+(?:of\s+|worth\s+|valued\s+at\s+)?(?:(?P<op>{NUMERIC})\s+"
    r"[$€£]?(?P<value>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\b"
    r"|(?P<equal>is\s+not|isn't|is\s+equal\s+to|equals|is)\s+(?P<quoted>quote_\d+))"
)
WITH_FIELD = re.compile(
    r"\bwith\s+(?:a\s+|the\s+)?(?P<field>status|state|priority|severity|type|level|"
    r"country|currency|category|label|tag|stage|plan)\s+(?:of\s+|=\s*)?" + VALUE
)
ONLY_FOR = re.compile(
    r"\bonly\s+(?:for|when|if|on)\s+(?:the\s+|an?\s+)?(?P<adjective>[a-z]+)\s+"
    r"(?P<noun>[a-z]+)"
)
IN_FIELD = re.compile(
    r"\b(?:with|having|containing|mentioning)\s+(?P<value>quote_\d+|[a-z]+)\s+in\s+"
    r"(?:the|its|their)\s+(?P<field>[a-z]+)"
)


@dataclass
class Condition:
    """A comparison read from words, waiting to know its data."""

    field: str
    op: str
    value: str | float
    position: float
    words: str
    # The address to fetch first, when the condition names it.
    url: str | None = None
    # What was assumed to read it ("a payment over 250" reads `amount`).
    note: str | None = None

    @property
    def reads_status(self) -> bool:
        """Tell whether it is about an HTTP status code."""
        return self.field == "status" and isinstance(self.value, float)

    def template(self, source: str) -> str:
        """Write the condition as a template over `source` (like `trigger.body`)."""
        ref = f"{source}.{self.field}"
        if self.op == "contains":
            needle = json.dumps(str(self.value).lower())
            return f"{{{{ {needle} in ({ref} | string | lower) }}}}"
        if isinstance(self.value, float):
            number = f"{self.value:g}"
            if self.op in ("==", "!=") and self.field == "status":
                return f"{{{{ {ref} | int {self.op} {number} }}}}"
            return f"{{{{ {ref} | float {self.op} {number} }}}}"
        text = json.dumps(str(self.value).lower())
        return f"{{{{ ({ref} | string | lower) {self.op} {text} }}}}"


def read_value(request: Request, word: str) -> str | float:
    """Read a compared value: a number, a quoted text or a word."""
    if word.startswith("quote_"):
        return request.value(word)
    digits = word.replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return word


def field_name(words: str) -> str:
    """Turn "status code" or "order total" into a payload key."""
    if words.endswith(" code"):
        return words.removesuffix(" code").strip()
    return "_".join(words.split())


def take_conditions(request: Request) -> list[Condition]:
    """Read every condition of the request, in order of appearance."""
    found: list[Condition] = []
    for match in request.take_all(IN_FIELD):
        value = read_value(request, match.group("value"))
        found.append(
            Condition(match.group("field"), "contains", value, match.start(), match[0])
        )
    for pattern in (COMPARISON, LOOSE):
        for match in list(pattern.finditer(request.text)):
            condition = comparison(request, match)
            if condition is not None:
                # "when the webhook's …" still says where the data comes from.
                start = match.start("field") if match["owner"] else match.start()
                request.blank(start, match.end())
                found.append(condition)
    for match in request.take_all(WITH_FIELD):
        value = read_value(request, match.group("value"))
        found.append(
            Condition(match.group("field"), "==", value, match.start(), match[0])
        )
    for match in list(ONLY_FOR.finditer(request.text)):
        condition = only_for(match)
        if condition is not None:
            request.blank(match.start(), match.end())
            found.append(condition)
    return sorted(found, key=lambda c: c.position)


def comparison(request: Request, match: re.Match[str]) -> Condition | None:
    """Build a condition from "<lead> the <field> <operator> <value>"."""
    groups = match.groupdict()
    words = groups["field"].split()
    if len(words) > 1 and words[0] in DESCRIBING:
        words = words[1:]
    name = field_name(" ".join(words))
    placeholder = name.startswith(("quote_", "url_", "email_", "channel_"))
    if placeholder or name.split("_")[0] in NOT_FIELDS:
        return None
    said = groups["op"] or groups.get("equal") or ""
    op = next(symbol for words, symbol in OPERATORS if re.fullmatch(words, said))
    value = read_value(request, groups["value"] or groups.get("quoted") or "")
    if match.group("lead").strip() == "unless":
        op = NEGATIONS.get(op, op)
    note = None
    if name in AMOUNT_OF and isinstance(value, float):
        name, thing = AMOUNT_OF[name], name
        note = (
            f"A {thing} is compared by its `{name}` field; rename it if your data "
            "calls it otherwise."
        )
    return Condition(name, op, value, match.start(), match.group(0), note=note)


NEGATIONS = {"==": "!=", "!=": "==", ">": "<=", "<": ">=", ">=": "<", "<=": ">"}


def only_for(match: re.Match[str]) -> Condition | None:
    """Read "only for urgent tickets" as priority == urgent."""
    adjective = match.group("adjective")
    for name, words in ADJECTIVE_FIELDS.items():
        if adjective in words:
            return Condition(name, "==", adjective, match.start(), match.group(0))
    return None
