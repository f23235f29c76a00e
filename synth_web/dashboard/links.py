"""Where each part of the dashboard leads: the filtered list behind every figure."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import url_for

from synth_web.dashboard.figures import DAY, WEEK


def runs_url(**args: str) -> str:
    """Link to the execution log with filters (`from` and `to` are local days)."""
    return url_for("executions.index", **args)


def day_url(day: date) -> str:
    """Link to one local calendar day of the execution log."""
    return runs_url(**{"from": day.isoformat(), "to": day.isoformat()})


def card_links(now: datetime, zone: ZoneInfo) -> dict[str, str]:
    """Return the list behind each card.

    The log filters by whole local days, so "the last 24 hours" opens the log
    from the local day 24 hours ago: a little more than the window, never less.
    """
    day_from = local_day(now - DAY, zone).isoformat()
    week_from = local_day(now - WEEK, zone).isoformat()
    return {
        "workflows": url_for("workflows.index", status="active"),
        "runs_24h": runs_url(**{"from": day_from}),
        "runs_7d": runs_url(**{"from": week_from}),
        "failures_7d": runs_url(status="failure", **{"from": week_from}),
        "successes_7d": runs_url(status="success", **{"from": week_from}),
        "failures": runs_url(status="failure"),
        "running": runs_url(status="running"),
        "connections": url_for("connections.index"),
        "memory": url_for("memory.index"),
        "chat": url_for("chat.index"),
    }


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """Return the calendar day a UTC instant falls on in the person's zone."""
    return moment.astimezone(zone).date()
