"""The execution log with a million runs: page 1, the deepest page, and EXPLAIN.

Usage: .venv/bin/python bench/bench_executions.py [--database-url URL]
       [--executions 1000000] [--requests 200] [--no-seed]

Seeds PostgreSQL with bench/seed.py (half the runs belong to demo@example.com),
serves the app with gunicorn (2 workers) and times sequential signed-in requests
through real HTTP. The deepest page is the one with the person's oldest runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

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
from sqlalchemy import create_engine, text

from synth_web.executions.listing import encode_cursor

LIST_SQL = """
EXPLAIN (ANALYZE, BUFFERS)
SELECT id FROM executions
WHERE user_id = :user AND (created_at, id) < (:at, :id)
ORDER BY created_at DESC, id DESC LIMIT 51
"""


def oldest_cursor(engine, user_id: int) -> str:
    """The cursor whose next (older) page holds the person's oldest runs."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT created_at, id FROM executions WHERE user_id = :u "
                "ORDER BY created_at, id LIMIT 1 OFFSET 50"
            ),
            {"u": user_id},
        ).one()
    return encode_cursor(row.created_at, row.id)


def explain(engine, user_id: int) -> str:
    """Show the plans of the list query on page 1 and on the deepest page."""
    lines = []
    with engine.connect() as conn:
        newest = conn.execute(
            text(
                "SELECT created_at, id FROM executions WHERE user_id = :u "
                "ORDER BY created_at DESC, id DESC LIMIT 1"
            ),
            {"u": user_id},
        ).one()
        oldest = conn.execute(
            text(
                "SELECT created_at, id FROM executions WHERE user_id = :u "
                "ORDER BY created_at, id LIMIT 1 OFFSET 50"
            ),
            {"u": user_id},
        ).one()
        for label, row in (("page 1", newest), ("deepest page", oldest)):
            plan = conn.execute(
                text(LIST_SQL),
                {
                    "user": user_id,
                    "at": row.created_at,
                    "id": row.id + (label == "page 1"),
                },
            )
            lines.append(f"-- {label}\n" + "\n".join(r[0] for r in plan))
    return "\n\n".join(lines)


def main() -> None:
    """Seed, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--executions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    if not args.no_seed:
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "seed.py"),
                "--database-url",
                url,
                "--executions",
                str(args.executions),
            ],
            check=True,
        )
    engine = create_engine(url)
    with engine.connect() as conn:
        user_id = conn.execute(
            text("SELECT id FROM users WHERE email = 'demo@example.com'")
        ).scalar()
        mine = conn.execute(
            text("SELECT count(*) FROM executions WHERE user_id = :u"), {"u": user_id}
        ).scalar()
    env = bench_env(url, temp_instance(), SYNTH_BACKGROUND="0")
    server = Server(env, workers=2, threads=4)
    try:
        session = signed_in(server.url, "demo@example.com")
        deepest = f"/executions?older={oldest_cursor(engine, user_id)}"
        rows = []
        for label, path in (
            ("page 1", "/executions"),
            ("page 1, failures", "/executions?status=failure"),
            ("deepest page", deepest),
        ):
            figures = measure(session, server.url + path, count=args.requests)
            rows.append({"page": label, **figures})
    finally:
        server.stop()
    print(f"{mine:,} runs for the signed-in person; gunicorn 2 workers × 4 threads\n")
    print(table(rows))
    ratio = rows[2]["p95"] / rows[0]["p95"]
    print(f"\ndeepest / page 1 (p95): {ratio:.2f}\n")
    print(explain(engine, user_id))


if __name__ == "__main__":
    main()
