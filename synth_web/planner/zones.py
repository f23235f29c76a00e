"""Time zones named in words: IANA names, abbreviations, and cities.

Cities come from the IANA database itself (the last part of `Europe/Berlin`), plus a
small table of big cities that are not zone names. A city counts as a zone only with
a cue ("Berlin time", "in Tokyo", "(Madrid time)"), so "Paris" in a sentence about
the weather does not move a schedule.
"""

from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

from synth_web.planner.text import Request

REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
# Abbreviations people write after a time; each maps to the zone it usually means.
ABBREVIATIONS = {
    "utc": "UTC",
    "gmt": "Etc/GMT",
    "cet": "CET",
    "cest": "CET",
    "bst": "Europe/London",
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "ct": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
}
# US regions are said with "time": "Pacific time", "Eastern time".
REGION_WORDS = {
    "eastern": "America/New_York",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "pacific": "America/Los_Angeles",
}
# Big cities that are not the last part of a zone name.
CITIES = {
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "silicon valley": "America/Los_Angeles",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "philadelphia": "America/New_York",
    "austin": "America/Chicago",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "montreal": "America/Toronto",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "geneva": "Europe/Zurich",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "osaka": "Asia/Tokyo",
    "kyoto": "Asia/Tokyo",
    "rio": "America/Sao_Paulo",
    "rio de janeiro": "America/Sao_Paulo",
    "cape town": "Africa/Johannesburg",
    "tel aviv": "Asia/Jerusalem",
    "hanoi": "Asia/Ho_Chi_Minh",
}
CUE_AFTER = r"(?:\s+(?:time|timezone|time zone|tz|hours))"
# Old zone names whose last part is an everyday word, never read as a city.
NOT_CITIES = {"west", "north", "south", "east", "center", "general", "yukon"}


@cache
def zone_names() -> dict[str, str]:
    """Map the lower-case IANA names of real regions to their spelling."""
    return {
        name.lower(): name
        for name in available_timezones()
        if name.split("/")[0] in REGIONS or name in ("UTC", "CET")
    }


@cache
def city_zones() -> dict[str, str]:
    """Map city names (from the zone names and the table) to zones."""
    cities: dict[str, str] = {}
    for name in sorted(zone_names().values()):
        if "/" in name:
            city = name.rsplit("/", 1)[1].replace("_", " ").lower()
            if city not in NOT_CITIES:
                cities.setdefault(city, name)
    cities.update(CITIES)
    return cities


@cache
def zone_patterns() -> list[tuple[re.Pattern[str], dict[str, str]]]:
    """Build the recognisers, most specific first."""
    cities = "|".join(re.escape(c) for c in sorted(city_zones(), key=len, reverse=True))
    long = [a for a in sorted(ABBREVIATIONS, key=len, reverse=True) if len(a) > 2]
    short = [a for a in ABBREVIATIONS if len(a) <= 2]
    regions = "|".join(REGION_WORDS)
    return [
        (re.compile(r"\b(?P<z>[a-z]+/[a-z_]+(?:/[a-z_]+)?)\b"), zone_names()),
        (re.compile(rf"\(?\b(?P<z>{cities}){CUE_AFTER}\)?"), city_zones()),
        (re.compile(rf"\b(?:in|for)\s+(?P<z>{cities})\b"), city_zones()),
        (re.compile(rf"\b(?P<z>{regions}){CUE_AFTER}"), REGION_WORDS),
        (re.compile(rf"\(?\b(?P<z>{'|'.join(long)})\b{CUE_AFTER}?\)?"), ABBREVIATIONS),
        # "et", "pt" are zones only when followed by "time".
        (re.compile(rf"\b(?P<z>{'|'.join(short)}){CUE_AFTER}"), ABBREVIATIONS),
    ]


def take_zone(request: Request) -> str | None:
    """Find a named time zone, take its words, and return its IANA name."""
    for pattern, table in zone_patterns():
        for match in pattern.finditer(request.text):
            zone = table.get(match.group("z"))
            if zone:
                request.blank(match.start(), match.end())
                return zone
    return None
