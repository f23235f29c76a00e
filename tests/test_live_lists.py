"""Live lists answer 204 until a run arrives; blocked workflows are marked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from synth_web.extensions import db
from synth_web.models import Connection, utcnow
from tests.conftest import make_user
from tests.run_factories import add_run, add_workflow

HX = {"HX-Request": "true"}
SLACK = [
    {
        "id": "notify",
        "type": "slack.post_message",
        "with": {"channel": "#sales", "text": "hi"},
    }
]


def poll_url(html: str) -> str:
    match = re.search(r'data-live hx-get="([^"]+)"', html)
    assert match, "no live poll on the page"
    return match.group(1).replace("&amp;", "&")


def test_the_runs_list_polls_until_a_run_arrives(app, signed_in, user):
    workflow_id = add_workflow(app, user.id)
    old = add_run(app, workflow_id, user.id, created_at=utcnow() - timedelta(hours=1))
    url = poll_url(signed_in.get("/executions").text)
    assert signed_in.get(url, headers=HX).status_code == 204
    new = add_run(app, workflow_id, user.id, status="failure")
    response = signed_in.get(url, headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="runs"')
    assert f'id="run-{new}"' in response.text and f'id="run-{old}"' in response.text
    # The fresh list watches from its own newest run.
    assert signed_in.get(poll_url(response.text), headers=HX).status_code == 204


def test_the_live_list_keeps_its_filters(app, signed_in, user):
    workflow_id = add_workflow(app, user.id)
    url = poll_url(signed_in.get("/executions?status=failure").text)
    assert "status=failure" in url
    add_run(app, workflow_id, user.id, status="success")
    assert signed_in.get(url, headers=HX).status_code == 204
    add_run(app, workflow_id, user.id, status="failure")
    assert signed_in.get(url, headers=HX).status_code == 200


def test_an_empty_list_and_an_older_page_poll_as_they_should(app, signed_in, user):
    url = poll_url(signed_in.get("/executions").text)
    add_run(app, add_workflow(app, user.id), user.id)
    assert signed_in.get(url, headers=HX).status_code == 200


def test_a_workflows_recent_runs_poll_too(app, signed_in, user):
    workflow_id = add_workflow(app, user.id)
    other = add_workflow(app, user.id, name="Other")
    url = poll_url(signed_in.get(f"/workflows/{workflow_id}").text)
    add_run(app, other, user.id)
    assert signed_in.get(url, headers=HX).status_code == 204
    new = add_run(app, workflow_id, user.id)
    response = signed_in.get(url, headers=HX)
    assert response.text.lstrip().startswith('<section id="recent-runs"')
    assert f'id="run-{new}"' in response.text


@pytest.mark.parametrize("since", ["", "nonsense", "MjAyNnwx"])
def test_a_bad_cursor_is_400(signed_in, since):
    response = signed_in.get(f"/executions/live?since={since}", headers=HX)
    assert response.status_code == 400


def test_without_htmx_the_poll_goes_to_the_list(signed_in):
    response = signed_in.get("/executions/live?since=x")
    assert response.status_code == 302
    assert response.location.endswith("/executions")


def test_another_persons_workflow_poll_is_404(app, client, auth, user):
    workflow_id = add_workflow(app, user.id)
    auth.login()
    url = poll_url(client.get(f"/workflows/{workflow_id}").text)
    make_user(app, "other@example.com")
    auth.logout()
    auth.login("other@example.com")
    assert client.get(url, headers=HX).status_code == 404


def test_the_workflows_list_marks_blocked_workflows(app, signed_in, user):
    add_workflow(app, user.id, name="Posts to Slack", actions=SLACK)
    add_workflow(app, user.id, name="Just logs")
    page = signed_in.get("/workflows").text
    assert page.count("Blocked:") == 1
    assert "Blocked: Slack is not connected" in page
    with app.app_context():
        db.session.add(
            Connection(
                user_id=user.id,
                app_name="slack",
                connection_type="bot_token",
                status="inactive",
            )
        )
        db.session.commit()
    assert "Blocked: Slack is off" in signed_in.get("/workflows").text
    with app.app_context():
        db.session.query(Connection).update({"status": "active"})
        db.session.commit()
    assert "Blocked:" not in signed_in.get("/workflows").text
