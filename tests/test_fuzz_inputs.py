"""Generated junk at every form, query parameter, webhook and API body.

Hypothesis writes the junk: NUL and lone surrogates, bytes that are not UTF-8,
"²" where a number goes, NaN and 1e999, whole numbers of thousands of digits,
JSON nested thousands deep. Whatever arrives, nothing answers 5xx, and every
page and list that shows what was saved still renders afterwards.

Deterministic: `derandomize=True` draws the same examples every run, with no
example database, so CI sees the same cases each time and never flakes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synth_web.extensions import db
from synth_web.models import Workflow
from tests.api_support import Api, make_token
from tests.conftest import add_workflow

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=30,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
ODD = [
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "²",
    "٣",
    "-1",
    "0",
    "1e999",
    "NaN",
    "9" * 5000,
    "99999999999999999999",
    "2147483648",
    "%00",
    "{{ 7 * 7 }}",
    "[[[[[[[[[[",
]
# Any code point, surrogates included, and the values that used to break things.
TEXT = st.one_of(
    st.sampled_from(ODD),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
)
RAW = st.one_of(
    st.sampled_from(ODD).map(lambda text: text.encode("utf-8", "surrogatepass")),
    TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


def json_text(value: Any) -> bytes:
    """Write any value as JSON text, NaN and lone surrogates included."""
    return json.dumps(value, allow_nan=True).encode()


DEEP = st.integers(min_value=60, max_value=3000).map(
    lambda depth: ("[" * depth + "]" * depth).encode()
)
BODIES = st.one_of(JSON_VALUES.map(json_text), DEEP, RAW)
LISTS = (
    "/dashboard",
    "/workflows",
    "/executions",
    "/connections",
    "/memory",
    "/chat",
    "/account",
    "/account/tokens",
)
API_LISTS = ("/workflows", "/executions", "/memory", "/conversations", "/connections")


def form_body(fields: dict[str, bytes]) -> bytes:
    """Encode a form by hand: any bytes, whatever a browser would never send."""
    return b"&".join(
        quote_from_bytes(name.encode()).encode()
        + b"="
        + quote_from_bytes(value).encode()
        for name, value in fields.items()
    )


def assert_answered(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]


def assert_lists_render(client: Any) -> None:
    for url in LISTS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:500])


@pytest.fixture
def app_config():
    # Runs stay queued: nothing executes under the fuzzer's feet.
    return {"SYNTH_EXECUTOR": "external"}


@pytest.fixture
def workflow_id(app, user) -> int:
    steps = [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]
    return add_workflow(app, user, steps, trigger={"type": "webhook"})


FORMS = {
    "/login": ("email", "password", "remember"),
    "/register": ("name", "email", "password", "timezone"),
    "/account": ("name", "email", "timezone"),
    "/account/password": ("current_password", "new_password", "confirm_password"),
    "/account/tokens": ("name", "scopes"),
    "/workflows/new": ("name", "intent", "trigger", "actions"),
    "/workflows/{id}/edit": ("name", "intent", "trigger", "actions"),
    "/workflows/import": ("definition",),
    "/memory/new": ("content", "context_type", "relevance_score"),
    "/connections/new?app=gmail": (
        "address",
        "app_password",
        "smtp_host",
        "smtp_port",
        "security",
    ),
    "/connections/new?app=slack": ("bot_token",),
    "/workflows/{id}/toggle": ("to", "next", "view"),
}


@FUZZ
@given(data=st.data())
def test_no_form_answers_5xx(app, signed_in, workflow_id, data):
    anonymous = app.test_client()
    for url, fields in FORMS.items():
        values = {name: data.draw(RAW, label=f"{url} {name}") for name in fields}
        client = anonymous if url in ("/login", "/register") else signed_in
        response = client.post(
            url.format(id=workflow_id),
            data=form_body(values),
            content_type="application/x-www-form-urlencoded",
        )
        assert_answered(response)
    assert_lists_render(signed_in)


# The step builder posts its state as fields of its own (s<n>.<kind>.<name>).
BUILDER_FIELDS = (
    "name",
    "intent",
    "t.type",
    "t.cron",
    "t.timezone",
    "t.preset",
    "t.app",
    "t.event",
    "s0.id",
    "s0.type",
    "s0.str.message",
    "s0.num.seconds",
    "s0.bool.flag",
    "s0.json.values",
    "s0.kv.headers",
    "s0.kvv.headers",
    "s0.set.max_attempts",
    "s0.raw",
    "removed",
)


@FUZZ
@given(data=st.data())
def test_no_builder_post_answers_5xx(app, signed_in, workflow_id, data):
    for url in ("/workflows/new", f"/workflows/{workflow_id}/edit"):
        values = {
            name: data.draw(RAW, label=f"{url} {name}") for name in BUILDER_FIELDS
        }
        op = data.draw(st.sampled_from(["save", "save_on", "refresh", "add:core.log"]))
        fields = {"editor": b"builder", "op": op.encode(), **values}
        response = signed_in.post(
            url,
            data=form_body(fields),
            content_type="application/x-www-form-urlencoded",
        )
        assert_answered(response)
    assert_lists_render(signed_in)
    assert_answered(signed_in.get(f"/workflows/{workflow_id}"))


# Each query parameter, on the pages that read it.
QUERIES = {
    "q": ("/workflows", "/executions", "/memory", "/chat"),
    "page": ("/workflows", "/memory", "/chat?q=hello"),
    "status": ("/workflows", "/executions"),
    "app": ("/workflows",),
    "sort": ("/workflows", "/memory"),
    "type": ("/memory",),
    "before": ("/chat", "/chat/c1"),
    "at": ("/chat/c1",),
    "after": ("/chat/c1",),
    "older": ("/executions",),
    "newer": ("/executions",),
    "from": ("/executions",),
    "to": ("/executions",),
    "workflow": ("/executions",),
    "trigger": ("/executions",),
    "starter": ("/workflows/new",),
    "name": ("/workflows/new?starter=webhook_slack",),
}
SEGMENTS = ("/workflows/{}", "/executions/{}", "/memory/{}/edit", "/chat/{}")


@pytest.fixture
def history(app, user, workflow_id) -> None:
    """A conversation, a memory entry and a run, so every page has rows to show."""
    from synth_web.chat.writing import append_message
    from synth_web.engine import inserts
    from synth_web.memory.services import create_memory

    with app.app_context():
        append_message(user.id, "c1", "user", "hello", {"workflow_id": workflow_id})
        create_memory(user.id, "preference", "Short answers.", 0.5)
        inserts.enqueue(db.session.get(Workflow, workflow_id), "manual", {})


def ask(client: Any, page: str, name: str, value: bytes) -> None:
    """GET a page with one query parameter set to any bytes."""
    joiner = "&" if "?" in page else "?"
    url = f"{page}{joiner}{name}={quote_from_bytes(value, safe='')}"
    assert_answered(client.get(url))


def test_odd_values_in_every_query_parameter_and_path(signed_in, history):
    for text in ODD:
        value = text.encode("utf-8", "surrogatepass")
        for name, pages in QUERIES.items():
            for page in pages:
                ask(signed_in, page, name, value)
        for template in SEGMENTS:
            assert_answered(signed_in.get(template.format(quote_from_bytes(value))))


@FUZZ
@given(data=st.data())
def test_no_query_parameter_answers_5xx(signed_in, history, data):
    for name, pages in QUERIES.items():
        value = data.draw(RAW, label=name)
        for page in pages:
            ask(signed_in, page, name, value)
    segment = quote_from_bytes(data.draw(RAW, label="segment"), safe="")
    for template in SEGMENTS:
        assert_answered(signed_in.get(template.format(segment or "x")))


CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=rot13",
            "application/vnd.shop+json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "text/plain; charset=latin-1",
            "text/plain; charset=utf-16",
            "text/plain; charset=base64",
            "application/octet-stream",
        ]
    ),
    TEXT.map(lambda t: "text/plain; charset=" + t.encode("ascii", "ignore").decode()),
)


@FUZZ
@given(body=BODIES, content_type=CONTENT_TYPES, query=RAW)
def test_no_webhook_answers_5xx(
    app, client, signed_in, workflow_id, body, content_type, query
):
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
        db.session.remove()
    response = client.post(
        f"/hooks/{token}?q={quote_from_bytes(query)}",
        data=body,
        headers={"Content-Type": content_type},
    )
    assert_answered(response)
    if response.status_code == 202:
        run_id = response.get_json()["execution_id"]
        assert signed_in.get(f"/executions/{run_id}").status_code == 200
        assert signed_in.get("/executions").status_code == 200


API_WRITES = (
    ("POST", "/workflows"),
    ("POST", "/workflows?draft=true"),
    ("PATCH", "/workflows/{id}?draft=true"),
    ("POST", "/workflows/{id}/executions"),
    ("POST", "/memory"),
    ("POST", "/conversations/c1/messages"),
    ("PATCH", "/connections/1"),
)
API_FIELDS = (
    "name",
    "intent",
    "trigger",
    "actions",
    "metadata",
    "content",
    "role",
    "context_type",
    "relevance_score",
    "status",
    "results",
    "started_at",
)


@FUZZ
@given(data=st.data())
def test_no_api_body_answers_5xx(app, user, signed_in, workflow_id, data):
    api = Api(app.test_client(), make_token(app, user, name="fuzz"))
    method, url = data.draw(st.sampled_from(API_WRITES), label="operation")
    if data.draw(st.booleans(), label="object"):
        names = data.draw(st.lists(st.sampled_from(API_FIELDS), max_size=4))
        body = json_text({name: data.draw(JSON_VALUES) for name in names})
    else:
        body = data.draw(BODIES, label="body")
    response = api.request(
        method,
        url.format(id=workflow_id),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert_answered(response)
    if response.status_code < 300:
        for path in API_LISTS:
            assert api.get(path).status_code == 200, path
        assert_lists_render(signed_in)
