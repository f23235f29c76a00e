"""A real browser makes an API token, sees it once, uses it, and revokes it."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_make_use_and_revoke_a_token(page, live_server, user):
    sign_in(page, user)
    page.goto("/account")
    page.get_by_role("link", name="Manage API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()

    page.get_by_role("button", name="Make token").click()
    expect(page.locator("#name-error")).to_contain_text("Name the token")

    page.get_by_label("Name").fill("n8n")
    page.get_by_label("Write", exact=False).check()
    page.get_by_role("button", name="Make token").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("synth_pat_")
    expect(page.get_by_role("button", name="Copy")).to_be_visible()
    page.probe.assert_clean()

    headers = {"Authorization": f"Bearer {secret}"}
    assert requests.get(f"{live_server}/api/v1/workflows", headers=headers).ok

    page.goto("/account/tokens")
    expect(page.locator("#new-token")).to_have_count(0)
    assert secret not in page.content()
    page.locator("summary", has_text="Revoke").click()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("was revoked")).to_be_visible()
    expect(page.get_by_text("Revoked", exact=False).first).to_be_visible()
    page.probe.assert_clean()

    refused = requests.get(f"{live_server}/api/v1/workflows", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"
