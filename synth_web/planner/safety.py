"""Requests against the person, or aimed at the assistant's own rules.

A request to send a secret anywhere, or to delete or export the person's own data,
is refused (`unsupported`); a request that tries to change the assistant's rules
("ignore previous instructions") gets a question back (`clarify`). Neither is ever
a workflow. Words inside quotes are the person's message text, not a request, so
these rules read the request with quoted text set aside.
"""

from __future__ import annotations

import re

from synth_web.planner.contract import Plan, clarify, refuse

SECRET = re.compile(
    r"\b(?:vault(?:\s+keys?)?|secret[_\s-]?keys?|secrets?|passwords?|passcodes?|"
    r"api[_\s-]?keys?|(?:bot|access|auth|api|slack|refresh)\s+tokens?|tokens|"
    r"app\s+passwords?|credentials?|private\s+keys?|session\s+cookies?|fernet)\b"
)
LEAK = re.compile(
    r"\b(?:send|sends|post|posts|email|e-mail|mail|share|reveal|show|print|export|"
    r"give|tell|leak|forward|dump|display|list|upload|publish|copy|paste|read\s+out)\b"
)
# Keeping secrets fresh is fine: "remind #it to rotate the API tokens".
UPKEEP = re.compile(r"\b(?:rotate|reset|renew|change|update|expire|expiring|expiry)\b")
AGAINST = re.compile(
    r"\b(?:delete|remove|erase|wipe|destroy|drop|purge|disable|deactivate|revoke|"
    r"turn\s+off|switch\s+off)\b.{0,30}\b(?:all|every|my|our|your)\b.{0,20}\b"
    r"(?:workflows?|account|connections?|data|memory|memories|history|tokens?|runs|"
    r"executions|users?)\b"
    r"|\bexport\b.{0,30}\b(?:connections?|data|account|memory|everything)\b"
    r"|\b(?:transfer|wire)\b.{0,20}\b(?:money|funds)\b",
    re.S,
)
INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b.{0,40}\b(?:instructions?|"
    r"rules|prompts?|guidelines|guardrails|polic(?:y|ies)|restrictions|"
    r"programming)\b|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bjailbreak\w*|"
    r"\bdeveloper\s+mode\b|\bdo\s+anything\s+now\b|^\s*(?:system|assistant)\s*:|"
    r"\b(?:user|admin|owner)\s+has\s+(?:already\s+)?(?:approved|authori[sz]ed|"
    r"allowed|consented)\b|\bpretend\s+(?:to\s+be|you\s+are)\b|\bact\s+as\s+(?:an?\s+)?"
    r"(?:admin|root|developer|system)\b",
    re.S,
)
SECRETS_STAY = (
    "Secrets stay in Synth's encrypted vault: no workflow can send, post or show "
    "them. A workflow can use a connection without ever seeing its secret."
)
YOURS_STAY = (
    "Deleting or exporting your workflows, connections or account is something you "
    "do yourself, on their pages; no workflow can do it for you."
)
RULES_STAY = (
    "I build workflows from what you describe, and my own rules do not change. "
    "What would you like Synth to automate?"
)


def check_safety(text: str) -> Plan | None:
    """Return the refusal or question for a request against the person, or None."""
    if SECRET.search(text) and LEAK.search(text) and not UPKEEP.search(text):
        return refuse(["sending secrets"], SECRETS_STAY)
    if AGAINST.search(text):
        return refuse(["deleting or exporting your own data"], YOURS_STAY)
    if INJECTION.search(text):
        return clarify(RULES_STAY)
    return None
