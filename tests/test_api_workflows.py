"""Workflow endpoints: list, get, create, update, delete, switch on/off, run."""

from __future__ import annotations

import pytest

from synth_web.extensions import db
from synth_web.models import Connection, Execution, Workflow
from tests.api_support import all_pages, assert_problem
from tests.run_factories import SLACK_STEP, add_workflow

LOG = [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]
WORKFLOW = {
    "name": "Log it",
    "intent": "Write a line to the log.",
    "trigger": {"type": "manual"},
    "actions": LOG,
}


@pytest.fixture
def app_config():
    # Runs stay queued: nothing executes in the background during these tests.
    return {"SYNTH_EXECUTOR": "external"}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


# ---------- List and get ----------


def test_list_is_empty_at_first(api):
    assert api.get("/workflows").get_json() == {"data": [], "next_cursor": None}


def test_list_newest_first_with_problems(app, api, user):
    first = add_workflow(app, user.id, name="First")
    second = add_workflow(app, user.id, name="Needs Slack", actions=SLACK_STEP)
    rows = api.get("/workflows").get_json()["data"]
    assert [row["id"] for row in rows] == [second, first]
    assert rows[0]["problems"] == [
        {
            "path": "actions[0].type",
            "message": "Connect Slack to use this step.",
            "phase": "capability",
        }
    ]
    assert rows[1]["problems"] == []
    assert rows[1]["status"] == "active"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"status": "inactive"}, ["Off"]),
        ({"status": "active"}, ["Slack one", "Logger"]),
        ({"q": "slack"}, ["Slack one"]),
        ({"app": "slack"}, ["Slack one"]),
        ({"app": "core"}, ["Off", "Logger"]),
    ],
)
def test_list_filters(app, api, user, query, names):
    add_workflow(app, user.id, name="Logger")
    add_workflow(app, user.id, name="Slack one", actions=SLACK_STEP)
    add_workflow(app, user.id, name="Off", status="inactive")
    rows = api.get("/workflows", query_string=query).get_json()["data"]
    assert [row["name"] for row in rows] == names


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({"status": "paused"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "lots"}, "limit"),
        ({"app": "Not An App"}, "app"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_list_refuses_bad_arguments(api, query, path):
    assert_problem(api.get("/workflows", query_string=query), 422, path=path)


def test_a_cursor_of_another_list_is_refused(app, api, user):
    for n in range(3):
        add_workflow(app, user.id, name=f"W{n}")
        api.post("/memory", json={"context_type": "pattern", "content": f"m{n}"})
    cursor = api.get("/memory", query_string={"limit": 1}).get_json()["next_cursor"]
    assert_problem(
        api.get("/workflows", query_string={"cursor": cursor}), 422, "cursor"
    )


def test_pages_stay_stable_while_workflows_are_added(app, api, user):
    ids = [add_workflow(app, user.id, name=f"W{n}") for n in range(7)]
    page = api.get("/workflows", query_string={"limit": 3}).get_json()
    seen = [row["id"] for row in page["data"]]
    cursor = page["next_cursor"]
    while cursor:
        add_workflow(app, user.id, name="Added meanwhile")
        page = api.get(
            "/workflows", query_string={"limit": 3, "cursor": cursor}
        ).get_json()
        seen += [row["id"] for row in page["data"]]
        cursor = page["next_cursor"]
    assert seen == sorted(ids, reverse=True)


def test_get_one(app, api, user):
    workflow_id = add_workflow(
        app, user.id, name="Hook", trigger={"type": "webhook"}, actions=LOG
    )
    body = api.get(f"/workflows/{workflow_id}").get_json()
    assert body["name"] == "Hook"
    assert body["trigger"] == {"type": "webhook"}
    assert body["webhook_url"].startswith("http://localhost/hooks/")
    assert body["created_at"].endswith("Z")


def test_get_unknown_is_404(api):
    assert_problem(api.get("/workflows/999"), 404)


# ---------- Create ----------


def test_create_saves_an_inactive_workflow(app, api):
    response = api.post("/workflows", json=WORKFLOW)
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "inactive"
    assert body["problems"] == []
    assert {k: body[k] for k in WORKFLOW} == WORKFLOW
    with app.app_context():
        workflow = db.session.get(Workflow, body["id"])
        assert workflow.definition == WORKFLOW


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"trigger": "manual"}, "trigger"),
        ({"actions": {"id": "log"}}, "actions"),
        ({"intent": 5}, "intent"),
    ],
)
def test_create_refuses_what_cannot_be_stored(app, api, change, path):
    response = api.post("/workflows", json={**WORKFLOW, **change})
    assert_problem(response, 422, path=path)
    assert count(app, Workflow) == 0


def test_create_refuses_missing_fields(app, api):
    body = assert_problem(api.post("/workflows", json={"name": "x"}), 422)
    assert {e["path"] for e in body["errors"]} == {"trigger", "actions"}


def test_create_with_problems_is_422_with_their_paths(app, api):
    broken = {
        **WORKFLOW,
        "actions": [
            {"id": "log", "type": "core.log", "with": {"message": "hi"}},
            {"id": "get", "type": "http.request", "with": {"method": "GET"}},
            {
                "id": "late",
                "type": "core.log",
                "with": {"message": "{{ steps.nope.output }}"},
            },
        ],
    }
    body = assert_problem(api.post("/workflows", json=broken), 422)
    assert body["type"] == "urn:synth:problem:workflow-problems"
    paths = [e["path"] for e in body["errors"]]
    assert "actions[1].with.url" in paths or "actions[1].with" in paths
    assert "actions[2].with.message" in paths
    assert {e["phase"] for e in body["errors"]} <= {
        "structural",
        "logical",
        "capability",
    }
    assert "draft=true" in body["detail"]
    assert count(app, Workflow) == 0


def test_create_with_problems_as_a_draft(app, api):
    response = api.post(
        "/workflows",
        json={**WORKFLOW, "actions": SLACK_STEP},
        query_string={"draft": "true"},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "inactive"
    assert body["problems"][0]["path"] == "actions[0].type"
    assert count(app, Workflow) == 1


# ---------- Update ----------


def test_update_changes_only_what_is_sent(app, api, user):
    workflow_id = add_workflow(app, user.id, name="Old name")
    response = api.patch(f"/workflows/{workflow_id}", json={"name": "New name"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "New name"
    assert body["actions"] == [
        {"id": "log", "type": "core.log", "with": {"message": "hello"}}
    ]
    assert body["status"] == "active"


def test_update_with_problems_is_refused_and_nothing_changes(app, api, user):
    workflow_id = add_workflow(app, user.id, name="Keep me")
    body = assert_problem(
        api.patch(
            f"/workflows/{workflow_id}", json={"actions": SLACK_STEP, "name": "X"}
        ),
        422,
        path="actions[0].type",
    )
    assert body["errors"][0]["message"] == "Connect Slack to use this step."
    with app.app_context():
        workflow = db.session.get(Workflow, workflow_id)
        assert (workflow.name, workflow.status) == ("Keep me", "active")


def test_a_draft_update_with_problems_switches_the_workflow_off(app, api, user):
    workflow_id = add_workflow(app, user.id)
    response = api.patch(
        f"/workflows/{workflow_id}",
        json={"actions": SLACK_STEP},
        query_string={"draft": 1},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "inactive"
    assert body["actions"] == SLACK_STEP
    assert body["problems"]


def test_update_refuses_bad_values(app, api, user):
    workflow_id = add_workflow(app, user.id)
    assert_problem(
        api.patch(f"/workflows/{workflow_id}", json={"name": ""}), 422, "name"
    )
    assert_problem(
        api.patch(f"/workflows/{workflow_id}", json={"trigger": None}), 422, "trigger"
    )


# ---------- Delete, switch, run ----------


def test_delete_removes_the_workflow_and_its_runs(app, api, user):
    workflow_id = add_workflow(app, user.id)
    api.post(f"/workflows/{workflow_id}/run")
    response = api.delete(f"/workflows/{workflow_id}")
    assert response.status_code == 204
    assert response.data == b""
    assert count(app, Workflow) == 0
    assert count(app, Execution) == 0
    assert_problem(api.delete(f"/workflows/{workflow_id}"), 404)


def test_activate_and_deactivate(app, api, user):
    workflow_id = add_workflow(app, user.id, status="inactive")
    body = api.post(f"/workflows/{workflow_id}/activate").get_json()
    assert body["status"] == "active"
    body = api.post(f"/workflows/{workflow_id}/deactivate").get_json()
    assert body["status"] == "inactive"


def test_activate_with_problems_is_409_with_them(app, api, user):
    workflow_id = add_workflow(app, user.id, actions=SLACK_STEP, status="inactive")
    body = assert_problem(
        api.post(f"/workflows/{workflow_id}/activate"), 409, path="actions[0].type"
    )
    assert "cannot run or be switched on" in body["detail"]
    with app.app_context():
        assert db.session.get(Workflow, workflow_id).status == "inactive"


def test_a_connection_turned_off_shows_as_a_problem(app, api, user):
    workflow_id = add_workflow(app, user.id, actions=SLACK_STEP)
    with app.app_context():
        db.session.add(
            Connection(user_id=user.id, app_name="slack", connection_type="bot_token")
        )
        db.session.commit()
    assert api.get(f"/workflows/{workflow_id}").get_json()["problems"] == []
    with app.app_context():
        db.session.scalar(db.select(Connection)).status = "inactive"
        db.session.commit()
    problems = api.get(f"/workflows/{workflow_id}").get_json()["problems"]
    assert problems[0]["message"] == "Slack connection is off."


def test_run_answers_202_with_the_queued_run(app, api, user):
    workflow_id = add_workflow(app, user.id, status="inactive")
    response = api.post(f"/workflows/{workflow_id}/run")
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued"
    assert body["workflow_id"] == workflow_id
    assert body["trigger_type"] == "manual"
    assert body["source"] == "synth"
    assert body["metadata"]["trigger"] == {"started_by": "API token t"}
    assert api.get(f"/executions/{body['id']}").status_code == 200


def test_run_with_problems_is_409(app, api, user):
    workflow_id = add_workflow(app, user.id, actions=SLACK_STEP)
    assert_problem(api.post(f"/workflows/{workflow_id}/run"), 409, "actions[0].type")
    assert count(app, Execution) == 0


class TestRealRun:
    @pytest.fixture
    def app_config(self):
        return {"SYNTH_EXECUTOR": "thread"}

    def test_a_run_through_the_api_really_runs(self, app, api, user):
        workflow_id = add_workflow(app, user.id)
        run_id = api.post(f"/workflows/{workflow_id}/run").get_json()["id"]
        app.extensions["synth_executor"].shutdown(wait=True)
        body = api.get(f"/executions/{run_id}").get_json()
        assert body["status"] == "success"
        assert body["results"][0]["id"] == "log"


def test_all_pages_follows_cursors(app, api, user):
    ids = [add_workflow(app, user.id, name=f"W{n}") for n in range(5)]
    rows = all_pages(api, "/workflows", 2)
    assert [row["id"] for row in rows] == ids[::-1]
