"""Connections pages through real HTTP: the list, the connect form, the htmx toggle.

Usage: .venv/bin/python bench/bench_connections.py [--database-url URL] [--count 200]

Serves the app with gunicorn on a fresh database holding the demo account (four
connections, a dozen workflows, ~350 runs) and times sequential requests.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

from common import (
    DEFAULT_PG,
    PASSWORD,
    ROOT,
    Server,
    bench_env,
    fresh_database,
    measure,
    migrate,
    signed_in,
    summary,
    table,
    temp_instance,
)

EMAIL = "demo@example.com"


def toggle_times(base: str, session, count: int) -> dict[str, float]:
    """Time htmx toggles of the Slack connection (off, on, off, …)."""
    page = session.get(base + "/connections").text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    slack = re.search(
        r'id="connection-(\d+)"(?:(?!</article>).)*?<h2[^>]*>Slack</h2>', page, re.S
    )
    connection_id = slack.group(1)
    url = f"{base}/connections/{connection_id}/toggle"
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    times = []
    for _ in range(count):
        began = time.perf_counter()
        response = session.post(url, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return summary(times)


def main() -> None:
    """Serve the demo and time the pages."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    env = bench_env(url, temp_instance())
    migrate(env)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "synth",
            "demo",
            "--email",
            EMAIL,
            "--password",
            PASSWORD,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = Server(env)
    try:
        session = signed_in(server.url, EMAIL)
        rows = [
            {
                "request": "GET /connections",
                **measure(session, server.url + "/connections", args.count),
            },
            {
                "request": "GET /connections/new?app=gmail",
                **measure(
                    session, server.url + "/connections/new?app=gmail", args.count
                ),
            },
            {
                "request": "POST …/toggle (htmx)",
                **toggle_times(server.url, session, args.count),
            },
        ]
    finally:
        server.stop()
    print(f"database: {url.split('@')[-1]}")
    print(table(rows))


if __name__ == "__main__":
    main()
