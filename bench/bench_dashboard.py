"""The dashboard through real HTTP on a million executions, and its query plans.

Usage: .venv/bin/python bench/bench_dashboard.py [--database-url URL] [--count 200]
                                                 [--reuse] [--explain]

Seeds a fresh PostgreSQL database with bench/seed.py (1,000,000 executions over 14
days, 500,000 of them the demo account's; --reuse keeps an already seeded one),
serves it with gunicorn (runs only enqueued, so the demo's queued and running runs
stay live) and times sequential GETs of /dashboard and of the live block
/dashboard/running: once as configured by default (each process keeps a person's
figures 30 s) and once with SYNTH_DASHBOARD_CACHE_SECONDS=0, every request
computing them. Then it runs every query the dashboard makes under
EXPLAIN (ANALYZE, BUFFERS) and prints which index each one reads, and with
--explain the whole plans.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from typing import Any
from zoneinfo import ZoneInfo

from common import (
    DEFAULT_PG,
    ROOT,
    Server,
    bench_env,
    measure,
    signed_in,
    table,
    temp_instance,
)
from sqlalchemy import event

EMAIL = "demo@example.com"
SCAN = r"((?:Index Only |Index |Seq |Bitmap Heap )Scan(?: Backward)?(?: using \w+)?)"


def seed(url: str, count: int) -> None:
    """Fill the database with bench/seed.py."""
    subprocess.run(
        [
            sys.executable,
            "bench/seed.py",
            "--database-url",
            url,
            "--executions",
            str(count),
        ],
        cwd=ROOT,
        check=True,
    )


def timings(base: str, count: int) -> list[dict[str, Any]]:
    """Time the page and the live block (as htmx asks for it)."""
    session = signed_in(base, EMAIL)
    rows = [
        {"request": "GET /dashboard", **measure(session, base + "/dashboard", count)}
    ]
    session.headers["HX-Request"] = "true"
    running = session.get(base + "/dashboard/running")
    rows.append(
        {
            "request": f"GET /dashboard/running (htmx, {running.status_code})",
            **measure(session, base + "/dashboard/running", count),
        }
    )
    return rows


def dashboard_queries(url: str) -> list[tuple[str, Any, str]]:
    """Run the dashboard's services once; return each query with its plan."""
    from synth_web import create_app
    from synth_web.dashboard.services import build_dashboard
    from synth_web.extensions import db
    from synth_web.models import User, utcnow

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SYNTH_BACKGROUND": "0",
            "INSTANCE_PATH": temp_instance(),
            "SECRET_KEY": "bench-secret",
        }
    )
    seen: list[tuple[str, Any]] = []
    with app.app_context():
        user = db.session.query(User).filter_by(email=EMAIL).one()
        user_id, zone = user.id, ZoneInfo(user.timezone)
        db.session.commit()

        def remember(conn, cursor, statement, parameters, context, many) -> None:
            seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", remember)
        build_dashboard(user_id, utcnow(), zone)
        event.remove(db.engine, "before_cursor_execute", remember)
        plans = []
        connection = db.session.connection()
        for statement, parameters in seen:
            if statement.startswith("SET"):
                continue  # jit stays off for the EXPLAINs, as for the page
            result = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            )
            plans.append((statement, parameters, "\n".join(r[0] for r in result)))
        db.session.rollback()
    return plans


def plan_rows(plans: list[tuple[str, Any, str]]) -> list[dict[str, Any]]:
    """Summarise each plan: what it reads, heap fetches and time."""
    rows = []
    for statement, _, plan in plans:
        first = " ".join(statement.split())[:60]
        scans = sorted(
            set(
                re.findall(
                    SCAN,
                    plan,
                )
            )
        )
        fetches = sum(int(n) for n in re.findall(r"Heap Fetches: (\d+)", plan))
        took = re.search(r"Execution Time: ([\d.]+) ms", plan)
        rows.append(
            {
                "query": f"`{first}…`",
                "reads": "; ".join(scans),
                "heap fetches": fetches,
                "ms": took.group(1) if took else "?",
            }
        )
    return rows


def main() -> None:
    """Seed, serve, time and explain."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=DEFAULT_PG.replace("synth_bench", "synth_bench_dashboard"),
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--explain", action="store_true", help="print whole plans")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    if not args.reuse:
        seed(url, args.executions)
    rows = []
    for seconds, mode in (("30", "figures kept 30 s"), ("0", "computed every time")):
        env = bench_env(
            url,
            temp_instance(),
            SYNTH_EXECUTOR="external",
            SYNTH_DASHBOARD_CACHE_SECONDS=seconds,
        )
        server = Server(env)
        try:
            rows += [{"mode": mode, **row} for row in timings(server.url, args.count)]
        finally:
            server.stop()
    plans = dashboard_queries(url)
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    print(f"database: {url.split('@')[-1]} · load average {' '.join(load)}")
    print(table(rows))
    print()
    print(table(plan_rows(plans)))
    if args.explain:
        for statement, parameters, plan in plans:
            print(f"\n{statement}\n{parameters}\n{plan}")


if __name__ == "__main__":
    began = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - began:.0f} s)")
