"""A real browser connects Slack, turns it off, and sees its workflow blocked."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from synth_web.extensions import db
from synth_web.models import Execution, Workflow
from tests.conftest import PASSWORD, add_workflow

pytestmark = pytest.mark.browser

TOKEN = "xoxb-9876543210-0123456789-BrowserTokenK4j5"


@pytest.fixture
def app_config(fake_api):
    return {
        "WTF_CSRF_ENABLED": True,
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
    }


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def wait_for_run(app, execution_id, timeout=10):
    deadline = time.monotonic() + timeout
    with app.app_context():
        while True:
            db.session.expire_all()
            execution = db.session.get(Execution, execution_id)
            if execution.is_finished or time.monotonic() > deadline:
                return execution
            time.sleep(0.05)


def test_connect_slack_turn_it_off_and_see_the_workflow_blocked(
    page, app, user, fake_api
):
    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme", "user": "synth"})
    fake_api.route(
        "/api/chat.postMessage", body={"ok": True, "channel": "C1", "ts": "1.2"}
    )
    step = {
        "id": "notify",
        "type": "slack.post_message",
        "with": {"channel": "#sales", "text": "New order"},
    }
    workflow_id = add_workflow(
        app, user, [step], trigger={"type": "webhook"}, name="Orders to Slack"
    )
    with app.app_context():
        hook = f"/hooks/{db.session.get(Workflow, workflow_id).webhook_token}"

    sign_in(page, user)
    page.get_by_role("link", name="Connections").first.click()
    expect(page.get_by_role("heading", name="Connections", exact=True)).to_be_visible()
    page.get_by_role("link", name="Connect Slack").click()
    expect(page.get_by_role("heading", name="Connect Slack")).to_be_visible()
    page.get_by_label("Bot token").fill(TOKEN)
    expect(page.get_by_label("Check the connection after saving")).to_be_checked()
    page.get_by_role("button", name="Save Slack connection").click()

    expect(page.locator(".flash")).to_contain_text(
        "Slack is connected. Slack works: signed in as synth in Acme."
    )
    card = page.locator("article.connection", has_text="Slack")
    expect(card).to_contain_text("Used by1 workflow")
    expect(card).to_contain_text("Acme as @synth")
    expect(card.locator(".masked")).to_have_text("••••••K4j5")
    assert TOKEN not in page.content()
    page.probe.assert_clean()

    card.get_by_role("button", name="On Slack", pressed=True).click()
    # It asks first, naming the workflow it will block.
    expect(card.get_by_role("alert")).to_contain_text(
        "Switch Slack off? 1 workflow will be blocked until it is back on"
    )
    card.get_by_role("button", name="Switch Slack off").click()
    expect(card.get_by_role("status")).to_have_text(
        "Slack is off: 1 workflow can no longer run."
    )
    expect(card.locator(".badge-inactive")).to_have_text("Off")
    refused = page.request.post(hook, data=json.dumps({"total": 1}))
    assert refused.status == 409
    assert refused.json()["problems"][0]["message"] == "Slack connection is off."
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_text("Slack connection is off.").first).to_be_visible()
    # Run now (folded with its data box on a webhook's workflow) cannot be pressed.
    expect(page.locator("#run-with button[type=submit]")).to_be_disabled()
    page.goto("/connections")
    card = page.locator("article.connection", has_text="Slack")

    card.get_by_role("button", name="On Slack", pressed=False).click()
    expect(card.get_by_role("status")).to_have_text(
        "Slack is back on: 1 workflow can run again."
    )
    accepted = page.request.post(hook, data=json.dumps({"total": 1}))
    assert accepted.status == 202
    execution = wait_for_run(app, accepted.json()["execution_id"])
    assert execution.status == "success", execution.error_log
    posted = [r for r in fake_api.requests if r["path"] == "/api/chat.postMessage"]
    assert posted[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    page.probe.assert_clean()
