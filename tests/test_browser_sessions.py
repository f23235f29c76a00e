"""A real browser: "Keep me signed in", sign out, and stay signed out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import CSP_PROBE, PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_sign_out_with_keep_me_signed_in_survives_a_browser_restart(
    browser, live_server, page, user
):
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    saved = page.context.cookies()
    assert {"session", "remember_token"} <= {cookie["name"] for cookie in saved}

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)dashboard$"))

    # The browser is reopened with the cookies it had before signing out.
    context = browser.new_context(base_url=live_server)
    context.add_init_script(CSP_PROBE)
    context.add_cookies(saved)
    reopened = context.new_page()
    reopened.goto("/dashboard")
    expect(reopened).to_have_url(re.compile(r"/login\?next=(/|%2F)dashboard$"))
    expect(reopened.get_by_role("button", name="Sign in")).to_be_visible()
    context.close()
    page.probe.assert_clean()
