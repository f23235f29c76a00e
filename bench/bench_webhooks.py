"""Webhook throughput: completed webhook → core.set runs per second under wrk.

Usage: .venv/bin/python bench/bench_webhooks.py [--database-url URL]
       [--duration 30] [--web-workers 2] [--executor thread|external]

gunicorn serves the app; wrk -t2 -c8 posts JSON to one workflow's webhook for the
duration. With the thread executor the web processes also run the runs; with
`external` a separate `flask synth worker` process runs them. Reports requests/s,
202 latency from wrk, and runs completed per second inside the load window.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from common import (
    DEFAULT_PG,
    ROOT,
    Server,
    bench_env,
    fresh_database,
    migrate,
    table,
    temp_instance,
)
from sqlalchemy import create_engine, func, select

from synth_web.models import Execution

LUA = """
wrk.method = "POST"
wrk.body = '{"total": 150, "customer": "Ada"}'
wrk.headers["Content-Type"] = "application/json"
"""


def create_workflow(env: dict[str, str]) -> str:
    """Make the user and the webhook workflow; return the webhook token."""
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


def parse_wrk(output: str) -> dict[str, str]:
    """Pull requests/s, latency percentiles and errors out of wrk's report."""
    found = {"req/s": re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)}
    for pct in ("50", "90", "99"):
        match = re.search(rf"\s{pct}%\s+([\d.]+\w+)", output)
        found[f"p{pct}"] = match.group(1) if match else "?"
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    found["non-2xx"] = non2xx.group(1) if non2xx else "0"
    return found


def main() -> None:
    """Run the load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--executor", default="thread", choices=["thread", "external"])
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    env = bench_env(
        url,
        temp_instance(),
        SYNTH_EXECUTOR=args.executor,
        RATELIMIT_ENABLED="1",
        SYNTH_WEBHOOK_LIMIT="1000000 per minute",
        SYNTH_WORKERS="4",
    )
    migrate(env)
    token = create_workflow(env)
    server = Server(env, workers=args.web_workers, threads=4)
    worker = None
    if args.executor == "external":
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "app",
                "synth",
                "worker",
                "--workers",
                "4",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    engine = create_engine(url)
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA)
        began = time.time()
        wrk = subprocess.run(
            [
                "wrk",
                "-t2",
                "-c8",
                f"-d{args.duration}s",
                "--latency",
                "-s",
                script.name,
                f"{server.url}/hooks/{token}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        ended = time.time()
        with engine.connect() as conn:
            from datetime import UTC, datetime

            start = datetime.fromtimestamp(began, UTC)
            stop = datetime.fromtimestamp(ended, UTC)
            total = conn.execute(select(func.count(Execution.id))).scalar()
            done_in_window = conn.execute(
                select(func.count(Execution.id)).where(
                    Execution.status == "success",
                    Execution.finished_at <= stop,
                    Execution.finished_at >= start,
                )
            ).scalar()
            failed = conn.execute(
                select(func.count(Execution.id)).where(Execution.status == "failure")
            ).scalar()
        drain_start = time.time()
        while True:
            with engine.connect() as conn:
                left = conn.execute(
                    select(func.count(Execution.id)).where(
                        Execution.status.in_(["queued", "running"])
                    )
                ).scalar()
            if left == 0 or time.time() - drain_start > 300:
                break
            time.sleep(0.5)
        drained = time.time() - drain_start
    finally:
        server.stop()
        if worker:
            worker.terminate()
            worker.wait(timeout=30)
    figures = parse_wrk(wrk.stdout)
    window = ended - began
    print(wrk.stdout)
    print(
        table(
            [
                {
                    "database": url.split(":")[0],
                    "executor": args.executor,
                    "web workers": args.web_workers,
                    "webhooks accepted": total,
                    "accepted/s": round(total / window),
                    **{f"202 {k}": v for k, v in figures.items() if k != "req/s"},
                    "completed runs/s (in window)": round(done_in_window / window),
                    "failed runs": failed,
                    "backlog drained in": f"{drained:.1f} s",
                }
            ]
        )
    )
    _ = timedelta


if __name__ == "__main__":
    main()
