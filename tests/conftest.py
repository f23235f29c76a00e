"""Fixtures: the app on SQLite and on PostgreSQL, clients, users and a browser."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from synth_web import create_app
from synth_web.auth.services import create_user
from synth_web.extensions import db
from synth_web.models import User

# Fixtures of the API tests (api, other_api), shared by their modules.
pytest_plugins = ("tests.api_support",)

POSTGRES_URL = os.environ.get("SYNTH_TEST_DATABASE_URL", "").strip()
REQUIRE_POSTGRES = os.environ.get("CI") or os.environ.get("SYNTH_REQUIRE_POSTGRES")
PASSWORD = "correct horse battery"

TABLES = (
    "workflow_samples",
    "workflow_origins",
    "api_tokens",
    "user_sessions",
    "chat_messages",
    "memory",
    "connections",
    "executions",
    "workflows",
    "users",
)
# A fixed vault key, so tests never touch instance/vault.key unless they mean to.
TEST_VAULT_KEY = "E0a2i4TiytL0clNONERX6bIXecFLWBq01bNbjSR6xGc="


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run in CI without PostgreSQL: its tests must not be skipped."""
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError(
            "SYNTH_TEST_DATABASE_URL is not set, but CI/SYNTH_REQUIRE_POSTGRES is: "
            "the PostgreSQL half of the suite would be skipped."
        )


def worker_suffix(request: pytest.FixtureRequest) -> str:
    """Name per pytest-xdist worker, so parallel workers use separate databases."""
    workerinput = getattr(request.config, "workerinput", None)
    return workerinput["workerid"] if workerinput else "main"


def postgres_database(name_suffix: str, fresh: bool) -> str:
    """Create (or reuse) a PostgreSQL database for tests and return its URL."""
    url = make_url(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    name = re.sub(r"\W", "_", f"{url.database}_{name_suffix}")
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(
        admin.render_as_string(hide_password=False), autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        if not exists or fresh:
            conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine_kind(request: pytest.FixtureRequest) -> str:
    """Run every database test once on SQLite and once on PostgreSQL."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("SYNTH_TEST_DATABASE_URL is not set")
    return request.param


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest, engine_kind: str) -> str | None:
    """A PostgreSQL database for this test worker, schema created once."""
    if engine_kind != "postgresql":
        return None
    url = postgres_database(worker_suffix(request), fresh=True)
    app = create_app(base_config(url, None))
    with app.app_context():
        db.create_all(bind_key=None)
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def postgres_vault_url(request: pytest.FixtureRequest) -> str:
    """A PostgreSQL vault database for this test worker, apart from the main one."""
    if not POSTGRES_URL:
        pytest.skip("SYNTH_TEST_DATABASE_URL is not set")
    return postgres_database(worker_suffix(request) + "_vault", fresh=True)


@pytest.fixture
def vault_url() -> str | None:
    """The test app's vault database; None is a SQLite file beside the main one."""
    return None


@pytest.fixture(params=["sqlite_vault", "postgresql_vault"])
def vault_on_both(request: pytest.FixtureRequest) -> str | None:
    """A vault URL for SQLite and for PostgreSQL: use it to override `vault_url`."""
    if request.param == "sqlite_vault":
        return None
    return request.getfixturevalue("postgres_vault_url")


def base_config(
    url: str, instance: Path | None, vault_url: str | None = None
) -> dict[str, Any]:
    """The settings every test app starts from."""
    if vault_url is None:
        vault_url = f"sqlite:///{instance / 'vault.db'}" if instance else "sqlite://"
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_BINDS": {"vault": vault_url},
        "SYNTH_VAULT_KEYS": [TEST_VAULT_KEY],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
    }
    if instance is not None:
        config["INSTANCE_PATH"] = str(instance)
    return config


def empty_vault() -> None:
    """Create the vault's table where it is missing, and empty it."""
    db.create_all(bind_key="vault")
    with db.engines["vault"].begin() as connection:
        for table in reversed(db.metadatas["vault"].sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra settings a test module can override for its app."""
    return {}


@pytest.fixture
def app(
    engine_kind: str,
    postgres_url: str | None,
    vault_url: str | None,
    tmp_path: Path,
    app_config: dict[str, Any],
) -> Iterator[Flask]:
    """A fresh app with empty databases (main and vault) of the parametrised kind."""
    instance = tmp_path / "instance"
    url = postgres_url or f"sqlite:///{instance / 'test.db'}"
    app = create_app({**base_config(url, instance, vault_url), **app_config})
    with app.app_context():
        if engine_kind == "sqlite":
            db.create_all(bind_key=None)
        else:
            db.session.execute(
                text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
            )
            db.session.commit()
        empty_vault()
    yield app
    # Runs a test started and did not wait for must end before the next test
    # empties the tables under them.
    app.extensions["synth_executor"].shutdown(wait=True)
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    """A CLI runner for the app's commands."""
    return app.test_cli_runner()


def make_user(app: Flask, email: str, name: str = "Test Person") -> User:
    """Create a user directly in the database."""
    with app.app_context():
        user = create_user(name, email, PASSWORD)
        db.session.refresh(user)
        db.session.expunge(user)
        return user


@pytest.fixture
def user(app: Flask) -> User:
    """The signed-in person of most tests."""
    return make_user(app, "ada@example.com", "Ada Lovelace")


@pytest.fixture
def other_user(app: Flask) -> User:
    """Someone else, whose objects must stay invisible."""
    return make_user(app, "grace@example.com", "Grace Hopper")


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(
        self, email: str = "ada@example.com", password: str = PASSWORD, **extra: Any
    ) -> Any:
        """Post the login form."""
        return self._client.post(
            "/login", data={"email": email, "password": password, **extra}
        )

    def logout(self) -> Any:
        """Post the logout form."""
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Helpers to sign in and out."""
    return AuthActions(client)


@pytest.fixture
def signed_in(client: FlaskClient, auth: AuthActions, user: User) -> FlaskClient:
    """A client signed in as `user`."""
    response = auth.login()
    assert response.status_code == 302, response.text
    return client


# ---------- Browser tests ----------

CHROMIUM = os.environ.get("SYNTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
CSP_PROBE = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations = window.__cspViolations || [];
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app over real HTTP on a free port."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") or os.environ.get("SYNTH_REQUIRE_BROWSER"):
            raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect, sync_playwright

    # The machine may be busy (two test processes, a database, a browser): give
    # assertions about the page the same 10 s that actions get.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class PageProbe:
    """Collect console errors, CSP violations and failed requests of a page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        self.allowed_statuses: set[int] = set()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def _failed(self, request: Any) -> None:
        # The browser aborts requests still in flight when the page moves on (a
        # favicon during a quick navigation): that is not a failed request.
        if request.failure and "ERR_ABORTED" in request.failure:
            return
        self.problems.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in self.allowed_statuses:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def csp_violations(self) -> list[str]:
        """Return the CSP violations the page reported."""
        return self.page.evaluate("window.__cspViolations || []")

    def assert_clean(self) -> None:
        """Fail if anything went wrong on the page so far."""
        problems = self.problems + [f"CSP: {v}" for v in self.csp_violations()]
        assert problems == []


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser tab on the live server, with a probe attached."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 800}
    )
    context.add_init_script(CSP_PROBE)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.probe = PageProbe(tab)
    yield tab
    context.close()


# ---------- Servers and workflows for engine tests ----------


@pytest.fixture
def fake_api() -> Iterator[Any]:
    """A local HTTP server that steps can call."""
    from tests.servers import FakeServer

    server = FakeServer()
    yield server
    server.close()


def add_workflow(
    app: Flask,
    user: User,
    actions: list[dict[str, Any]],
    trigger: dict[str, Any] | None = None,
    status: str = "active",
    name: str = "Test workflow",
) -> int:
    """Create a workflow for a user and return its id."""
    from synth_web.models import Workflow

    with app.app_context():
        workflow = Workflow(user_id=user.id, name=name, status=status)
        workflow.apply_definition(
            {
                "name": name,
                "intent": "Test the engine.",
                "trigger": trigger or {"type": "manual"},
                "actions": actions,
            }
        )
        db.session.add(workflow)
        db.session.commit()
        return workflow.id


@contextmanager
def counting(app):
    """Collect every SQL statement sent on the main database meanwhile."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement.split()[0].upper() + " " + statement[:120])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
