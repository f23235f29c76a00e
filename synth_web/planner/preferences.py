"""Preferences in memory: the usual alerts channel, email address and time zone.

Memory is data: an entry is read for a value of the right shape (a #channel, an
address, a real IANA zone) and nothing else; its words are never followed as
instructions. The planner writes its own entries as one plain sentence (so the
memory page shows them as the person would say them), with `metadata.key`; an
entry the person wrote or edited is read the same way, JSON or words:

    Usual alerts channel: #ops            {"alerts_channel": "#ops"}
    Works in Paris time.                  {"timezone": "Europe/Paris"}
    My usual email address is ada@work.example
"""

from __future__ import annotations

import json
import re
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from synth_web.extensions import db
from synth_web.models import Memory
from synth_web.planner.contract import PREFERENCE_KEYS, Note, PlanContext, Remembered
from synth_web.planner.text import CHANNEL, EMAIL, read_request
from synth_web.planner.zones import take_zone

# Entries read per plan, most relevant first: enough for every key, bounded.
MAX_ENTRIES = 50
MAX_NOTES = 8
MAX_NOTE_CHARS = 500
SENTENCES = {
    "alerts_channel": "Usual alerts channel: {value}",
    "email": "Usual email address: {value}",
    "timezone": "Usual time zone: {value}",
}
SAYING = {
    "alerts_channel": "{value}, your usual alerts channel",
    "email": "{value}, your usual email address",
    "timezone": "{value}, your usual time zone",
}
CHANNEL_WORDS = re.compile(r"\b(?:alert|alerts|notif\w*|usual|default|ops|channel)")
EMAIL_WORDS = re.compile(r"\b(?:e-?mail|address|mail|inbox)")
JSON_KEYS = {
    "alerts_channel": "alerts_channel",
    "alert_channel": "alerts_channel",
    "channel": "alerts_channel",
    "email": "email",
    "email_address": "email",
    "timezone": "timezone",
    "time_zone": "timezone",
}


def valid(key: str, value: object) -> str | None:
    """Return the value if it has the shape of its key, else None."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    value = value.strip()
    if key == "alerts_channel":
        value = value if value.startswith("#") else f"#{value}"
        return value if CHANNEL.fullmatch(value) else None
    if key == "email":
        return value if EMAIL.fullmatch(value) else None
    return value if is_zone(value) else None


@cache
def is_zone(name: str) -> bool:
    """Tell whether a name is an IANA time zone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def read_entry(content: str) -> dict[str, str]:
    """Read the preferences one entry holds, JSON or words."""
    text = content.strip()[: MAX_NOTE_CHARS * 4]
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            pairs = [(JSON_KEYS[k], v) for k, v in data.items() if k in JSON_KEYS]
            checked = {key: valid(key, value) for key, value in pairs}
            return {key: value for key, value in checked.items() if value}
    return read_words(text)


def read_words(text: str) -> dict[str, str]:
    """Read a preference said in words: a channel, an address, a zone."""
    found: dict[str, str] = {}
    lower = text.lower()
    channel = CHANNEL.search(text)
    if channel and CHANNEL_WORDS.search(CHANNEL.sub(" ", lower)):
        found["alerts_channel"] = valid("alerts_channel", channel.group(0)) or ""
    address = EMAIL.search(text)
    if address and EMAIL_WORDS.search(lower.replace(address.group(0).lower(), "")):
        found["email"] = address.group(0)
    zone = take_zone(read_request(text, ()))
    if zone and is_zone(zone):
        found["timezone"] = zone
    return {key: value for key, value in found.items() if value}


def preferences_for(user_id: int) -> dict[str, Remembered]:
    """Return the person's preferences, the most relevant entry for each key."""
    entries = db.session.execute(
        select(Memory.id, Memory.content)
        .where(Memory.user_id == user_id, Memory.context_type == "preference")
        .order_by(Memory.relevance_score.desc(), Memory.created_at.desc())
        .limit(MAX_ENTRIES)
    )
    found: dict[str, Remembered] = {}
    for entry_id, content in entries:
        for key, value in read_entry(content or "").items():
            found.setdefault(key, Remembered(key, value, entry_id))
        if len(found) == len(PREFERENCE_KEYS):
            break
    return found


def notes_for(user_id: int) -> list[Note]:
    """Return the person's most relevant memory entries, shortened, as data."""
    rows = db.session.execute(
        select(Memory.id, Memory.context_type, Memory.content)
        .where(Memory.user_id == user_id)
        .order_by(Memory.relevance_score.desc(), Memory.id.desc())
        .limit(MAX_NOTES)
    )
    return [
        Note(entry_id, kind, (content or "")[:MAX_NOTE_CHARS])
        for entry_id, kind, content in rows
    ]


def zone_for(context: PlanContext) -> tuple[str, str, list[int]]:
    """Return the zone a schedule runs in when none is named, the note, the memory."""
    usual = context.preferences.get("timezone")
    if usual is None:
        zone = context.timezone
        return zone, f"No time zone was named, so it uses yours: {zone}.", []
    note = f"No time zone was named, so it uses {saying(usual)}."
    return usual.value, note, [usual.memory_id] if usual.memory_id else []


def sentence(key: str, value: str) -> str:
    """Say a preference as the planner stores it."""
    return SENTENCES[key].format(value=value)


def saying(preference: Remembered) -> str:
    """Name a remembered value for the person: "#ops, your usual alerts channel"."""
    return SAYING[preference.key].format(value=preference.value)
