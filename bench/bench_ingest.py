"""Webhook ingest: completed runs/s and latency of Synth, as ratios of a bare app.

Usage: .venv/bin/python bench/bench_ingest.py [--database-url URL] [--duration 30]
       [--rates 50,100,200] [--open-seconds 20] [--targets bare,thread,external,celery]
       [--no-bracket]

One run measures, on this machine and one after the other, every target serving a
webhook → core.set workflow on PostgreSQL behind gunicorn (2 workers × 4 threads):

- bare: bench/bare_app.py, insert + claim + finish and nothing else (the reference);
- thread: Synth running runs in its web processes (SYNTH_EXECUTOR=thread);
- external: Synth web only enqueues, one `flask synth worker` process runs;
- celery: one Celery worker process (threads pool, concurrency 8) fed through Redis.

Each Synth target first runs one webhook to the end (its worker is up). Load:
closed loop (`wrk -t2 -c8` for --duration s), then open loop at each of
--rates requests/s for --open-seconds s, sent on a fixed schedule and timed from the
scheduled instant, so that queueing counts. Measures: completed runs/s = successful
runs ÷ (load window + time the backlog takes to drain); p50/p99 of the 202 and of
end to end (webhook received → run finished, from the database); CPU per run of the
target's processes; accepted vs finished (nothing lost or doubled). Every figure is
also printed as a ratio to the bare app measured in the same run. With other targets,
the bare app is measured first and again last, and the reference is the mean of the
two (its closed loop moved from 642 to 1,065 runs/s between runs within an hour on
this machine: one sample taken minutes before a target set every ratio by itself).
--no-bracket measures it once.

Protective limits are set explicitly: SYNTH_WEBHOOK_LIMIT is raised to 1,000,000 per
minute so the rate limiter never answers 429 here.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from common import (
    DEFAULT_PG,
    ROOT,
    bench_env,
    free_port,
    fresh_database,
    migrate,
    summary,
    table,
    temp_instance,
)
from sqlalchemy import create_engine, text

BODY = b'{"total": 150, "customer": "Ada"}'
LUA = """
wrk.method = "POST"
wrk.body = '{"total": 150, "customer": "Ada"}'
wrk.headers["Content-Type"] = "application/json"
"""
CLOCK = os.sysconf("SC_CLK_TCK")
WEBHOOK_LIMIT = "1000000 per minute"


@dataclass
class Target:
    """One system under load: its processes, its URL and the table of its runs."""

    name: str
    url: str
    hook: str
    table: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def pids(self) -> list[int]:
        """Every process of the target, children included."""
        roots = {p.pid for p in self.processes}
        return sorted(roots | descendants(roots))

    def stop(self) -> None:
        """Stop every process of the target."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def descendants(roots: set[int]) -> set[int]:
    """Find the children (and theirs) of some processes through /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), set(roots)
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes, in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK


def wait_healthy(url: str, seconds: float = 30) -> None:
    """Wait until the server answers /healthz."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def gunicorn(app: str, env: dict[str, str], port: int) -> subprocess.Popen:
    """Serve a WSGI app with the deployed gunicorn shape (2 workers × 4 threads).

    Synth uses its own gunicorn.conf.py, as deployed; the bare app gets the same
    workers, threads and keep-alive from flags (its folder has no config file).
    """
    command = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}"]
    if app == "app:app":
        env = {**env, "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"}
        env["GUNICORN_LOG_LEVEL"] = "warning"
        return subprocess.Popen(
            [*command, "-c", "gunicorn.conf.py", app], cwd=ROOT, env=env
        )
    command += ["-w", "2", "--threads", "4", "--keep-alive", "5"]
    command += ["--log-level", "warning", app]
    return subprocess.Popen(command, cwd=ROOT / "bench", env=env)


def start_bare(url: str) -> Target:
    """Serve the bare reference app on its own table."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bare_app import create_schema

    create_schema(url)
    port = free_port()
    env = {**os.environ, "BARE_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    process = gunicorn("bare_app:app", env, port)
    target = Target("bare", f"http://127.0.0.1:{port}", "/hooks/any", "bare_runs")
    target.processes.append(process)
    wait_healthy(target.url)
    return target


def create_workflow(env: dict[str, str]) -> str:
    """Make the user and the webhook → core.set workflow; return its token."""
    code = (
        "from synth_web import create_app\n"
        "from synth_web.auth.services import create_user\n"
        "from synth_web.extensions import db\n"
        "from synth_web.models import Workflow\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    u = create_user('Bench', 'bench@example.com', 'bench-password-123')\n"
        "    w = Workflow(user_id=u.id, name='hook', status='active')\n"
        "    w.apply_definition({'name': 'hook', 'intent': 'Benchmark.',\n"
        "        'trigger': {'type': 'webhook'}, 'actions': [{'id': 'order',\n"
        "        'type': 'core.set', 'with': {'values': {\n"
        "        'total': '{{ trigger.body.total }}'}}}]})\n"
        "    db.session.add(w); db.session.commit(); print(w.webhook_token)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def start_synth(kind: str, url: str, redis_url: str, **extra: str) -> Target:
    """Serve Synth with one executor mode, and its worker process if it has one."""
    env = bench_env(
        url,
        temp_instance(),
        SYNTH_EXECUTOR=kind,
        SYNTH_WORKERS="4",
        RATELIMIT_ENABLED="1",
        SYNTH_WEBHOOK_LIMIT=WEBHOOK_LIMIT,
        CELERY_BROKER_URL=redis_url,
        SYNTH_BACKGROUND="1",
        **extra,
    )
    migrate(env)
    token = create_workflow(env)
    port = free_port()
    target = Target(kind, f"http://127.0.0.1:{port}", f"/hooks/{token}", "executions")
    target.processes.append(gunicorn("app:app", env, port))
    if kind == "external":
        worker = [sys.executable, "-m", "flask", "--app", "app", "synth", "worker"]
        target.processes.append(
            subprocess.Popen(worker, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        )
    if kind == "celery":
        worker = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "synth_web.engine.celery_worker",
        ]
        worker += ["worker", "--pool", "threads", "--concurrency", "8"]
        worker += ["--loglevel", "warning"]
        target.processes.append(
            subprocess.Popen(worker, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        )
    wait_healthy(target.url)
    warm_up(target, url)
    return target


def warm_up(target: Target, url: str, seconds: float = 60) -> None:
    """Send one webhook and wait for its run to finish: every process is up.

    A Celery or external worker takes seconds to start after the web answers;
    without this, the first load measured the worker's start-up too.
    """
    conn = http.client.HTTPConnection(target.url.removeprefix("http://"), timeout=30)
    conn.request("POST", target.hook, BODY, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    engine = create_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while runs_after(engine, target.table, 0)["unfinished"]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{target.name}: the warm-up run did not finish")
            time.sleep(0.1)
    finally:
        engine.dispose()


def closed_loop(target: Target, seconds: int) -> dict[str, Any]:
    """wrk -t2 -c8: eight requests always in flight. Returns 202 percentiles (ms)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "-s", script.name]
    wrk = subprocess.run(
        [*command, target.url + target.hook], capture_output=True, text=True
    )
    figures: dict[str, Any] = {}
    for pct in ("50", "99"):
        match = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\b", wrk.stdout)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            figures[f"p{pct}"] = value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk.stdout)
    figures["errors"] = int(errors.group(1)) if errors else 0
    return figures


def open_loop(
    target: Target, rate: int, seconds: int, untimed: int = 0
) -> dict[str, Any]:
    """Send `rate` requests a second on a fixed schedule; time each from its slot.

    The first `untimed` seconds are sent and checked but not timed (a warm-up).
    """
    host = target.url.removeprefix("http://")
    total = rate * seconds
    start = time.monotonic() + 0.5
    latencies: list[float] = []
    errors = [0]
    lock, counter = threading.Lock(), iter(range(total))

    def sender() -> None:
        conn = http.client.HTTPConnection(host, timeout=30)
        headers = {"Content-Type": "application/json"}
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            slot = start + index / rate
            time.sleep(max(0.0, slot - time.monotonic()))
            try:
                conn.request("POST", target.hook, BODY, headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 202
            except OSError:
                conn = http.client.HTTPConnection(host, timeout=30)
                ok = False
            with lock:
                if index >= rate * untimed:
                    latencies.append((time.monotonic() - slot) * 1000)
                errors[0] += not ok

    threads = [threading.Thread(target=sender) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = summary(latencies)
    return {
        "p50": figures["p50"],
        "p99": figures["p99"],
        "errors": errors[0],
        "window": seconds,
    }


def runs_after(engine: Any, table_name: str, before: int) -> dict[str, Any]:
    """Count and time the runs made since id `before`."""
    query = text(
        f"SELECT count(*), count(*) FILTER (WHERE status = 'success'),"  # noqa: S608
        f" count(*) FILTER (WHERE status IN ('queued', 'running')),"
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY"
        "  extract(epoch FROM finished_at - created_at)),"
        " percentile_cont(0.99) WITHIN GROUP (ORDER BY"
        "  extract(epoch FROM finished_at - created_at))"
        f" FROM {table_name} WHERE id > :before"
    )
    with engine.connect() as conn:
        total, done, left, e2e50, e2e99 = conn.execute(query, {"before": before}).one()
    return {
        "accepted": total,
        "success": done,
        "unfinished": left,
        "e2e p50": round((e2e50 or 0) * 1000, 1),
        "e2e p99": round((e2e99 or 0) * 1000, 1),
    }


def last_id(engine: Any, table_name: str) -> int:
    """The highest run id so far."""
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT coalesce(max(id), 0) FROM {table_name}")  # noqa: S608
        ).scalar_one()


def phase(target: Target, engine: Any, load: str, run_load: Any) -> dict[str, Any]:
    """Apply one load, wait for the backlog to drain, and gather the figures."""
    before = last_id(engine, target.table)
    cpu_before, began = cpu_seconds(target.pids()), time.monotonic()
    latency = run_load()
    window = latency.get("window") or time.monotonic() - began
    drain_began = time.monotonic()
    while runs_after(engine, target.table, before)["unfinished"]:
        if time.monotonic() - drain_began > 300:
            break
        time.sleep(0.2)
    drained = time.monotonic() - drain_began
    cpu = cpu_seconds(target.pids()) - cpu_before
    runs = runs_after(engine, target.table, before)
    return {
        "target": target.name,
        "load": load,
        "completed runs/s": round(runs["success"] / (window + drained), 1),
        "202 p50 ms": round(latency.get("p50", 0), 1),
        "202 p99 ms": round(latency.get("p99", 0), 1),
        "e2e p50 ms": runs["e2e p50"],
        "e2e p99 ms": runs["e2e p99"],
        "CPU ms/run": round(cpu * 1000 / max(runs["success"], 1), 2),
        "accepted": runs["accepted"],
        "finished": runs["success"],
        "errors": latency.get("errors", 0),
        "drain s": round(drained, 1),
    }


RATIO_KEYS = ("completed runs/s", "202 p99 ms", "CPU ms/run")


def with_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each figure's ratio to the bare app under the same load.

    The reference is the mean of the bare app's rows for that load (measured
    before and after the other targets), also given as a row of its own.
    """
    by_load: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["target"].startswith("bare"):
            by_load.setdefault(row["load"], []).append(row)
    refs = {
        load: {key: sum(r[key] for r in found) / len(found) for key in RATIO_KEYS}
        for load, found in by_load.items()
    }
    out = []
    for row in rows:
        ref = refs.get(row["load"])
        extra = {}
        if ref and not row["target"].startswith("bare"):
            for key in RATIO_KEYS:
                extra[f"{key} ÷ bare"] = (
                    round(row[key] / ref[key], 2) if ref[key] else "–"
                )
        out.append({**row, **extra})
    for load, found in by_load.items():
        if len(found) > 1:
            mean = {key: round(value, 2) for key, value in refs[load].items()}
            out.append({"target": "bare, mean", "load": load, **mean})
    return out


def start_target(kind: str, args: Any, **extra: str) -> tuple[Target, Any]:
    """Start the bare app or Synth (one executor mode) on a fresh database;
    return it and an engine on that database."""
    url = fresh_database(args.database_url)
    if kind == "bare":
        target = start_bare(url)
    else:
        target = start_synth(kind, url, args.redis_url, **extra)
    engine = create_engine(url)
    add_history(engine, target.table, getattr(args, "history", 0))
    return target, engine


def add_history(engine: Any, table_name: str, runs: int) -> None:
    """Give the target's table a finished history, analysed as autovacuum would.

    A deployed Synth's run table has rows and planner statistics; a database made
    a second ago has neither, and a plan cached on a prepared statement while the
    table held one row stays in use until autovacuum's first ANALYZE (up to a
    minute in): the whole load of a 30 s benchmark. Both targets get the same
    number of finished runs, spread over the last day, before any load.
    """
    if not runs:
        return
    with engine.begin() as conn:
        if table_name == "bare_runs":
            conn.execute(
                text(
                    "INSERT INTO bare_runs (status, payload, results, created_at,"
                    " started_at, finished_at) SELECT 'success', :body, '[]',"
                    " now() - g * interval '1 second', now() - g * interval '1 second',"
                    " now() - g * interval '1 second' FROM generate_series(:n, 1, -1) g"
                ),
                {"n": runs, "body": BODY.decode()},
            )
        else:
            conn.execute(
                text(
                    "INSERT INTO executions (workflow_id, user_id, status,"
                    " trigger_type, created_at, started_at, finished_at, results,"
                    " metadata)"
                    " SELECT w.id, w.user_id, 'success', 'webhook', at, at, at, '[]',"
                    " '{}' FROM workflows w, (SELECT now() - g * interval '1 second'"
                    " AS at FROM generate_series(:n, 1, -1) g) history"
                ),
                {"n": runs},
            )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"VACUUM ANALYZE {table_name}")
        )


def measure_target(name: str, args: Any, rates: list[int]) -> list[dict[str, Any]]:
    """Start one target on a fresh database and put every load on it."""
    target, engine = start_target(name, args)
    try:
        rows = [
            phase(
                target, engine, "closed c8", lambda: closed_loop(target, args.duration)
            )
        ]
        for rate in rates:
            load = f"open {rate}/s"
            rows.append(
                phase(
                    target,
                    engine,
                    load,
                    lambda r=rate: open_loop(target, r, args.open_seconds),
                )
            )
        return rows
    finally:
        target.stop()
        engine.dispose()


def main() -> None:
    """Measure every target under every load and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--open-seconds", type=int, default=20)
    parser.add_argument("--rates", default="50,100,200")
    parser.add_argument("--targets", default="bare,thread,external,celery")
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--no-bracket", action="store_true")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",") if r]
    print(f"Rate limit set for the benchmark: SYNTH_WEBHOOK_LIMIT={WEBHOOK_LIMIT}")
    names = args.targets.split(",")
    if "bare" in names and len(names) > 1 and not args.no_bracket:
        names.append("bare")  # again, last: the reference brackets the others
    rows = []
    for index, name in enumerate(names):
        measured = measure_target(name, args, rates)
        if name == "bare" and index:
            for row in measured:
                row["target"] = "bare, again"
        rows.extend(measured)
        print(table(rows[-1 - len(rates) :]), flush=True)
    print()
    ratios = with_ratios(rows)
    keys = list(dict.fromkeys(key for row in ratios for key in row))
    print(table([{key: row.get(key, "") for key in keys} for row in ratios]))


if __name__ == "__main__":
    main()
