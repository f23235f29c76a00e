"""A new person's whole journey through the real UI, from sign-up to sign-out."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from synth_web.extensions import db
from synth_web.models import User
from tests.test_chat import add_conversation
from tests.test_memory import add_memory, load

pytestmark = pytest.mark.browser

EMAIL = "ada@example.com"
FIRST_PASSWORD = "correct horse battery"
NEW_PASSWORD = "analytical engine 1843"
TOKEN = "xoxb-1111111111-2222222222-JourneyTokenQ7z9"


@pytest.fixture
def app_config(fake_api):
    return {
        "WTF_CSRF_ENABLED": True,
        "SYNTH_EXECUTOR": "thread",
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
    }


def registered_user(app) -> SimpleNamespace:
    """Return the id of the person who signed up, for seeding their data."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == EMAIL))
    assert user_id is not None
    return SimpleNamespace(id=user_id)


def go_to(page, link: str, heading: str) -> None:
    """Follow a link of the navigation, wait for the page and check it is clean."""
    page.get_by_role("navigation").get_by_role("link", name=link).first.click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    page.probe.assert_clean()


def register(page) -> None:
    page.goto("/register")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.probe.assert_clean()
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(
        page.get_by_role("heading", name="Good to see you, Ada Lovelace")
    ).to_be_visible()
    page.probe.assert_clean()


def connect_slack(page) -> None:
    go_to(page, "Connections", "Connections")
    page.get_by_role("link", name="Connect Slack").click()
    expect(page.get_by_role("heading", name="Connect Slack")).to_be_visible()
    page.probe.assert_clean()
    page.get_by_label("Bot token").fill(TOKEN)
    page.get_by_role("button", name="Save Slack connection").click()
    expect(page.locator(".flash")).to_contain_text("Slack is connected.")
    card = page.locator("article.connection", has_text="Slack")
    expect(card.locator(".masked")).to_have_text("••••••Q7z9")
    assert TOKEN not in page.content()
    page.probe.assert_clean()


def create_workflow_with_a_problem(page) -> None:
    go_to(page, "Workflows", "Workflows")
    page.get_by_role("link", name="Create your first workflow").click()
    expect(page.get_by_role("heading", level=1, name="New workflow")).to_be_visible()
    page.probe.assert_clean()
    page.get_by_label("Name").fill("Greet the team")
    page.get_by_role("link", name=re.compile("Webhook → Slack")).click()
    expect(page.locator(".starter[aria-current]")).to_contain_text("Webhook → Slack")
    page.get_by_role("button", name="JSON").click()
    actions = page.get_by_label("Actions")
    expect(actions).to_have_value(re.compile("slack.post_message"))
    expect(page.get_by_label("Name")).to_have_value("Greet the team")
    page.probe.assert_clean()
    # A reference to a step that does not exist: the validator must say so.
    broken = actions.input_value().replace("trigger.body.name", "steps.lookup.output")
    actions.fill(broken)
    page.get_by_role("button", name="Save workflow").click()

    expect(page).to_have_url(re.compile(r"/workflows/\d+/edit\?view=json$"))
    expect(page.locator(".problem-summary")).to_contain_text("1 problem")
    problem = page.locator("#actions-error")
    expect(problem).to_contain_text("This uses step lookup, which does not exist.")
    expect(page.get_by_label("Actions")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".flash-warning")).to_contain_text("inactive draft")
    page.probe.assert_clean()


def fix_and_activate(page) -> None:
    actions = page.get_by_label("Actions")
    fixed = actions.input_value().replace(
        "New submission from {{ steps.lookup.output }}",
        "Hello from {{ workflow.name }}",
    )
    actions.fill(fixed)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1, name="Greet the team")).to_be_visible()
    expect(page.get_by_text("to fix before it can run")).to_have_count(0)
    page.probe.assert_clean()

    status = page.locator(".page-actions .wf-status")
    expect(status.locator(".badge")).to_have_text("Inactive")
    switch = status.get_by_role("button", name="Active Greet the team")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    expect(status.locator(".badge")).to_have_text("Active")
    expect(switch).to_have_attribute("aria-pressed", "true")
    page.probe.assert_clean()


def run_now_and_watch(page) -> None:
    page.evaluate("window.__marker = 1")
    # A webhook's workflow runs by hand on data given here (it has no sample yet).
    page.locator("#run-with summary").click()
    page.get_by_label("Data to run with (JSON)").fill('{"body": {"name": "Ada"}}')
    page.get_by_role("button", name="Run now", exact=True).click()
    row = page.locator("#recent-runs tbody tr.run-row").first
    badge = row.locator(".badge")
    expect(badge).to_have_text(re.compile("Queued|Running"))
    expect(badge).to_have_text("Running")
    expect(badge).to_have_text("Success", timeout=15_000)
    expect(row).not_to_have_attribute("hx-trigger", re.compile("."))
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    page.probe.assert_clean()

    row.get_by_role("link", name=re.compile(r"#\d+")).click()
    expect(page).to_have_url(re.compile(r"/executions/\d+$"))
    expect(page.locator("#status-title .badge")).to_have_text("Success")
    step = page.locator(".timeline .step", has_text="notify")
    step.locator("summary").click()
    expect(step.get_by_role("heading", name="Output")).to_be_visible()
    expect(step).to_contain_text("C0JOURNEY")
    expect(step).to_contain_text("1700000000.000100")
    expect(step).to_contain_text("Hello from Greet the team")
    page.probe.assert_clean()


def turn_slack_off(page) -> None:
    go_to(page, "Connections", "Connections")
    card = page.locator("article.connection", has_text="Slack")
    switch = card.get_by_role("button", name="On Slack")
    expect(switch).to_have_attribute("aria-pressed", "true")
    switch.click()
    # It asks first, naming the workflow it will block.
    expect(card.get_by_role("alert")).to_contain_text("Greet the team")
    card.get_by_role("button", name="Switch Slack off").click()
    expect(card.get_by_role("status")).to_have_text(
        "Slack is off: 1 workflow can no longer run."
    )
    page.probe.assert_clean()

    go_to(page, "Workflows", "Workflows")
    page.get_by_role("link", name="Greet the team").click()
    expect(page.get_by_role("heading", name="1 problem to fix")).to_be_visible()
    expect(page.get_by_text("Slack connection is off.").first).to_be_visible()
    # Run now (folded with its data box on a webhook's workflow) cannot be pressed.
    expect(page.locator("#run-with button[type=submit]")).to_be_disabled()
    page.probe.assert_clean()


def search_chat(page) -> None:
    go_to(page, "Chat", "Chat")
    page.get_by_label("Search all messages").press_sequentially("invoice", delay=30)
    hits = page.locator(".search-hit")
    expect(hits).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/chat\?q=invoice"))
    expect(hits.first.locator("mark")).to_have_text(re.compile("invoice", re.I))
    page.probe.assert_clean()


def edit_memory(page, app, memory_id: int) -> None:
    go_to(page, "Memory", "Memory")
    card = page.locator(f"#memory-{memory_id}")
    card.get_by_role("link", name="Edit this entry").click()
    content = card.get_by_label("Content")
    expect(content).to_be_focused()
    expect(page).to_have_url(re.compile(r"/memory$"))
    content.fill("Prefers Slack for anything urgent.")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".memory-content")).to_have_text(
        "Prefers Slack for anything urgent."
    )
    expect(page.locator("#flashes")).to_contain_text("Saved.")
    assert load(app, memory_id).content == "Prefers Slack for anything urgent."
    page.probe.assert_clean()


def change_password_and_sign_out(page) -> None:
    page.get_by_role("link", name=re.compile("Ada Lovelace")).first.click()
    expect(page.get_by_role("heading", level=1, name="Account")).to_be_visible()
    page.probe.assert_clean()
    page.get_by_label("Current password").fill(FIRST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".flash")).to_contain_text("Password changed.")
    page.probe.assert_clean()

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.probe.assert_clean()
    # The new password is the one that works now.
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.probe.assert_clean()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".flash")).to_contain_text("You are signed out.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.probe.assert_clean()


def test_a_new_person_goes_from_sign_up_to_sign_out(page, app, fake_api):
    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme", "user": "synth"})
    # Slack answers slowly enough for the page to show the run as running.
    fake_api.route(
        "/api/chat.postMessage",
        body={"ok": True, "channel": "C0JOURNEY", "ts": "1700000000.000100"},
        delay=2.0,
    )

    register(page)
    user = registered_user(app)
    # The assistant writes chat and memory; seed them as it would.
    add_conversation(
        app,
        user,
        "billing",
        [
            ("user", "Can you chase the unpaid invoice from Acme?"),
            ("assistant", "I will remind Acme about the invoice every Monday."),
        ],
    )
    add_conversation(app, user, "standup", [("user", "Post the standup notes.")])
    memory_id = add_memory(app, user, "Prefers Slack over email.")

    connect_slack(page)
    create_workflow_with_a_problem(page)
    fix_and_activate(page)
    run_now_and_watch(page)
    posted = [r for r in fake_api.requests if r["path"] == "/api/chat.postMessage"]
    assert len(posted) == 1
    assert posted[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    turn_slack_off(page)
    search_chat(page)
    edit_memory(page, app, memory_id)
    change_password_and_sign_out(page)
