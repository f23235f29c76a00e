"""Talking to Synth in a real browser: from a request in words to a run, and back.

Slack is a local fake server over real HTTP (tests/servers.py); the planner is
the offline brain, so every answer is the same on every run.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

# The journey's settings: CSRF on, runs in threads, Slack at the local fake.
from tests.test_browser_journey import app_config  # noqa: F401

pytestmark = pytest.mark.browser

REQUEST = "when I click run, post 'Hello from chat' to #team on Slack"
TOKEN = "xoxb-1111111111-2222222222-ChatJourneyQ7z9"


def sign_in(page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def ask_in_chat(page) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Chat").first.click()
    expect(page.get_by_role("heading", level=1, name="Chat")).to_be_visible()
    page.get_by_label("What should Synth automate?").fill(REQUEST)
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/chat/[0-9a-f]{32}$"))
    expect(page.locator(".message-user").last).to_contain_text(REQUEST)
    card = page.locator(".plan-card").last
    expect(card).to_contain_text("Needs an app connected")
    expect(card).to_contain_text("Slack · Send a message to #team: “Hello from chat”.")
    page.probe.assert_clean()


def connect_and_come_back(page) -> None:
    conversation = page.url
    page.locator(".plan-card").last.get_by_role("link", name="Connect Slack").click()
    expect(page.get_by_role("heading", name="Connect Slack")).to_be_visible()
    page.get_by_label("Bot token").fill(TOKEN)
    page.get_by_role("button", name="Save Slack connection").click()
    expect(page).to_have_url(re.compile(re.escape(conversation) + r"\?at=\d+"))
    expect(page.locator(".flash")).to_contain_text("Slack is connected.")
    card = page.locator(".plan-card").last
    expect(card).to_contain_text("Slack is connected now.")
    card.get_by_role("button", name="Try again").click()
    expect(page.locator(".plan-card")).to_have_count(2)
    expect(page.locator(".plan-card").last).to_contain_text("Draft workflow")
    page.probe.assert_clean()


def create_run_and_follow_back(page) -> None:
    page.locator(".plan-card").last.get_by_role(
        "button", name="Create and switch on"
    ).click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+$"))
    expect(page.locator(".flash")).to_contain_text("and switched it on.")
    expect(page.locator(".page-actions .wf-status .badge")).to_have_text("Active")
    page.get_by_role("button", name="Run now").click()
    badge = page.locator("#recent-runs tbody tr.run-row").first.locator(".badge")
    expect(badge).to_have_text("Success", timeout=15_000)
    page.probe.assert_clean()

    page.get_by_role("link", name=re.compile(r"^Created from chat · ")).click()
    expect(page).to_have_url(re.compile(r"/chat/[0-9a-f]{32}\?at=\d+#m\d+$"))
    made = page.locator(".plan-card").last.locator(".plan-made")
    expect(made).to_contain_text("Slack to #team")
    expect(made.locator(".badge-success")).to_have_text("Success")
    page.probe.assert_clean()


def test_from_a_request_in_chat_to_a_successful_run_and_back(page, user, fake_api):
    fake_api.route("/api/auth.test", body={"ok": True, "team": "Acme", "user": "synth"})
    fake_api.route(
        "/api/chat.postMessage", body={"ok": True, "channel": "C1", "ts": "1.2"}
    )
    sign_in(page)
    ask_in_chat(page)
    connect_and_come_back(page)
    create_run_and_follow_back(page)
    posted = [r for r in fake_api.requests if r["path"] == "/api/chat.postMessage"]
    assert len(posted) == 1 and "Hello from chat" in posted[0]["body"]


def test_a_follow_up_appears_at_once_without_reloading(page, user):
    sign_in(page)
    page.goto("/chat")
    page.get_by_label("What should Synth automate?").fill("every day at 9 log 'hi'")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".plan-card")).to_have_count(1)
    page.evaluate("window.__marker = 1")
    composer = page.get_by_label("Reply to Synth")
    composer.fill("make it 10am")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".message-user").last).to_have_text(re.compile("make it 10am"))
    expect(page.locator(".plan-card")).to_have_count(2)
    expect(page.locator("#chat-announcer")).to_contain_text("Synth answered")
    expect(page.get_by_label("Reply to Synth")).to_have_value("")
    expect(page.get_by_label("Reply to Synth")).to_be_focused()
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    page.get_by_role("button", name="Send").click()  # empty: said beside it
    expect(page.locator("#composer-error")).to_have_text(
        re.compile("Write what you would like Synth to automate.")
    )
    expect(page.get_by_label("Reply to Synth")).to_be_focused()
    page.probe.assert_clean()


def test_without_javascript_a_plain_post_shows_both_messages(
    browser, live_server, user
):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page)
        page.goto("/chat")
        page.get_by_label("What should Synth automate?").fill("every hour log 'tick'")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".message-user")).to_have_text(
            re.compile("every hour log 'tick'")
        )
        card = page.locator(".plan-card")
        expect(card).to_contain_text("Every hour (UTC)")
        card.get_by_role("button", name="Create workflow").click()
        expect(page).to_have_url(re.compile(r"/workflows/\d+$"))
        expect(page.locator(".flash")).to_contain_text("It stays off")
    finally:
        context.close()
