"""Another person's workflow answers 404 on every route, and nothing changes."""

from __future__ import annotations

import pytest

from synth_web.models import Execution, Workflow
from tests.workflow_helpers import LOG, add_run, add_workflow, count, load

ROUTES = [
    ("GET", "/workflows/{id}"),
    ("GET", "/workflows/{id}/edit"),
    ("POST", "/workflows/{id}/edit"),
    ("POST", "/workflows/{id}/toggle"),
    ("POST", "/workflows/{id}/duplicate"),
    ("GET", "/workflows/{id}/delete"),
    ("POST", "/workflows/{id}/delete"),
    ("GET", "/workflows/{id}/export"),
    ("POST", "/workflows/{id}/rotate-token"),
    ("POST", "/workflows/{id}/run"),
    ("GET", "/workflows/{id}/sample"),
    ("POST", "/workflows/{id}/sample"),
    ("POST", "/workflows/{id}/sample/listen"),
    ("POST", "/workflows/{id}/sample/stop"),
    ("POST", "/workflows/{id}/sample/delete"),
    # Run 1 is the other person's run (add_run below).
    ("GET", "/workflows/{id}/tests/1"),
    ("POST", "/workflows/{id}/replay"),
]
FORM = {
    "name": "Taken over",
    "intent": "x",
    "trigger": '{"type": "manual"}',
    "actions": "[]",
    "to": "inactive",
}


def test_every_workflow_route_is_covered(app):
    rules = {
        (
            method,
            rule.rule.replace("<int:workflow_id>", "{id}").replace(
                "<int:execution_id>", "1"
            ),
        )
        for rule in app.url_map.iter_rules()
        # The API has its own isolation test (test_api_isolation.py).
        if "workflow_id" in rule.arguments and not rule.endpoint.startswith("api.")
        for method in rule.methods & {"GET", "POST"}
    }
    assert rules == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_someone_elses_workflow_is_404(signed_in, app, other_user, method, path):
    wid = add_workflow(app, other_user, LOG, status="active")
    add_run(app, wid)
    before = load(app, wid)
    url = path.format(id=wid)
    response = signed_in.open(url, method=method, data=FORM)
    assert response.status_code == 404
    after = load(app, wid)
    assert after is not None
    assert (after.name, after.status, after.webhook_token) == (
        before.name,
        before.status,
        before.webhook_token,
    )
    assert count(app, Workflow) == 1
    assert count(app, Execution) == 1


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_missing_workflow_is_404(signed_in, method, path):
    response = signed_in.open(path.format(id=999), method=method, data=FORM)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_htmx_404_goes_to_the_flashes(signed_in, app, other_user, method, path):
    wid = add_workflow(app, other_user)
    response = signed_in.open(
        path.format(id=wid), method=method, data=FORM, headers={"HX-Request": "true"}
    )
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#flashes"


def test_signed_out_people_are_sent_to_sign_in(client, app, other_user):
    wid = add_workflow(app, other_user)
    for method, path in ROUTES + [("GET", "/workflows"), ("GET", "/workflows/new")]:
        response = client.open(path.format(id=wid), method=method, data=FORM)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")
