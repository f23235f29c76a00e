"""A real browser builds a workflow from a starter, fixes its problem, activates it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.workflow_helpers import LOG, SLACK, add_workflow

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_create_from_a_starter_fix_the_problem_and_activate(page, user):
    sign_in(page, user)
    page.get_by_role("link", name="Workflows").first.click()
    expect(page.get_by_role("heading", name="No workflows yet")).to_be_visible()
    page.get_by_role("link", name="Create your first workflow").click()

    page.get_by_label("Name").fill("Form posts to Slack")
    page.get_by_role("link", name=re.compile("Webhook → Slack")).click()
    # htmx filled the JSON in place and kept the name typed so far.
    expect(page).to_have_url(re.compile(r"/workflows/new\?starter=webhook_slack$"))
    expect(page.locator(".starter[aria-current]")).to_contain_text("Webhook → Slack")
    page.get_by_role("button", name="JSON").click()
    expect(page.get_by_label("Actions")).to_have_value(re.compile("slack.post_message"))
    expect(page.get_by_label("Name")).to_have_value("Form posts to Slack")
    page.get_by_role("button", name="Save workflow").click()

    # Saved as a draft; the problem is beside the Actions field.
    expect(page).to_have_url(re.compile(r"/workflows/\d+/edit\?view=json$"))
    problem = page.locator("#actions-error")
    expect(problem).to_contain_text("Connect Slack to use this step.")
    expect(problem).to_contain_text("Step 1 (notify)")
    expect(page.locator(".flash-warning")).to_contain_text("inactive draft")

    # Fix it: log instead of posting to Slack.
    fixed = [
        {"id": "note", "type": "core.log", "with": {"message": "{{ trigger.body }}"}}
    ]
    page.get_by_label("Actions").fill(json.dumps(fixed, indent=2))
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Form posts to Slack")).to_be_visible()
    expect(page.get_by_text("to fix before it can run")).to_have_count(0)
    expect(page.get_by_text("When a POST reaches its webhook URL")).to_be_visible()
    expect(page.get_by_role("button", name="Copy")).to_be_visible()

    status = page.locator(".page-actions .wf-status")
    expect(status.locator(".badge")).to_have_text("Inactive")
    status.get_by_role("button", name="Active", pressed=False).click()
    expect(status.locator(".badge")).to_have_text("Active")
    expect(
        page.locator(".page-actions").get_by_role("button", name="Active", pressed=True)
    ).to_be_visible()
    page.reload()
    expect(page.locator(".page-actions .badge")).to_have_text("Active")
    page.probe.assert_clean()


def test_invalid_json_points_at_the_mistake(page, user):
    sign_in(page, user)
    page.goto("/workflows/new?starter=manual_log&view=json")
    page.get_by_label("Trigger").fill('{"type": "manual",}')
    page.get_by_role("button", name="Save workflow").click()
    expect(page.locator("#trigger-error")).to_contain_text(
        "Not valid JSON on line 1, column 19"
    )
    expect(page.get_by_label("Trigger")).to_have_value('{"type": "manual",}')
    expect(page.get_by_label("Trigger")).to_be_focused()
    page.probe.assert_clean()


def test_search_filters_and_refused_activation_in_the_list(page, app, user):
    add_workflow(app, user, LOG)
    add_workflow(app, user, SLACK)
    sign_in(page, user)
    page.goto("/workflows")
    expect(page.locator("tbody tr")).to_have_count(2)

    page.get_by_label("Search").fill("slack")
    expect(page).to_have_url(re.compile(r"/workflows\?q=slack"))
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Status").select_option("active")
    expect(page.get_by_text("No workflow matches")).to_be_visible()
    page.go_back()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.reload()
    expect(page.get_by_label("Search")).to_have_value("slack")

    row = page.locator("tbody tr", has_text="Orders to Slack")
    row.get_by_role("button", name="Active Orders to Slack").click()
    expect(row.locator(".refusal")).to_contain_text("Connect Slack to use this step.")
    expect(row.locator(".badge:not(.blocked-mark)")).to_have_text("Inactive")
    page.probe.assert_clean()
