"""A real browser edits a memory entry in place and searches the chat history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.test_chat import add_conversation, long_conversation
from tests.test_memory import add_memory, load
from tests.workflow_helpers import add_workflow

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def sign_in(page):
    page.goto("/login")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_edit_memory_in_place_then_delete(page, app, user):
    memory_id = add_memory(app, user, "Prefers Slack over email.", relevance_score=0.4)
    add_memory(app, user, "Works in Paris time.", relevance_score=0.9)
    sign_in(page)
    page.goto("/memory")
    card = page.locator(f"#memory-{memory_id}")
    card.get_by_role("link", name="Edit this entry").click()

    # The form replaced the card; the page did not change.
    content = card.get_by_label("Content")
    expect(content).to_be_focused()
    expect(page).to_have_url(re.compile(r"/memory$"))
    content.fill("Prefers Slack for anything urgent.")
    card.get_by_label("Relevance").fill("1.5")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".field-error")).to_have_text(
        "Relevance must be from 0 to 1, like 0.75."
    )
    expect(card.get_by_label("Content")).to_have_value(
        "Prefers Slack for anything urgent."
    )
    # Focus lands on the field to fix once htmx has settled the new form: fill
    # only then, or a late autofocus would move the typing elsewhere.
    expect(card.get_by_label("Relevance")).to_be_focused()

    card.get_by_label("Relevance").fill("0.85")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".memory-content")).to_have_text(
        "Prefers Slack for anything urgent."
    )
    expect(card.locator(".relevance-value")).to_contain_text("0.85")
    expect(page.locator("#flashes")).to_contain_text("Saved.")
    entry = load(app, memory_id)
    assert (entry.content, entry.relevance_score) == (
        "Prefers Slack for anything urgent.",
        0.85,
    )

    # Cancel puts the entry back unchanged.
    card.get_by_role("link", name="Edit this entry").click()
    card.get_by_role("link", name="Cancel").click()
    expect(card.locator(".memory-content")).to_have_text(
        "Prefers Slack for anything urgent."
    )

    card.locator("summary", has_text="Delete").click()
    card.get_by_role("button", name="Delete entry").click()
    expect(card).to_have_count(0)
    expect(page.locator(".memory-card")).to_have_count(1)
    expect(page.locator(".results-summary")).to_contain_text("Showing 1–1 of 1 entry")
    assert load(app, memory_id) is None
    page.probe.assert_clean()


def test_active_search_on_memory_keeps_the_url(page, app, user):
    add_memory(app, user, "Prefers Slack.")
    add_memory(app, user, "Invoices in GBP.")
    sign_in(page)
    page.goto("/memory")
    page.get_by_label("Search content").press_sequentially("gbp", delay=30)
    expect(page.locator(".memory-card")).to_have_count(1)
    expect(page.locator(".memory-card")).to_contain_text("Invoices in GBP.")
    expect(page).to_have_url(re.compile(r"/memory\?q=gbp"))
    page.get_by_label("Sort by").select_option("created")
    expect(page).to_have_url(re.compile(r"sort=created"))
    page.probe.assert_clean()


def test_search_chat_and_open_the_match(page, app, user):
    wid = add_workflow(app, user, name="Nightly backup check")
    ids = add_conversation(
        app,
        user,
        "c1",
        [
            ("user", "Why did the <b>backup</b> check fail?"),
            ("assistant", "The backup was 31 hours old.", {"workflow_id": wid}),
        ],
    )
    add_conversation(app, user, "c2", [("user", "Send the weekday digest.")])
    sign_in(page)
    page.goto("/chat")
    expect(page.locator(".conversation-link")).to_have_count(2)

    page.get_by_label("Search all messages").press_sequentially("backup", delay=30)
    hits = page.locator(".search-hit")
    expect(hits).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/chat\?q=backup"))
    expect(hits.first.locator("mark")).to_have_text("backup")
    # The message's own <b> is text, not bold.
    expect(hits.last).to_contain_text("Why did the <b>backup</b> check fail?")

    hits.last.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/chat/c1\?at={ids[0]}&q=backup#m{ids[0]}$"))
    target = page.locator(f"#m{ids[0]}")
    expect(target).to_be_in_viewport()
    expect(target.locator("mark")).to_have_text("backup")
    link = page.get_by_role("link", name="Nightly backup check")
    expect(link).to_have_attribute("href", f"/workflows/{wid}")
    page.probe.assert_clean()


def test_long_transcript_loads_older_messages_on_scroll(page, app, user):
    ids = long_conversation(app, user, count=130)
    sign_in(page)
    page.goto("/chat")
    page.get_by_role("link", name="message 000").click()
    messages = page.locator(".message")
    expect(messages).to_have_count(50)
    # The transcript opens at its latest message.
    expect(page.locator(f"#m{ids[-1]}")).to_be_in_viewport()
    page.locator(".transcript-more").scroll_into_view_if_needed()
    expect(messages).to_have_count(100)
    # The reader keeps their place: the message that was on top is still in view.
    expect(page.locator(f"#m{ids[-50]}")).to_be_in_viewport()
    page.locator(".transcript-more").scroll_into_view_if_needed()
    expect(messages).to_have_count(130)
    expect(page.locator(".transcript-more")).to_have_count(0)
    page.probe.assert_clean()
