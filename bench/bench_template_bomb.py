"""Template bombs: one person's heavy runs must not starve anyone else.

Usage: .venv/bin/python bench/bench_template_bomb.py [--database-url URL]
       [--bombs 8] [--requests 100]

gunicorn (one process, eight threads, the thread executor with its pool of four)
serves the app. Person A has a workflow whose only step is the template bomb of
issue 12 (a 100,000 × 2,500 loop). The script measures `/workflows` for person B
while nothing runs (the reference), then queues A's bombs at once through the API
and, right after, one run of B's: it reports how long B's run waited to start and
`/workflows` for B while the bombs are being refused, as a ratio to the reference.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from datetime import datetime

import requests
from common import (
    ROOT,
    Server,
    bench_env,
    fresh_database,
    migrate,
    signed_in,
    summary,
    table,
    temp_instance,
)

BOMB = "{% for i in range(100000) %}{% for j in range(2500) %}{% endfor %}{% endfor %}"

SETUP = """
from synth_web import create_app
from synth_web.auth.services import create_user
from synth_web.extensions import db
from synth_web.models import Workflow
from synth_web.tokens.services import create_token
app = create_app()
with app.app_context():
    out = []
    for email, actions in (("a@example.com", BOMB), ("b@example.com", QUICK)):
        user = create_user(email.split("@")[0], email, "bench-password-123")
        workflow = Workflow(user_id=user.id, name="w " + email, status="active")
        workflow.apply_definition({"name": "w " + email, "intent": "Bench.",
            "trigger": {"type": "manual"}, "actions": actions})
        db.session.add(workflow); db.session.commit()
        token = create_token(user.id, "bench", ["read", "write"]).secret
        out.append(f"{workflow.id} {token}")
    print("\\n".join(out))
"""


def setup(env: dict[str, str]) -> list[tuple[int, str]]:
    """Create A's bomb workflow and B's quick one; return (workflow id, token)."""
    bomb = [
        {
            "id": "bomb",
            "type": "core.set",
            "with": {"values": {"v": BOMB}},
            "timeout_seconds": 5,
        }
    ]
    quick = [{"id": "hello", "type": "core.log", "with": {"message": "hi"}}]
    code = f"BOMB = {bomb!r}\nQUICK = {quick!r}\n{SETUP}"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    lines = out.stdout.strip().splitlines()[-2:]
    return [(int(line.split()[0]), line.split()[1]) for line in lines]


def run_now(base: str, workflow_id: int, token: str) -> dict:
    """Start a run through the API; return the run."""
    response = requests.post(
        f"{base}/api/v1/workflows/{workflow_id}/run",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def read_run(base: str, execution_id: int, token: str) -> dict:
    """Read a run through the API."""
    response = requests.get(
        f"{base}/api/v1/executions/{execution_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def wait_started(base: str, execution_id: int, token: str) -> dict:
    """Poll a run until it has started (or ended); return it."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = read_run(base, execution_id, token)
        if run["started_at"]:
            return run
        time.sleep(0.02)
    raise RuntimeError(f"run {execution_id} never started")


def timed_pages(session: requests.Session, url: str, stop: threading.Event) -> list:
    """GET a page again and again until told to stop; return the times in ms."""
    times = []
    while not stop.is_set():
        began = time.perf_counter()
        session.get(url).raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    return times


def seconds_between(start: str, end: str) -> float:
    """Seconds from one API timestamp to another."""
    parse = datetime.fromisoformat
    return (
        parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))
    ).total_seconds()


def main() -> None:
    """Measure, print the figures as a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--bombs", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    instance = temp_instance()
    url = fresh_database(args.database_url or f"sqlite:///{instance}/bench.db")
    env = bench_env(
        url, instance, SYNTH_EXECUTOR="thread", SYNTH_WORKERS="4", SYNTH_BACKGROUND="1"
    )
    migrate(env)
    (bomb_id, a_token), (quick_id, b_token) = setup(env)
    server = Server(env, workers=1, threads=8)
    try:
        base = server.url
        person_b = signed_in(base, "b@example.com")
        pages = f"{base}/workflows"
        for _ in range(10):
            person_b.get(pages).raise_for_status()
        idle = summary(timed_for(person_b, pages, args.requests))
        began = time.monotonic()
        bombs = [run_now(base, bomb_id, a_token)["id"] for _ in range(args.bombs)]
        queued_b = run_now(base, quick_id, b_token)
        stop = threading.Event()
        box: dict[str, list] = {}
        worker = threading.Thread(
            target=lambda: box.update(t=timed_pages(person_b, pages, stop))
        )
        worker.start()
        started_b = wait_started(base, queued_b["id"], b_token)
        while any(read_run(base, i, a_token)["finished_at"] is None for i in bombs):
            time.sleep(0.1)
        stop.set()
        worker.join()
        loaded = summary(box["t"])
        ends = [read_run(base, i, a_token) for i in bombs]
    finally:
        server.stop()
    wait = seconds_between(started_b["created_at"], started_b["started_at"])
    print(
        table(
            [
                {"what": "/workflows idle (B)", **idle},
                {"what": "/workflows while A's bombs run (B)", **loaded},
            ]
        )
    )
    print(f"\nB's run waited {wait:.3f} s to start (goal: < 2 s)")
    print(
        f"/workflows p95 loaded / idle: {loaded['p95'] / idle['p95']:.2f} (goal: ≤ 1.5)"
    )
    print(
        f"A's {len(bombs)} bombs ended in {time.monotonic() - began:.1f} s: "
        f"{sorted({run['status'] for run in ends})}, e.g. {ends[0]['error_log']!r}"
    )


def timed_for(session: requests.Session, url: str, count: int) -> list[float]:
    """GET a page `count` times; return the times in ms."""
    times = []
    for _ in range(count):
        began = time.perf_counter()
        session.get(url).raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    return times


if __name__ == "__main__":
    main()
