"""Samples: listen for a test event, paste one, take one from a run; Run now on it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from markupsafe import escape

from synth_web.extensions import db
from synth_web.models import Execution, Workflow, WorkflowSample, utcnow
from tests.api_support import api, assert_problem, other_api  # noqa: F401
from tests.workflow_helpers import LOG, add_workflow, count

HX = {"HX-Request": "true"}
HOOK = {
    "name": "Orders",
    "intent": "When an order arrives, note its total.",
    "trigger": {"type": "webhook"},
    "actions": [
        {
            "id": "order",
            "type": "core.set",
            "with": {"values": {"total": "{{ trigger.body.total }}"}},
        },
        {"id": "note", "type": "core.log", "with": {"message": "An order"}},
    ],
}
SAMPLE = {"body": {"total": 42}, "headers": {}, "query": {}}
DEEP = '{"body": ' + "[" * 70 + "]" * 70 + "}"


@pytest.fixture
def hook_id(app, user):
    """An inactive webhook workflow of the signed-in person."""
    return add_workflow(app, user, HOOK)


def token_of(app, workflow_id):
    with app.app_context():
        return db.session.get(Workflow, workflow_id).webhook_token


def stored_sample(app, workflow_id):
    with app.app_context():
        row = db.session.get(WorkflowSample, workflow_id)
        return None if row is None else (row.payload, row.source, row.listen_until)


def give_sample(app, user, workflow_id, payload=SAMPLE):
    with app.app_context():
        db.session.add(
            WorkflowSample(
                workflow_id=workflow_id,
                user_id=user.id,
                payload=payload,
                source="pasted",
                saved_at=utcnow(),
            )
        )
        db.session.commit()


# ---------- Listen for a test event ----------


def test_a_test_event_becomes_the_sample_and_runs_nothing(signed_in, app, hook_id):
    answer = signed_in.post(f"/workflows/{hook_id}/sample/listen", headers=HX)
    assert answer.status_code == 200
    assert "Listening for a test event" in answer.text
    assert 'hx-trigger="every 1s"' in answer.text
    # While listening, an unchanged poll keeps the card as it is.
    poll = signed_in.get(f"/workflows/{hook_id}/sample?poll=1", headers=HX)
    assert poll.status_code == 204

    hook = f"/hooks/{token_of(app, hook_id)}?source=shop"
    headers = {"Authorization": "Bearer secret", "Cookie": "a=b", "X-Shop": "acme"}
    event = signed_in.post(hook, json={"total": 120}, headers=headers)
    assert event.status_code == 202
    assert event.get_json() == {"captured": True}
    assert count(app, Execution) == 0  # off, and the steps did not run anyway

    payload, source, listen_until = stored_sample(app, hook_id)
    assert (source, listen_until) == ("listened", None)
    assert payload["body"] == {"total": 120}
    assert payload["query"] == {"source": "shop"}
    assert payload["headers"]["x-shop"] == "acme"
    assert not {"authorization", "cookie"} & set(payload["headers"])

    done = signed_in.get(f"/workflows/{hook_id}/sample?poll=1", headers=HX)
    assert done.status_code == 286
    assert "hx-trigger" not in done.text and "&#34;total&#34;: 120" in done.text
    # Listening ended with the capture: the next call is an ordinary one.
    assert signed_in.post(hook, json={"total": 1}).status_code == 409


def test_listening_ends_after_two_minutes(signed_in, app, hook_id):
    signed_in.post(f"/workflows/{hook_id}/sample/listen", headers=HX)
    with app.app_context():
        row = db.session.get(WorkflowSample, hook_id)
        assert (
            timedelta(seconds=110)
            < row.listen_until - utcnow()
            <= timedelta(seconds=120)
        )
        row.listen_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    answer = signed_in.post(f"/hooks/{token_of(app, hook_id)}", json={"total": 1})
    assert answer.status_code == 409  # switched off: an ordinary call again
    poll = signed_in.get(f"/workflows/{hook_id}/sample?poll=1", headers=HX)
    assert poll.status_code == 286 and "Listen for a test event" in poll.text


def test_stop_listening(signed_in, app, hook_id):
    signed_in.post(f"/workflows/{hook_id}/sample/listen")
    answer = signed_in.post(f"/workflows/{hook_id}/sample/stop")
    assert answer.status_code == 303
    assert stored_sample(app, hook_id)[2] is None


def test_a_test_event_the_guard_refuses_is_not_kept(signed_in, app, hook_id):
    signed_in.post(f"/workflows/{hook_id}/sample/listen")
    hook = f"/hooks/{token_of(app, hook_id)}"
    answer = signed_in.post(
        hook, data='{"total": "\\u0000"}', content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.get_json()["captured"] is False
    assert stored_sample(app, hook_id)[0] is None
    assert stored_sample(app, hook_id)[2] is not None  # still listening


# ---------- Pasted samples ----------


def test_a_pasted_sample_is_kept(signed_in, app, hook_id):
    text = json.dumps(SAMPLE)
    answer = signed_in.post(f"/workflows/{hook_id}/sample", data={"sample": text})
    assert answer.status_code == 303
    assert stored_sample(app, hook_id)[:2] == (SAMPLE, "pasted")
    page = signed_in.get(f"/workflows/{hook_id}").text
    assert "From pasted JSON" in page
    # The curl example sends the sample's body.
    assert "-d '{\"total\": 42}'" in page.replace("&#34;", '"').replace("&#39;", "'")


@pytest.mark.parametrize(
    "text, message",
    [
        (DEEP, "Nested deeper than 64 levels."),
        ('{"body": "' + "x" * (1024 * 1024 + 10) + '"}', "larger than 1024 KB"),
        ('{"body": [1, 2,]}', "Not valid JSON on line 1"),
        ("[1, 2]", "Give a JSON object"),
        ('{"body": "\\u0000"}', "NUL"),
    ],
    ids=["deep", "large", "syntax", "not-object", "nul"],
)
def test_a_bad_sample_is_refused_beside_the_field(
    signed_in, app, user, hook_id, text, message
):
    give_sample(app, user, hook_id)
    answer = signed_in.post(
        f"/workflows/{hook_id}/sample", data={"sample": text}, headers=HX
    )
    assert answer.status_code == 200
    assert 'id="sample-json-error"' in answer.text and message in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert stored_sample(app, hook_id)[0] == SAMPLE  # the old sample is kept


def test_a_bad_sample_without_js_keeps_the_whole_page(signed_in, app, hook_id):
    text = DEEP
    answer = signed_in.post(f"/workflows/{hook_id}/sample", data={"sample": text})
    assert answer.status_code == 422
    assert "Nested deeper than 64 levels." in answer.text
    assert str(escape(text)) in answer.text  # what was typed is still in the box
    assert "Orders" in answer.text and "Recent runs" in answer.text


def test_forget_the_sample(signed_in, app, user, hook_id):
    give_sample(app, user, hook_id)
    signed_in.post(f"/workflows/{hook_id}/sample/delete")
    assert stored_sample(app, hook_id) is None


def test_a_run_payload_becomes_the_sample(signed_in, app, user, hook_id):
    with app.app_context():
        run = Execution(
            workflow_id=hook_id,
            user_id=user.id,
            status="success",
            trigger_type="manual",
            meta={"trigger": {**SAMPLE, "started_by": "Ada"}},
            results=[],
        )
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    page = signed_in.get(f"/executions/{run_id}").text
    assert "Use as the workflow's sample" in page
    answer = signed_in.post(f"/executions/{run_id}/sample", follow_redirects=True)
    assert "is now the sample of “Orders”" in answer.text
    assert stored_sample(app, hook_id)[:2] == (SAMPLE, "run")


# ---------- Run now with a payload (page) ----------


def test_run_now_asks_for_data_prefilled_with_the_sample(signed_in, app, user, hook_id):
    give_sample(app, user, hook_id)
    page = signed_in.get(f"/workflows/{hook_id}").text
    assert 'name="payload"' in page and "&#34;total&#34;: 42" in page
    plain = add_workflow(app, user, LOG)
    assert 'name="payload"' not in signed_in.get(f"/workflows/{plain}").text


def test_run_now_runs_on_the_payload_given(signed_in, app, hook_id):
    payload = json.dumps({"body": {"total": 7}})
    answer = signed_in.post(
        f"/workflows/{hook_id}/run", data={"payload": payload}, headers=HX
    )
    assert answer.status_code == 200
    with app.app_context():
        run = db.session.scalar(db.select(Execution))
        assert run.meta["trigger"]["body"] == {"total": 7}
        assert run.trigger_type == "manual"


def test_run_now_without_data_or_sample_is_refused(signed_in, app, hook_id):
    answer = signed_in.post(f"/workflows/{hook_id}/run", headers=HX)
    assert answer.status_code == 409
    assert "give the workflow a sample first" in answer.text
    assert count(app, Execution) == 0


def test_run_now_with_a_bad_payload_says_so_beside_it(signed_in, app, hook_id):
    answer = signed_in.post(
        f"/workflows/{hook_id}/run", data={"payload": "{nope"}, headers=HX
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Retarget"] == "#run-with"
    assert 'id="run-payload-error"' in answer.text and "{nope" in answer.text
    plain = signed_in.post(f"/workflows/{hook_id}/run", data={"payload": "{nope"})
    assert plain.status_code == 422 and 'id="run-payload-error"' in plain.text
    assert count(app, Execution) == 0


# ---------- The API's run ----------


def test_api_run_with_a_payload(app, api, hook_id):  # noqa: F811
    answer = api.post(f"/workflows/{hook_id}/run", json={"payload": SAMPLE})
    assert answer.status_code == 202
    trigger = answer.get_json()["metadata"]["trigger"]
    assert trigger == {**SAMPLE, "started_by": "API token t"}


def test_api_run_with_the_sample(app, api, user, hook_id):  # noqa: F811
    give_sample(app, user, hook_id, {"body": {"total": 9}})
    for body in ({}, None):
        answer = api.post(f"/workflows/{hook_id}/run", json=body)
        assert answer.status_code == 202, answer.get_json()
        assert answer.get_json()["metadata"]["trigger"]["body"] == {"total": 9}


def test_api_run_with_neither_is_409(app, api, hook_id):  # noqa: F811
    body = assert_problem(api.post(f"/workflows/{hook_id}/run"), 409)
    assert body["type"] == "urn:synth:problem:no-payload"
    assert "give the workflow a sample first" in body["detail"]
    assert count(app, Execution) == 0


def test_api_run_refuses_a_payload_that_is_not_an_object(app, api, hook_id):  # noqa: F811
    answer = api.post(f"/workflows/{hook_id}/run", json={"payload": [1]})
    assert_problem(answer, 422, "payload")


# ---------- Another person's objects ----------

ROUTES = [
    ("get", "/workflows/{w}/sample"),
    ("post", "/workflows/{w}/sample"),
    ("post", "/workflows/{w}/sample/listen"),
    ("post", "/workflows/{w}/sample/stop"),
    ("post", "/workflows/{w}/sample/delete"),
    ("post", "/executions/{r}/sample"),
    ("get", "/workflows/{w}/tests/{r}"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_another_persons_objects_are_404(signed_in, app, other_user, method, path):
    theirs = add_workflow(app, other_user, HOOK)
    with app.app_context():
        run = Execution(
            workflow_id=theirs,
            user_id=other_user.id,
            status="success",
            trigger_type="test",
            meta={"trigger": SAMPLE},
            results=[],
        )
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    url = path.format(w=theirs, r=run_id)
    answer = getattr(signed_in, method)(url, data={"sample": "{}"}, headers=HX)
    assert answer.status_code == 404
    assert stored_sample(app, theirs) is None


# ---------- Test step ----------


class TestStep:
    @pytest.fixture
    def app_config(self):
        return {"SYNTH_EXECUTOR": "thread"}

    def test_runs_up_to_the_step_with_the_sample_and_shows_outputs(
        self, signed_in, app, user, hook_id
    ):
        give_sample(app, user, hook_id)
        page = signed_in.get(f"/workflows/{hook_id}/edit").text
        assert 'value="test:0"' in page and "runs the steps for real" in page
        assert 'data-insert="{{ trigger.body.total }}"' in page

        with app.app_context():
            definition = db.session.get(Workflow, hook_id).definition
        steps = definition["actions"]
        answer = signed_in.post(
            f"/workflows/{hook_id}/edit",
            data={
                "editor": "json",
                "op": "test:0",
                "name": "Orders",
                "intent": "x",
                "trigger": json.dumps(definition["trigger"]),
                "actions": json.dumps(steps),
            },
        )
        assert answer.status_code == 200, answer.text
        app.extensions["synth_executor"].shutdown(wait=True)
        with app.app_context():
            run = db.session.scalar(db.select(Execution))
            assert run.trigger_type == "test" and run.status == "success"
            assert [r["id"] for r in run.results] == ["order"]  # not `say`
            assert run.results[0]["output"] == {"total": 42}
        shown = signed_in.get(f"/workflows/{hook_id}/tests/{run.id}", headers=HX)
        assert shown.status_code == 286 and "&#34;total&#34;: 42" in shown.text
        # Its outputs are offered to later steps, and the dashboard leaves it out.
        page = signed_in.get(f"/workflows/{hook_id}/edit").text
        assert 'data-insert="{{ steps.order.output.total }}"' in page
        assert "Test step" in signed_in.get(f"/workflows/{hook_id}").text

    def test_without_a_sample_it_says_what_to_do(self, signed_in, app, hook_id):
        with app.app_context():
            definition = db.session.get(Workflow, hook_id).definition
        answer = signed_in.post(
            f"/workflows/{hook_id}/edit",
            data={
                "editor": "json",
                "op": "test:0",
                "name": "Orders",
                "intent": "x",
                "trigger": json.dumps(definition["trigger"]),
                "actions": json.dumps(definition["actions"]),
            },
        )
        assert "There is no sample to test with yet" in answer.text
        assert count(app, Execution) == 0
