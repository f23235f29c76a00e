"""A real browser builds a workflow with the step builder, without typing JSON."""

from __future__ import annotations

import json
import re

import pytest
import requests
from playwright.sync_api import expect

from synth_web.extensions import db
from synth_web.models import Execution
from tests.test_browser_workflows import sign_in
from tests.workflow_helpers import LOG, add_workflow, connect_with_secret

pytestmark = pytest.mark.browser

TOKEN = "xoxb-1111111111-2222222222-BuilderTokenQ7z9"


@pytest.fixture
def app_config(fake_api):
    return {
        "WTF_CSRF_ENABLED": True,
        "SYNTH_EXECUTOR": "thread",
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
    }


def add_step(page, action_type: str) -> None:
    catalog = page.locator("#add-step")
    if catalog.get_attribute("open") is None:
        catalog.locator("summary").click()
    catalog.locator(f'button[value="add:{action_type}"]').click()


def runs_of(app) -> list[tuple[str, bool]]:
    with app.app_context():
        runs = db.session.query(Execution).order_by(Execution.id).all()
        return [(run.status, bool((run.meta or {}).get("filtered"))) for run in runs]


def test_build_webhook_filter_slack_and_run_it_for_real(page, app, user, fake_api):
    fake_api.route(
        "/api/conversations.list",
        body={"ok": True, "channels": [{"name": "general"}, {"name": "sales"}]},
    )
    fake_api.route(
        "/api/chat.postMessage", body={"ok": True, "channel": "C0SALES", "ts": "1.2"}
    )
    connect_with_secret(app, user, "slack", {"bot_token": TOKEN})
    sign_in(page, user)
    page.goto("/workflows/new")
    page.get_by_label("Name").fill("Big orders to Slack")
    webhook = page.get_by_role("button", name=re.compile(r"^Webhook"))
    webhook.click()
    expect(webhook).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_text("appears here after the first save")).to_be_visible()

    add_step(page, "core.filter")
    condition = page.get_by_label("Condition")
    expect(condition).to_be_focused()
    condition.fill("{{ trigger.body.total > 100 }}")
    add_step(page, "slack.post_message")
    channel = page.get_by_label("Channel")
    expect(channel).to_be_focused()  # focusing it asks Slack for its channels
    expect(page.locator("datalist option[value='#sales']")).to_have_count(1)
    channel.fill("#sales")
    page.get_by_label("Text").fill("Big order: {{ trigger.body.total }}")
    expect(page.get_by_label("Name")).to_have_value("Big orders to Slack")
    page.get_by_role("button", name="Save and switch on").click()

    expect(page).to_have_url(re.compile(r"/workflows/\d+$"))
    expect(page.locator(".flash")).to_contain_text("Saved and switched on.")
    expect(page.locator(".summary")).to_have_text(
        re.compile(r"^When a webhook arrives → if total > 100 → .* to #sales on Slack$")
    )
    expect(page.locator(".page-actions .badge")).to_have_text("Active")
    hook = page.locator("#webhook-url").input_value()
    for total in (150, 5):
        answer = requests.post(hook, json={"total": total}, timeout=10)
        assert answer.status_code == 202, answer.text
    page.reload()
    rows = page.locator("#recent-runs tbody tr.run-row")
    expect(rows).to_have_count(2)
    expect(rows.locator(".badge")).to_have_text(["Success", "Success"], timeout=15_000)
    assert sorted(runs_of(app)) == [("success", False), ("success", True)]
    posted = [r for r in fake_api.requests if r["path"] == "/api/chat.postMessage"]
    assert [json.loads(r["body"]) for r in posted] == [
        {"channel": "#sales", "text": "Big order: 150"}
    ]
    page.probe.assert_clean()


def test_arranging_steps_keeps_the_keyboard_where_it_was(page, app, user):
    definition = {
        **LOG,
        "actions": [
            {"id": "first", "type": "core.log", "with": {"message": "1"}},
            {"id": "second", "type": "core.log", "with": {"message": "2"}},
        ],
    }
    wid = add_workflow(app, user, definition)
    sign_in(page, user)
    page.goto(f"/workflows/{wid}/edit")
    page.get_by_role("button", name="Move step 2 up").press("Enter")
    expect(page.locator("#step-0 h3")).to_contain_text("Step 1")
    expect(page.get_by_label("Message").first).to_have_value("2")
    expect(page.get_by_role("button", name="Move step 1 down")).to_be_focused()
    page.get_by_role("button", name="Remove step 1").click()
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="was removed")).to_be_visible()
    undo.press("Enter")
    expect(page.get_by_label("Message")).to_have_count(2)

    # Leaving with unsaved changes asks first; saying no keeps the page.
    page.get_by_label("Message").first.fill("changed")
    messages = []
    page.once(
        "dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss())
    )
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Workflows"
    ).click()
    expect(page.get_by_label("Message").first).to_have_value("changed")
    assert messages and "not saved" in messages[0]
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(rf"/workflows/{wid}$"))
    page.probe.assert_clean()


def test_a_schedule_is_told_in_words_as_it_is_typed(page, app, user):
    sign_in(page, user)
    page.goto("/workflows/new")
    page.get_by_role("button", name=re.compile(r"^Schedule")).click()
    preview = page.locator("#schedule-preview")
    expect(preview).to_contain_text("Every weekday at 09:00")
    expect(preview.locator("time")).to_have_count(5)
    page.get_by_label("Repeat").select_option("weekly")
    expect(page.get_by_label("Day")).to_be_visible()
    # Choose the day once the weekly preset's requests have all landed: a swap
    # arriving after the choice would put back the Day it was rendered with.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.get_by_label("Day").select_option("Tuesday")
    expect(page.get_by_label("Cron")).to_have_value("0 9 * * 2")
    expect(preview).to_contain_text("Every Tuesday at 09:00")
    page.get_by_label("Cron").fill("*/10 * * * *")
    expect(preview).to_contain_text("Every 10 minutes")
    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    expect(preview).to_contain_text("Asia/Tokyo")
    page.get_by_label("Cron").fill("61 * * * *")
    expect(preview).to_contain_text("is not a valid schedule")
    page.probe.assert_clean()


TYPE_AS_SOON_AS_REDRAWN = """() => new Promise((done) => {
  document.addEventListener("htmx:afterSwap", () => setTimeout(() => {
    const cron = document.getElementById("t-cron");
    cron.value = "*/10 * * * *";
    cron.dispatchEvent(new Event("input", { bubbles: true }));
    done(cron.value);
  }), { once: true });
  const day = document.getElementById("t-day");
  day.value = "2";
  day.dispatchEvent(new Event("change", { bubbles: true }));
})"""


def test_a_cron_typed_the_moment_the_schedule_is_redrawn_counts(page, app, user):
    """Fields drawn by a swap listen at once: what is typed into them the
    moment they appear is not lost."""
    sign_in(page, user)
    page.goto("/workflows/new")
    page.get_by_role("button", name=re.compile(r"^Schedule")).click()
    page.get_by_label("Repeat").select_option("weekly")
    expect(page.get_by_label("Day")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert page.evaluate(TYPE_AS_SOON_AS_REDRAWN) == "*/10 * * * *"
    expect(page.locator("#schedule-preview")).to_contain_text("Every 10 minutes")
    page.probe.assert_clean()
