"""Memory endpoints and the context endpoint that marks entries used."""

from __future__ import annotations

import pytest

from synth_web.chat.writing import append_message
from synth_web.extensions import db
from synth_web.memory.services import create_memory
from synth_web.models import Memory
from tests.api_support import all_pages, assert_problem


def add(app, user, content="Likes short answers.", kind="preference", score=0.5) -> int:
    with app.app_context():
        return create_memory(user.id, kind, content, score).id


def entry(app, memory_id) -> Memory:
    with app.app_context():
        found = db.session.get(Memory, memory_id)
        if found is not None:
            db.session.expunge(found)
        return found


# ---------- Create, read, change, delete ----------


def test_create_text(app, api):
    response = api.post(
        "/memory",
        json={
            "context_type": "preference",
            "content": "  Prefers Slack over email.  ",
            "relevance_score": 0.8,
            "metadata": {"source": "chat"},
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["content"] == "Prefers Slack over email."
    assert body["content_json"] is None
    assert body["relevance_score"] == 0.8
    assert body["last_accessed_at"] is None
    assert body["metadata"] == {"source": "chat"}
    assert entry(app, body["id"]).meta == {"source": "chat"}


def test_create_json_content_and_a_new_type(app, api):
    body = api.post(
        "/memory",
        json={"context_type": "schedule_habit", "content": {"weekday": "mon", "at": 9}},
    ).get_json()
    assert body["content_json"] == {"weekday": "mon", "at": 9}
    assert body["context_type"] == "schedule_habit"
    assert body["relevance_score"] == 0.5


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"content": ""}, "content"),
        ({"content": "   "}, "content"),
        ({"content": "x" * 20_001}, "content"),
        ({"content": '{"broken": '}, "content"),
        ({"relevance_score": 1.5}, "relevance_score"),
        ({"relevance_score": -0.1}, "relevance_score"),
        ({"relevance_score": True}, "relevance_score"),
        ({"context_type": "Not A Slug"}, "context_type"),
        ({"context_type": ""}, "context_type"),
        ({"metadata": "x"}, "metadata"),
    ],
)
def test_create_refuses_bad_input(app, api, change, path):
    body = {"context_type": "preference", "content": "Fine.", **change}
    assert_problem(api.post("/memory", json=body), 422, path=path)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Memory.id))) == 0


def test_broken_json_content_is_explained(api):
    body = assert_problem(
        api.post("/memory", json={"context_type": "pattern", "content": "[1, 2"}), 422
    )
    assert "looks like JSON but does not parse" in body["errors"][0]["message"]


def test_get_does_not_count_as_use(app, api, user):
    memory_id = add(app, user)
    body = api.get(f"/memory/{memory_id}").get_json()
    assert body["content"] == "Likes short answers."
    assert entry(app, memory_id).last_accessed_at is None
    api.get("/memory")
    assert entry(app, memory_id).last_accessed_at is None


def test_update_changes_only_what_is_sent(app, api, user):
    memory_id = add(app, user, score=0.3)
    body = api.patch(f"/memory/{memory_id}", json={"relevance_score": 0.9}).get_json()
    assert body["relevance_score"] == 0.9
    assert body["content"] == "Likes short answers."
    body = api.patch(
        f"/memory/{memory_id}",
        json={"content": ["a", "b"], "context_type": "pattern", "metadata": {"v": 2}},
    ).get_json()
    assert (body["content_json"], body["context_type"]) == (["a", "b"], "pattern")
    assert entry(app, memory_id).meta == {"v": 2}


def test_update_refuses_bad_input(app, api, user):
    memory_id = add(app, user)
    assert_problem(
        api.patch(f"/memory/{memory_id}", json={"content": ""}), 422, "content"
    )
    assert_problem(
        api.patch(f"/memory/{memory_id}", json={"relevance_score": None}),
        422,
        "relevance_score",
    )
    assert entry(app, memory_id).content == "Likes short answers."


def test_delete(app, api, user):
    memory_id = add(app, user)
    assert api.delete(f"/memory/{memory_id}").status_code == 204
    assert entry(app, memory_id) is None
    assert_problem(api.get(f"/memory/{memory_id}"), 404)


# ---------- Lists ----------


def test_list_filters_and_search(app, api, user):
    add(app, user, "Prefers Slack.", "preference")
    add(app, user, "Runs reports on Mondays.", "pattern")
    add(app, user, "Chose Slack for alerts.", "workflow_decision")
    rows = api.get("/memory", query_string={"q": "slack"}).get_json()["data"]
    assert [row["content"] for row in rows] == [
        "Chose Slack for alerts.",
        "Prefers Slack.",
    ]
    rows = api.get("/memory", query_string={"context_type": "pattern"}).get_json()[
        "data"
    ]
    assert [row["content"] for row in rows] == ["Runs reports on Mondays."]


def test_list_by_relevance_pages_without_gaps(app, api, user):
    scores = [0.2, 0.9, 0.5, 0.9, 0.1, 0.5, 0.7]
    ids = [add(app, user, f"m{n}", score=s) for n, s in enumerate(scores)]
    rows = all_pages(api, "/memory", 2, sort="relevance")
    expected = sorted(zip(scores, ids, strict=True), key=lambda p: (-p[0], -p[1]))
    assert [row["id"] for row in rows] == [i for _, i in expected]


def test_list_pages_stay_stable_while_entries_are_added(app, api, user):
    ids = [add(app, user, f"m{n}") for n in range(5)]
    page = api.get("/memory", query_string={"limit": 2}).get_json()
    seen = [row["id"] for row in page["data"]]
    while page["next_cursor"]:
        add(app, user, "added meanwhile")
        page = api.get(
            "/memory", query_string={"limit": 2, "cursor": page["next_cursor"]}
        ).get_json()
        seen += [row["id"] for row in page["data"]]
    assert seen == ids[::-1]


def test_a_cursor_of_the_other_order_names_a_place_in_this_one(app, api, user):
    for n in range(3):
        add(app, user, f"m{n}")
    cursor = api.get("/memory", query_string={"limit": 1}).get_json()["next_cursor"]
    assert cursor == "0.5_3"  # (relevance, id) of the last row, in both orders
    response = api.get("/memory", query_string={"cursor": cursor, "sort": "relevance"})
    assert [row["id"] for row in response.get_json()["data"]] == [2, 1]


@pytest.mark.parametrize(
    ("query", "path"),
    [({"sort": "accessed"}, "sort"), ({"context_type": "BAD"}, "context_type")],
)
def test_list_refuses_bad_arguments(api, query, path):
    assert_problem(api.get("/memory", query_string=query), 422, path)


# ---------- Context ----------


def say(app, user, conversation, role, text):
    with app.app_context():
        return append_message(user.id, conversation, role, text)[0].id


def test_context_gives_recent_messages_and_relevant_memory(app, api, user):
    for n in range(5):
        say(app, user, "c1", "user" if n % 2 == 0 else "assistant", f"message {n}")
    say(app, user, "other", "user", "elsewhere")
    low = add(app, user, "Low.", score=0.1)
    high = add(app, user, "High.", score=0.9)
    mid = add(app, user, "Mid.", "pattern", score=0.5)
    body = api.get(
        "/context",
        query_string={"conversation_id": "c1", "limit": 3, "memory_limit": 2},
    ).get_json()
    assert [m["content"] for m in body["messages"]] == [
        "message 2",
        "message 3",
        "message 4",
    ]
    assert [m["id"] for m in body["memory"]] == [high, mid]
    assert all(m["last_accessed_at"] for m in body["memory"])
    assert entry(app, high).last_accessed_at is not None
    assert entry(app, mid).last_accessed_at is not None
    assert entry(app, low).last_accessed_at is None


def test_context_by_type_and_for_a_new_conversation(app, api, user):
    add(app, user, "High.", score=0.9)
    pattern = add(app, user, "Pattern.", "pattern", score=0.2)
    body = api.get(
        "/context",
        query_string={"conversation_id": "brand-new", "context_type": "pattern"},
    ).get_json()
    assert body == {**body, "conversation_id": "brand-new", "messages": []}
    assert [m["id"] for m in body["memory"]] == [pattern]


def test_context_without_memory(app, api, user):
    memory_id = add(app, user)
    body = api.get("/context", query_string={"memory_limit": 0}).get_json()
    assert body["memory"] == []
    assert entry(app, memory_id).last_accessed_at is None


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"memory_limit": 51}, "memory_limit"),
        ({"conversation_id": "x" * 65}, "conversation_id"),
    ],
)
def test_context_refuses_bad_arguments(api, query, path):
    assert_problem(api.get("/context", query_string=query), 422, path)


def test_context_never_reads_someone_elses(app, api, user, other_user):
    say(app, other_user, "c1", "user", "their secret plan")
    theirs = add(app, other_user, "Their memory.", score=1.0)
    body = api.get("/context", query_string={"conversation_id": "c1"}).get_json()
    assert body["messages"] == []
    assert body["memory"] == []
    assert entry(app, theirs).last_accessed_at is None
