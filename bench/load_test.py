"""Load test: the production shape under a realistic mix, on a million runs.

Usage: .venv/bin/python bench/load_test.py [--database-url URL] [--duration 60]
       [--no-seed] [--executor celery|thread]

gunicorn (2 workers × 4 threads, gunicorn.conf.py) on PostgreSQL seeded with
1,000,000 executions (bench/seed.py), rate-limit counters in Redis, runs executed
by one Celery worker (threads) with beat. Four wrk processes at once:

- 200 open run pages, each polling its run's status every second (~200 req/s);
- webhook posts at ~100/s (10 connections, one every 100 ms each);
- /executions pages (first, filtered, older) at ~10/s;
- execution detail pages at ~10/s.

Reports p50/p95/p99 and errors per endpoint, the server's memory (RSS of gunicorn's
processes and of the worker), and whether every accepted webhook became a run that
finished.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    DEFAULT_PG,
    ROOT,
    Server,
    bench_env,
    migrate,
    signed_in,
    table,
    temp_instance,
)
from sqlalchemy import create_engine, text

from synth_web.executions.listing import encode_cursor

LUA = """
local paths = {%(paths)s}
local method = "%(method)s"
local body = %(body)s
local counter = 0
init = function(args)
  wrk.headers["Cookie"] = "%(cookie)s"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["HX-Request"] = "true"
  %(extra_headers)s
end
request = function()
  counter = counter + 1
  return wrk.format(method, paths[(counter %% #paths) + 1], nil, body)
end
delay = function() return %(delay)d end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT p50=%%.1f p95=%%.1f p99=%%.1f requests=%%d " ..
    "status_errors=%%d io_errors=%%d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def lua(
    paths: list[str],
    cookie: str,
    delay: int,
    method: str = "GET",
    body: str | None = None,
    headers: str = "",
) -> str:
    """Write a wrk script that cycles through paths with a pause per connection."""
    quoted = ", ".join(f'"{p}"' for p in paths)
    script = LUA % {
        "paths": quoted,
        "method": method,
        "cookie": cookie,
        "delay": delay,
        "body": f"'{body}'" if body else "nil",
        "extra_headers": headers,
    }
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(script)
    handle.close()
    return handle.name


def rss_mb(pids: list[int]) -> float:
    """Sum the resident memory of processes and their children, in MB."""
    total = 0
    seen = set()
    for pid in pids:
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True
        ).stdout.split()
        for each in [pid, *map(int, children)]:
            if each in seen:
                continue
            seen.add(each)
            status = Path(f"/proc/{each}/status")
            if status.exists():
                match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
                total += int(match.group(1)) if match else 0
    return round(total / 1024, 1)


OPEN_RUNS_SQL = """
INSERT INTO executions (workflow_id, user_id, status, trigger_type, created_at,
                        started_at, heartbeat_at, results, metadata)
SELECT w.id, w.user_id, 'running', 'webhook', now(), now(),
       now() + interval '1 day',
       '[{"id": "log", "type": "core.log", "status": "success"}]', '{}'
FROM workflows w, generate_series(1, 200)
WHERE w.user_id = :u AND w.name = 'Log incoming webhooks'
RETURNING id
"""


def open_runs(engine, user_id: int) -> list[int]:
    """Make 200 runs that stay running (held by a pretend worker) to be watched."""
    with engine.begin() as conn:
        return [r[0] for r in conn.execute(text(OPEN_RUNS_SQL), {"u": user_id})]


def close_runs(engine, ids: list[int]) -> None:
    """End the pretend runs again."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE executions SET status = 'cancelled', finished_at = now() "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        )


def targets(engine, user_id: int, watched: list[int]) -> dict[str, list[str]]:
    """Pick the URLs each simulated client asks for."""
    with engine.connect() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT id FROM executions WHERE user_id = :u "
                    "ORDER BY created_at DESC "
                    "LIMIT 2000"
                ),
                {"u": user_id},
            )
        ]
        older = conn.execute(
            text(
                "SELECT created_at, id FROM executions WHERE user_id = :u "
                "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 5000"
            ),
            {"u": user_id},
        ).one()
        token = conn.execute(
            text(
                "SELECT webhook_token FROM workflows WHERE user_id = :u AND "
                "name = 'Log incoming webhooks'"
            ),
            {"u": user_id},
        ).scalar()
    random.seed(7)
    return {
        # What an open run page polls: its fingerprint is the run's current one.
        "status": [f"/executions/{i}/status?v=running-1" for i in watched],
        "detail": [f"/executions/{i}" for i in random.sample(ids, 100)],
        "list": [
            "/executions",
            "/executions?status=failure",
            f"/executions?older={encode_cursor(older.created_at, older.id)}",
        ],
        "hook": [f"/hooks/{token}"],
    }


def main() -> None:
    """Seed, start the stack, run the four load generators, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--executor", default="celery", choices=["celery", "thread"])
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    if not args.no_seed:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "seed.py"), "--database-url", url],
            check=True,
        )
    engine = create_engine(url)
    with engine.connect() as conn:
        user_id = conn.execute(
            text("SELECT id FROM users WHERE email = 'demo@example.com'")
        ).scalar()
        before = conn.execute(text("SELECT max(id) FROM executions")).scalar()
    env = bench_env(
        url,
        temp_instance(),
        SYNTH_EXECUTOR=args.executor,
        RATELIMIT_ENABLED="1",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/3",
        SYNTH_WEBHOOK_LIMIT="100000 per minute",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/4",
        CELERY_QUEUE=f"synth-load-{os.getpid()}",
    )
    # Up to date, and the vault (a SQLite file in this run's instance) exists.
    migrate(env)
    server = Server(env, workers=2, threads=4)
    helpers = []
    if args.executor == "celery":
        base = [sys.executable, "-m", "celery", "-A", "synth_web.engine.celery_worker"]
        helpers.append(
            subprocess.Popen(
                [
                    *base,
                    "worker",
                    "--pool",
                    "threads",
                    "--concurrency",
                    "4",
                    "--loglevel",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        helpers.append(
            subprocess.Popen(
                [
                    *base,
                    "beat",
                    "--loglevel",
                    "warning",
                    "-s",
                    tempfile.mktemp(prefix="beat-"),
                ],
                cwd=ROOT,
                env=env,
            )
        )
    try:
        session = signed_in(server.url, "demo@example.com")
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        watched = open_runs(engine, user_id)
        urls = targets(engine, user_id, watched)
        plans = {
            "status poll (200 pages × 1/s)": (
                "-c200",
                lua(urls["status"], cookie, 1000),
            ),
            "webhook POST (~100/s)": (
                "-c10",
                lua(urls["hook"], "", 100, "POST", '{"type": "charge", "id": "ch_1"}'),
            ),
            "/executions pages (~10/s)": ("-c2", lua(urls["list"], cookie, 200)),
            "execution detail (~10/s)": ("-c2", lua(urls["detail"], cookie, 200)),
        }
        time.sleep(2)
        procs = {
            name: subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    conns,
                    f"-d{args.duration}s",
                    "--timeout",
                    "10s",
                    "-s",
                    script,
                    server.url,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for name, (conns, script) in plans.items()
        }
        time.sleep(args.duration / 2)
        memory = {
            "gunicorn": rss_mb([server.process.pid]),
            "worker": rss_mb([h.pid for h in helpers[:1]]),
        }
        outputs = {name: p.communicate()[0] for name, p in procs.items()}
        close_runs(engine, watched)
        deadline = time.time() + 120
        while time.time() < deadline:
            with engine.connect() as conn:
                left = conn.execute(
                    text(
                        "SELECT count(*) FROM executions WHERE id > :b AND status IN "
                        "('queued', 'running')"
                    ),
                    {"b": before},
                ).scalar()
            if not left:
                break
            time.sleep(1)
        with engine.connect() as conn:
            made, ok = conn.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE status = 'success') "
                    "FROM executions WHERE id > :b AND trigger_type = 'webhook' "
                    "AND NOT (id = ANY(:w))"
                ),
                {"b": before, "w": watched},
            ).one()
    finally:
        server.stop()
        for helper in helpers:
            helper.terminate()
            helper.wait(timeout=30)
    rows = []
    for name, output in outputs.items():
        found = dict(re.findall(r"(\w+)=([\d.]+)", output.split("RESULT")[-1]))
        rows.append(
            {
                "endpoint": name,
                "p50 ms": found["p50"],
                "p95 ms": found["p95"],
                "p99 ms": found["p99"],
                "requests": found["requests"],
                "req/s": round(int(found["requests"]) / args.duration),
                "errors": int(found["status_errors"]) + int(found["io_errors"]),
            }
        )
    print(table(rows))
    hooks = int(rows[1]["requests"])
    print(
        f"\nWebhooks answered: {hooks}; runs created: {made}; finished as success: "
        f"{ok}; lost: {max(0, hooks - made)}"
    )
    print(
        "Memory (RSS) at mid-test: gunicorn master + 2 workers "
        f"{memory['gunicorn']} MB,"
        f" celery worker {memory['worker']} MB"
    )


if __name__ == "__main__":
    main()
