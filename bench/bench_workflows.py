"""Measure /workflows with 1,000 workflows on PostgreSQL, through real HTTP.

Usage:
    .venv/bin/python bench/bench_workflows.py \
        --database-url postgresql://postgres@127.0.0.1:5432/synth_bench_workflows

The database named in the URL is dropped and created afresh. The script loads the
demo account, adds workflows up to --workflows for it (with runs, so "last run" is
real), serves the app with werkzeug's threaded server on a free port, signs in,
and reports p50/p95 of --requests requests per scenario. "server" is the time
spent in the app (a WSGI wrapper measures it); "http" is the whole round trip;
"app CPU" is the CPU time of the request's thread (the database's work is not in
it), which tells how much of the server time is waiting for a busy machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synth_web import create_app  # noqa: E402
from synth_web.demo import WORKFLOWS, build_demo  # noqa: E402
from synth_web.extensions import db  # noqa: E402
from synth_web.models import Execution, Workflow, utcnow  # noqa: E402
from synth_web.models.workflow import new_webhook_token  # noqa: E402

EMAIL, PASSWORD = "demo@example.com", "demo-password-123"
SCENARIOS = {
    "list, page 1": "/workflows",
    "search 'slack'": "/workflows?q=slack",
    # Searches read the texts of every step too: a channel, and a word that no
    # workflow has (every step of all 1,000 workflows is read).
    "search '#sales'": "/workflows?q=%23sales",
    "search, no match": "/workflows?q=zebra",
    "active + uses Slack": "/workflows?status=active&app=slack",
    "late page (page 38)": "/workflows?page=38",
    "search, htmx fragment": "/workflows?q=orders",
}


def fresh_database(url: str) -> str:
    """Drop and create the PostgreSQL database of the URL; return a psycopg 3 URL."""
    parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if not parsed.drivername.startswith("postgresql"):
        raise SystemExit("--database-url must be a PostgreSQL URL")
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(
        admin.render_as_string(hide_password=False), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')
    return parsed.render_as_string(hide_password=False)


def seed(count: int, seed_value: int = 11) -> dict[str, int]:
    """Load the demo account and add workflows and runs up to `count` workflows."""
    summary = build_demo(EMAIL, PASSWORD)
    user_id = summary["user id"]
    rng = random.Random(seed_value)  # noqa: S311 - made-up data
    now = utcnow()
    rows = []
    for index in range(count - summary["workflows"]):
        spec = WORKFLOWS[index % len(WORKFLOWS)]
        created = now - timedelta(days=rng.randint(1, 400))
        rows.append(
            {
                "user_id": user_id,
                "name": f"{spec['name']} #{index + 1}",
                "intent": spec["intent"],
                "trigger": spec["trigger"],
                "actions": spec["actions"],
                "status": rng.choice(["active", "inactive"]),
                "trigger_type": spec["trigger"]["type"],
                "webhook_token": new_webhook_token(),
                "created_at": created,
                "updated_at": created + timedelta(hours=rng.randint(0, 2000)),
                "meta": {},
            }
        )
    db.session.execute(insert(Workflow), rows)
    db.session.commit()
    ids = db.session.scalars(
        db.select(Workflow.id).where(Workflow.user_id == user_id)
    ).all()
    runs = []
    for workflow_id in ids:
        for _ in range(rng.choice([0, 0, 1, 3, 8])):
            started = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
            runs.append(
                {
                    "workflow_id": workflow_id,
                    "user_id": user_id,
                    "status": rng.choice(["success", "success", "failure"]),
                    "trigger_type": "manual",
                    "created_at": started,
                    "started_at": started,
                    "finished_at": started + timedelta(milliseconds=300),
                    "results": [],
                    "meta": {},
                }
            )
    db.session.execute(insert(Execution), runs)
    db.session.commit()
    # Fresh statistics, as a database that has lived a while would have.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"workflows": len(ids), "executions": len(runs) + summary["executions"]}


class ServerTiming:
    """WSGI wrapper that adds how long the app took as a Server-Timing header."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Time the app, including rendering, and report it in a header."""
        started, cpu = time.perf_counter(), time.thread_time()
        captured: dict[str, Any] = {}

        def hold(status: str, headers: list, exc_info: Any = None) -> None:
            captured.update(status=status, headers=headers, exc_info=exc_info)

        body = b"".join(self.app(environ, hold))
        took = (time.perf_counter() - started) * 1000
        used = (time.thread_time() - cpu) * 1000
        timing = f"app;dur={took:.2f}, cpu;dur={used:.2f}"
        headers = captured["headers"] + [("Server-Timing", timing)]
        start_response(captured["status"], headers, captured["exc_info"])
        return [body]


def serve(app: Any) -> str:
    """Serve the app on a free port in a thread and return its base URL."""
    app.wsgi_app = ServerTiming(app.wsgi_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def sign_in(base: str) -> requests.Session:
    """Sign in as the demo person through the real form."""
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = session.post(
        f"{base}/login",
        data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def measure(session: requests.Session, url: str, count: int, htmx: bool) -> dict:
    """Request one URL `count` times after a warm-up; return timings in ms."""
    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(10):
        session.get(url, headers=headers).raise_for_status()
    server, cpu, wall, rows = [], [], [], 0
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, headers=headers)
        wall.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        app_part, cpu_part = response.headers["Server-Timing"].split(", ")
        server.append(float(app_part.split("dur=")[1]))
        cpu.append(float(cpu_part.split("dur=")[1]))
        rows = response.text.count('<tr id="workflow-')
    return {"server": server, "cpu": cpu, "wall": wall, "rows": rows}


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values fall."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(share) - 1]


def main() -> None:
    """Build the data, serve, measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workflows", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "INSTANCE_PATH": instance,
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": url,
                "SQLALCHEMY_BINDS": {"vault": f"sqlite:///{instance}/vault.db"},
                "RATELIMIT_ENABLED": False,
                # No scheduler or workers: only the page is measured.
                "SYNTH_BACKGROUND": "0",
            }
        )
        with app.app_context():
            db.create_all()
            print("seeded:", seed(args.workflows))
        base = serve(app)
        session = sign_in(base)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"{args.requests} requests each, PostgreSQL, times in ms")
        print(f"machine load average before: {load} ({os.cpu_count()} cores)")
        print(
            f"{'scenario':26} {'rows':>4} {'server p50':>10} {'p95':>6}"
            f" {'http p50':>9} {'p95':>6} {'app CPU':>8} {'× page 1':>9}"
        )
        reference = None
        for name, path in SCENARIOS.items():
            result = measure(session, base + path, args.requests, "htmx" in name)
            server, wall = result["server"], result["wall"]
            # Each scenario's server p50 against the plain list's, measured in
            # the same run on the same busy machine.
            reference = reference or statistics.median(server)
            print(
                f"{name:26} {result['rows']:>4} {statistics.median(server):>10.1f}"
                f" {percentile(server, 95):>6.1f} {statistics.median(wall):>9.1f}"
                f" {percentile(wall, 95):>6.1f}"
                f" {statistics.median(result['cpu']):>8.1f}"
                f" {statistics.median(server) / reference:>9.2f}"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
