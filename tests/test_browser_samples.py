"""A real browser tests before it trusts: a test event, Insert data, Test step."""

from __future__ import annotations

import json
import re

import pytest
import requests
from playwright.sync_api import expect

from tests.test_browser_builder import add_step
from tests.test_browser_workflows import sign_in
from tests.workflow_helpers import connect_with_secret

pytestmark = pytest.mark.browser

TOKEN = "xoxb-1111111111-2222222222-SamplesTokenQ7z9"


@pytest.fixture
def app_config(fake_api):
    return {
        "WTF_CSRF_ENABLED": True,
        "SYNTH_EXECUTOR": "thread",
        "SYNTH_ALLOW_PRIVATE_NETWORK": True,
        "SYNTH_SLACK_API_URL": fake_api.url("/api"),
    }


def slack_posts(fake_api) -> list[dict]:
    posted = [r for r in fake_api.requests if r["path"] == "/api/chat.postMessage"]
    return [json.loads(r["body"]) for r in posted]


def test_listen_insert_data_test_step_then_go_live(page, app, user, fake_api):
    fake_api.route("/api/conversations.list", body={"ok": True, "channels": []})
    fake_api.route(
        "/api/chat.postMessage", body={"ok": True, "channel": "C0SALES", "ts": "1.2"}
    )
    connect_with_secret(app, user, "slack", {"bot_token": TOKEN})
    sign_in(page, user)
    page.goto("/workflows/new")
    page.get_by_label("Name").fill("Orders to #sales")
    webhook = page.get_by_role("button", name=re.compile(r"^Webhook"))
    webhook.click()
    expect(webhook).to_have_attribute("aria-pressed", "true")
    add_step(page, "slack.post_message")
    expect(page.get_by_label("Channel")).to_be_focused()
    page.get_by_label("Channel").fill("#sales")
    # No text yet: it is kept as a draft, to be finished with the sample's data.
    page.get_by_role("button", name="Save workflow").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+/edit$"))
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+$"))

    # Listen for a test event; a real webhook arrives and becomes the sample.
    page.get_by_role("button", name="Listen for a test event").click()
    expect(page.locator("#sample")).to_contain_text("Listening for a test event")
    hook = page.locator("#webhook-url").input_value()
    answer = requests.post(hook, json={"total": 120}, timeout=10)
    assert answer.status_code == 202 and answer.json() == {"captured": True}
    expect(page.locator("#sample")).to_contain_text('"total": 120')
    expect(page.get_by_role("button", name="Listen for a test event")).to_be_visible()
    assert slack_posts(fake_api) == []  # the steps did not run

    # Insert data: type "Order ", pick the total; no braces typed.
    page.get_by_role("link", name="Edit", exact=True).click()
    text = page.get_by_label("Text", exact=True)
    text.fill("Order ")
    menu = page.locator("details.insert-data", has_text="Insert data into Text")
    menu.locator("summary").click()
    menu.get_by_role("button", name=re.compile(r"trigger\.body\.total")).click()
    expect(text).to_have_value("Order {{ trigger.body.total }}")

    # Test the Slack step: it posts for real, to the local fake Slack.
    page.get_by_role("button", name="Test step 1").click()
    result = page.locator(".test-result")
    expect(result).to_contain_text("Success", timeout=15_000)
    expect(result).to_contain_text("C0SALES")
    assert slack_posts(fake_api) == [{"channel": "#sales", "text": "Order 120"}]

    page.get_by_role("button", name="Save and switch on").click()
    expect(page.locator(".flash")).to_contain_text("Saved and switched on.")
    recent = page.locator("#recent-runs tbody tr.run-row")
    expect(recent.first).to_contain_text("Test step")

    answer = requests.post(hook, json={"total": 75}, timeout=10)
    assert answer.status_code == 202 and "execution_id" in answer.json()
    page.reload()
    expect(recent.first.locator(".badge")).to_have_text("Success", timeout=15_000)
    assert slack_posts(fake_api)[-1] == {"channel": "#sales", "text": "Order 75"}
    page.probe.assert_clean()


def test_a_sample_over_the_limits_is_refused_and_nothing_is_lost(page, app, user):
    sign_in(page, user)
    page.goto("/workflows/new")
    page.get_by_label("Name").fill("Hooks")
    webhook = page.get_by_role("button", name=re.compile(r"^Webhook"))
    webhook.click()
    expect(webhook).to_have_attribute("aria-pressed", "true")
    add_step(page, "core.log")
    expect(page.get_by_label("Message")).to_be_focused()
    page.get_by_label("Message").fill("hi")
    page.get_by_role("button", name="Save workflow").click()
    expect(page).to_have_url(re.compile(r"/workflows/\d+$"))

    page.locator("#sample summary", has_text="Paste a sample").click()
    deep = '{"body": ' + "[" * 70 + "]" * 70 + "}"
    box = page.get_by_label("Sample (JSON)")
    box.fill(deep)
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Save sample").click()
    expect(page.locator("#sample-json-error")).to_contain_text(
        "Nested deeper than 64 levels."
    )
    expect(page.get_by_label("Sample (JSON)")).to_have_value(deep)
    expect(page.get_by_label("Sample (JSON)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("heading", level=1, name="Hooks")).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    page.probe.assert_clean()
