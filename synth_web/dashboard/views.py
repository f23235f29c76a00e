"""Dashboard views: the page, and the live block of runs going on right now."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, url_for
from flask_login import current_user

from synth_web.chat.forms import ComposerForm
from synth_web.dashboard import bp
from synth_web.dashboard.chart import build_chart
from synth_web.dashboard.figures import DAY, WEEK
from synth_web.dashboard.links import card_links, day_url
from synth_web.dashboard.services import build_dashboard, running_block
from synth_web.htmx import is_fragment_request, render_page_or_fragment
from synth_web.jinja_filters import user_zone
from synth_web.models import utcnow
from synth_web.workflows.starters import STARTERS

# Like a finished run's status: the empty block answers this and htmx stops polling.
STOP_POLLING = 286


@bp.route("/dashboard")
def index() -> Response:
    """Show how the person's automations are doing, or how to start."""
    now, zone = utcnow(), user_zone()
    board = build_dashboard(current_user.id, now, zone)
    days = board.runs.days
    taken = board.as_of or now
    return render_page_or_fragment(
        "dashboard/index.html",
        "dashboard/_view.html",
        board=board,
        links=card_links(now, zone),
        chart=build_chart(days, [day_url(d.day) for d in days]) if days else None,
        starters=STARTERS,
        since={"day": taken - DAY, "week": taken - WEEK},
        now=now,
        form=ComposerForm(formdata=None),
    )


@bp.route("/dashboard/running")
def running() -> Response:
    """Answer the live block's poll: 286 once nothing is queued or running."""
    if not is_fragment_request():
        return redirect(url_for("dashboard.index", _anchor="running"))
    rows, total = running_block(current_user.id)
    html = render_template(
        "dashboard/_running.html",
        running=rows,
        running_total=total,
        links=card_links(utcnow(), user_zone()),
        polled=True,
    )
    response = make_response(html, 200 if rows else STOP_POLLING)
    response.vary.add("HX-Request")
    return response
