"""Seed a PostgreSQL database with a million executions for the benchmarks.

Usage: .venv/bin/python bench/seed.py --database-url URL [--executions 1000000]

Creates the schema with `flask db upgrade`, the demo account (the "bench" user,
demo@example.com / bench-password-123) plus 9 other users, 20 workflows each, and
executions spread over the last 14 days: half of them the demo user's. Rows are
made by PostgreSQL itself (generate_series), so a million takes seconds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from common import PASSWORD, ROOT, bench_env, fresh_database, temp_instance
from sqlalchemy import create_engine, text

SEED_SQL = """
INSERT INTO users (email, name, password_hash, timezone, is_active,
                   created_at, updated_at, metadata)
SELECT 'other' || g || '@example.com', 'Other ' || g, u.password_hash,
       'UTC', true, now(), now(), '{}'
FROM generate_series(1, 9) g, (SELECT password_hash FROM users LIMIT 1) u;

INSERT INTO workflows (user_id, name, trigger, actions, intent, status, trigger_type,
                       webhook_token, created_at, updated_at, metadata)
SELECT u.id, 'Generated workflow ' || g,
       '{"type": "webhook"}',
       '[{"id": "order", "type": "core.set",
          "with": {"values": {"total": "{{ trigger.body.total }}"}}}]',
       'Generated for the benchmark.', 'active', 'webhook',
       md5(u.id::text || '-' || g::text), now() - interval '30 days', now(), '{}'
FROM users u, generate_series(1, 20) g
WHERE u.email <> :demo;

CREATE TEMP TABLE wf AS
SELECT id, user_id, row_number() OVER (PARTITION BY user_id ORDER BY id) - 1 AS n,
       count(*) OVER (PARTITION BY user_id) AS per_user,
       (SELECT id FROM users WHERE email = :demo) = user_id AS is_demo
FROM workflows;

INSERT INTO executions (workflow_id, user_id, status, trigger_type, created_at,
                        started_at, finished_at, heartbeat_at, results, error_log,
                        metadata)
SELECT w.id, w.user_id, s.status, 'webhook', t.created,
       t.created + interval '20 milliseconds',
       t.created + (20 + (g % 900)) * interval '1 millisecond',
       t.created + (20 + (g % 900)) * interval '1 millisecond',
       '[{"id": "order", "type": "core.set", "status": "success", "attempts": 1,
          "duration_ms": 3, "input": {"values": {"total": 150}},
          "output": {"total": 150}, "error": null}]',
       CASE WHEN s.status = 'failure'
            THEN 'Step 1 of 1, `order` (core.set) failed: HTTP 503 from api.example.com'
       END,
       '{"trigger_type": "webhook", "trigger": {"body": {"total": 150}}}'
FROM generate_series(1, :count) g
CROSS JOIN LATERAL (
    SELECT CASE WHEN g % 2 = 0 THEN true ELSE false END AS for_demo
) d
CROSS JOIN LATERAL (
    SELECT now() - (g::double precision / :count) * interval '14 days' AS created
) t
CROSS JOIN LATERAL (
    SELECT CASE WHEN g % 10 = 0 THEN 'failure' WHEN g % 97 = 0 THEN 'cancelled'
                ELSE 'success' END AS status
) s
JOIN wf w ON w.is_demo = d.for_demo
         AND w.n = (g / 2) % w.per_user
         AND (w.is_demo OR w.user_id = (SELECT min(user_id) FROM wf WHERE NOT is_demo)
              + ((g / 40) % 9));
"""


def main() -> None:
    """Create and fill the benchmark database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--executions", type=int, default=1_000_000)
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    env = bench_env(url, temp_instance())
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
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
            "demo@example.com",
            "--password",
            PASSWORD,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    began = time.perf_counter()
    engine = create_engine(url)
    params = {"demo": "demo@example.com", "count": args.executions}
    with engine.begin() as conn:
        for statement in filter(str.strip, SEED_SQL.split(";")):
            conn.execute(text(statement), params)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        total = conn.execute(text("SELECT count(*) FROM executions")).scalar()
        mine = conn.execute(
            text(
                "SELECT count(*) FROM executions e JOIN users u ON u.id = e.user_id "
                "WHERE u.email = 'demo@example.com'"
            )
        ).scalar()
    print(
        f"Seeded {total:,} executions ({mine:,} for demo@example.com) in "
        f"{time.perf_counter() - began:.0f} s: {url}"
    )


if __name__ == "__main__":
    main()
