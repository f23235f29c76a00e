"""A real browser on the demo account's dashboard: it renders, and stops polling."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from synth_web.extensions import db
from synth_web.models import Execution

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "demo@example.com", "demo-password-123"


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def demo(app, runner):
    """The demo account: a month of runs, one queued and one running right now."""
    result = runner.invoke(
        args=["synth", "demo", "--email", EMAIL, "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output


def sign_in(page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_demo_dashboard_renders_and_the_live_block_stops_when_runs_end(page, app, demo):
    polls: list[int] = []

    def count_polls(response) -> None:
        if response.url.endswith("/dashboard/running"):
            polls.append(response.status)

    page.on("response", count_polls)
    sign_in(page)
    expect(page.get_by_role("heading", name="Runs per day")).to_be_visible()
    expect(page.locator("svg.chart a.bar")).to_have_count(14)
    expect(page.locator(".stat-value").first).not_to_have_text("0")
    running = page.locator("#running")
    expect(running.locator(".run-item")).to_have_count(2)
    expect(running).to_have_attribute("hx-trigger", "every 2s")

    # The workers finish the demo's queued and running runs.
    with app.app_context():
        db.session.execute(
            update(Execution)
            .where(Execution.status.in_(("queued", "running")))
            .values(status="success")
        )
        db.session.commit()
    expect(running).to_contain_text("Every run has finished.", timeout=10_000)
    expect(running).not_to_have_attribute("hx-trigger", re.compile("."))
    assert polls[-1] == 286
    count = len(polls)
    time.sleep(2.5)
    assert len(polls) == count, "polling went on after the last run finished"

    # A bar opens that day's runs.
    page.locator("svg.chart a.bar.is-today").click()
    expect(page).to_have_url(re.compile(r"/executions\?from=\d{4}-\d\d-\d\d&to="))
    page.probe.assert_clean()
