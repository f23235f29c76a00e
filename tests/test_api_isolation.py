"""Every object route answers 404 for someone else's object, and changes nothing."""

from __future__ import annotations

import pytest

from synth_web.chat.writing import append_message
from synth_web.extensions import db
from synth_web.memory.services import create_memory
from synth_web.models import ChatMessage, Connection, Execution, Memory, Workflow
from tests.api_support import assert_problem
from tests.run_factories import add_run, add_workflow

ROUTES = [
    ("GET", "/workflows/{workflow}", None),
    ("PATCH", "/workflows/{workflow}", {"name": "Mine now"}),
    ("DELETE", "/workflows/{workflow}", None),
    ("POST", "/workflows/{workflow}/activate", None),
    ("POST", "/workflows/{workflow}/deactivate", None),
    ("POST", "/workflows/{workflow}/run", None),
    ("POST", "/workflows/{workflow}/executions", {"status": "success"}),
    ("GET", "/executions/{execution}", None),
    ("PATCH", "/executions/{execution}", {"status": "success"}),
    ("GET", "/connections/{connection}", None),
    ("PATCH", "/connections/{connection}", {"status": "inactive"}),
    ("GET", "/memory/{memory}", None),
    ("PATCH", "/memory/{memory}", {"content": "Mine now"}),
    ("DELETE", "/memory/{memory}", None),
    ("GET", "/conversations/{conversation}/messages", None),
]


@pytest.fixture
def app_config():
    return {"SYNTH_EXECUTOR": "external"}


@pytest.fixture
def theirs(app, other_user) -> dict[str, object]:
    """One object of each kind, all belonging to someone else."""
    workflow = add_workflow(app, other_user.id, status="inactive")
    execution = add_run(
        app, workflow, other_user.id, status="queued", trigger_type="external"
    )
    with app.app_context():
        connection = Connection(
            user_id=other_user.id, app_name="slack", connection_type="bot_token"
        )
        db.session.add(connection)
        db.session.commit()
        memory = create_memory(other_user.id, "preference", "Theirs.", 0.5).id
        append_message(other_user.id, "their-chat", "user", "Theirs.")
        return {
            "workflow": workflow,
            "execution": execution,
            "connection": connection.id,
            "memory": memory,
            "conversation": "their-chat",
        }


def snapshot(app) -> list:
    with app.app_context():
        return [
            db.session.execute(db.select(Workflow.name, Workflow.status)).all(),
            db.session.execute(db.select(Execution.id, Execution.status)).all(),
            db.session.execute(db.select(Connection.status)).all(),
            db.session.execute(
                db.select(Memory.content, Memory.last_accessed_at)
            ).all(),
            db.session.execute(db.select(ChatMessage.id)).all(),
        ]


@pytest.mark.parametrize(("method", "route", "body"), ROUTES)
def test_someone_elses_object_is_404(app, api, theirs, method, route, body):
    before = snapshot(app)
    response = api.request(method, route.format(**theirs), json=body)
    assert_problem(response, 404)
    assert snapshot(app) == before


def test_lists_show_only_your_own(api, theirs):
    for url in (
        "/workflows",
        "/executions",
        "/connections",
        "/memory",
        "/conversations",
    ):
        assert api.get(url).get_json()["data"] == [], url


def test_the_same_conversation_id_is_separate_per_person(app, api, theirs):
    api.post(
        "/conversations/their-chat/messages", json={"role": "user", "content": "Mine."}
    )
    rows = api.get("/conversations/their-chat/messages").get_json()["data"]
    assert [row["content"] for row in rows] == ["Mine."]
