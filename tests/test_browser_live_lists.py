"""Live lists: a run started from outside appears in an open list, no reload."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from synth_web.extensions import db
from synth_web.models import Workflow
from tests.run_factories import add_run, add_workflow
from tests.test_browser_runs import (
    assert_not_reloaded,
    mark_page,
    sign_in,
    wait_for_runs,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def webhook_workflow(app, user_id):
    workflow_id = add_workflow(
        app, user_id, name="Shop orders", trigger={"type": "webhook"}
    )
    with app.app_context():
        token = db.session.get(Workflow, workflow_id).webhook_token
    return workflow_id, token


def send_webhook(live_server, token, body):
    """POST to the webhook from outside the browser, as a shop would."""
    request = urllib.request.Request(
        f"{live_server}/hooks/{token}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())["execution_id"]


def test_a_webhook_run_appears_in_the_open_runs_list(page, app, user, live_server):
    workflow_id, token = webhook_workflow(app, user.id)
    add_run(app, workflow_id, user.id, status="success")
    sign_in(page)
    page.goto("/executions")
    rows = page.locator("#runs tbody tr.run-row")
    expect(rows).to_have_count(1)
    mark_page(page)
    run_id = send_webhook(live_server, token, {"total": 5})
    expect(page.locator(f"#run-{run_id}")).to_be_visible(timeout=8_000)
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Webhook")
    assert_not_reloaded(page)
    wait_for_runs(app)
    page.probe.assert_clean()


def test_a_webhook_run_appears_in_the_workflows_recent_runs(
    page, app, user, live_server
):
    workflow_id, token = webhook_workflow(app, user.id)
    sign_in(page)
    page.goto(f"/workflows/{workflow_id}")
    mark_page(page)
    run_id = send_webhook(live_server, token, {"total": 7})
    expect(page.locator(f"#run-{run_id}")).to_be_visible(timeout=8_000)
    assert_not_reloaded(page)
    wait_for_runs(app)
    page.probe.assert_clean()


REFRESH_RECENT_RUNS = """() => new Promise((done) => {
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.pathInfo.requestPath.includes("part=recent")) {
      done(event.detail.xhr.status);
    }
  });
  htmx.trigger(document.querySelector("#recent-runs [data-live]"), "live-now");
})"""


def test_a_runs_link_opens_its_page_while_the_list_refreshes(page, app, user):
    """The list's poll answering while the clicked run loads leaves the link's
    navigation whole: the run's page shows at the run's own address."""
    workflow_id, _token = webhook_workflow(app, user.id)
    run_id = add_run(app, workflow_id, user.id, status="success")
    sign_in(page)
    page.goto(f"/workflows/{workflow_id}")
    mark_page(page)
    held = []
    page.route(re.compile(rf"/executions/{run_id}$"), lambda route: held.append(route))
    page.locator(f"#run-{run_id}").get_by_role("link", name=f"#{run_id}").click()
    while not held:
        page.wait_for_timeout(20)
    # News for the list arrives while the run's page is still on its way.
    add_run(app, workflow_id, user.id, status="success")
    assert page.evaluate(REFRESH_RECENT_RUNS) == 200
    held[0].continue_()
    expect(page).to_have_url(re.compile(rf"/executions/{run_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{run_id}")
    assert_not_reloaded(page)
    page.probe.assert_clean()
