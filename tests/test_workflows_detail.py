"""The workflow page: intent, trigger in words, steps, problems, runs, webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from synth_web.engine.apps import find_action
from synth_web.models import utcnow
from synth_web.workflows.catalog_view import action_title
from synth_web.workflows.describe import (
    cron_words,
    describe_step,
    describe_trigger,
    next_fire_times,
)
from tests.workflow_helpers import (
    LOG,
    SCHEDULE,
    SLACK,
    add_run,
    add_workflow,
    connect,
    load,
)

HX = {"HX-Request": "true"}


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 9 * * 1-5", "Every weekday at 09:00"),
        ("30 7 * * *", "Every day at 07:30"),
        ("0 8 * * 1", "Every Monday at 08:00"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("0 0 1 * *", "At 00:00, on day 1 of the month"),
        ("not a cron", "On the cron schedule not a cron"),
    ],
)
def test_cron_in_words(cron, words):
    assert cron_words(cron) == words


def test_next_fire_times_follow_the_schedule_zone():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
    times = next_fire_times("0 9 * * 1-5", "Europe/Paris", now=now)
    assert [t.strftime("%a %d %b %H:%M") for t in times] == [
        "Fri 27 Nov 09:00",
        "Mon 30 Nov 09:00",
        "Tue 01 Dec 09:00",
    ]
    assert times[0].utcoffset() == timedelta(hours=1)
    assert next_fire_times("0 9 * * *", "Mars/Base", now=now) == []
    assert next_fire_times("99 * * * *", "UTC", now=now) == []


@pytest.mark.parametrize(
    ("trigger", "sentence"),
    [
        ({"type": "manual"}, "When you press Run now"),
        ({"type": "webhook"}, "When a POST reaches"),
        (
            {"type": "app_event", "app": "slack", "event": "message"},
            "When Slack sends “message” to",
        ),
        ({"type": "schedule", "cron": "0 9 * * 1-5"}, "Every weekday at 09:00 (UTC)"),
        ({"type": "rocket"}, "No valid trigger yet"),
        ("garbage", "No valid trigger yet"),
    ],
)
def test_trigger_in_words(trigger, sentence):
    assert describe_trigger(trigger).sentence.startswith(sentence)


def test_step_in_words():
    step = describe_step(1, SLACK["actions"][0])
    title = action_title(find_action("slack.post_message")[1])
    assert (step.app_name, step.action_label) == ("Slack", title)
    assert step.icon == "#"
    assert step.params == [
        ("channel", "#sales"),
        ("text", "Order {{ trigger.body.id }}"),
    ]
    unknown = describe_step(2, {"id": "q", "type": "notion.query", "with": {"db": 1}})
    assert not unknown.known and unknown.app_name == "notion"
    assert unknown.params == [("db", "1")]
    long = describe_step(3, {"type": "core.log", "with": {"message": "x" * 300}})
    assert len(long.params[0][1]) == 80 and long.params[0][1].endswith("…")


def test_schedule_workflow_page(signed_in, app, user):
    wid = add_workflow(app, user, SCHEDULE)
    html = signed_in.get(f"/workflows/{wid}").text
    intent = "Every weekday at 09:00 Paris time, call the API."
    assert f'<p class="intent">{intent}</p>' in html
    assert "Every weekday at 09:00 (Europe/Paris)" in html
    assert "Next: <time" in html
    title = action_title(find_action("http.request")[1])
    assert f"HTTP</strong> · {title}" in html  # the catalog's words
    assert "https://shop.example.com/api" in html
    assert "webhook-url" not in html


def test_webhook_workflow_shows_its_url_with_copy_and_rotate(signed_in, app, user):
    connect(app, user, "slack")
    wid = add_workflow(app, user, SLACK)
    token = load(app, wid).webhook_token
    html = signed_in.get(f"/workflows/{wid}").text
    assert "When a POST reaches its webhook URL" in html
    assert f'value="http://localhost/hooks/{token}"' in html
    assert 'data-copy="webhook-url"' in html
    assert f'action="/workflows/{wid}/rotate-token"' in html
    assert "stops working at once" in html


def test_rotation_stops_the_old_url_at_once(signed_in, app, user):
    hook = {**LOG, "trigger": {"type": "webhook"}}
    wid = add_workflow(app, user, hook)
    old = load(app, wid).webhook_token
    assert signed_in.post(f"/hooks/{old}", json={}).status_code == 409  # inactive
    signed_in.post(f"/workflows/{wid}/rotate-token")
    new = load(app, wid).webhook_token
    assert signed_in.post(f"/hooks/{old}", json={}).status_code == 404
    assert signed_in.post(f"/hooks/{new}", json={}).status_code == 409


def test_rotating_the_token_makes_a_new_url(signed_in, app, user):
    wid = add_workflow(app, user, SLACK)
    old = load(app, wid).webhook_token
    response = signed_in.post(f"/workflows/{wid}/rotate-token")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/workflows/{wid}#webhook"
    new = load(app, wid).webhook_token
    assert new != old and len(new) >= 32
    html = signed_in.get(f"/workflows/{wid}").text
    assert old not in html and new in html
    assert "The old URL no longer starts this workflow" in html


def test_problems_are_listed_with_where_they_are(signed_in, app, user):
    wid = add_workflow(app, user, SLACK)
    html = signed_in.get(f"/workflows/{wid}").text
    assert "1 problem to fix before it can run" in html
    assert ">Step 1 (notify) · type</span>" in html
    assert "Connect Slack to use this step." in html
    connect(app, user, "slack")
    assert "to fix before it can run" not in signed_in.get(f"/workflows/{wid}").text


def test_unknown_app_step_is_marked(signed_in, app, user):
    notion = {**LOG, "actions": [{"id": "q", "type": "notion.query", "with": {}}]}
    wid = add_workflow(app, user, notion)
    html = signed_in.get(f"/workflows/{wid}").text
    assert "step is-unknown" in html
    assert "Unknown app <code>notion</code>" in html


def test_recent_runs_newest_first_at_most_ten(signed_in, app, user):
    wid = add_workflow(app, user)
    ids = [
        add_run(app, wid, "success", utcnow() - timedelta(hours=hours))
        for hours in range(12, 0, -1)
    ]
    add_run(app, wid, "failure", utcnow() - timedelta(days=3))
    html = signed_in.get(f"/workflows/{wid}").text
    shown = [i for i in ids if f"#{i}<" in html]
    assert shown == ids[-10:]
    assert html.index(f"#{ids[-1]}<") < html.index(f"#{ids[-2]}<")
    assert "badge-failure" not in html


def test_no_runs_yet_says_how_runs_start(signed_in, app, user):
    wid = add_workflow(app, user)
    assert "No runs yet" in signed_in.get(f"/workflows/{wid}").text


def test_htmx_request_gets_the_recent_runs_fragment(signed_in, app, user):
    wid = add_workflow(app, user)
    add_run(app, wid)
    response = signed_in.get(f"/workflows/{wid}", headers=HX)
    assert "<html" not in response.text
    assert "Recent runs" in response.text and "badge-success" in response.text
    assert "Trigger" not in response.text.split("Recent runs")[0]
    boosted = signed_in.get(f"/workflows/{wid}", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in boosted.text and "Steps" in boosted.text


def test_page_has_the_actions(signed_in, app, user):
    wid = add_workflow(app, user)
    html = signed_in.get(f"/workflows/{wid}").text
    assert f'href="/workflows/{wid}/edit"' in html
    assert f'action="/workflows/{wid}/duplicate"' in html
    assert f'href="/workflows/{wid}/export" download hx-boost="false"' in html
    assert f'href="/workflows/{wid}/delete"' in html
    assert f'hx-post="/workflows/{wid}/toggle"' in html
    # Status, Run now and Edit lead the page, before what it does and its steps.
    top = html.split('class="what-it-does"')[0]
    assert f'hx-post="/workflows/{wid}/run"' in top and "Edit</a>" in top
    assert 'hx-target="#recent-runs tbody" hx-swap="afterbegin"' in top


def test_page_leads_with_the_workflow_in_plain_words(signed_in, app, user):
    connect(app, user, "slack")
    wid = add_workflow(app, user, SLACK)
    html = signed_in.get(f"/workflows/{wid}").text
    assert '<p class="summary">When a webhook arrives → ' in html
    assert " to #sales on Slack</p>" in html
    assert "What it does" in html and "Details</summary>" in html


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        (SLACK, "Calls to its webhook URL are refused (HTTP 409)"),
        (SCHEDULE, "Its schedule does not fire while it is off"),
        (LOG, "Run now works either way"),
    ],
)
def test_a_workflow_that_is_off_says_so_with_a_switch(
    signed_in, app, user, definition, words
):
    wid = add_workflow(app, user, definition)
    html = signed_in.get(f"/workflows/{wid}").text
    banner = html.split('id="off-banner"')[1].split("</form>")[0]
    assert "This workflow is off." in banner and words in banner
    assert f'action="/workflows/{wid}/toggle"' in banner
    assert 'name="to" value="active"' in banner


def test_switching_on_from_the_page_takes_the_banner_away(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    response = signed_in.post(
        f"/workflows/{wid}/toggle",
        data={"to": "active", "view": "detail"},
        headers={"HX-Request": "true"},
    )
    assert 'id="off-banner" hx-swap-oob="true"' in response.text
    assert "This workflow is off." not in response.text
    row = signed_in.post(
        f"/workflows/{wid}/toggle",
        data={"to": "inactive", "view": "row"},
        headers={"HX-Request": "true"},
    )
    assert "off-banner" not in row.text


def test_run_now_is_enabled_only_without_problems(signed_in, app, user):
    wid = add_workflow(app, user, SLACK)
    html = signed_in.get(f"/workflows/{wid}").text
    assert 'disabled aria-describedby="run-now-blocked">Run now</button>' in html
    assert "Fix the problems of this workflow to run it." in html
    connect(app, user, "slack")
    html = signed_in.get(f"/workflows/{wid}").text
    assert 'type="submit">Run now</button>' in html
    assert "run-now-blocked" not in html
