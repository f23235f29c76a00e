"""Execution endpoints: the log, one run, and runs that outside engines report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from synth_web.engine import claims, runs
from synth_web.engine.runner import run_execution
from synth_web.extensions import db
from synth_web.models import Execution, utcnow
from tests.api_support import all_pages, assert_problem
from tests.run_factories import add_run, add_workflow, get_run

STEP = {
    "id": "fetch",
    "type": "http.request",
    "status": "success",
    "started_at": "2026-01-05T09:00:00Z",
    "finished_at": "2026-01-05T09:00:01.250Z",
    "duration_ms": 1250,
    "attempts": 1,
    "input": {"url": "https://example.com"},
    "output": {"status": 200},
}


@pytest.fixture
def app_config():
    return {"SYNTH_EXECUTOR": "external"}


@pytest.fixture
def workflow_id(app, user) -> int:
    return add_workflow(app, user.id, name="Reporter")


# ---------- The log ----------


def test_list_newest_first_without_steps(app, api, user, workflow_id):
    older = add_run(app, workflow_id, user.id, created_at=utcnow() - timedelta(hours=1))
    newer = add_run(app, workflow_id, user.id, status="failure", error_log="Boom.")
    rows = api.get("/executions").get_json()["data"]
    assert [row["id"] for row in rows] == [newer, older]
    assert rows[0]["error"] == "Boom."
    assert rows[0]["workflow_name"] == "Reporter"
    assert rows[0]["duration_ms"] == 2000
    assert "results" not in rows[0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "failure"}, ["failed"]),
        ({"trigger_type": "schedule"}, ["scheduled"]),
        ({"q": "timeout"}, ["failed"]),
    ],
)
def test_list_filters(app, api, user, workflow_id, query, expected):
    ids = {
        "ok": add_run(app, workflow_id, user.id),
        "failed": add_run(
            app, workflow_id, user.id, status="failure", error_log="A timeout."
        ),
        "scheduled": add_run(app, workflow_id, user.id, trigger_type="schedule"),
    }
    names = {v: k for k, v in ids.items()}
    rows = api.get("/executions", query_string=query).get_json()["data"]
    assert [names[row["id"]] for row in rows] == expected


def test_list_by_workflow(app, api, user, workflow_id):
    other = add_workflow(app, user.id, name="Other")
    mine = add_run(app, workflow_id, user.id)
    add_run(app, other, user.id)
    rows = api.get("/executions", query_string={"workflow_id": workflow_id}).get_json()
    assert [row["id"] for row in rows["data"]] == [mine]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ({"status": "done"}, "status"),
        ({"trigger_type": "carrier_pigeon"}, "trigger_type"),
        ({"workflow_id": 0}, "workflow_id"),
        ({"cursor": "bm9wZQ"}, "cursor"),
    ],
)
def test_list_refuses_bad_arguments(api, query, path):
    assert_problem(api.get("/executions", query_string=query), 422, path=path)


def test_pages_stay_stable_while_runs_are_added(app, api, user, workflow_id):
    start = utcnow() - timedelta(hours=1)
    ids = [
        add_run(app, workflow_id, user.id, created_at=start + timedelta(minutes=n))
        for n in range(7)
    ]
    # Two runs at the very same instant: the id breaks the tie.
    ids.append(
        add_run(app, workflow_id, user.id, created_at=start + timedelta(minutes=6))
    )
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/executions", query_string=query).get_json()
        seen += [row["id"] for row in page["data"]]
        add_run(app, workflow_id, user.id)  # newer than every page: never shows up
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = sorted(ids[:6])[::-1]
    assert seen == [ids[7], ids[6], *expected]


def test_get_one_with_steps(app, api, user, workflow_id):
    run_id = add_run(app, workflow_id, user.id, status="queued")
    with app.app_context():
        run_execution(run_id)
    body = api.get(f"/executions/{run_id}").get_json()
    assert body["status"] == "success"
    assert body["results"][0]["id"] == "log"
    assert body["results"][0]["status"] == "success"
    assert body["source"] == "synth"
    assert body["error_log"] is None


# ---------- Runs reported by outside engines ----------


def test_report_a_finished_run(app, api, workflow_id):
    response = api.post(
        f"/workflows/{workflow_id}/executions",
        json={
            "status": "success",
            "engine": "n8n",
            "started_at": "2026-01-05T09:00:00Z",
            "finished_at": "2026-01-05T09:00:02+00:00",
            "results": [STEP],
            "metadata": {"n8n_execution": "4711"},
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "success"
    assert body["source"] == "external"
    assert body["trigger_type"] == "external"
    assert body["duration_ms"] == 2000
    assert body["metadata"]["source"] == "external"
    assert body["metadata"]["engine"] == "n8n"
    assert body["metadata"]["reported"] == {"n8n_execution": "4711"}
    assert body["results"][0]["output"] == {"status": 200}
    assert body["results"][0]["finished_at"] == "2026-01-05T09:00:01.250000Z"


def test_a_reported_run_is_never_run_by_synth(app, api, workflow_id):
    body = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "queued"}
    ).get_json()
    with app.app_context():
        assert claims.claim(body["id"]) is False
        assert body["id"] not in runs.queued_ids()
        assert run_execution(body["id"]) is None
    assert get_run(app, body["id"]).status == "queued"


def test_report_fills_in_times(app, api, workflow_id):
    running = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "running"}
    ).get_json()
    assert running["started_at"] is not None
    assert running["finished_at"] is None
    failed = api.post(
        f"/workflows/{workflow_id}/executions",
        json={"status": "failure", "error_log": "Step 2 of 3 failed."},
    ).get_json()
    assert failed["finished_at"] is not None
    assert failed["started_at"] == failed["finished_at"]
    assert failed["error"] == "Step 2 of 3 failed."


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"status": "done"}, "status"),
        ({}, "status"),
        ({"status": "queued", "started_at": "2026-01-05T09:00:00Z"}, "started_at"),
        ({"status": "running", "finished_at": "2026-01-05T09:00:00Z"}, "finished_at"),
        (
            {
                "status": "success",
                "started_at": "2026-01-05T10:00:00Z",
                "finished_at": "2026-01-05T09:00:00Z",
            },
            "finished_at",
        ),
        ({"status": "success", "started_at": "2026-01-05T09:00:00"}, "started_at"),
        ({"status": "success", "started_at": 1767600000}, "started_at"),
        ({"status": "success", "results": [{"id": "x"}]}, "results[0].type"),
        (
            {"status": "success", "results": [{**STEP, "status": "ok"}]},
            "results[0].status",
        ),
        (
            {"status": "success", "results": [{**STEP, "colour": 1}]},
            "results[0].colour",
        ),
        (
            {"status": "success", "results": [{**STEP, "attempts": "1"}]},
            "results[0].attempts",
        ),
        ({"status": "success", "results": "[]"}, "results"),
        ({"status": "success", "engine": "n8n cloud!"}, "engine"),
        ({"status": "success", "metadata": []}, "metadata"),
    ],
)
def test_report_refuses_bad_input(app, api, workflow_id, body, path):
    response = api.post(f"/workflows/{workflow_id}/executions", json=body)
    assert_problem(response, 422, path=path)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Execution.id))) == 0


def test_report_for_an_unknown_workflow_is_404(api):
    assert_problem(
        api.post("/workflows/99/executions", json={"status": "success"}), 404
    )


def test_an_engine_reports_progress_until_the_end(app, api, workflow_id):
    run_id = api.post(
        f"/workflows/{workflow_id}/executions",
        json={"status": "queued", "engine": "pipedream"},
    ).get_json()["id"]
    running = api.patch(f"/executions/{run_id}", json={"status": "running"}).get_json()
    assert running["started_at"] is not None
    step_one = api.patch(f"/executions/{run_id}", json={"results": [STEP]}).get_json()
    assert step_one["status"] == "running"
    assert len(step_one["results"]) == 1
    done = api.patch(
        f"/executions/{run_id}",
        json={
            "status": "failure",
            "results": [
                STEP,
                {**STEP, "id": "post", "status": "failure", "error": "502"},
            ],
            "error_log": "post failed: 502",
        },
    ).get_json()
    assert done["status"] == "failure"
    assert done["finished_at"] is not None
    assert [s["id"] for s in done["results"]] == ["fetch", "post"]
    assert done["error_log"] == "post failed: 502"
    assert done["metadata"]["engine"] == "pipedream"


def test_a_finished_run_cannot_go_back(app, api, workflow_id):
    run_id = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "success"}
    ).get_json()["id"]
    body = assert_problem(
        api.patch(f"/executions/{run_id}", json={"status": "running"}), 409
    )
    assert "already ended as success" in body["detail"]
    assert_problem(api.patch(f"/executions/{run_id}", json={"status": "failure"}), 409)
    # Late details for the same status are welcome.
    late = api.patch(
        f"/executions/{run_id}", json={"error_log": "note", "results": [STEP]}
    )
    assert late.status_code == 200
    assert late.get_json()["status"] == "success"


def test_a_running_run_cannot_go_back_to_queued(app, api, workflow_id):
    run_id = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "running"}
    ).get_json()["id"]
    assert_problem(api.patch(f"/executions/{run_id}", json={"status": "queued"}), 409)


def test_synths_own_runs_cannot_be_patched(app, api, user, workflow_id):
    run_id = add_run(app, workflow_id, user.id, status="running")
    body = assert_problem(
        api.patch(f"/executions/{run_id}", json={"status": "success"}), 409
    )
    assert "Synth ran this run itself" in body["detail"]
    assert get_run(app, run_id).status == "running"


def test_cancelled_in_synth_wins_over_a_late_report(app, api, signed_in, workflow_id):
    run_id = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "running"}
    ).get_json()["id"]
    signed_in.post(f"/executions/{run_id}/cancel")
    assert get_run(app, run_id).status == "cancelled"
    assert_problem(api.patch(f"/executions/{run_id}", json={"status": "success"}), 409)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"status": "running", "finished_at": "2026-01-05T09:00:00Z"}, "finished_at"),
        ({"status": None}, "status"),
        ({"results": None}, "results"),
        ({"started_at": "yesterday"}, "started_at"),
    ],
)
def test_patch_refuses_bad_input(app, api, workflow_id, body, path):
    run_id = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "queued"}
    ).get_json()["id"]
    assert_problem(api.patch(f"/executions/{run_id}", json=body), 422, path=path)
    assert get_run(app, run_id).status == "queued"


def test_reported_runs_show_in_the_log_and_dashboard(app, api, signed_in, workflow_id):
    run_id = api.post(
        f"/workflows/{workflow_id}/executions",
        json={"status": "failure", "engine": "n8n", "error_log": "Upstream said no."},
    ).get_json()["id"]
    log = signed_in.get("/executions").text
    assert f"/executions/{run_id}" in log
    assert "Outside engine" in log
    assert "by n8n" in log
    detail = signed_in.get(f"/executions/{run_id}").text
    assert "Upstream said no." in detail
    filtered = signed_in.get("/executions?trigger=external").text
    assert f"/executions/{run_id}" in filtered
    dashboard = signed_in.get("/dashboard").text
    failures = dashboard.split("Recent failures", 1)[1]
    assert f"/executions/{run_id}" in failures
    assert "Upstream said no." in failures


def test_retrying_a_reported_run_runs_it_in_synth(app, api, signed_in, workflow_id):
    run_id = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "failure"}
    ).get_json()["id"]
    signed_in.post(f"/executions/{run_id}/retry")
    with app.app_context():
        retry = db.session.scalar(db.select(Execution).order_by(Execution.id.desc()))
        assert retry.meta["retry_of"] == run_id
        assert retry.trigger_type == "manual"
        assert claims.claim(retry.id)


def test_all_pages_of_the_log(app, api, user, workflow_id):
    ids = [add_run(app, workflow_id, user.id) for _ in range(5)]
    assert sorted(row["id"] for row in all_pages(api, "/executions", 2)) == ids


def test_refused_events_are_listed_by_their_status(app, api, user, workflow_id):
    refused = add_run(app, workflow_id, user.id, status="refused", error_log="Off.")
    add_run(app, workflow_id, user.id, status="failure")
    rows = api.get("/executions", query_string={"status": "refused"}).get_json()
    assert [row["id"] for row in rows["data"]] == [refused]
    assert rows["data"][0]["status"] == "refused"


def test_an_outside_engine_cannot_report_a_refused_run(api, workflow_id):
    response = api.post(
        f"/workflows/{workflow_id}/executions", json={"status": "refused"}
    )
    assert_problem(response, 422)
