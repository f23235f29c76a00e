"""Engine throughput: completed runs per second of a 3-step core workflow.

Usage: .venv/bin/python bench/bench_engine.py [--database-url URL] [--runs 2000]
       [--workers 4] [--repeat 3]

Runs execute in the thread executor (SYNTH_EXECUTOR=thread), exactly as in the
web process: claim, render, run each step, write each step's record, finish.
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import DEFAULT_PG, fresh_database, table, temp_instance

from synth_web import create_app
from synth_web.auth.services import create_user
from synth_web.engine.executor import ThreadExecutor
from synth_web.extensions import db
from synth_web.models import Execution, Workflow, utcnow

ACTIONS = [
    {
        "id": "order",
        "type": "core.set",
        "with": {"values": {"total": "{{ trigger.body.total }}", "who": "bench"}},
    },
    {
        "id": "big",
        "type": "core.filter",
        "with": {"condition": "{{ steps.order.output.total | float > 100 }}"},
    },
    {
        "id": "note",
        "type": "core.log",
        "with": {"message": "Order {{ steps.order.output.total }}"},
    },
]


def setup(database_url: str, workers: int):
    """Make an app with a fresh schema, one user and the benchmark workflow."""
    app = create_app(
        {
            "INSTANCE_PATH": temp_instance(),
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SYNTH_WORKERS": workers,
            "SYNTH_VAULT_KEYS": ["E0a2i4TiytL0clNONERX6bIXecFLWBq01bNbjSR6xGc="],
        }
    )
    with app.app_context():
        db.create_all()
        user = create_user("Bench", "bench@example.com", "bench-password-123")
        workflow = Workflow(user_id=user.id, name="bench", status="active")
        workflow.apply_definition(
            {
                "name": "bench",
                "intent": "Benchmark.",
                "trigger": {"type": "manual"},
                "actions": ACTIONS,
            }
        )
        db.session.add(workflow)
        db.session.commit()
        return app, workflow.id, user.id


def one_round(app, workflow_id: int, user_id: int, count: int, workers: int) -> float:
    """Queue `count` runs, run them all, return runs per second."""
    with app.app_context():
        now = utcnow()
        rows = [
            {
                "workflow_id": workflow_id,
                "user_id": user_id,
                "status": "queued",
                "trigger_type": "manual",
                "created_at": now,
                "results": [],
                "meta": {
                    "trigger_type": "manual",
                    "trigger": {"body": {"total": 150 + i % 3}},
                },
            }
            for i in range(count)
        ]
        db.session.execute(db.insert(Execution).returning(Execution.id), rows)
        db.session.commit()
        ids = db.session.scalars(
            db.select(Execution.id).where(Execution.status == "queued")
        ).all()
    pool = ThreadExecutor(app, workers)
    began = time.perf_counter()
    for execution_id in ids:
        pool.submit(execution_id)
    pool.shutdown(wait=True)
    elapsed = time.perf_counter() - began
    with app.app_context():
        done = db.session.scalar(
            db.select(db.func.count(Execution.id)).where(
                Execution.id.in_(ids), Execution.status == "success"
            )
        )
    assert done == len(ids), f"only {done} of {len(ids)} succeeded"
    return len(ids) / elapsed


def main() -> None:
    """Measure and print runs per second on the given database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_PG)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url = fresh_database(args.database_url)
    app, workflow_id, user_id = setup(url, args.workers)
    rates = [
        one_round(app, workflow_id, user_id, args.runs, args.workers)
        for _ in range(args.repeat)
    ]
    print(
        table(
            [
                {
                    "database": url.split(":")[0],
                    "workers": args.workers,
                    "runs per round": args.runs,
                    f"runs/s (median of {args.repeat})": round(
                        statistics.median(rates)
                    ),
                    "all rounds": ", ".join(str(round(r)) for r in rates),
                }
            ]
        )
    )


if __name__ == "__main__":
    main()
