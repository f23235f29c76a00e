"""A real browser registers, signs in and reaches the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def dashboard_heading(page, name):
    return page.get_by_role("heading", name=f"Good to see you, {name}")


def test_register_login_dashboard(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.probe.assert_clean()

    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("Ada@Example.com")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field-error")).to_contain_text("most common passwords")

    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    expect(dashboard_heading(page, "Ada Lovelace")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.probe.assert_clean()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")

    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(dashboard_heading(page, "Ada Lovelace")).to_be_visible()
    assert page.evaluate("typeof htmx") == "object"
    page.probe.assert_clean()


def test_browser_timezone_is_saved_at_registration(page, app):
    page.emulate_media(color_scheme="dark")
    page.goto("/register")
    page.get_by_label("Name").fill("Tokyo Person")
    page.get_by_label("Email").fill("tokyo@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    expect(dashboard_heading(page, "Tokyo Person")).to_be_visible()
    page.goto("/account")
    # The browser runs in the machine's zone; whatever it is, the form shows it.
    zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    expect(page.get_by_label("Time zone")).to_have_value(zone)
    page.probe.assert_clean()
