"""Switching on and off, copying, deleting, exporting and importing workflows."""

from __future__ import annotations

import io
import json

import pytest

from synth_web.models import Execution, Workflow
from tests.workflow_helpers import (
    LOG,
    SCHEDULE,
    SLACK,
    add_run,
    add_workflow,
    connect,
    count,
    load,
)

HX = {"HX-Request": "true"}


# ---------- Toggle ----------


def test_activate_without_js_returns_to_where_you_were(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    response = signed_in.post(
        f"/workflows/{wid}/toggle", data={"to": "active", "next": "/workflows?q=say"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/workflows?q=say"
    assert load(app, wid).status == "active"
    assert "“Say hello” is now active." in signed_in.get("/workflows").text


def test_deactivate_goes_to_the_workflow_without_a_next(signed_in, app, user):
    wid = add_workflow(app, user, LOG, status="active")
    response = signed_in.post(f"/workflows/{wid}/toggle", data={"to": "inactive"})
    assert response.headers["Location"] == f"/workflows/{wid}"
    assert load(app, wid).status == "inactive"


def test_toggle_refuses_an_unsafe_next(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    response = signed_in.post(
        f"/workflows/{wid}/toggle", data={"to": "active", "next": "//evil.example"}
    )
    assert response.headers["Location"] == f"/workflows/{wid}"


def test_toggle_is_safe_to_click_twice(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    for _ in range(2):
        signed_in.post(f"/workflows/{wid}/toggle", data={"to": "active"})
    assert load(app, wid).status == "active"
    signed_in.post(f"/workflows/{wid}/toggle")  # no `to`: flips
    assert load(app, wid).status == "inactive"


def test_htmx_toggle_swaps_the_status_in_place(signed_in, app, user):
    wid = add_workflow(app, user, LOG)
    response = signed_in.post(
        f"/workflows/{wid}/toggle", data={"to": "active", "view": "row"}, headers=HX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="wf-status"')
    assert "badge-active" in response.text and 'aria-pressed="true"' in response.text
    assert 'name="to" value="inactive"' in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert load(app, wid).status == "active"


def test_activation_with_problems_is_refused_in_place(signed_in, app, user):
    wid = add_workflow(app, user, SLACK)
    response = signed_in.post(
        f"/workflows/{wid}/toggle", data={"to": "active"}, headers=HX
    )
    assert response.status_code == 200
    assert "Not activated." in response.text
    assert "Connect Slack to use this step." in response.text
    assert f'href="/workflows/{wid}/edit"' in response.text
    assert "badge-inactive" in response.text
    assert load(app, wid).status == "inactive"


def test_activation_with_problems_without_js_explains_on_the_page(signed_in, app, user):
    wid = add_workflow(app, user, SLACK)
    response = signed_in.post(f"/workflows/{wid}/toggle", data={"to": "active"})
    assert response.headers["Location"] == f"/workflows/{wid}"
    assert load(app, wid).status == "inactive"
    html = signed_in.get(f"/workflows/{wid}").text
    assert "was not activated: it has 1 problem" in html
    assert "Connect Slack to use this step." in html


def test_activation_works_once_the_problem_is_fixed(signed_in, app, user):
    wid = add_workflow(app, user, SLACK)
    connect(app, user, "slack")
    signed_in.post(f"/workflows/{wid}/toggle", data={"to": "active"})
    assert load(app, wid).status == "active"


def test_a_connection_turned_off_blocks_activation(signed_in, app, user):
    wid = add_workflow(app, user, SLACK)
    connect(app, user, "slack", status="inactive")
    response = signed_in.post(
        f"/workflows/{wid}/toggle", data={"to": "active"}, headers=HX
    )
    assert "Slack connection is off." in response.text


# ---------- Duplicate ----------


def test_duplicate_makes_an_inactive_copy(signed_in, app, user):
    wid = add_workflow(app, user, SCHEDULE, status="active")
    response = signed_in.post(f"/workflows/{wid}/duplicate")
    assert response.status_code == 303
    copy_id = int(response.headers["Location"].rsplit("/", 1)[1])
    original, copy = load(app, wid), load(app, copy_id)
    assert copy.name == "Weekday digest (copy)"
    assert copy.status == "inactive"
    assert copy.user_id == user.id
    assert {**copy.definition, "name": original.name} == original.definition
    assert copy.webhook_token != original.webhook_token
    page = signed_in.get(f"/workflows/{copy_id}").text
    assert "Copied as “Weekday digest (copy)”" in page


def test_duplicate_of_a_long_name_still_fits(signed_in, app, user):
    wid = add_workflow(app, user, {**LOG, "name": "n" * 200})
    response = signed_in.post(f"/workflows/{wid}/duplicate")
    copy = load(app, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert len(copy.name) == 200 and copy.name.endswith(" (copy)")


# ---------- Delete ----------


def test_delete_asks_first_and_says_how_many_runs_go(signed_in, app, user):
    wid = add_workflow(app, user)
    for _ in range(3):
        add_run(app, wid)
    html = signed_in.get(f"/workflows/{wid}/delete").text
    assert "Delete this workflow?" in html
    assert "its 3 runs" in html
    assert f'action="/workflows/{wid}/delete"' in html
    assert load(app, wid) is not None


def test_delete_removes_the_workflow_and_its_runs(signed_in, app, user):
    wid = add_workflow(app, user)
    keep = add_workflow(app, user, SLACK)
    add_run(app, wid)
    add_run(app, wid)
    add_run(app, keep)
    response = signed_in.post(f"/workflows/{wid}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == "/workflows"
    assert load(app, wid) is None
    assert count(app, Execution) == 1
    assert "“Say hello” and its runs were deleted." in signed_in.get("/workflows").text


# ---------- Export ----------


def test_export_downloads_the_portable_json(signed_in, app, user):
    wid = add_workflow(app, user, SLACK, status="active")
    token = load(app, wid).webhook_token
    response = signed_in.get(f"/workflows/{wid}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="orders-to-slack.json"'
    )
    assert json.loads(response.text) == SLACK
    assert token not in response.text
    for secret_or_local in ("webhook_token", "status", "user_id", '"id": 1,'):
        assert secret_or_local not in response.text


@pytest.mark.parametrize(
    ("name", "filename"),
    [("Crème brûlée / v2!", "creme-brulee-v2.json"), ("日本", "workflow.json")],
)
def test_export_filename_is_a_safe_slug(signed_in, app, user, name, filename):
    wid = add_workflow(app, user, {**LOG, "name": name})
    response = signed_in.get(f"/workflows/{wid}/export")
    assert response.headers["Content-Disposition"].endswith(f'"{filename}"')


# ---------- Import ----------


def upload(content: bytes | str, filename: str = "flow.json") -> dict:
    data = content.encode() if isinstance(content, str) else content
    return {"file": (io.BytesIO(data), filename)}


def test_import_page_has_both_ways_in(signed_in):
    html = signed_in.get("/workflows/import").text
    assert 'type="file"' in html and 'name="file"' in html
    assert 'name="definition"' in html
    assert 'enctype="multipart/form-data"' in html


def test_export_then_import_gives_an_equal_definition(signed_in, app, user):
    wid = add_workflow(app, user, SCHEDULE, status="active")
    exported = signed_in.get(f"/workflows/{wid}/export").data
    response = signed_in.post(
        "/workflows/import",
        data=upload(exported),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    original, imported = load(app, wid), load(app, new_id)
    assert imported.definition == original.definition
    assert imported.status == "inactive"
    assert imported.webhook_token != original.webhook_token
    assert (
        "Imported “Weekday digest”. It is inactive."
        in signed_in.get(f"/workflows/{new_id}").text
    )


def test_import_pasted_json_with_problems_starts_inactive(signed_in, app, user):
    pasted = json.dumps({**SLACK, "status": "active", "webhook_token": "mine"})
    response = signed_in.post("/workflows/import", data={"definition": pasted})
    assert response.status_code == 303
    workflow = load(app, 1)
    assert workflow.status == "inactive"
    assert workflow.webhook_token != "mine"
    assert workflow.definition == SLACK
    html = signed_in.get("/workflows/1").text
    assert "It has problems to fix before it can run." in html


def test_import_a_list(signed_in, app, user):
    pasted = json.dumps([LOG, SCHEDULE])
    response = signed_in.post("/workflows/import", data={"definition": pasted})
    assert response.headers["Location"] == "/workflows"
    assert count(app, Workflow) == 2
    assert "Imported 2 workflows, all inactive." in signed_in.get("/workflows").text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "Choose a JSON file, or paste a workflow"),
        ('{"name": "x",\n "trigger": }', "Not valid JSON on line 2, column 13"),
        ("[1, 2]", "Workflow 1: a workflow is a JSON object"),
        ("[]", "The list is empty"),
        ('"just text"', "not text"),
        ('{"intent": "no name"}', "the workflow has no `name`"),
        ('{"name": "x", "trigger": "manual"}', "`trigger` must be an object"),
        ('{"name": "x", "actions": {}}', "`actions` must be a list"),
        ('{"name": "x", "intent": 5}', "`intent` must be text"),
        (json.dumps([LOG, {"name": ""}]), "Workflow 2: the workflow has no `name`"),
        (json.dumps([LOG] * 51), "at most 50 workflows"),
    ],
)
def test_bad_paste_creates_nothing_and_says_why(signed_in, app, content, message):
    response = signed_in.post("/workflows/import", data={"definition": content})
    assert response.status_code == 200
    assert 'id="definition-error"' in response.text
    assert message.replace("`", "") in response.text.replace("`", "")
    assert count(app, Workflow) == 0


def test_bad_file_creates_nothing_and_says_why_beside_the_file(signed_in, app):
    response = signed_in.post(
        "/workflows/import",
        data=upload(b"\xff\xfe\x00garbage"),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert 'id="file-error"' in response.text
    assert "This file is not text (UTF-8)." in response.text
    assert count(app, Workflow) == 0


def test_too_large_file_is_refused(signed_in, app):
    big = json.dumps({**LOG, "intent": "x" * 300_000})
    response = signed_in.post(
        "/workflows/import", data=upload(big), content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert "at most 256 KB" in response.text
    assert count(app, Workflow) == 0
