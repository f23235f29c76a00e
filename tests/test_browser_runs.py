"""A real browser watches runs change on screen, without reloading the page."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.run_factories import add_run, add_workflow, get_run

pytestmark = pytest.mark.browser

SLOW = [
    {"id": "wait", "type": "core.delay", "with": {"seconds": 1.5}},
    {"id": "say", "type": "core.log", "with": {"message": "done waiting"}},
]
LONG = [{"id": "wait", "type": "core.delay", "with": {"seconds": 30}}]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def sign_in(page) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    # Let the dashboard finish loading (its favicon too) before going elsewhere.
    page.wait_for_load_state("networkidle")


def wait_for_runs(app, seconds: float = 10) -> None:
    """Wait until the app's run threads are idle, so no run outlives its test."""
    deadline = time.monotonic() + seconds
    while app.extensions["synth_executor"].pending():
        assert time.monotonic() < deadline, "a run is still going"
        time.sleep(0.05)


def mark_page(page) -> None:
    """Leave a mark that a reload would wipe out."""
    page.evaluate("window.__noReload = true")


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__noReload === true")


def test_run_now_turns_into_success_without_a_reload(page, app, user):
    workflow_id = add_workflow(app, user.id, name="Slow logger", actions=SLOW)
    add_run(app, workflow_id, user.id, status="failure", error_log="old failure")
    sign_in(page)
    page.goto(f"/workflows/{workflow_id}")
    rows = page.locator("#recent-runs tbody tr.run-row")
    expect(rows).to_have_count(1)
    mark_page(page)

    page.get_by_role("button", name="Run now").click()
    expect(rows).to_have_count(2)
    newest = rows.first
    expect(newest.locator(".badge")).to_have_text(re.compile("Queued|Running"))
    expect(newest).to_contain_text("Run now by Ada Lovelace")
    expect(newest.locator(".badge")).to_have_text("Success", timeout=15_000)
    expect(newest).not_to_have_attribute("hx-trigger", re.compile("."))
    assert_not_reloaded(page)
    # The older row is untouched, below the new one.
    expect(rows.nth(1).locator(".badge")).to_have_text("Failure")
    page.probe.assert_clean()


def test_detail_page_follows_a_run_live_and_stops_polling(page, app, user):
    workflow_id = add_workflow(app, user.id, actions=SLOW)
    run_id = add_run(app, workflow_id, user.id, status="queued")
    sign_in(page)
    polls: list[int] = []
    page.on(
        "response",
        lambda r: polls.append(r.status) if "/status" in r.url else None,
    )
    page.goto(f"/executions/{run_id}")
    badge = page.locator("#status-title .badge")
    expect(badge).to_have_text("Queued")
    mark_page(page)

    app.extensions["synth_executor"].submit(run_id)
    expect(badge).to_have_text("Success", timeout=15_000)
    expect(page.locator("#run-announcer")).to_have_text(
        f"Run #{run_id} is now success."
    )
    page.locator("summary", has_text="say").click()
    expect(page.get_by_text("[info] done waiting")).to_be_visible()
    assert_not_reloaded(page)
    assert polls[-1] == 286
    count = len(polls)
    time.sleep(2.5)
    assert len(polls) == count, "polling went on after the run finished"
    page.probe.assert_clean()


def test_retry_on_the_detail_page_opens_the_new_run(page, app, user):
    workflow_id = add_workflow(app, user.id, actions=SLOW)
    first = add_run(app, workflow_id, user.id, status="failure", error_log="boom")
    sign_in(page)
    page.goto(f"/executions/{first}")
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("heading", level=1)).not_to_contain_text(f"#{first} ")
    expect(page.get_by_text(f"is a retry of run #{first}.")).to_be_visible()
    expect(page.locator("#status-title .badge")).to_have_text("Success", timeout=15_000)
    expect(page).not_to_have_url(re.compile(rf"/executions/{first}$"))
    page.probe.assert_clean()


def test_cancel_asks_first_then_stops_the_run(page, app, user):
    workflow_id = add_workflow(app, user.id, actions=LONG)
    run_id = add_run(app, workflow_id, user.id, status="queued")
    app.extensions["synth_executor"].submit(run_id)
    sign_in(page)
    page.goto(f"/executions/{run_id}")
    badge = page.locator("#status-title .badge")
    expect(badge).to_have_text("Running")
    questions: list[str] = []

    def answer(dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="Cancel run").click()
    expect(badge).to_have_text("Cancelled")
    expect(page.locator("#flashes")).to_contain_text(f"Run #{run_id} was cancelled.")
    assert questions and questions[0].startswith(f"Cancel run #{run_id}?")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    wait_for_runs(app)
    run = get_run(app, run_id)
    assert run.status == "cancelled"
    assert [step["status"] for step in run.results] == ["cancelled"]
    page.probe.assert_clean()


def test_filters_update_the_list_and_the_url_in_place(page, app, user):
    workflow_id = add_workflow(app, user.id)
    ok = add_run(app, workflow_id, user.id)
    bad = add_run(
        app, workflow_id, user.id, status="failure", error_log="HTTP 503 from shop"
    )
    sign_in(page)
    page.goto("/executions")
    expect(page.locator("tr.run-row")).to_have_count(2)
    mark_page(page)

    page.get_by_label("Status").select_option("failure")
    expect(page).to_have_url(re.compile(r"/executions\?status=failure$"))
    expect(page.locator("tr.run-row")).to_have_count(1)
    expect(page.locator(f"#run-{bad}")).to_be_visible()

    page.get_by_label("Status").select_option("")
    expect(page).to_have_url(re.compile(r"/executions$"))
    # htmx pushes the URL just before it swaps: wait for the new form and rows.
    expect(page.locator("tr.run-row")).to_have_count(2)
    page.get_by_label("Error contains").fill("503")
    expect(page).to_have_url(re.compile(r"/executions\?q=503$"))
    expect(page.locator(f"#run-{ok}")).to_have_count(0)
    expect(page.locator(f"#run-{bad}")).to_be_visible()
    assert_not_reloaded(page)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/executions$"))
    expect(page.locator("tr.run-row")).to_have_count(2)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/executions\?status=failure$"))
    expect(page.locator("tr.run-row")).to_have_count(1)
    page.probe.assert_clean()


def test_typing_while_a_filter_request_is_out_is_not_lost(page, app, user):
    workflow_id = add_workflow(app, user.id)
    add_run(app, workflow_id, user.id, status="failure", error_log="HTTP 503 shop")
    add_run(app, workflow_id, user.id, status="failure", error_log="Slack said no")
    sign_in(page)
    # The list's live poll (every 3 s) answers "nothing new" at once: one in
    # flight when the filtered list replaces it would be aborted by htmx, which
    # logs that as a console error (seen once, on a loaded machine).
    page.route(re.compile(r"/executions/live\?"), lambda r: r.fulfill(status=204))
    page.goto("/executions")
    # Hold the answer to the first change until the person has typed.
    held = []
    page.route(
        re.compile(r"/executions\?status=failure&.*&q=$"), lambda r: held.append(r)
    )
    page.get_by_label("Status").select_option("failure")
    while not held:
        page.wait_for_timeout(20)
    page.get_by_label("Error contains").fill("shop")
    held[0].continue_()
    expect(page).to_have_url(re.compile(r"/executions\?status=failure&q=shop$"))
    expect(page.locator("tr.run-row")).to_have_count(1)
    expect(page.get_by_label("Error contains")).to_have_value("shop")
    expect(page.get_by_label("Status")).to_have_value("failure")
    page.probe.assert_clean()


def test_opened_steps_stay_open_while_the_page_refreshes(page, app, user):
    actions = [{"id": "first", "type": "core.set", "with": {"values": {"a": "1"}}}]
    workflow_id = add_workflow(app, user.id, actions=actions + LONG)
    run_id = add_run(app, workflow_id, user.id, status="queued")
    sign_in(page)
    page.goto(f"/executions/{run_id}")
    app.extensions["synth_executor"].submit(run_id)
    step = page.locator("details", has_text="first")
    expect(step).to_be_visible()
    page.locator("summary", has_text="first").click()
    expect(step).to_have_attribute("open", "")
    with page.expect_response(lambda r: "/status" in r.url):
        pass
    with page.expect_response(lambda r: "/status" in r.url):
        pass
    expect(page.locator("details", has_text="first")).to_have_attribute("open", "")
    expect(step.locator("pre").last).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel run").click()
    expect(page.locator("#status-title .badge")).to_have_text("Cancelled")
    wait_for_runs(app)
    page.probe.assert_clean()
