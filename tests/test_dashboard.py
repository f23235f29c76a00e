"""The dashboard: figures against hand-computed values, live runs, links, isolation.

The fixed data set and its expected numbers are in tests/dashboard_data.py.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from synth_web.dashboard import memo, views
from synth_web.dashboard.chart import build_chart, nice_step
from synth_web.dashboard.figures import (
    DayCount,
    RunSummary,
    median_run_time,
    run_summary,
    window_edges,
)
from synth_web.dashboard.services import build_dashboard
from synth_web.extensions import db
from synth_web.models import Execution
from synth_web.workflows.starters import STARTERS
from tests.dashboard_data import (
    EXPECTED,
    EXPECTED_DAYS,
    NOW,
    ZONE,
    add_connection,
    add_context,
    seed,
    set_zone,
    timed_run,
)
from tests.run_factories import add_run, add_runs, add_workflow

HX = {"HX-Request": "true"}
KOLKATA = ZoneInfo(ZONE)


@pytest.fixture
def frozen(monkeypatch):
    """Stop the dashboard's clock at NOW."""
    monkeypatch.setattr(views, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def data(app, user, other_user):
    """The fixed data set for `user`, and the same runs for someone else."""
    set_zone(app, user)
    ids = seed(app, user)
    seed(app, other_user, name="Someone else's report")
    return ids


def summary(app, user_id: int, now: datetime = NOW, zone=KOLKATA) -> RunSummary:
    with app.app_context():
        return run_summary(user_id, now, zone)


def median(app, user_id: int, now: datetime = NOW) -> timedelta | None:
    with app.app_context():
        return median_run_time(user_id, now)


# ---------- Figures ----------


def test_window_counts_match_hand_computed_values(app, user, data):
    runs = summary(app, user.id)
    assert runs.last_24h == EXPECTED["last_24h"]
    assert runs.last_7d == EXPECTED["last_7d"]
    assert runs.succeeded_7d == EXPECTED["succeeded_7d"]
    assert runs.failed_7d == EXPECTED["failed_7d"]
    assert runs.rate_text == EXPECTED["rate_text"]


def test_chart_days_are_local_calendar_days(app, user, data):
    days = summary(app, user.id).days
    assert [d.day for d in days] == [
        date(2026, 2, 25) + timedelta(days=n) for n in range(14)
    ]
    got = {
        d.day: (d.succeeded, d.failed, d.cancelled)
        for d in days
        if d.total or d.cancelled
    }
    assert got == EXPECTED_DAYS


def test_runs_either_side_of_local_midnight_land_on_their_own_days(app, user):
    workflow_id = add_workflow(app, user.id)
    before = datetime(2026, 3, 8, 18, 0, tzinfo=UTC)  # 23:30 on 8 March in Kolkata
    after = datetime(2026, 3, 8, 19, 0, tzinfo=UTC)  # 00:30 on 9 March
    add_runs(
        app,
        [
            timed_run(workflow_id, user.id, before, "success", 1),
            timed_run(workflow_id, user.id, after, "failure", 1),
        ],
    )
    days = {d.day: d for d in summary(app, user.id).days}
    assert (days[date(2026, 3, 8)].succeeded, days[date(2026, 3, 8)].failed) == (1, 0)
    assert (days[date(2026, 3, 9)].succeeded, days[date(2026, 3, 9)].failed) == (0, 1)
    # In UTC both are on 8 March.
    utc_days = {d.day: d for d in summary(app, user.id, zone=ZoneInfo("UTC")).days}
    assert utc_days[date(2026, 3, 8)].total == 2


def test_last_24_hours_leaves_out_the_run_exactly_24_hours_old(app, user):
    workflow_id = add_workflow(app, user.id)
    for created in (NOW - timedelta(hours=24), NOW - timedelta(hours=24, seconds=-1)):
        add_run(app, workflow_id, user.id, created_at=created)
    assert summary(app, user.id).last_24h == 1
    # A second later the younger one is out too; a second earlier both are in.
    assert summary(app, user.id, NOW + timedelta(seconds=1)).last_24h == 0
    assert summary(app, user.id, NOW - timedelta(seconds=1)).last_24h == 2


def test_last_7_days_leaves_out_the_run_exactly_7_days_old(app, user):
    workflow_id = add_workflow(app, user.id)
    for created in (NOW - timedelta(days=7), NOW - timedelta(days=7, seconds=-1)):
        add_run(app, workflow_id, user.id, created_at=created)
    assert summary(app, user.id).last_7d == 1


def test_runs_after_now_are_not_counted(app, user):
    workflow_id = add_workflow(app, user.id)
    add_run(app, workflow_id, user.id, created_at=NOW + timedelta(seconds=1))
    runs = summary(app, user.id)
    assert (runs.last_24h, runs.last_7d, runs.chart_total) == (0, 0, 0)


def test_success_rate_leaves_out_cancelled_and_unfinished_runs(app, user):
    workflow_id = add_workflow(app, user.id)
    for status in ("success", "failure", "cancelled", "queued", "running"):
        add_run(
            app,
            workflow_id,
            user.id,
            status=status,
            created_at=NOW - timedelta(hours=1),
        )
    add_run(
        app,
        workflow_id,
        user.id,
        status="success",
        created_at=NOW - timedelta(hours=1),
        meta={"filtered": True},
    )
    runs = summary(app, user.id)
    assert runs.last_7d == 6
    assert (runs.succeeded_7d, runs.failed_7d) == (2, 1)
    assert runs.success_rate == pytest.approx(2 / 3)
    assert runs.rate_text == "67%"


@pytest.mark.parametrize(
    ("succeeded", "failed", "text"),
    [
        (0, 0, "—"),
        (1, 0, "100%"),
        (0, 3, "0%"),
        (999, 1, "99.9%"),  # never "100%" while something failed
        (1, 999, "0.1%"),  # never "0%" while something succeeded
        (1, 7, "13%"),  # 12.5 % rounds half up
    ],
)
def test_success_rate_text(succeeded, failed, text):
    assert RunSummary(succeeded_7d=succeeded, failed_7d=failed).rate_text == text


def test_median_of_an_even_number_of_runs_averages_the_middle_two(app, user, data):
    assert median(app, user.id) == EXPECTED["median"]


def test_median_of_an_odd_number_of_runs_is_the_middle_one(app, user):
    workflow_id = add_workflow(app, user.id)
    add_runs(
        app,
        [
            timed_run(workflow_id, user.id, NOW - timedelta(hours=n), "success", took)
            for n, took in ((1, 3), (2, 1), (3, 10))
        ]
        # Cancelled runs and runs outside the window do not count.
        + [
            timed_run(workflow_id, user.id, NOW - timedelta(hours=4), "cancelled", 60),
            timed_run(workflow_id, user.id, NOW - timedelta(days=8), "success", 60),
        ],
    )
    assert median(app, user.id) == timedelta(seconds=3)


def test_no_finished_runs_no_median(app, user):
    workflow_id = add_workflow(app, user.id)
    add_run(
        app, workflow_id, user.id, status="running", created_at=NOW - timedelta(hours=1)
    )
    assert median(app, user.id) is None


def test_window_edges_follow_clock_changes():
    # Paris moves to summer time on 29 March 2026: that day has 23 hours.
    now = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    edges = window_edges(now, ZoneInfo("Europe/Paris"))
    assert datetime(2026, 3, 28, 23, 0, tzinfo=UTC) in edges  # 29 March starts
    assert datetime(2026, 3, 29, 22, 0, tzinfo=UTC) in edges  # 30 March starts
    assert edges == sorted(edges)


# ---------- Chart ----------


@pytest.mark.parametrize(
    ("largest", "step"),
    [(0, 1), (3, 1), (4, 1), (9, 5), (15, 5), (41, 20), (36_000, 10_000)],
)
def test_nice_steps(largest, step):
    assert nice_step(largest) == step


def test_bars_stack_failure_on_success_in_proportion():
    days = [DayCount(date(2026, 3, 9), 30, 10), DayCount(date(2026, 3, 10), 0, 0)]
    chart = build_chart(days, ["/a", "/b"])
    full, empty = chart.bars
    # 40 runs on a 0-40 axis: the bar fills the plot, failure on top.
    assert full.ok_height + full.bad_height == pytest.approx(chart.plot_height)
    assert full.ok_height == pytest.approx(3 * full.bad_height)
    assert full.bad_y + full.bad_height == pytest.approx(full.ok_y)
    assert (empty.ok_height, empty.bad_height) == (0, 0)
    assert empty.is_today and not full.is_today
    assert [t.value for t in chart.ticks] == [0, 10, 20, 30, 40]


# ---------- The page ----------


def stat(html: str, label: str) -> str:
    """Return the value shown on the card with this label."""
    found = re.search(
        rf'<span class="stat-label">{re.escape(label)}</span>\s*'
        r'<span class="stat-value">([^<]*)</span>',
        html,
    )
    assert found, label
    return found.group(1)


def test_page_shows_the_figures(signed_in, data, frozen):
    html = signed_in.get("/dashboard").text
    assert stat(html, "Active workflows") == "2"
    assert stat(html, "Runs · 24 h") == "3"
    assert stat(html, "Runs · 7 days") == "10"
    assert stat(html, "Success · 7 days") == "63%"
    assert "5 of 8 · 3 failed" in html
    assert stat(html, "Median · 7 days") == "4.5 s"
    assert "since Mon 17:30" in html  # 24 hours before NOW, in Kolkata
    assert 'aria-label="Tue 10 Mar: 1 succeeded, 1 failed"' in html
    assert "<title>Mon 9 Mar: 2 succeeded, 1 failed</title>" in html


def test_every_card_links_to_the_list_behind_it(signed_in, data, frozen):
    html = signed_in.get("/dashboard").text
    for href in (
        "/workflows?status=active",
        "/executions?from=2026-03-09",  # the local day 24 hours ago
        "/executions?from=2026-03-03",  # the local day 7 days ago
        "/executions?status=failure&amp;from=2026-03-03",
        "/executions?status=failure",
        "/executions?status=running",
        "/connections",
        "/memory",
        "/chat",
    ):
        assert f'href="{href}"' in html, href
    # Each bar opens its day of the log.
    assert 'href="/executions?from=2026-03-10&amp;to=2026-03-10"' in html
    assert html.count('class="stat card stat-link"') == 7


def test_the_chart_is_accessible_without_colour_or_scripts(signed_in, data, frozen):
    html = signed_in.get("/dashboard").text
    svg = html[html.index('<svg class="chart"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count("<title>") == 14
    assert svg.count('<a class="bar') == 14
    table = html[html.index('<table class="visually-hidden">') :]
    table = table[: table.index("</table>")]
    assert table.count('<th scope="row">') == 14
    assert '<th scope="row">Tue 10 Mar</th><td>1</td><td>1</td>' in table
    assert "style=" not in html and "<script>" not in html


def test_recent_failures_newest_first_with_the_first_error_line(
    signed_in, data, frozen
):
    html = signed_in.get("/dashboard").text
    section = html[html.index('id="failures-title"') :]
    section = section[: section.index("</section>")]
    # b, o, j, i: four failures, newest first; never the other user's.
    order = [int(n) for n in re.findall(r'href="/executions/(\d+)"', section)]
    assert order == [data["b"], data["o"], data["j"], data["i"]]
    assert "Step 1 failed at 10:00" in section
    assert "more detail" not in section


def test_only_the_five_latest_failures_are_listed(app, user, signed_in):
    workflow_id = add_workflow(app, user.id)
    for n in range(7):
        add_run(
            app,
            workflow_id,
            user.id,
            status="failure",
            created_at=NOW - timedelta(hours=n),
        )
    html = signed_in.get("/dashboard").text
    section = html[
        html.index('id="failures-title"') : html.index('id="connections-title"')
    ]
    assert len(re.findall(r'href="/executions/\d+"', section)) == 5


def test_connections_that_are_off_or_failing_are_listed(
    app, user, other_user, signed_in
):
    add_workflow(app, user.id)
    add_connection(app, user, "slack")
    add_connection(app, user, "github", status="inactive")
    failing = add_connection(
        app,
        user,
        "gmail",
        last_error={"message": "SMTP login refused", "at": NOW.isoformat()},
    )
    add_connection(app, user, "notion", last_error="token revoked")
    add_connection(app, other_user, "gmail", status="inactive")
    html = signed_in.get("/dashboard").text
    section = html[html.index('id="connections-title"') :]
    section = section[: section.index("</section>")]
    assert "Slack" not in section
    assert "Github" in section and "Off" in section
    assert "SMTP login refused" in section and "token revoked" in section
    assert f'href="/connections#connection-{failing}"' in section


def test_all_connections_healthy(app, user, signed_in):
    add_workflow(app, user.id)
    add_connection(app, user, "slack")
    html = signed_in.get("/dashboard").text
    assert "All 1 connection on, none failing its latest check." in html


def test_memory_and_conversations_are_counted(app, user, other_user, signed_in):
    add_workflow(app, user.id)
    add_context(app, user, memories=4, conversations=3)
    add_context(app, other_user, memories=9, conversations=9)
    html = signed_in.get("/dashboard").text
    assert stat(html, "Memory entries") == "4"
    assert stat(html, "Conversations") == "3"


def test_a_new_account_gets_first_steps(signed_in):
    html = signed_in.get("/dashboard").text
    assert "Your first automation starts here" in html
    assert 'href="/connections/new"' in html
    for starter in STARTERS:
        assert f'href="/workflows/new?starter={starter.key}"' in html
    assert 'href="/executions"' in html
    assert "stat-value" not in html and '<svg class="chart"' not in html


def test_workflows_without_runs_show_zeros_and_a_hint(app, user, signed_in):
    add_workflow(app, user.id, status="inactive")
    html = signed_in.get("/dashboard").text
    assert stat(html, "Active workflows") == "0"
    assert stat(html, "Runs · 24 h") == "0"
    assert stat(html, "Success · 7 days") == "—"
    assert stat(html, "Median · 7 days") == "—"
    assert "No runs in the last 7 days." in html
    assert "No finished runs in the last 14 days yet." in html
    assert "No run has failed." in html
    assert "Nothing is queued or running." in html


def test_htmx_gets_the_dashboard_without_the_page_around_it(signed_in, data, frozen):
    fragment = signed_in.get("/dashboard", headers=HX)
    assert fragment.text.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = signed_in.get("/dashboard", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.text


# ---------- Running now ----------


def test_running_block_polls_while_runs_are_unfinished(app, user, signed_in):
    workflow_id = add_workflow(app, user.id, name="Busy bee")
    queued = add_run(app, workflow_id, user.id, status="queued")
    running = add_run(app, workflow_id, user.id, status="running")
    page = signed_in.get("/dashboard").text
    block = page[page.index('<section id="running"') :]
    assert 'hx-get="/dashboard/running" hx-trigger="every 2s"' in block[:300]

    poll = signed_in.get("/dashboard/running", headers=HX)
    assert poll.status_code == 200
    assert 'hx-trigger="every 2s"' in poll.text
    # Newest first.
    assert poll.text.index(f"#{running}") < poll.text.index(f"#{queued}")
    assert "Queued" in poll.text and "Running" in poll.text

    with app.app_context():
        db.session.execute(update(Execution).values(status="success"))
        db.session.commit()
    done = signed_in.get("/dashboard/running", headers=HX)
    assert done.status_code == 286
    assert "hx-trigger" not in done.text
    assert "Every run has finished." in done.text


def test_an_empty_running_block_does_not_poll(app, user, signed_in):
    add_workflow(app, user.id)
    page = signed_in.get("/dashboard").text
    block = page[page.index('<section id="running"') :]
    assert "hx-trigger" not in block[: block.index("</section>")]


def test_running_block_shows_the_newest_ten_and_how_many_in_all(app, user, signed_in):
    workflow_id = add_workflow(app, user.id)
    add_runs(
        app,
        [
            timed_run(workflow_id, user.id, NOW - timedelta(minutes=n), "queued", None)
            for n in range(12)
        ],
    )
    poll = signed_in.get("/dashboard/running", headers=HX).text
    assert poll.count('class="run-item"') == 10
    assert "The newest 10 of 12." in poll


def test_running_block_without_htmx_goes_to_the_dashboard(signed_in):
    response = signed_in.get("/dashboard/running")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard#running"


# ---------- Isolation ----------


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/running"])
def test_someone_elses_runs_never_show(app, user, other_user, signed_in, path):
    mine = add_workflow(app, user.id, name="Mine")
    theirs = add_workflow(app, other_user.id, name="Not yours")
    add_run(app, mine, user.id, status="running")
    for status in ("queued", "running", "failure"):
        add_run(app, theirs, other_user.id, status=status, error_log="their secret")
    html = signed_in.get(path, headers=HX if path.endswith("running") else {}).text
    assert "Not yours" not in html and "their secret" not in html
    assert "Mine" in html


def test_someone_elses_data_is_never_counted(app, user, other_user, data):
    set_zone(app, other_user)
    with app.app_context():
        mine = build_dashboard(user.id, NOW, KOLKATA)
        nobody = build_dashboard(12345, NOW, KOLKATA)
    assert mine.runs.last_7d == EXPECTED["last_7d"]
    assert (mine.workflows, mine.active_workflows) == (3, 2)
    assert nobody.is_new and nobody.runs.last_7d == 0


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/running"])
def test_signed_out_people_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# ---------- Figures kept for a few seconds ----------


def test_quick_figures_are_never_kept(app, user, signed_in, frozen, monkeypatch):
    monkeypatch.setattr(memo, "SLOW_SECONDS", 5)
    workflow_id = add_workflow(app, user.id)
    add_run(app, workflow_id, user.id, created_at=NOW - timedelta(hours=1))
    assert stat(signed_in.get("/dashboard").text, "Runs · 24 h") == "1"
    add_run(app, workflow_id, user.id, created_at=NOW - timedelta(minutes=1))
    html = signed_in.get("/dashboard").text
    assert stat(html, "Runs · 24 h") == "2"
    assert "figures as of" not in html


def test_slow_figures_are_kept_for_a_few_seconds_then_recomputed(
    app, user, signed_in, monkeypatch
):
    monkeypatch.setattr(memo, "SLOW_SECONDS", 0)
    app.config["SYNTH_DASHBOARD_CACHE_SECONDS"] = 30
    workflow_id = add_workflow(app, user.id)
    add_run(app, workflow_id, user.id, created_at=NOW - timedelta(hours=1))
    clock = [NOW]
    monkeypatch.setattr(views, "utcnow", lambda: clock[0])
    assert stat(signed_in.get("/dashboard").text, "Runs · 24 h") == "1"

    add_run(app, workflow_id, user.id, created_at=NOW - timedelta(minutes=1))
    clock[0] = NOW + timedelta(seconds=30)
    html = signed_in.get("/dashboard").text
    assert stat(html, "Runs · 24 h") == "1"
    assert "figures as of 12:00:00" in html  # taken at NOW, 30 s ago
    clock[0] = NOW + timedelta(seconds=31)
    assert stat(signed_in.get("/dashboard").text, "Runs · 24 h") == "2"


def test_figures_are_never_shared_between_people(app, user, other_user, monkeypatch):
    monkeypatch.setattr(memo, "SLOW_SECONDS", 0)
    app.config["SYNTH_DASHBOARD_CACHE_SECONDS"] = 30
    add_run(app, add_workflow(app, other_user.id), other_user.id, created_at=NOW)
    with app.app_context():
        theirs = build_dashboard(other_user.id, NOW, KOLKATA)
        add_workflow(app, user.id)
        mine = build_dashboard(user.id, NOW, KOLKATA)
    assert theirs.runs.last_24h == 1
    assert mine.runs.last_24h == 0
