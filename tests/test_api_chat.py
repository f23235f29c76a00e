"""Chat endpoints: conversations, their messages, and idempotent appends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from synth_web.chat.writing import append_message
from synth_web.extensions import db
from synth_web.models import ChatMessage
from tests.api_support import Api, assert_problem, make_token

MESSAGES = "/conversations/{}/messages"


def say(app, user, conversation, text, role="user"):
    with app.app_context():
        return append_message(user.id, conversation, role, text)[0].id


def stored(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(db.select(ChatMessage).order_by(ChatMessage.id))
        return [(m.conversation_id, m.role, m.content) for m in rows]


# ---------- Append ----------


def test_append_starts_and_continues_a_conversation(app, api):
    first = api.post(
        MESSAGES.format("plan-42"),
        json={"role": "user", "content": "Tell #sales about big orders."},
    )
    assert first.status_code == 201
    body = first.get_json()
    assert body["conversation_id"] == "plan-42"
    assert body["metadata"] == {}
    second = api.post(
        MESSAGES.format("plan-42"),
        json={
            "role": "assistant",
            "content": "I made a workflow for that.",
            "metadata": {"workflow_id": 3},
        },
    ).get_json()
    assert second["metadata"] == {"workflow_id": 3}
    assert stored(app) == [
        ("plan-42", "user", "Tell #sales about big orders."),
        ("plan-42", "assistant", "I made a workflow for that."),
    ]


def test_the_same_key_stores_the_message_once(app, api):
    message = {"role": "user", "content": "Hello"}
    headers = {"Idempotency-Key": "msg-1"}
    first = api.post(MESSAGES.format("c1"), json=message, headers=headers)
    again = api.post(MESSAGES.format("c1"), json=message, headers=headers)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert len(stored(app)) == 1
    # Without a key, or with another key, it is a new message.
    api.post(MESSAGES.format("c1"), json=message)
    api.post(MESSAGES.format("c1"), json=message, headers={"Idempotency-Key": "msg-2"})
    assert len(stored(app)) == 3


def test_a_key_reused_for_another_message_is_409(app, api):
    headers = {"Idempotency-Key": "k"}
    api.post(
        MESSAGES.format("c1"), json={"role": "user", "content": "A"}, headers=headers
    )
    response = api.post(
        MESSAGES.format("c1"), json={"role": "user", "content": "B"}, headers=headers
    )
    body = assert_problem(response, 409)
    assert "already used" in body["detail"]
    assert stored(app) == [("c1", "user", "A")]


def test_keys_belong_to_one_person(app, api, other_api):
    message = {"role": "user", "content": "Hello"}
    headers = {"Idempotency-Key": "same"}
    assert (
        api.post(MESSAGES.format("c1"), json=message, headers=headers).status_code
        == 201
    )
    theirs = other_api.post(MESSAGES.format("c1"), json=message, headers=headers)
    assert theirs.status_code == 201
    assert (
        theirs.get_json()["id"]
        != api.get(MESSAGES.format("c1")).get_json()["data"][0]["id"]
    )


def test_concurrent_sends_with_one_key_store_once(app, user):
    token = make_token(app, user)
    message = {"role": "user", "content": "Once"}

    def send(_):
        api = Api(app.test_client(), token)
        response = api.post(
            MESSAGES.format("c1"), json=message, headers={"Idempotency-Key": "race"}
        )
        return response.status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(pool.map(send, range(8)))
    assert statuses.count(201) == 1
    assert statuses.count(200) == 7
    assert len(stored(app)) == 1


@pytest.mark.parametrize(
    ("conversation", "body", "headers", "path"),
    [
        ("c1", {"role": "robot", "content": "x"}, {}, "role"),
        ("c1", {"role": "user", "content": ""}, {}, "content"),
        ("c1", {"role": "user"}, {}, "content"),
        ("c1", {"role": "user", "content": 5}, {}, "content"),
        ("c1", {"role": "user", "content": "x", "metadata": [1]}, {}, "metadata"),
        ("c1", {"role": "user", "content": "x", "extra": 1}, {}, "extra"),
        (
            "c1",
            {"role": "user", "content": "x"},
            {"Idempotency-Key": "k" * 201},
            "Idempotency-Key",
        ),
        ("has space", {"role": "user", "content": "x"}, {}, "conversation_id"),
        ("-dash-first", {"role": "user", "content": "x"}, {}, "conversation_id"),
    ],
)
def test_append_refuses_bad_input(app, api, conversation, body, headers, path):
    response = api.post(MESSAGES.format(conversation), json=body, headers=headers)
    assert_problem(response, 422, path=path)
    assert stored(app) == []


# ---------- Read ----------


def test_list_conversations_most_recent_first(app, api, user):
    say(app, user, "old", "First question")
    say(app, user, "new", "Second question")
    say(app, user, "old", "Follow-up", role="assistant")
    rows = api.get("/conversations").get_json()["data"]
    assert [row["conversation_id"] for row in rows] == ["old", "new"]
    assert rows[0]["title"] == "First question"
    assert rows[0]["message_count"] == 2


def test_conversation_pages(app, api, user):
    for n in range(5):
        say(app, user, f"c{n}", f"q{n}")
    page = api.get("/conversations", query_string={"limit": 2}).get_json()
    seen = [row["conversation_id"] for row in page["data"]]
    while page["next_cursor"]:
        page = api.get(
            "/conversations", query_string={"limit": 2, "cursor": page["next_cursor"]}
        ).get_json()
        seen += [row["conversation_id"] for row in page["data"]]
    assert seen == ["c4", "c3", "c2", "c1", "c0"]


def test_messages_oldest_first_and_new_ones_join_the_end(app, api, user):
    ids = [say(app, user, "c1", f"m{n}") for n in range(5)]
    say(app, user, "c2", "elsewhere")
    page = api.get(MESSAGES.format("c1"), query_string={"limit": 2}).get_json()
    seen = [m["id"] for m in page["data"]]
    added = []
    while page["next_cursor"]:
        added.append(say(app, user, "c1", "added meanwhile"))
        page = api.get(
            MESSAGES.format("c1"),
            query_string={"limit": 2, "cursor": page["next_cursor"]},
        ).get_json()
        seen += [m["id"] for m in page["data"]]
    # Every message once, in order: those added while paging come at the end.
    assert seen[:5] == ids
    assert seen[5:] == added[: len(seen) - 5]
    assert len(set(seen)) == len(seen)


def test_messages_of_an_unknown_conversation_is_404(api):
    assert_problem(api.get(MESSAGES.format("nobody")), 404)


def test_appended_messages_show_on_the_chat_pages(app, api, signed_in):
    api.post(
        MESSAGES.format("plan-7"), json={"role": "user", "content": "Watch my inbox"}
    )
    api.post(
        MESSAGES.format("plan-7"),
        json={"role": "assistant", "content": "I will check it every hour."},
    )
    assert "Watch my inbox" in signed_in.get("/chat").text
    transcript = signed_in.get("/chat/plan-7").text
    assert "I will check it every hour." in transcript
