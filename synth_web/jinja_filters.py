"""Jinja filters and globals: times in the person's zone, relative times."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

from synth_web.models.types import utcnow
from synth_web.textsearch import highlight, snippet
from synth_web.words import plural


def user_zone() -> ZoneInfo:
    """Return the signed-in person's time zone, UTC when unknown."""
    name = getattr(current_user, "timezone", None) or "UTC"
    return zone_named(name)


@lru_cache(maxsize=512)
def zone_named(name: str) -> ZoneInfo:
    """Look a zone up once per process (pages format dozens of times)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Format a UTC timestamp in the person's time zone."""
    if value is None:
        return ""
    return value.astimezone(user_zone()).strftime(fmt)


def relative(value: datetime | None, now: datetime | None = None) -> str:
    """Describe how long ago (or how far ahead) a timestamp is, in words."""
    if value is None:
        return "never"
    seconds = int(((now or utcnow()) - value).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    for size, unit in (
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            count = round(seconds / size) if size < 86400 else seconds // size
            words = plural(count, unit)
            return f"in {words}" if future else f"{words} ago"
    return "just now"


def timeago(value: datetime | None) -> Markup:
    """Render a <time> with relative words and the exact local time on hover."""
    if value is None:
        return Markup('<span class="muted">never</span>')
    exact = localtime(value, "%Y-%m-%d %H:%M:%S %Z")
    # Markup.format escapes every argument.
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.isoformat(), exact, relative(value)
    )


def duration(ms: int | float | None) -> str:
    """Format a duration in milliseconds for people."""
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{int(ms)} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def pretty_json(value: Any) -> str:
    """Format a JSON value for reading: indented, non-ASCII kept as is."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


NAV = (
    (
        "dashboard.index",
        "Dashboard",
        "M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z",
    ),
    (
        "workflows.index",
        "Workflows",
        "M4 6h10M4 12h16M4 18h7M17 4l3 2-3 2M14 16l3 2-3 2",
    ),
    (
        "executions.index",
        "Runs",
        "M12 8v4l3 2M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z",
    ),
    (
        "connections.index",
        "Connections",
        "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 "
        "0l-3 3a4 4 0 0 0 5.7 5.7l1-1",
    ),
    (
        "memory.index",
        "Memory",
        "M9 3h6M12 3v3M5 10a7 7 0 1 0 14 0 7 7 0 0 0-14 0zM12 7v3l2 2",
    ),
    ("chat.index", "Chat", "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"),
)


def nav_items() -> list[dict[str, object]]:
    """List the main navigation with the current section marked."""
    items = []
    for endpoint, label, icon in NAV:
        available = endpoint in current_app.view_functions
        items.append(
            {
                "label": label,
                "icon": icon,
                "url": url_for(endpoint) if available else None,
                "current": request.blueprint == endpoint.split(".")[0],
            }
        )
    return items


def init_app(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters.update(
        localtime=localtime,
        relative=relative,
        timeago=timeago,
        duration=duration,
        pretty_json=pretty_json,
        highlight=highlight,
        snippet=snippet,
        plural=plural,
    )
    app.jinja_env.globals.update(nav_items=nav_items)
