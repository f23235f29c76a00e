"""Connection endpoints: metadata and status, never a secret."""

from __future__ import annotations

import json

import pytest

from synth_web.extensions import db
from synth_web.models import Connection, Execution
from tests.api_support import all_pages, assert_problem
from tests.run_factories import SLACK_STEP, add_run, add_workflow

TOKEN = "xoxb-2468013579-1357924680-ApiNeverShowsQ7w3"


@pytest.fixture
def app_config():
    return {"SYNTH_EXECUTOR": "external"}


@pytest.fixture
def slack(app, signed_in) -> int:
    """Connect Slack through the form, with a secret in the vault."""
    response = signed_in.post("/connections/new?app=slack", data={"bot_token": TOKEN})
    assert response.status_code == 302
    with app.app_context():
        return db.session.scalar(db.select(Connection.id))


def test_list_and_get_show_metadata(app, api, slack):
    rows = api.get("/connections").get_json()["data"]
    assert [row["app_name"] for row in rows] == ["slack"]
    row = rows[0]
    assert row["app_label"] == "Slack"
    assert row["status"] == "active"
    assert row["connection_type"] == "bot_token"
    assert row["last_verified_at"] is None
    assert api.get(f"/connections/{slack}").get_json() == row


def test_no_secret_ever_leaves(app, api, slack):
    with app.app_context():
        connection = db.session.get(Connection, slack)
        # Even if something secret-looking were in the metadata, only the
        # known non-secret parts are shown.
        connection.meta = {**connection.meta, "token": TOKEN, "facts": {"team": "Acme"}}
        db.session.commit()
    texts = [
        api.get("/connections").get_data(as_text=True),
        api.get(f"/connections/{slack}").get_data(as_text=True),
        api.patch(f"/connections/{slack}", json={"status": "inactive"}).get_data(
            as_text=True
        ),
    ]
    for text in texts:
        assert TOKEN not in text
        assert TOKEN[-8:] not in text
    assert json.loads(texts[1])["facts"] == {"team": "Acme"}


def test_switching_off_stops_the_workflows_that_use_it(app, api, user, slack):
    workflow_id = add_workflow(app, user.id, actions=SLACK_STEP)
    queued = add_run(app, workflow_id, user.id, status="queued")
    body = api.patch(f"/connections/{slack}", json={"status": "inactive"}).get_json()
    assert body["status"] == "inactive"
    problems = api.get(f"/workflows/{workflow_id}").get_json()["problems"]
    assert problems[0]["message"] == "Slack connection is off."
    with app.app_context():
        assert db.session.get(Execution, queued).status == "failure"
    assert (
        api.patch(f"/connections/{slack}", json={"status": "active"}).get_json()[
            "status"
        ]
        == "active"
    )
    assert api.get(f"/workflows/{workflow_id}").get_json()["problems"] == []


def test_setting_the_same_status_changes_nothing(api, slack):
    body = api.patch(f"/connections/{slack}", json={"status": "active"}).get_json()
    assert body["status"] == "active"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"status": "paused"}, "status"),
        ({}, "status"),
        ({"status": "active", "token": "x"}, "token"),
    ],
)
def test_set_status_refuses_bad_input(api, slack, body, path):
    assert_problem(api.patch(f"/connections/{slack}", json=body), 422, path=path)


def test_filter_by_status_and_pages(app, api, user):
    with app.app_context():
        for n, status in enumerate(["active", "inactive", "active"]):
            db.session.add(
                Connection(
                    user_id=user.id,
                    app_name=f"app{n}",
                    connection_type="api_key",
                    status=status,
                )
            )
        db.session.commit()
    off = api.get("/connections", query_string={"status": "inactive"}).get_json()
    assert [row["app_name"] for row in off["data"]] == ["app1"]
    assert [row["app_name"] for row in all_pages(api, "/connections", 2)] == [
        "app0",
        "app1",
        "app2",
    ]
    assert all_pages(api, "/connections", 1)[2]["app_label"] == "App2"
