"""Live status polls under webhook load: the poll's latency as a ratio of a bare app.

Usage: .venv/bin/python bench/bench_polls.py [--database-url URL] [--seconds 20]
       [--pages 200] [--hooks 100] [--targets bare,thread,thread-db,external,celery]
       [--per-second]

For each target, on a fresh PostgreSQL database and one after the other: 200 run
pages (runs left running, marked recorded so no sweep ends them) each poll their
run's status once a second, while webhooks arrive at 100 a second and their runs
run (recorded runs take no share of the pool: before the seventh session of issue
20 they took the person's whole share, and every webhook run stayed queued). Both
loads are sent on a fixed schedule and timed from the scheduled instant (open
loop), after --warmup seconds (3) sent but not timed; the polls come from a
process of their own so the two generators do not share one interpreter lock.

- bare: bench/bare_app.py's `/runs/<id>/status` (one indexed query, no sign-in);
- thread: Synth in thread mode with SYNTH_LIVE_REDIS_URL: an unchanged poll
  answers from Redis alone (the browser session and the run's reading);
- thread-db: the same without Redis (the sign-in and the version from the
  database: two queries);
- external, celery: as thread, the runs run by the external worker or one Celery
  worker process instead of the web processes (optional targets).

Synth's pages are signed in as one person (one browser session); each poll sends
the version the page was rendered with and gets 204. The rate limiter is
configured as in bench_ingest (SYNTH_WEBHOOK_LIMIT raised so it never answers
429); status polls have no limit of their own. --per-second also prints each
second's poll p95 beside how many of that second's webhook runs were queued
instead of inserted running (the queued episodes that set the tail, issue 20).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import (  # noqa: E402
    Target,
    last_id,
    open_loop,
    runs_after,
    start_target,
)
from common import DEFAULT_PG, summary, table  # noqa: E402
from sqlalchemy import text  # noqa: E402

PASSWORD = "bench-password-123"


def sign_in(target: Target) -> str:
    """Sign the benchmark's person in; return the Cookie header of the session."""
    host = target.url.removeprefix("http://")
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode()
    cookie = page.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    form = f"csrf_token={token}&email=bench%40example.com&password={PASSWORD}"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    conn.request("POST", "/login", form, headers)
    answer = conn.getresponse()
    answer.read()
    if answer.status != 302:
        raise RuntimeError(f"sign-in answered {answer.status}")
    return answer.getheader("Set-Cookie", "").split(";")[0]


def add_running_runs(engine: Any, target: Target, pages: int) -> list[int]:
    """Insert runs that stay running (recorded: the sweep leaves them alone)."""
    with engine.begin() as conn:
        if target.name == "bare":
            rows = conn.execute(
                text(
                    "INSERT INTO bare_runs (status, results) SELECT 'running', '[]'"
                    " FROM generate_series(1, :n) RETURNING id"
                ),
                {"n": pages},
            )
        else:
            rows = conn.execute(
                text(
                    "INSERT INTO executions (workflow_id, user_id, status,"
                    " trigger_type, created_at, started_at, heartbeat_at, results,"
                    " metadata) SELECT w.id, w.user_id, 'running', 'webhook', now(),"
                    " now(), now(),"
                    " '[]', '{\"recorded\": true}' FROM workflows w,"
                    " generate_series(1, :n) RETURNING id"
                ),
                {"n": pages},
            )
        return [row[0] for row in rows]


def poll_paths(target: Target, run_ids: list[int]) -> list[str]:
    """The URL each page polls, with the version it was rendered with."""
    if target.name == "bare":
        return [f"/runs/{run_id}/status?v=running-0" for run_id in run_ids]
    return [
        f"/executions/{run_id}/status?seen=running&v=running-0" for run_id in run_ids
    ]


def poll_loop(
    host: str,
    paths: list[str],
    headers: dict[str, str],
    seconds: int,
    warmup: int,
    out: Any,
) -> None:
    """Each path polled once a second on a fixed schedule; report (ms, status)s.

    The first `warmup` seconds are sent but not reported: each process's first
    requests open connections and fill caches, on either target.
    """
    total = len(paths) * (warmup + seconds)
    first_timed = len(paths) * warmup
    start = time.monotonic() + 0.5
    results: list[tuple[float, int]] = []
    lock, counter = threading.Lock(), iter(range(total))

    def poller() -> None:
        conn = http.client.HTTPConnection(host, timeout=30)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            slot = start + index / len(paths)
            time.sleep(max(0.0, slot - time.monotonic()))
            try:
                conn.request("GET", paths[index % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                conn = http.client.HTTPConnection(host, timeout=30)
                status = 0
            if index >= first_timed:
                with lock:
                    second = index // len(paths) - warmup
                    results.append(((time.monotonic() - slot) * 1000, status, second))

    threads = [threading.Thread(target=poller) for _ in range(48)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(json.dumps(results))


def measure(name: str, args: Any) -> dict[str, Any]:
    """Start one target, put both loads on it at once, and time the polls."""
    live = name not in ("bare", "thread-db")
    extra = {"SYNTH_LIVE_REDIS_URL": args.redis_url} if live else {}
    kind = "thread" if name == "thread-db" else name
    target, engine = start_target(kind, args, **extra)
    try:
        headers = {"HX-Request": "true"}
        if name != "bare":
            headers["Cookie"] = sign_in(target)
        paths = poll_paths(target, add_running_runs(engine, target, args.pages))
        before = last_id(engine, target.table)
        queue: Any = multiprocessing.get_context("fork").Queue()
        polls = multiprocessing.get_context("fork").Process(
            target=poll_loop,
            args=(
                target.url.removeprefix("http://"),
                paths,
                headers,
                args.seconds,
                args.warmup,
                queue,
            ),
        )
        polls.start()
        hooks = open_loop(target, args.hooks, args.warmup + args.seconds, args.warmup)
        results = json.loads(queue.get())
        polls.join()
        runs = runs_after(engine, target.table, before)
        times = [ms for ms, _, _ in results]
        figures = summary(times)
        unexpected = sum(1 for _, status, _ in results if status != 204)
        if args.per_second:
            print_seconds(name, results, engine, target, before, args)
        return {
            "target": name,
            "polls/s": round(len(results) / args.seconds, 1),
            "poll p50 ms": round(figures["p50"], 1),
            "poll p95 ms": round(figures["p95"], 1),
            "poll p99 ms": round(figures["p99"], 1),
            "not 204": unexpected,
            "202 p99 ms": round(hooks["p99"], 1),
            "hook errors": hooks["errors"],
            "runs done at end": runs["success"],
            "runs left": runs["unfinished"],
        }
    finally:
        target.stop()
        engine.dispose()


def print_seconds(
    name: str,
    results: list[tuple[float, int, int]],
    engine: Any,
    target: Target,
    before: int,
    args: Any,
) -> None:
    """Print each second's poll p95, with how many of that second's webhook runs
    were queued rather than inserted running (Synth; read from the run rows).

    Webhooks go out in order at --hooks a second, so a run's second is its rank.
    """
    by_second: dict[int, list[float]] = {}
    for ms, _, second in results:
        by_second.setdefault(second, []).append(ms)
    queued: dict[int, int] = {}
    if target.table == "executions":
        query = text(
            "SELECT (id - :before - 1) / :rate - :warmup, count(*) FILTER"
            " (WHERE started_at > created_at) FROM executions"
            " WHERE id > :before GROUP BY 1"
        )
        params = {"before": before, "rate": args.hooks, "warmup": args.warmup}
        with engine.connect() as conn:
            queued = dict(conn.execute(query, params).all())
    cells = [
        f"{second}:{summary(times)['p95']:.0f}/{queued.get(second, '-')}"
        for second, times in sorted(by_second.items())
    ]
    print(f"{name}, each second's poll p95 ms / runs queued:", " ".join(cells))


def main() -> None:
    """Measure every target and print the table, with ratios to the bare app."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--hooks", type=int, default=100)
    parser.add_argument("--targets", default="bare,thread,thread-db")
    parser.add_argument("--per-second", action="store_true")
    args = parser.parse_args()
    rows = [measure(name, args) for name in args.targets.split(",")]
    bare = next((row for row in rows if row["target"] == "bare"), None)
    for row in rows:
        if bare and row is not bare:
            row["poll p95 ÷ bare"] = round(row["poll p95 ms"] / bare["poll p95 ms"], 2)
    keys = list(dict.fromkeys(key for row in rows for key in row))
    print(table([{key: row.get(key, "") for key in keys} for row in rows]))


if __name__ == "__main__":
    main()
