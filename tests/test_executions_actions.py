"""One run: its detail page, live status (286), cancel, retry and Run now."""

from __future__ import annotations

import re

import pytest
from flask import render_template
from sqlalchemy import func, select

from synth_web.engine.runner import run_execution
from synth_web.executions.display import fold
from synth_web.executions.services import recent_runs
from synth_web.extensions import db
from synth_web.models import Execution, Workflow
from tests.run_factories import SLACK_STEP, add_run, add_workflow, get_run

HX = {"HX-Request": "true"}

SET_AND_LOG = [
    {"id": "order", "type": "core.set", "with": {"values": {"total": "150"}}},
    {
        "id": "say",
        "type": "core.log",
        "with": {"message": "Order of {{ steps.order.output.total }}"},
    },
]
FAILING = [
    {"id": "order", "type": "core.set", "with": {"values": {"total": "15"}}},
    {"id": "boom", "type": "core.fail", "with": {"message": "The shop is on fire"}},
]
FILTERED = [
    {"id": "order", "type": "core.set", "with": {"values": {"total": "15"}}},
    {
        "id": "big",
        "type": "core.filter",
        "with": {"condition": "{{ steps.order.output.total | float > 100 }}"},
    },
    {"id": "notify", "type": "core.log", "with": {"message": "big"}},
]


@pytest.fixture
def app_config():
    # Nothing runs in the background: tests run executions themselves.
    return {"SYNTH_EXECUTOR": "external"}


def count_runs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Execution))


def execute(app, execution_id: int) -> str | None:
    with app.app_context():
        return run_execution(execution_id)


def finished_run(app, user, actions, trigger=None) -> int:
    """Queue a run of a new workflow and run it to its end, here and now."""
    workflow_id = add_workflow(app, user.id, actions=actions)
    run_id = add_run(
        app, workflow_id, user.id, status="queued", meta={"trigger": trigger or {}}
    )
    execute(app, run_id)
    return run_id


# ---------- Detail page ----------


def test_detail_shows_status_timings_steps_and_outputs(signed_in, app, user):
    run_id = finished_run(app, user, SET_AND_LOG)
    response = signed_in.get(f"/executions/{run_id}")
    assert response.status_code == 200
    html = response.text
    assert f"Run #{run_id} of" in html and "Logger" in html
    assert 'class="badge badge-success"' in html
    for label in ("Queued", "Started", "Finished", "Took"):
        assert f"<dt>{label}</dt>" in html
    assert "<code>order</code>" in html and "<code>say</code>" in html
    # Step output, pretty-printed JSON.
    assert "&#34;total&#34;: &#34;150&#34;" in html
    assert "[info] Order of 150" in html
    # A successful run is run again from the top, not "retried".
    assert "Run again" in html and "Cancel run" not in html
    assert "hx-trigger" not in html


def test_detail_of_a_failed_run_puts_the_error_log_first(signed_in, app, user):
    run_id = finished_run(app, user, FAILING)
    html = signed_in.get(f"/executions/{run_id}").text
    assert "Error log" in html
    assert "Step 2 of 2, `boom` (core.fail) failed: The shop is on fire" in html
    # The failed step opens by itself.
    assert re.search(r'<details id="step-\d+-2" open>', html)
    assert html.index("Error log") < html.index('id="steps-title"')


def test_detail_of_a_filtered_run_says_where_it_stopped(signed_in, app, user):
    run_id = finished_run(app, user, FILTERED)
    html = signed_in.get(f"/executions/{run_id}").text
    assert (
        "Stopped at step <code>big</code>: the condition was false — the run "
        "counts as a success." in html
    )
    assert ">filtered</span>" in html
    assert "Stopped here" in html
    assert "<code>notify</code>" not in html


def test_trigger_payload_is_pretty_and_long_values_fold(signed_in, app, user):
    trigger = {"body": {"note": "x" * 5000, "id": 7}, "method": "POST"}
    run_id = finished_run(app, user, SET_AND_LOG, trigger=trigger)
    html = signed_in.get(f"/executions/{run_id}").text
    assert "Trigger payload" in html
    # The structure stays readable: the long string is cut in place...
    assert "&#34;method&#34;: &#34;POST&#34;" in html
    assert "[4,500 more characters, shown below]" in html
    # ...and shown whole behind its own switch.
    assert "Show all of <code>body.note</code> (5,000 characters)" in html
    assert 'id="fold-trigger-1"' in html
    assert "x" * 5000 in html


def test_fold_keeps_short_values_and_folds_long_ones():
    assert fold(None) is None
    short = fold({"a": [1, 2]})
    assert short.text == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert not short.is_folded
    assert fold("plain text").text == "plain text"
    deep = fold({"items": [{"body": "y" * 2500}]})
    assert [(t.path, t.total) for t in deep.long] == [("items[0].body", 2500)]
    assert "y" * 501 not in deep.text
    whole = fold("z" * 3000)
    assert whole.long[0].path == "value" and whole.long[0].text == "z" * 3000
    many = fold([f"row {i}" for i in range(3000)])
    assert many.rest and len(many.text) == 10_000 and not many.long
    huge = fold("h" * 150_000)
    assert huge.long[0].cut and len(huge.long[0].text) == 100_000


def test_queued_run_shows_the_steps_still_to_come(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, actions=SET_AND_LOG)
    run_id = add_run(app, workflow_id, user.id, status="queued")
    html = signed_in.get(f"/executions/{run_id}").text
    assert "Waiting for a worker" in html
    assert html.count(">Waiting</span>") == 2
    assert "Cancel run" in html


def test_retry_links_back_to_the_first_run(signed_in, app, user):
    workflow_id = add_workflow(app, user.id)
    first = add_run(app, workflow_id, user.id)
    second = add_run(app, workflow_id, user.id, meta={"retry_of": first})
    html = signed_in.get(f"/executions/{second}").text
    assert f'retry of <a href="/executions/{first}">run #{first}</a>' in html


# ---------- Live status ----------


@pytest.mark.parametrize("status", ["queued", "running"])
def test_status_of_an_unfinished_run_keeps_polling(signed_in, app, user, status):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status=status)
    response = signed_in.get(f"/executions/{run_id}/status", headers=HX)
    assert response.status_code == 200
    root = re.match(r"\s*<div[^>]*>", response.text).group(0)
    assert 'id="run-live"' in root
    assert (
        f'hx-get="/executions/{run_id}/status?seen={status}&amp;v={status}-0"' in root
    )
    assert 'hx-trigger="every 1s"' in root and 'hx-swap="outerHTML"' in root
    assert "<html" not in response.text


@pytest.mark.parametrize("status", ["success", "failure", "cancelled"])
def test_status_of_a_finished_run_answers_286_and_stops(signed_in, app, user, status):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status=status)
    response = signed_in.get(f"/executions/{run_id}/status", headers=HX)
    assert response.status_code == 286
    assert "hx-trigger" not in response.text
    assert "hx-get" not in response.text
    assert f"badge-{status}" in response.text


def test_status_follows_a_run_from_queued_to_success(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, actions=SET_AND_LOG)
    run_id = add_run(app, workflow_id, user.id, status="queued")
    url = f"/executions/{run_id}/status?seen=queued"
    assert signed_in.get(url, headers=HX).status_code == 200
    execute(app, run_id)
    response = signed_in.get(url, headers=HX)
    assert response.status_code == 286
    assert "[info] Order of 150" in response.text
    # The status changed since the last poll: tell screen readers, out of band.
    assert 'hx-swap-oob="innerHTML:#run-announcer"' in response.text
    assert f"Run #{run_id} is now success." in response.text
    same = signed_in.get(f"/executions/{run_id}/status?seen=success", headers=HX)
    assert "hx-swap-oob" not in same.text


@pytest.mark.parametrize(("part", "workflow_cell"), [("row", True), ("recent", False)])
def test_row_status_polls_until_finished(signed_in, app, user, part, workflow_cell):
    workflow_id = add_workflow(app, user.id, actions=SET_AND_LOG)
    run_id = add_run(app, workflow_id, user.id, status="queued")
    url = f"/executions/{run_id}/status?part={part}"
    response = signed_in.get(url, headers=HX)
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<tr id="run-{run_id}"')
    assert f'hx-get="{url}&amp;v=queued"' in response.text
    assert ('data-label="Workflow"' in response.text) is workflow_cell
    execute(app, run_id)
    response = signed_in.get(url, headers=HX)
    assert response.status_code == 286
    assert "hx-trigger" not in response.text
    assert "badge-success" in response.text


def test_status_without_htmx_goes_to_the_detail_page(signed_in, app, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id)
    response = signed_in.get(f"/executions/{run_id}/status")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/executions/{run_id}"


def test_status_refuses_an_unknown_part(signed_in, app, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id)
    response = signed_in.get(f"/executions/{run_id}/status?part=everything")
    assert response.status_code == 400


def test_detail_fragment_vs_boosted_page(signed_in, app, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    fragment = signed_in.get(f"/executions/{run_id}", headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="run-live"' in fragment.text
    page = signed_in.get(f"/executions/{run_id}", headers={**HX, "HX-Boosted": "true"})
    assert "<html" in page.text and 'id="run-announcer"' in page.text
    assert "HX-Request" in page.headers["Vary"]


# ---------- Cancel ----------


@pytest.mark.parametrize("status", ["queued", "running"])
def test_cancel_an_unfinished_run(signed_in, app, user, status):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status=status)
    response = signed_in.post(f"/executions/{run_id}/cancel")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/executions/{run_id}"
    run = get_run(app, run_id)
    assert run.status == "cancelled"
    assert run.error_log == "Cancelled by Ada Lovelace."
    html = signed_in.get(f"/executions/{run_id}").text
    assert f"Run #{run_id} was cancelled." in html


def test_cancel_a_finished_run_changes_nothing(signed_in, app, user):
    run_id = add_run(
        app, add_workflow(app, user.id), user.id, status="failure", error_log="boom"
    )
    before = get_run(app, run_id)
    response = signed_in.post(f"/executions/{run_id}/cancel", follow_redirects=True)
    assert "had already finished (failure), so nothing was cancelled" in response.text
    after = get_run(app, run_id)
    assert (after.status, after.error_log, after.finished_at) == (
        before.status,
        before.error_log,
        before.finished_at,
    )


def test_cancel_with_htmx_answers_the_fragment_and_a_flash(signed_in, app, user):
    run_id = add_run(app, add_workflow(app, user.id), user.id, status="running")
    response = signed_in.post(f"/executions/{run_id}/cancel", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="run-live"')
    assert "hx-trigger" not in response.text
    assert "badge-cancelled" in response.text
    assert 'hx-swap-oob="beforeend:#flashes"' in response.text
    assert f"Run #{run_id} was cancelled." in response.text


def test_a_cancelled_running_run_stops_at_its_next_step(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, actions=SET_AND_LOG)
    run_id = add_run(app, workflow_id, user.id, status="queued")
    signed_in.post(f"/executions/{run_id}/cancel")
    assert execute(app, run_id) is None  # nothing left to claim
    assert get_run(app, run_id).results == []


# ---------- Retry ----------


def test_retry_queues_a_new_run_with_the_same_trigger(signed_in, app, user):
    trigger = {"body": {"id": 7}}
    first = finished_run(app, user, FAILING, trigger=trigger)
    response = signed_in.post(f"/executions/{first}/retry")
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != first
    new = get_run(app, new_id)
    assert new.status == "queued"
    assert new.meta["retry_of"] == first
    assert new.meta["trigger"] == trigger
    html = signed_in.get(response.headers["Location"]).text
    assert f"Run #{new_id} is a retry of run #{first}." in html


def test_retry_is_refused_when_the_workflow_now_has_problems(signed_in, app, user):
    run_id = finished_run(app, user, SET_AND_LOG)
    with app.app_context():
        workflow = db.session.get(Workflow, get_run(app, run_id).workflow_id)
        workflow.actions = SLACK_STEP
        db.session.commit()
    before = count_runs(app)
    response = signed_in.post(f"/executions/{run_id}/retry", follow_redirects=True)
    assert "This workflow has problems and cannot run until they are fixed" in (
        response.text
    )
    assert "slack" in response.text.lower()
    assert count_runs(app) == before


def test_retry_from_an_htmx_fragment_redirects_the_page(signed_in, app, user):
    run_id = finished_run(app, user, SET_AND_LOG)
    response = signed_in.post(f"/executions/{run_id}/retry", headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/executions/")


# ---------- Run now ----------


def test_run_now_with_htmx_answers_a_live_row(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, actions=SET_AND_LOG)
    response = signed_in.post(f"/workflows/{workflow_id}/run", headers=HX)
    assert response.status_code == 200
    with app.app_context():
        run = db.session.scalar(select(Execution))
        assert run.status == "queued"
        assert run.trigger_type == "manual"
        assert run.meta["trigger"] == {"started_by": "Ada Lovelace"}
    row = response.text.strip()
    assert row.startswith(f'<tr id="run-{run.id}"')
    assert f'hx-get="/executions/{run.id}/status?part=recent&amp;v=queued"' in row
    assert 'hx-trigger="every 1s"' in row
    assert 'data-label="Workflow"' not in row


def test_run_now_without_js_goes_to_the_new_run(signed_in, app, user):
    workflow_id = add_workflow(app, user.id)
    response = signed_in.post(f"/workflows/{workflow_id}/run")
    assert response.status_code == 303
    assert re.fullmatch(r"/executions/\d+", response.headers["Location"])
    html = signed_in.get(response.headers["Location"]).text
    assert "is queued." in html


def test_run_now_is_allowed_for_an_inactive_workflow(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, status="inactive")
    response = signed_in.post(f"/workflows/{workflow_id}/run")
    assert response.status_code == 303
    assert count_runs(app) == 1


def test_run_now_is_refused_when_the_workflow_has_problems(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, actions=SLACK_STEP, status="inactive")
    response = signed_in.post(f"/workflows/{workflow_id}/run", headers=HX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#flashes"
    assert response.headers["HX-Reswap"] == "beforeend"
    assert "This workflow has problems and cannot run until they are fixed" in (
        response.text
    )
    assert count_runs(app) == 0


def test_run_now_refused_without_js_goes_back_with_the_reason(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, actions=SLACK_STEP)
    response = signed_in.post(
        f"/workflows/{workflow_id}/run", data={"next": "/executions?status=failure"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/executions?status=failure"
    html = signed_in.get("/executions").text
    assert "cannot run until they are fixed" in html
    assert count_runs(app) == 0


def test_run_now_refused_never_follows_an_outside_next(signed_in, app, user):
    workflow_id = add_workflow(app, user.id, actions=SLACK_STEP)
    response = signed_in.post(
        f"/workflows/{workflow_id}/run", data={"next": "https://evil.example/"}
    )
    assert response.headers["Location"] == f"/executions?workflow={workflow_id}"


def test_recent_runs_partial_lists_the_last_ten(app, user):
    workflow_id = add_workflow(app, user.id)
    ids = [add_run(app, workflow_id, user.id) for _ in range(12)]
    with app.test_request_context("/workflows/1"):
        from flask_login import login_user

        from synth_web.models import User

        login_user(db.session.get(User, user.id))
        rows = recent_runs(workflow_id)
        assert [r.id for r in rows] == ids[::-1][:10]
        html = render_template(
            "executions/_recent_runs.html",
            workflow=db.session.get(Workflow, workflow_id),
            recent_runs=rows,
        )
    assert 'id="recent-runs"' in html
    assert html.count('class="run-row"') == 10


# ---------- Isolation ----------

RUN_ROUTES = [
    ("get", "/executions/{run}"),
    ("get", "/executions/{run}/status"),
    ("get", "/executions/{run}/status?part=row"),
    ("get", "/executions/{run}/status?part=recent"),
    ("post", "/executions/{run}/cancel"),
    ("post", "/executions/{run}/retry"),
    ("post", "/executions/{run}/replay"),
    ("post", "/workflows/{workflow}/run"),
    ("post", "/workflows/{workflow}/replay"),
]


@pytest.mark.parametrize(("method", "path"), RUN_ROUTES)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_another_persons_run_is_404(signed_in, app, other_user, method, path, headers):
    workflow_id = add_workflow(app, other_user.id)
    run_id = add_run(app, workflow_id, other_user.id, status="running")
    url = path.format(run=run_id, workflow=workflow_id)
    response = getattr(signed_in, method)(url, headers=headers)
    assert response.status_code == 404
    run = get_run(app, run_id)
    assert run.status == "running"
    assert count_runs(app) == 1


@pytest.mark.parametrize(("method", "path"), RUN_ROUTES)
def test_a_missing_run_is_404(signed_in, method, path):
    url = path.format(run=999, workflow=999)
    assert getattr(signed_in, method)(url).status_code == 404


@pytest.mark.parametrize(("method", "path"), [*RUN_ROUTES, ("get", "/executions")])
def test_signed_out_people_go_to_login(client, app, user, method, path):
    workflow_id = add_workflow(app, user.id)
    run_id = add_run(app, workflow_id, user.id)
    url = path.format(run=run_id, workflow=workflow_id)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_unchanged_poll_answers_204_without_rendering(app, signed_in, user):
    from synth_web.engine import claims, inserts
    from synth_web.engine import runs as engine_runs

    with app.app_context():
        workflow = Workflow(user_id=user.id, name="Live", status="active")
        workflow.apply_definition(
            {
                "name": "Live",
                "intent": "x",
                "trigger": {"type": "manual"},
                "actions": [{"id": "a", "type": "core.log", "with": {"message": "x"}}],
            }
        )
        db.session.add(workflow)
        db.session.commit()
        execution, _ = inserts.enqueue(workflow, "manual")
        execution_id = execution.id
        claims.claim(execution_id)
    hx = {"HX-Request": "true"}
    url = f"/executions/{execution_id}/status"
    assert (
        signed_in.get(url, query_string={"v": "running-0"}, headers=hx).status_code
        == 204
    )
    assert (
        signed_in.get(url, query_string={"v": "queued-0"}, headers=hx).status_code
        == 200
    )
    changed = signed_in.get(
        url, query_string={"v": "running-0", "part": "row"}, headers=hx
    )
    assert changed.status_code == 200  # rows fingerprint the status alone
    assert (
        signed_in.get(
            url, query_string={"v": "running", "part": "row"}, headers=hx
        ).status_code
        == 204
    )
    with app.app_context():
        engine_runs.write_results(execution_id, [{"id": "a", "status": "success"}])
    assert (
        signed_in.get(url, query_string={"v": "running-0"}, headers=hx).status_code
        == 200
    )
    with app.app_context():
        engine_runs.finish(execution_id, "success", None, None)
    done = signed_in.get(url, query_string={"v": "success-1"}, headers=hx)
    assert done.status_code == 286
