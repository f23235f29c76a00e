"""The input guard, and every input that used to answer 500 (issue 13).

Each reproduction of the issue is a test here: over the limit is a clear 4xx,
nothing half-saved, and every page that lists what was saved still renders.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from synth_web.extensions import db
from synth_web.inputs import (
    MAX_DEPTH,
    MAX_PAGE,
    Refused,
    check_json,
    load_json,
    page_number,
    whole_number,
)
from synth_web.models import ChatMessage, Execution, Memory, Workflow
from tests.api_support import assert_problem
from tests.conftest import add_workflow

LOG = [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]
BIG_ID = "99999999999999999999"


def nested(depth: int, leaf: object = 1) -> object:
    """Return a value nested `depth` lists deep (built without recursion)."""
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def deep_text(depth: int) -> str:
    """Return JSON text nested `depth` levels, without building the value."""
    return "[" * depth + "1" + "]" * depth


@pytest.fixture
def app_config():
    # Runs stay queued: what matters is what was stored and shown.
    return {"SYNTH_EXECUTOR": "external"}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ---------- The guard itself (no database) ----------


def test_depth_64_passes_and_65_is_refused():
    assert check_json(nested(MAX_DEPTH - 1))
    with pytest.raises(Refused, match="deeper than 64"):
        check_json(nested(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "value, words",
    [
        (list(range(10_001)), "10,000 keys and items"),
        ({"a": "x" * (1024 * 1024 + 1)}, "1 MB"),
        ({"a": float("nan")}, "finite"),
        ({"a": float("inf")}, "finite"),
        ({"a": 2**63}, "64 bits"),
        ({"a": "\x00"}, "NUL"),
        ({"\x00": 1}, "NUL"),
        ({"a": "\ud800"}, "surrogates"),
    ],
)
def test_check_json_refuses(value, words):
    with pytest.raises(Refused, match=words):
        check_json(value)


def test_check_json_names_the_path():
    with pytest.raises(Refused) as refused:
        check_json({"actions": [{"with": {"url": "a\x00"}}]})
    assert refused.value.path == "actions[0].with.url"


@pytest.mark.parametrize(
    "text, words",
    [
        (deep_text(5000), "deeper than 64"),
        ('{"a": NaN}', "finite"),
        ('{"a": -Infinity}', "finite"),
        ('{"a": 1e999}', "finite"),
        ('{"a": ' + "9" * 5000 + "}", "64 bits"),
        ('{"a": "\\ud800"}', "surrogates"),
        ('{"a": "\\u0000"}', "NUL"),
    ],
)
def test_load_json_refuses(text, words):
    with pytest.raises(Refused, match=words):
        load_json(text)


def test_load_json_keeps_syntax_errors_for_editors():
    with pytest.raises(json.JSONDecodeError):
        load_json('{"a": }')


@pytest.mark.parametrize(
    "text, expected",
    [("12", 12), ("²", None), ("٣", None), (BIG_ID, None), ("0", None)],
)
def test_whole_number_reads_ascii_ids_only(text, expected):
    assert whole_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("3", 3), ("²", 1), ("", 1), ("0", 1), ("9" * 5000, MAX_PAGE), (BIG_ID, MAX_PAGE)],
)
def test_page_number_is_bounded(text, expected):
    assert page_number(text) == expected


# ---------- Webhooks ----------


@pytest.fixture
def hook(app, user):
    workflow_id = add_workflow(app, user, LOG, trigger={"type": "webhook"})
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
    return f"/hooks/{token}"


@pytest.mark.parametrize(
    "data, content_type",
    [
        (b"a\x00b", "text/plain"),
        (b'{"a": "\\u0000"}', "application/json"),
        (b'{"a": "\\udc00"}', "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b'{"a": Infinity}', "application/json"),
        (b'{"a": 1e999}', "application/json"),
        (deep_text(5000).encode(), "application/json"),
        (deep_text(900).encode(), "application/json"),
        (b"a=%00", "application/x-www-form-urlencoded"),
    ],
)
def test_webhook_bodies_no_database_keeps_are_400(
    app, client, hook, data, content_type
):
    response = client.post(hook, data=data, content_type=content_type)
    assert response.status_code == 400, response.text
    assert response.get_json()["error"]
    assert count(app, Execution) == 0


def test_webhook_with_an_unknown_charset_is_415(app, client, hook):
    response = client.post(
        hook, data=b"hello", content_type="text/plain; charset=rot13"
    )
    assert response.status_code == 415
    assert "rot13" in response.get_json()["error"]
    assert count(app, Execution) == 0


def test_webhook_query_with_nul_is_400(app, client, hook):
    response = client.post(hook + "?a=%00", json={"a": 1})
    assert response.status_code == 400
    assert "NUL" in response.get_json()["error"]
    assert count(app, Execution) == 0


def test_webhook_at_the_depth_limit_runs_and_every_page_shows_it(
    app, client, hook, signed_in, api
):
    response = client.post(hook, json={"deep": nested(60)})
    assert response.status_code == 202
    run_id = response.get_json()["execution_id"]
    assert signed_in.get(f"/executions/{run_id}").status_code == 200
    assert api.get(f"/executions/{run_id}").status_code == 200
    assert signed_in.get("/executions").status_code == 200


# ---------- Accepted, then broken for good ----------


def test_deep_message_metadata_is_refused_and_nothing_is_saved(app, api):
    body = {"role": "user", "content": "hi", "metadata": {"deep": nested(900)}}
    text = json.dumps(body)
    response = api.post(
        "/conversations/c1/messages",
        data=text,
        headers={"Content-Type": "application/json", "Idempotency-Key": "k1"},
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["path"].startswith("metadata.deep[0][0]")
    assert "deeper than 64" in problem["errors"][0]["message"]
    assert count(app, ChatMessage) == 0
    api.post("/conversations/c1/messages", json={"role": "user", "content": "ok"})
    assert api.get("/conversations/c1/messages").status_code == 200
    assert (
        api.get("/context", query_string={"conversation_id": "c1"}).status_code == 200
    )


def test_a_deep_draft_is_refused_and_the_list_still_answers(app, api):
    step = {"id": "a", "type": "core.log", "with": {"message": nested(900)}}
    body = {"name": "Deep", "intent": "x", "trigger": {"type": "manual"}}
    response = api.post(
        "/workflows?draft=true",
        data=json.dumps({**body, "actions": [step]}),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422)
    assert count(app, Workflow) == 0
    assert api.get("/workflows").status_code == 200


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_api_metadata_with_nan_or_infinity_is_422(app, api, literal):
    text = '{"role": "user", "content": "hi", "metadata": {"x": ' + literal + "}}"
    response = api.post(
        "/conversations/c1/messages",
        data=text,
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422, path="metadata.x")
    assert count(app, ChatMessage) == 0


# ---------- HTML routes ----------


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", f"/workflows/{BIG_ID}"),
        ("GET", f"/workflows/{BIG_ID}/edit"),
        ("POST", f"/workflows/{BIG_ID}/toggle"),
        ("GET", f"/executions/{BIG_ID}"),
        ("GET", f"/memory/{BIG_ID}/edit"),
        ("POST", f"/connections/{BIG_ID}/toggle"),
        ("GET", "/workflows/2147483648"),
    ],
)
def test_ids_past_the_integer_range_are_404(signed_in, method, url):
    assert signed_in.open(url, method=method).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/workflows?page=%C2%B2",
        "/workflows?page=" + "9" * 5000,
        "/memory?page=1000000000000000000",
        "/memory?page=%C2%B2",
        "/chat?q=hi&page=" + "9" * 5000,
        "/chat?before=" + BIG_ID,
        "/chat?before=%C2%B2",
    ],
)
def test_odd_page_numbers_still_show_a_page(signed_in, url):
    assert signed_in.get(url).status_code == 200


@pytest.mark.parametrize("arg", ["before", "at", "after"])
@pytest.mark.parametrize("value", [BIG_ID, "%C2%B2", "0", "-1"])
def test_odd_transcript_positions_show_the_latest_messages(
    app, signed_in, user, arg, value
):
    from synth_web.chat.writing import append_message

    with app.app_context():
        append_message(user.id, "c1", "user", "Hello there")
    response = signed_in.get(f"/chat/c1?{arg}={value}")
    assert response.status_code == 200
    assert "Hello there" in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/workflows?q=a%00b",
        "/memory?q=a%00b",
        "/chat?q=a%00b",
        "/executions?q=a%00b",
        "/connections?x%00=1",
        "/chat/a%00b",
        "/workflows/new?name=%00",
    ],
)
def test_nul_in_the_url_is_400(signed_in, url):
    response = signed_in.get(url)
    assert response.status_code == 400
    assert "NUL" in response.text


@pytest.mark.parametrize("param", ["older", "newer"])
@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01T00:00:00+14:00|5",
        "9999-12-31T23:59:59-14:00|5",
        "2026-01-01T00:00:00+00:00|" + BIG_ID,
    ],
)
def test_run_cursors_that_overflow_are_400(signed_in, param, raw):
    import base64

    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = signed_in.get(f"/executions?{param}={cursor}")
    assert response.status_code == 400
    assert "newest runs" in response.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_log_dates_at_the_ends_of_time_are_explained(signed_in, day):
    response = signed_in.get(f"/executions?from={day}&to={day}")
    assert response.status_code == 200
    assert "Enter a date from 1900-01-01 to 9998-12-31." in response.text


# ---------- Forms ----------

NUL = "bad\x00text"


@pytest.mark.parametrize(
    "url, data, model",
    [
        (
            "/workflows/new",
            {"name": NUL, "intent": "x", "trigger": "{}", "actions": "[]"},
            Workflow,
        ),
        (
            "/workflows/new",
            {"name": "ok", "intent": NUL, "trigger": "{}", "actions": "[]"},
            Workflow,
        ),
        (
            "/memory/new",
            {"content": NUL, "context_type": "preference", "relevance_score": "0.5"},
            Memory,
        ),
        ("/workflows/import", {"definition": NUL}, Workflow),
    ],
)
def test_nul_in_a_form_is_shown_beside_the_field(app, signed_in, url, data, model):
    response = signed_in.post(url, data=data)
    assert response.status_code == 200
    assert "NUL" in response.text
    assert count(app, model) == 0


def test_nul_in_the_account_name_keeps_the_old_name(app, signed_in, user):
    data = {"name": NUL, "email": user.email, "timezone": "UTC"}
    response = signed_in.post("/account", data=data)
    assert response.status_code == 200
    assert "NUL" in response.text
    assert "Ada Lovelace" in signed_in.get("/account").text


def test_nul_in_a_token_name_makes_no_token(app, signed_in):
    response = signed_in.post("/account/tokens", data={"name": NUL, "scopes": "read"})
    assert response.status_code == 200
    assert "NUL" in response.text
    assert "bad" not in signed_in.get("/account/tokens").text


@pytest.mark.parametrize("field", ["email", "password"])
def test_nul_at_sign_in_is_a_form_error(client, user, field):
    data = {"email": user.email, "password": "x" * 10, field: NUL}
    response = client.post("/login", data=data)
    assert response.status_code == 200
    assert "NUL" in response.text


def test_a_gmail_port_of_superscript_two_is_explained(signed_in):
    data = {
        "address": "ada@gmail.com",
        "app_password": "abcd efgh ijkl mnop",
        "smtp_host": "smtp.gmail.com",
        "smtp_port": "²",
        "security": "ssl",
    }
    response = signed_in.post("/connections/new?app=gmail", data=data)
    assert response.status_code == 200
    assert "Enter a port number from 1 to 65535" in response.text


# ---------- Import ----------


@pytest.mark.parametrize(
    "text, words",
    [
        (deep_text(5000), "deeper than 64"),
        ('{"name": "x", "trigger": {"a": NaN}, "actions": []}', "finite"),
        ('{"name": "x", "trigger": {"a": Infinity}, "actions": []}', "finite"),
        ('{"name": "\\ud800", "trigger": {}, "actions": []}', "surrogates"),
        (
            '{"name": "x", "trigger": {"a": ' + "9" * 5000 + '}, "actions": []}',
            "64 bits",
        ),
        (
            '{"name": "x", "trigger": {"a": 99999999999999999999}, "actions": []}',
            "64 bits",
        ),
    ],
)
def test_import_refuses_what_no_database_keeps(app, signed_in, text, words):
    for data in (
        {"definition": text},
        {"file": (__import__("io").BytesIO(text.encode()), "w.json")},
    ):
        response = signed_in.post(
            "/workflows/import", data=data, content_type="multipart/form-data"
        )
        assert response.status_code == 200
        assert words in response.text
    assert count(app, Workflow) == 0


# ---------- Chat ----------


@pytest.mark.parametrize("value", ["²", BIG_ID, "-3", 2**40, True, "own id"])
def test_odd_linked_ids_in_message_metadata_never_break_the_transcript(
    app, signed_in, user, value
):
    from synth_web.chat.writing import append_message

    log = [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]
    own = str(add_workflow(app, user, log, name="Linked workflow"))
    value = own if value == "own id" else value
    with app.app_context():
        append_message(user.id, "c1", "user", "Hello", {"workflow_id": value})
    response = signed_in.get("/chat/c1")
    assert response.status_code == 200
    # Only a real id of the person's own workflow becomes a link, by its name.
    assert ("Linked workflow" in response.text) == (value == own)


def test_a_deep_draft_from_the_editor_is_explained_and_not_saved(app, signed_in):
    actions = json.dumps(
        [{"id": "a", "type": "core.log", "with": {"message": nested(900)}}]
    )
    data = {"name": "Deep", "intent": "x", "trigger": "{}", "actions": actions}
    response = signed_in.post("/workflows/new", data=data)
    assert response.status_code == 200
    assert "deeper than 64" in response.text
    assert count(app, Workflow) == 0
    assert signed_in.get("/workflows").status_code == 200


@pytest.mark.parametrize(
    "stamp, status",
    [
        ("8999-12-31T23:59:59-14:00", 201),
        ("1000-01-01T00:00:00+14:00", 201),
        ("0001-01-01T00:00:00+01:00", 422),
        ("9999-12-31T23:59:59-01:00", 422),
    ],
)
def test_reported_run_times_stay_inside_what_is_kept(app, api, user, stamp, status):
    workflow_id = add_workflow(app, user, LOG)
    response = api.post(
        f"/workflows/{workflow_id}/executions",
        json={"status": "success", "started_at": stamp, "finished_at": stamp},
    )
    assert response.status_code == status, response.text
    assert api.get("/executions").status_code == 200
