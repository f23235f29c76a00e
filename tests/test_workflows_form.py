"""Creating and editing workflows: starters, JSON errors, problems beside fields."""

from __future__ import annotations

import json
import re

import pytest

from synth_web.models import Workflow
from tests.workflow_helpers import LOG, SLACK, add_workflow, connect, count, load

HX = {"HX-Request": "true"}


def form_data(definition=None, **texts):
    definition = definition or LOG
    data = {
        "name": definition["name"],
        "intent": definition["intent"],
        "trigger": json.dumps(definition["trigger"]),
        "actions": json.dumps(definition["actions"]),
    }
    data.update(texts)
    return data


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</(?:p|ul)>', html, re.S)
    assert match, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_new_form_has_the_four_fields_on_the_json_tab(signed_in):
    html = signed_in.get("/workflows/new?view=json").text
    for name in ("name", "intent", "trigger", "actions"):
        assert f'name="{name}"' in html
    assert "Start from a template" in html
    assert 'href="/workflows/new?starter=webhook_slack"' in html


def test_starter_fills_the_form(signed_in, app, user):
    html = signed_in.get("/workflows/new?starter=schedule_http&view=json").text
    assert 'value="Uptime check"' in html
    assert "*/15 * * * *" in html
    assert "http.request" in html
    # Schedules start in the person's own time zone.
    assert "&#34;timezone&#34;: &#34;UTC&#34;" in html
    assert 'aria-current="true"' in html


def test_unknown_starter_gives_a_blank_form(signed_in):
    response = signed_in.get("/workflows/new?starter=nope")
    assert response.status_code == 200
    assert 'value="Uptime check"' not in response.text


def test_starter_with_htmx_replaces_the_editor_and_keeps_what_was_typed(signed_in):
    response = signed_in.get(
        "/workflows/new?starter=manual_log&name=My+own+name&intent=", headers=HX
    )
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="workflow-editor">')
    assert 'value="My own name"' in response.text
    assert "When I press Run now, write a greeting" in response.text  # starter intent
    assert "core.log" in response.text


def test_create_without_problems_opens_the_new_workflow(signed_in, app):
    response = signed_in.post("/workflows/new", data=form_data())
    assert response.status_code == 303
    workflow = load(app, 1)
    assert response.headers["Location"] == "/workflows/1"
    assert workflow.definition == LOG
    assert workflow.status == "inactive"
    assert workflow.trigger_type == "manual"
    page = signed_in.get("/workflows/1").text
    assert "inactive until you activate it" in page


def test_create_with_problems_saves_a_draft_and_shows_them_beside_fields(
    signed_in, app
):
    response = signed_in.post("/workflows/new", data=form_data(SLACK))
    assert response.status_code == 303
    assert response.headers["Location"] == "/workflows/1/edit"
    assert load(app, 1).status == "inactive"
    html = signed_in.get("/workflows/1/edit?view=json").text
    assert "Saved as an inactive draft with 1 problem" in html
    assert "Connect Slack to use this step." in field_error(html, "actions")
    assert "Step 1 (notify)" in field_error(html, "actions")
    assert 'id="trigger-error"' not in html


def test_connected_app_has_no_problem(signed_in, app, user):
    connect(app, user, "slack")
    response = signed_in.post("/workflows/new", data=form_data(SLACK))
    assert response.headers["Location"] == "/workflows/1"


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [
        ("trigger", '{"type": "manual",}', "line 1, column 19"),
        ("actions", '[\n  {"id": "a"\n  "type": "core.log"}\n]', "line 3, column 3"),
        ("actions", "[{'id': 'a'}]", "expected a key in double quotes"),
        ("trigger", '{"type": "manual"} x', "unexpected text after the end"),
        ("actions", '[{"id": "a}]', "no closing double quote"),
    ],
)
def test_invalid_json_is_reported_with_line_and_column(
    signed_in, app, field, text, words
):
    response = signed_in.post("/workflows/new", data=form_data(**{field: text}))
    assert response.status_code == 200
    error = field_error(response.text, field)
    assert "Not valid JSON on line" in error
    assert words in error
    assert count(app, Workflow) == 0
    # What was typed comes back exactly as typed.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&#34;")
    escaped = escaped.replace("'", "&#39;")
    assert escaped in response.text
    assert "data-error-offset=" in response.text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "Give the workflow a name."),
        ({"name": "   "}, "name", "Give the workflow a name."),
        ({"name": "x" * 201}, "name", "under 200 characters"),
        ({"trigger": "[]"}, "trigger", "Must be an object { … }, not a list."),
        ({"actions": '{"id": "a"}'}, "actions", "Must be a list [ … ], not an object."),
    ],
)
def test_save_blocking_mistakes(signed_in, app, data, field, message):
    response = signed_in.post("/workflows/new", data=form_data(**data))
    assert response.status_code == 200
    assert message in field_error(response.text, field)
    assert count(app, Workflow) == 0


def test_empty_json_fields_save_a_draft_with_problems(signed_in, app):
    response = signed_in.post(
        "/workflows/new", data=form_data(trigger="", actions="  ")
    )
    assert response.headers["Location"] == "/workflows/1/edit"
    html = signed_in.get("/workflows/1/edit?view=json").text
    assert "Choose a trigger type" in field_error(html, "trigger")
    assert "at least 1 item" in field_error(html, "actions")


def test_problem_in_intent_is_shown_beside_intent(signed_in, app):
    signed_in.post("/workflows/new", data=form_data(intent=""))
    html = signed_in.get("/workflows/1/edit?view=json").text
    assert "Say in one sentence" in field_error(html, "intent")


def test_editor_shows_the_json_as_it_was_typed(signed_in, app):
    typed = '[{"id": "hello",   "type": "core.log",\n "with": {"message": "Hi"}}]'
    signed_in.post("/workflows/new", data=form_data(actions=typed))
    html = signed_in.get("/workflows/1/edit?view=json").text
    assert typed.replace('"', "&#34;") in html


def test_editor_lays_out_json_that_was_not_typed_here(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    html = signed_in.get(f"/workflows/{wid}/edit?view=json").text
    assert "&#34;type&#34;: &#34;core.log&#34;" in html
    assert "\n  {\n" in html  # indented


def test_edit_saves_changes(signed_in, app, user):
    wid = add_workflow(app, user, LOG, status="active")
    changed = {**LOG, "name": "Renamed", "intent": "Still says hello."}
    response = signed_in.post(f"/workflows/{wid}/edit", data=form_data(changed))
    assert response.headers["Location"] == f"/workflows/{wid}"
    workflow = load(app, wid)
    assert workflow.name == "Renamed" and workflow.status == "active"
    assert "Changes saved." in signed_in.get(f"/workflows/{wid}").text


def test_edit_that_adds_problems_switches_an_active_workflow_off(signed_in, app, user):
    wid = add_workflow(app, user, LOG, status="active")
    response = signed_in.post(f"/workflows/{wid}/edit", data=form_data(SLACK))
    assert response.headers["Location"] == f"/workflows/{wid}/edit"
    workflow = load(app, wid)
    assert workflow.status == "inactive"
    assert workflow.trigger_type == "webhook"
    html = signed_in.get(f"/workflows/{wid}/edit?view=json").text
    assert "switched off" in html and "cannot run" in html
    assert "Connect Slack" in field_error(html, "actions")


def test_edit_with_invalid_json_changes_nothing(signed_in, app, user):
    wid = add_workflow(app, user, LOG, status="active")
    response = signed_in.post(
        f"/workflows/{wid}/edit", data=form_data(name="New name", actions="[")
    )
    assert response.status_code == 200
    assert 'value="New name"' in response.text
    workflow = load(app, wid)
    assert workflow.name == "Say hello" and workflow.status == "active"


def test_edit_page_is_a_full_page_even_when_boosted(signed_in, app, user):
    wid = add_workflow(app, user)
    html = signed_in.get(
        f"/workflows/{wid}/edit", headers={**HX, "HX-Boosted": "true"}
    ).text
    assert "<html" in html and "Edit workflow" in html
    assert "Start from a template" not in html
