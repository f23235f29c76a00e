"""Time the API's read endpoints and a message append over real HTTP.

Usage:
    .venv/bin/python bench/bench_api.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/synth_bench_api

Builds a fresh database with the demo account (about 350 runs, memory and
conversations), makes a token with `flask synth create-token`, serves the app
with gunicorn (2 workers, 4 threads) and sends --requests requests to each
endpoint one at a time over a kept-alive connection, after a warm-up. Prints
p50/p95/p99/max in milliseconds. A script, not a test: numbers depend on the
machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import requests
from common import (
    DEFAULT_PG,
    PASSWORD,
    ROOT,
    Server,
    bench_env,
    fresh_database,
    measure,
    migrate,
    summary,
    table,
    temp_instance,
)

EMAIL = "bench@example.com"


def flask(env: dict[str, str], *args: str) -> str:
    """Run a flask command of the app and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def time_appends(session: requests.Session, url: str, count: int) -> dict[str, float]:
    """Time `count` message appends, each with its own Idempotency-Key."""
    times = []
    for n in range(count):
        began = time.perf_counter()
        response = session.post(
            url,
            json={"role": "user", "content": f"Message {n}"},
            headers={"Idempotency-Key": f"bench-{n}"},
        )
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return summary(times)


def main() -> None:
    """Build the data, serve the app and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG + "_api")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    env = bench_env(fresh_database(args.database_url), temp_instance())
    migrate(env)
    flask(env, "synth", "demo", "--email", EMAIL, "--password", PASSWORD)
    token = flask(env, "synth", "create-token", "--email", EMAIL, "--name", "bench")
    server = Server(env)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token.strip()}"
        api = server.url + "/api/v1"
        workflow = session.get(api + "/workflows?limit=1").json()["data"][0]["id"]
        run = session.get(api + "/executions?limit=1").json()["data"][0]["id"]
        conversation = session.get(api + "/conversations?limit=1").json()["data"][0]
        paths = {
            "GET /workflows (50)": "/workflows",
            "GET /workflows/{id}": f"/workflows/{workflow}",
            "GET /executions (50)": "/executions",
            "GET /executions/{id}": f"/executions/{run}",
            "GET /memory (50)": "/memory?sort=relevance",
            "GET /conversations": "/conversations",
            "GET /context": "/context?conversation_id="
            + conversation["conversation_id"],
        }
        rows = [
            {"endpoint": name, **measure(session, api + path, args.requests)}
            for name, path in paths.items()
        ]
        appends = time_appends(
            session, api + "/conversations/bench/messages", args.requests
        )
        rows.append({"endpoint": "POST /conversations/{id}/messages", **appends})
        print(table(rows))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
