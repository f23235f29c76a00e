"""Every page passes an axe-core scan in both themes, and works from the keyboard.

The pages are the ones scripts/screenshots.py renders, on the demo account it
seeds. The scan is about markup and CSS, not the database, so it runs once, on
SQLite, against one seeded server for the whole module.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from scripts import screenshots
from synth_web import create_app
from synth_web.extensions import db
from tests.conftest import CSP_PROBE, TEST_VAULT_KEY

pytestmark = pytest.mark.browser

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(
    encoding="utf-8"
)
# Every rule axe runs by default, and `label` (an accessible name for each form
# control) named explicitly so nobody can switch it off by accident.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"label": {"enabled": True}}}
# The themes differ only in colour custom properties (static/css/app.css), so
# the second theme needs only the rules that look at colours.
COLOUR_RULES = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
}
BLOCKING = {"serious", "critical"}
THEMES = {"light": AXE_OPTIONS, "dark": COLOUR_RULES}
# Buttons fade their colours: after a theme switch, wait until they have settled,
# or axe would measure a half-way colour.
SETTLE = """async () => {
  getComputedStyle(document.body).color;
  const fading = document.getAnimations().filter((a) => a instanceof CSSTransition);
  // A transition on an element that a live poll replaces may never finish:
  // wait at most two seconds (page.evaluate has no timeout of its own).
  const limit = new Promise((done) => setTimeout(done, 2000));
  await Promise.race([
    Promise.all(fading.map((a) => a.finished.catch(() => null))),
    limit,
  ]);
}"""


def submit_login_with_errors(page: Any) -> None:
    """Sign in with a wrong password, to show the form's error."""
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#main .form-error")).to_be_visible()


def submit_register_empty(page: Any) -> None:
    """Submit the sign-up form empty, to show every field's error."""
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#main .field-error").first).to_be_visible()


def submit_password_empty(page: Any) -> None:
    """Submit the change-password form empty, to show its errors."""
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#main .field-error").first).to_be_visible()


def submit_memory_empty(page: Any) -> None:
    """Submit a new memory entry with no content, to show its errors."""
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator("#main .field-error").first).to_be_visible()


def submit_builder_errors(page: Any) -> None:
    """Add an HTTP step with JSON that does not parse and save, to show the errors."""
    page.locator('#add-step button[value="add:http.request"]').click()
    expect(page.get_by_label("Method")).to_be_focused()
    page.locator("#s0-more").evaluate("details => details.open = true")
    page.get_by_label("JSON", exact=True).fill('{"total": }')
    page.get_by_role("button", name="Save workflow").click()
    expect(page.locator("#main .field-error").first).to_be_visible()


Target = str | tuple[str, Callable[[Any], None]]
ANONYMOUS: dict[str, Target] = {
    **screenshots.ANONYMOUS,
    "login-errors": ("/login", submit_login_with_errors),
    "register-errors": ("/register", submit_register_empty),
}
# Pages found in the seeded data (see `seeded_pages`), named here for pytest.
SEEDED = (
    "run-success",
    "run-failed",
    "run-queued",
    "run-running",
    "run-filtered",
    "memory-edit",
    "memory-show",
    "chat-transcript",
)
# Pages screenshots.py leaves out: plain forms, and forms showing their errors.
MORE: dict[str, Target] = {
    "workflow-edit": "/workflows/1/edit",
    "builder-errors": ("/workflows/new", submit_builder_errors),
    "connect-pick-app": "/connections/new",
    "memory-new": "/memory/new",
    "memory-new-errors": ("/memory/new", submit_memory_empty),
    "account-password-errors": ("/account", submit_password_empty),
}
SIGNED_IN = (*screenshots.PAGES, *MORE, *SEEDED)
NEW_ACCOUNT = screenshots.NEW_ACCOUNT


def seeded_pages(app: Any) -> dict[str, str]:
    """Find demo runs and context worth a scan, as screenshots.py does."""
    from sqlalchemy import select

    from synth_web.models import Execution

    pages = {**screenshots.run_pages(app), **screenshots.context_pages(app)}
    with app.app_context():
        success = db.session.scalar(
            select(Execution.id)
            .where(Execution.status == "success")
            .order_by(Execution.id)
            .limit(1)
        )
    pages["run-success"] = f"/executions/{success}"
    pages["memory-show"] = pages["memory-edit"].removesuffix("/edit")
    missing = set(SEEDED) - set(pages)
    assert not missing, f"the demo data has no {missing}"
    return pages


@pytest.fixture(scope="module")
def demo_server() -> Iterator[tuple[str, dict[str, str]]]:
    """Serve the demo account on SQLite; return the URL and the seeded pages."""
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        # No background loop: the demo's queued and running runs stay that way.
        app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "SECRET_KEY": "a11y",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'a11y.db'}",
                "SQLALCHEMY_BINDS": {"vault": f"sqlite:///{instance / 'vault.db'}"},
                "SYNTH_VAULT_KEYS": [TEST_VAULT_KEY],
                "RATELIMIT_ENABLED": False,
                "SYNTH_BACKGROUND": "0",
            }
        )
        with app.app_context():
            db.create_all()
        runner = app.test_cli_runner()
        email, password = screenshots.EMAIL, screenshots.PASSWORD
        result = runner.invoke(
            args=["synth", "demo", "--email", email, "--password", password]
        )
        assert result.exit_code == 0, result.output
        result = runner.invoke(
            args=["synth", "create-user", "--email", screenshots.NEW_EMAIL],
            input=f"{password}\n{password}\n",
        )
        assert result.exit_code == 0, result.output
        screenshots.seed_tokens(app)
        screenshots.seed_chat(app)
        screenshots.APPS.append(app)  # the token pages tidy up through it
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_port}", seeded_pages(app)
        server.shutdown()
        thread.join(timeout=5)
        screenshots.APPS.remove(app)
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


class Tabs:
    """One browser tab per account (none, demo, new) and width, opened on first use."""

    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base = browser, base
        self.contexts: dict[tuple[str | None, bool], Any] = {}
        self.pages: dict[tuple[str | None, bool], Any] = {}

    def tab(self, email: str | None, phone: bool = False) -> Any:
        """Return the tab of this account (at phone width), signed in the first time."""
        key = (email, phone)
        if key not in self.pages:
            size = screenshots.SIZES["phone" if phone else "laptop"]
            context = self.browser.new_context(
                base_url=self.base, viewport={"width": size[0], "height": size[1]}
            )
            context.add_init_script(CSP_PROBE)
            page = context.new_page()
            page.set_default_timeout(10_000)
            if email:
                page.goto("/login")
                page.get_by_label("Email").fill(email)
                page.get_by_label("Password").fill(screenshots.PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page).to_have_url(re.compile(r"/dashboard$"))
            self.contexts[key], self.pages[key] = context, page
        return self.pages[key]

    def close(self) -> None:
        """Close every tab's context."""
        for context in self.contexts.values():
            context.close()


@pytest.fixture(scope="module")
def tabs(browser: Any, demo_server: tuple[str, dict[str, str]]) -> Iterator[Tabs]:
    """Signed-in (and anonymous) tabs on the demo server, shared by the module."""
    tabs = Tabs(browser, demo_server[0])
    yield tabs
    tabs.close()


def axe_violations(page: Any, options: dict[str, Any]) -> list[dict[str, Any]]:
    """Run axe on the page and return its serious and critical violations."""
    # Evaluated through the DevTools protocol, so the page's CSP (no inline
    # scripts) does not block it the way an injected <script> tag would be.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate("options => axe.run(document, options)", options)
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    """Say what is wrong and where, one rule per paragraph."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '')}".rstrip())
    return "\n".join(lines)


def settle_htmx(page: Any) -> None:
    """Wait for the load event and for htmx requests in flight (lazy fragments)."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def scan(page: Any, url: str, action: Callable[[Any], None] | None) -> None:
    """Open a page and assert axe finds nothing serious in either theme."""
    response = page.goto(url)
    assert response is not None and response.status in (200, 404), response
    # A lost session would quietly scan the sign-in page instead.
    assert url.startswith(("/login", "/register")) or "/login" not in page.url
    if action:
        action(page)
    settle_htmx(page)
    failures = []
    for theme, options in THEMES.items():
        # The stylesheet follows prefers-color-scheme; switching it restyles
        # the page in place, so one load serves both scans.
        page.emulate_media(color_scheme=theme)
        page.evaluate(SETTLE)
        found = axe_violations(page, options)
        if found:
            failures.append(f"--- {theme} theme, {page.url}\n{describe(found)}")
    page.emulate_media(color_scheme=None)
    assert not failures, "axe found serious problems:\n" + "\n".join(failures)
    assert page.evaluate("window.__cspViolations || []") == []


def target_of(pages: dict[str, Target], name: str) -> tuple[str, Any]:
    """Split a screenshots.py page into its URL and its action."""
    target = pages[name]
    return target if isinstance(target, tuple) else (target, None)


@pytest.mark.parametrize("name", list(ANONYMOUS))
def test_anonymous_page_passes_axe(tabs: Tabs, name: str) -> None:
    url, action = target_of(ANONYMOUS, name)
    scan(tabs.tab(None), url, action)


@pytest.mark.parametrize("name", SIGNED_IN)
def test_signed_in_page_passes_axe(
    tabs: Tabs, demo_server: tuple[str, dict[str, str]], name: str
) -> None:
    pages: dict[str, Target] = {**screenshots.PAGES, **MORE, **demo_server[1]}
    url, action = target_of(pages, name)
    scan(tabs.tab(screenshots.EMAIL), url, action)


@pytest.mark.parametrize("name", list(NEW_ACCOUNT))
def test_new_account_page_passes_axe(tabs: Tabs, name: str) -> None:
    url, action = target_of(NEW_ACCOUNT, name)
    scan(tabs.tab(screenshots.NEW_EMAIL), url, action)


def open_menu(page: Any) -> None:
    """Open the phone layout's navigation menu, so axe scans it too."""
    page.get_by_label("Open navigation").click()
    expect(page.get_by_role("navigation", name="Main (mobile)")).to_be_visible()


@pytest.mark.parametrize(
    "name",
    ["dashboard", "workflow-webhook", "run-failed", "builder-webhook", "chat-cards"],
)
def test_phone_layout_passes_axe(
    tabs: Tabs, demo_server: tuple[str, dict[str, str]], name: str
) -> None:
    pages: dict[str, Target] = {**screenshots.PAGES, **demo_server[1]}
    url, _ = target_of(pages, name)
    scan(tabs.tab(screenshots.EMAIL, phone=True), url, open_menu)


def test_login_at_phone_width_passes_axe(tabs: Tabs) -> None:
    scan(tabs.tab(None, phone=True), "/login", None)


THEME_VARIABLES = """() => {
  const style = getComputedStyle(document.documentElement);
  return [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules])
    .flatMap((rule) => [rule, ...(rule.cssRules || [])])
    .flatMap((rule) => rule.style ? [...rule.style] : [])
    .filter((name) => name.startsWith('--'))
    .sort()
    .map((name) => name + ': ' + style.getPropertyValue(name).trim());
}"""


def test_data_theme_matches_the_system_theme_it_names(tabs: Tabs) -> None:
    """data-theme="dark" (or "light") must give what the system preference gives."""
    page = tabs.tab(None)
    page.goto("/login")
    seen = {}
    for theme in THEMES:
        page.emulate_media(color_scheme=theme)
        seen[theme] = page.evaluate(THEME_VARIABLES)
    for theme, other in (("dark", "light"), ("light", "dark")):
        page.emulate_media(color_scheme=other)
        page.evaluate("t => document.documentElement.dataset.theme = t", theme)
        assert page.evaluate(THEME_VARIABLES) == seen[theme]
        page.evaluate("() => delete document.documentElement.dataset.theme")
    page.emulate_media(color_scheme=None)
    assert seen["dark"] != seen["light"]


# ---------- Keyboard ----------

FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'BODY', ring: false};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== 'none';
  // A chart bar (an SVG link) outlines its hit area instead; it has no stroke
  // unless focused (static/css/app.css, .chart .bar:focus-visible).
  const hit = el instanceof SVGElement && el.querySelector('.bar-hit');
  const stroke = Boolean(hit) && getComputedStyle(hit).stroke !== 'none';
  return {
    tag: el.tagName,
    text: (el.getAttribute('aria-label') || el.textContent || el.name || '').trim(),
    visible: el.matches(':focus-visible'),
    ring: outline || shadow || stroke,
  };
}"""


def tab_through(page: Any, limit: int = 80) -> list[dict[str, Any]]:
    """Press Tab until focus leaves the page or comes round again; return each stop."""
    stops, seen = [], set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_RING)
        key = page.evaluate(
            "() => document.activeElement && document.activeElement.outerHTML"
        )
        if stop["tag"] == "BODY" or key in seen:
            break
        seen.add(key)
        stops.append(stop)
    return stops


# Not /login or /register: they focus their first field on load, on purpose.
@pytest.mark.parametrize(
    "url",
    [
        "/workflows",
        "/workflows/1",
        "/dashboard",
        "/executions",
        "/connections",
        "/account/tokens",
    ],
)
def test_skip_link_first_and_every_stop_shows_a_focus_ring(
    tabs: Tabs, url: str
) -> None:
    page = tabs.tab(screenshots.EMAIL)
    page.goto(url)
    settle_htmx(page)
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()  # hidden above the page until focused
    assert box is not None and box["y"] >= 0, box
    assert page.evaluate(FOCUS_RING)["ring"]
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Then the whole page from the top: skip link, navigation, main.
    page.goto(url)
    settle_htmx(page)
    stops = tab_through(page)
    assert len(stops) > 10, stops
    assert stops[0]["text"] == "Skip to content"
    no_ring = [stop for stop in stops if not (stop["visible"] and stop["ring"])]
    assert no_ring == [], f"focused without a visible focus ring: {no_ring}"


@pytest.mark.parametrize(
    ("url", "scope"),
    [
        ("/workflows/1", ".page-actions .wf-status"),
        ("/workflows", "tbody tr:first-child .wf-status"),
        # GitHub: a connection the demo keeps off, used by no running workflow.
        ("/connections", "article.connection.is-off"),
    ],
)
def test_toggle_is_a_pressed_button_operable_with_space_and_enter(
    tabs: Tabs, url: str, scope: str
) -> None:
    page = tabs.tab(screenshots.EMAIL)
    page.goto(url)
    settle_htmx(page)
    # Cards and rows are swapped whole: find them again by their stable id.
    box_id = page.locator(scope).first.get_attribute("id")
    toggle = page.locator(f"#{box_id} button[aria-pressed]")
    badge = page.locator(f"#{box_id} .badge").first
    expect(toggle).to_have_count(1)
    assert toggle.evaluate("el => el.tagName") == "BUTTON"
    before, before_text = toggle.get_attribute("aria-pressed"), badge.inner_text()
    after = {"true": "false", "false": "true"}[before]

    # Reach it with Tab, as a keyboard user would.
    page.locator("#main").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if toggle.evaluate("el => el === document.activeElement"):
            break
    expect(toggle).to_be_focused()

    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-pressed", after)
    expect(badge).not_to_have_text(before_text)
    # htmx swapped the button: focus is back on it, so Enter works straight away.
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", before)
    expect(badge).to_have_text(before_text)
    expect(toggle).to_be_focused()


def test_live_run_status_is_announced_politely(tabs: Tabs) -> None:
    from synth_web.auth.services import find_user_by_email
    from synth_web.models import Execution, utcnow

    app = screenshots.APPS[-1]
    with app.app_context():
        user = find_user_by_email(screenshots.EMAIL)
        run = Execution(workflow_id=1, user_id=user.id, status="queued", results=[])
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    page = tabs.tab(screenshots.EMAIL)
    page.goto(f"/executions/{run_id}")
    announcer = page.locator("#run-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_be_empty()
    # The polled fragment is replaced every second; the region stays put, so a
    # screen reader hears each change once.
    assert page.locator("#run-live").get_attribute("hx-trigger") == "every 1s"
    assert page.locator("#run-live #run-announcer").count() == 0

    with app.app_context():
        run = db.session.get(Execution, run_id)
        run.status, run.started_at, run.finished_at = "success", utcnow(), utcnow()
        db.session.commit()
    expect(announcer).to_have_text(f"Run #{run_id} is now success.")
    expect(page.locator("#run-live .badge").first).to_have_text("Success")


@pytest.mark.parametrize(
    "name",
    ["dashboard", "workflows", "executions", "connections", "run-failed", "tokens"],
)
def test_status_is_never_colour_alone(
    tabs: Tabs, demo_server: tuple[str, dict[str, str]], name: str
) -> None:
    pages: dict[str, Target] = {**screenshots.PAGES, **demo_server[1]}
    url, _ = target_of(pages, name)
    page = tabs.tab(screenshots.EMAIL)
    page.goto(url)
    settle_htmx(page)
    badges = page.locator("#main .badge")
    assert badges.count() > 0, f"{name} shows no status badge"
    empty = badges.evaluate_all(
        "els => els.filter(el => !el.textContent.trim()).map(el => el.outerHTML)"
    )
    assert empty == [], f"badges with no text: {empty}"
