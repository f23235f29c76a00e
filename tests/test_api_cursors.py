"""Cursors of the six API lists: any text of the documented pattern is a position."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from synth_web.api.pagination import BY_ID, BY_SCORE, BY_TIME
from synth_web.chat.writing import append_message
from synth_web.memory.services import create_memory
from tests.api_support import assert_problem
from tests.conftest import add_workflow

LISTS = {
    "/workflows": BY_ID,
    "/connections": BY_ID,
    "/executions": BY_TIME,
    "/memory": BY_SCORE,
    "/conversations": BY_TIME,
    "/conversations/c1/messages": BY_TIME,
}
FAR = {
    BY_ID: ["2147483648", "9999999999", "0", "0000000001"],
    BY_TIME: [
        "999999999999999999_9999999999",
        "0_0",
        "253402300800000000_1",  # the first microsecond after year 9999
        "1767225600000000_2147483648",
    ],
    BY_SCORE: ["1.0_9999999999", "0_0", "0." + "0" * 323 + "5_3", "0.99999_2"],
}


@pytest.fixture
def filled(app, user):
    """Two of everything a list can show (connections stay empty)."""
    steps = [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]
    for n in range(2):
        add_workflow(app, user, steps, name=f"W{n}")
        with app.app_context():
            create_memory(user.id, "preference", f"m{n}", 0.5)
            append_message(user.id, "c1", "user", f"hello {n}")


@pytest.mark.parametrize("path", LISTS)
def test_every_well_formed_cursor_is_answered_from_its_place(api, filled, path):
    for cursor in FAR[LISTS[path]]:
        response = api.get(path, query_string={"cursor": cursor})
        assert response.status_code == 200, (cursor, response.text)
        assert isinstance(response.get_json()["data"], list)


@pytest.mark.parametrize("path", LISTS)
def test_a_cursor_of_another_shape_is_422(api, path):
    for cursor in ["", "abc", "-1", "1_", "1.5_2", "1e5_2"]:
        if re.fullmatch(LISTS[path].pattern, cursor):
            continue
        assert_problem(api.get(path, query_string={"cursor": cursor}), 422, "cursor")


@pytest.mark.parametrize("path", LISTS)
def test_the_document_gives_each_lists_cursor_pattern(client, path):
    template = re.sub(r"c1", "{conversation_id}", path)
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][f"/api/v1{template}"]["get"]
    (cursor,) = [p for p in operation["parameters"] if p["name"] == "cursor"]
    assert cursor["schema"]["pattern"] == LISTS[path].pattern
    assert not cursor.get("required")


def test_walking_the_far_ends_reads_every_row(api, filled):
    ascending = api.get("/conversations/c1/messages", query_string={"cursor": "0_0"})
    assert [m["content"] for m in ascending.get_json()["data"]] == [
        "hello 0",
        "hello 1",
    ]
    newest = api.get("/workflows", query_string={"cursor": "9999999999"})
    assert [w["name"] for w in newest.get_json()["data"]] == ["W1", "W0"]


@pytest.mark.parametrize("score", [0.0, 1.0, 0.1 + 0.2, 5e-324, 1e-05, 0.75])
def test_scores_come_back_exactly(score):
    text = BY_SCORE.encode(score, 7)
    assert re.fullmatch(BY_SCORE.pattern, text)
    assert BY_SCORE.decode(text) == (score, 7)


def test_times_come_back_to_the_microsecond():
    stamp = datetime(2026, 1, 31, 9, 0, 0, 123456, tzinfo=UTC)
    text = BY_TIME.encode(stamp, 42)
    assert text == "1769850000123456_42"
    assert BY_TIME.decode(text) == (stamp, 42)


def test_positions_past_the_ends_are_clamped():
    assert BY_ID.decode("9999999999") == (2_147_483_647,)
    (stamp, _id) = BY_TIME.decode("999999999999999999_1")
    assert stamp.year == 9999
