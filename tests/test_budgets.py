"""Budgets every page keeps: small assets, one origin, fast server answers.

The demo account on SQLite (the setup a new person starts with) and the page
list of scripts/screenshots.py, so a page added there is held to the budgets:

- JavaScript shipped, all files together (htmx included): at most 25 KB gzipped;
- CSS: at most 30 KB gzipped;
- no request leaves the page's origin;
- every page's server time: at most 50 ms of CPU, median of 20 requests.

Server time is the CPU time of the thread that answers (the test client runs the
app, and SQLite, in this thread): the suite's other process, or anything else
busy on the machine, slowed the wall clock enough to fail a page at 27 ms.
"""

from __future__ import annotations

import gzip
import importlib.util
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from synth_web import create_app
from synth_web.extensions import db

ROOT = Path(__file__).resolve().parent.parent
JS_BUDGET = 25 * 1024
CSS_BUDGET = 30 * 1024
SERVER_MS_BUDGET = 50.0
REQUESTS = 20


def load_screenshots() -> Any:
    """Import scripts/screenshots.py, the one list of the product's pages."""
    spec = importlib.util.spec_from_file_location(
        "synth_screenshots", ROOT / "scripts" / "screenshots.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCREENS = load_screenshots()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict]]:
    """A demo-seeded app on SQLite and its pages (URL per name)."""
    instance = tmp_path_factory.mktemp("budgets")
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "budgets",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'demo.db'}",
            "RATELIMIT_ENABLED": False,
            "SYNTH_BACKGROUND": "0",
            "WTF_CSRF_ENABLED": False,
            # The figures a page shows are cached per person; measure fresh work.
            "SYNTH_DASHBOARD_CACHE_SECONDS": 0,
        }
    )
    with app.app_context():
        db.create_all()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["synth", "demo", "--email", SCREENS.EMAIL, "--password", SCREENS.PASSWORD]
    )
    assert result.exit_code == 0, result.output
    SCREENS.seed_tokens(app)
    SCREENS.seed_chat(app)
    pages = {name: target for name, target in SCREENS.PAGES.items()}
    pages.update(SCREENS.run_pages(app))
    pages.update(SCREENS.context_pages(app))
    # Pages after an action (a form filled in) are measured at their URL.
    urls = {
        name: target[0] if isinstance(target, tuple) else target
        for name, target in pages.items()
    }
    yield app, urls
    with app.app_context():
        db.engine.dispose()


def signed_in_client(app: Any) -> Any:
    """A test client signed in as the demo person."""
    client = app.test_client()
    response = client.post(
        "/login", data={"email": SCREENS.EMAIL, "password": SCREENS.PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return client


def test_every_page_answers_within_50_ms(demo: tuple[Any, dict]) -> None:
    app, urls = demo
    client = signed_in_client(app)
    medians = {}
    for name, url in urls.items():
        expected = 404 if name == "not-found" else 200
        assert client.get(url).status_code == expected, url  # warm up
        times = []
        for _ in range(REQUESTS):
            start = time.thread_time()
            response = client.get(url)
            times.append((time.thread_time() - start) * 1000)
            assert response.status_code == expected, url
        medians[url] = statistics.median(times)
    slowest = sorted(medians.items(), key=lambda item: -item[1])[:5]
    print("slowest medians (ms):", [(url, round(ms, 1)) for url, ms in slowest])
    slow = {url: round(ms, 1) for url, ms in medians.items() if ms > SERVER_MS_BUDGET}
    assert slow == {}, f"median server time over {SERVER_MS_BUDGET} ms: {slow}"


@pytest.mark.browser
def test_assets_fit_the_budget_and_stay_on_one_origin(
    demo: tuple[Any, dict], browser: Any
) -> None:
    from werkzeug.serving import make_server

    app, urls = demo
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    origin = urlsplit(base).netloc
    context = browser.new_context(base_url=base)
    page = context.new_page()
    requested: set[str] = set()
    assets: dict[str, tuple[str, bytes]] = {}

    def seen(response: Any) -> None:
        requested.add(response.url)
        kind = response.request.resource_type
        if kind in ("script", "stylesheet") and response.url not in assets:
            assets[response.url] = (kind, response.body())

    page.on("response", seen)
    page.on("request", lambda request: requested.add(request.url))
    try:
        for anonymous in ("/login", "/register"):
            page.goto(anonymous)
        page.goto("/login")
        page.get_by_label("Email").fill(SCREENS.EMAIL)
        page.get_by_label("Password").fill(SCREENS.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard")
        for url in urls.values():
            page.goto(url)
            page.wait_for_load_state("networkidle")
    finally:
        context.close()
        server.shutdown()
        thread.join(timeout=5)

    elsewhere = sorted(
        url
        for url in requested
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin
    )
    assert elsewhere == []
    gzipped = {"script": 0, "stylesheet": 0}
    for kind, body in assets.values():
        gzipped[kind] += len(gzip.compress(body, compresslevel=9))
    print(f"gzipped: {gzipped}; requests seen: {len(requested)}")
    assert gzipped["script"] > 0 and gzipped["stylesheet"] > 0
    assert gzipped["script"] <= JS_BUDGET, f"JS {gzipped['script']} B gzipped"
    assert gzipped["stylesheet"] <= CSS_BUDGET, f"CSS {gzipped['stylesheet']} B gzipped"
