"""The workflow list: search, filters, sort, pages, last runs, htmx fragments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from synth_web.extensions import db
from synth_web.models import utcnow
from tests.workflow_helpers import LOG, SCHEDULE, SLACK, add_run, add_workflow

HX = {"HX-Request": "true"}


def rows(html: str) -> int:
    return html.count('<tr id="workflow-')


def test_empty_list_invites_to_create(signed_in):
    response = signed_in.get("/workflows")
    assert response.status_code == 200
    assert "No workflows yet" in response.text
    assert 'href="/workflows/new"' in response.text
    assert "Create your first workflow" in response.text


def test_list_shows_the_columns(signed_in, app, user):
    wid = add_workflow(app, user, SCHEDULE, status="active")
    add_run(app, wid, "failure")
    html = signed_in.get("/workflows").text
    assert "Weekday digest" in html
    assert "Every weekday at 09:00 Paris time" in html  # intent
    assert "Schedule" in html
    assert "HTTP" in html  # apps used
    assert "badge-active" in html and 'aria-pressed="true"' in html
    assert "badge-failure" in html and "just now" in html  # last run
    assert "No runs yet" not in html


def test_last_run_is_the_newest(signed_in, app, user):
    wid = add_workflow(app, user)
    add_run(app, wid, "failure", utcnow() - timedelta(days=3))
    add_run(app, wid, "success", utcnow() - timedelta(hours=2))
    add_run(app, wid, "cancelled", utcnow() - timedelta(days=1))
    html = signed_in.get("/workflows").text
    assert "badge-success" in html
    assert "badge-failure" not in html and "badge-cancelled" not in html
    assert "2 hours ago" in html


def test_list_needs_a_constant_number_of_queries(signed_in, app, user):
    for index in range(30):
        wid = add_workflow(app, user, {**LOG, "name": f"Flow {index}"})
        add_run(app, wid)
    statements = []

    def record(*args):
        statements.append(args[2])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = signed_in.get("/workflows")
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert rows(response.text) == 25
    assert len(statements) <= 5, statements


@pytest.mark.parametrize(
    ("query", "found", "missing"),
    [
        ("say", "Say hello", "Orders to Slack"),
        ("SAY HELLO", "Say hello", "Orders to Slack"),
        ("tell #sales", "Orders to Slack", "Say hello"),  # intent
        ("   orders    to ", "Orders to Slack", "Say hello"),
    ],
)
def test_search_name_and_intent(signed_in, app, user, query, found, missing):
    add_workflow(app, user, LOG)
    add_workflow(app, user, SLACK)
    html = signed_in.get("/workflows", query_string={"q": query}).text
    assert found in html
    assert missing not in html


def test_search_finds_workflows_by_the_apps_and_channels_of_their_steps(
    signed_in, app, user
):
    add_workflow(app, user, {**SLACK, "name": "Order alerts", "intent": "Tell us."})
    add_workflow(app, user, LOG)
    for query in ("slack", "Slack", "#sales", "post_message"):
        html = signed_in.get("/workflows", query_string={"q": query}).text
        assert rows(html) == 1 and "Order alerts" in html, query
    # JSON's own keys are not what a step uses.
    for query in ("with", "type", "channel"):
        assert rows(signed_in.get("/workflows", query_string={"q": query}).text) == 0


def test_search_finds_every_demo_workflow_that_posts_to_slack(signed_in, app, user):
    from synth_web.demo import WORKFLOWS

    for definition in WORKFLOWS:
        add_workflow(app, user, definition)
    uses_slack = [
        w for w in WORKFLOWS if any("slack." in a["type"] for a in w["actions"])
    ]
    said = [w for w in uses_slack if "slack" in (w["name"] + w["intent"]).lower()]
    assert len(said) < len(uses_slack)  # names and intents alone miss some
    assert rows(signed_in.get("/workflows?q=slack").text) == len(uses_slack)


def test_search_treats_wildcards_as_text(signed_in, app, user):
    add_workflow(app, user, {**LOG, "name": "100% done"})
    add_workflow(app, user, {**LOG, "name": "Other"})
    assert rows(signed_in.get("/workflows?q=%25").text) == 1
    assert rows(signed_in.get("/workflows?q=_").text) == 0


def test_no_match_says_so_and_offers_to_clear(signed_in, app, user):
    add_workflow(app, user)
    html = signed_in.get("/workflows?q=zebra&status=active").text
    assert "No workflow matches" in html
    assert "“zebra”" in html
    assert "Clear filters" in html
    assert "No workflows yet" not in html


def test_status_filter(signed_in, app, user):
    add_workflow(app, user, LOG, status="active")
    add_workflow(app, user, SLACK, status="inactive")
    active = signed_in.get("/workflows?status=active").text
    assert "Say hello" in active and "Orders to Slack" not in active
    inactive = signed_in.get("/workflows?status=inactive").text
    assert "Orders to Slack" in inactive and "Say hello" not in inactive


def test_app_filter(signed_in, app, user):
    add_workflow(app, user, LOG)
    add_workflow(app, user, SLACK)
    add_workflow(app, user, SCHEDULE)
    # A step whose *parameters* mention Slack does not make it a Slack workflow.
    tricky = {
        **LOG,
        "name": "Mentions slack",
        "actions": [
            {
                "id": "x",
                "type": "core.set",
                "with": {"values": {"type": "slack.post_message"}},
            }
        ],
    }
    add_workflow(app, user, tricky)
    html = signed_in.get("/workflows?app=slack").text
    assert rows(html) == 1 and "Orders to Slack" in html
    html = signed_in.get("/workflows?app=core").text
    assert rows(html) == 2
    assert rows(signed_in.get("/workflows?app=http&status=inactive").text) == 1


def test_app_filter_for_an_app_outside_the_catalog(signed_in, app, user):
    notion = {
        **LOG,
        "name": "Notion sync",
        "actions": [{"id": "q", "type": "notion.query", "with": {}}],
    }
    add_workflow(app, user, notion)
    add_workflow(app, user, LOG)
    html = signed_in.get("/workflows?app=notion").text
    assert rows(html) == 1 and "Notion sync" in html
    assert "notion (not in the catalog)" in html


@pytest.mark.parametrize(
    "query", ["status=deleted", "app=DROP%20TABLE", "sort=evil", "page=-1", "page=x"]
)
def test_nonsense_filters_are_ignored(signed_in, app, user, query):
    add_workflow(app, user)
    response = signed_in.get(f"/workflows?{query}")
    assert response.status_code == 200
    assert rows(response.text) == 1


def test_sort_by_name(signed_in, app, user):
    for name in ("banana", "Apple", "cherry"):
        add_workflow(app, user, {**LOG, "name": name})
    html = signed_in.get("/workflows?sort=name").text
    assert html.index("Apple") < html.index("banana") < html.index("cherry")
    html = signed_in.get("/workflows").text  # most recently updated first
    assert html.index("cherry") < html.index("Apple") < html.index("banana")


def test_pages_keep_the_filters(signed_in, app, user):
    for index in range(30):
        add_workflow(app, user, {**LOG, "name": f"Flow {index:02d}"}, status="active")
    add_workflow(app, user, {**LOG, "name": "Off"}, status="inactive")
    first = signed_in.get("/workflows?status=active&sort=name").text
    assert rows(first) == 25
    assert "Showing 1–25 of 30 workflows" in first
    assert 'href="/workflows?status=active&amp;sort=name&amp;page=2"' in first
    second = signed_in.get("/workflows?status=active&sort=name&page=2").text
    assert rows(second) == 5 and "Flow 29" in second and "Off" not in second
    assert "Page 2 of 2" in second
    late = signed_in.get("/workflows?status=active&sort=name&page=99").text
    assert "Page 2 of 2" in late


def test_htmx_search_answers_the_results_fragment(signed_in, app, user):
    add_workflow(app, user, LOG)
    response = signed_in.get("/workflows?q=hello", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="workflow-results"' not in response.text
    assert "Say hello" in response.text
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "headers",
    [{}, {**HX, "HX-Boosted": "true"}, {**HX, "HX-History-Restore-Request": "true"}],
)
def test_full_page_for_normal_and_boosted_requests(signed_in, app, user, headers):
    add_workflow(app, user, LOG)
    response = signed_in.get("/workflows?q=hello", headers=headers)
    assert "<html" in response.text
    assert 'id="workflow-results"' in response.text
    assert 'value="hello"' in response.text  # the search box keeps the query


def test_only_your_own_workflows_are_listed(signed_in, app, user, other_user):
    add_workflow(app, user, LOG)
    add_workflow(app, other_user, SLACK)
    html = signed_in.get("/workflows").text
    assert "Say hello" in html and "Orders to Slack" not in html
    assert "Orders to Slack" not in signed_in.get("/workflows?app=slack").text
