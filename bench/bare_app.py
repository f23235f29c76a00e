"""The reference for webhook benchmarks: what this machine can do with no product.

A bare Flask app served like Synth (gunicorn, same workers and threads). A POST to
`/hooks/<anything>` inserts a run (one statement), answers 202, and a thread pool in
the same process claims it and writes its result (two statements): the three
statements a webhook run cannot do without. No validation, templates, auth or
rate limits. `bench/bench_ingest.py` measures Synth as a ratio of this.

Serve: BARE_DATABASE_URL=postgresql://… gunicorn -w 2 --threads 4 bench.bare_app:app
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from flask import Flask, jsonify, request
from sqlalchemy import Engine, create_engine, text

SCHEMA = """
CREATE TABLE IF NOT EXISTS bare_runs (
    id bigserial PRIMARY KEY,
    status text NOT NULL,
    payload jsonb,
    results jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    heartbeat_at timestamptz
)
"""
INSERT = text(
    "INSERT INTO bare_runs (status, payload) VALUES ('queued', :payload) RETURNING id"
)
CLAIM = text(
    "UPDATE bare_runs SET status = 'running', started_at = now(), heartbeat_at = now()"
    " WHERE id = :id AND status = 'queued'"
)
FINISH = text(
    "UPDATE bare_runs SET status = 'success', finished_at = now(), results = :results"
    " WHERE id = :id AND status = 'running'"
)

STATUS = text(
    "SELECT status, coalesce(jsonb_array_length(results), 0) AS steps"
    " FROM bare_runs WHERE id = :id"
)

app = Flask(__name__)
pool = ThreadPoolExecutor(int(os.environ.get("BARE_WORKERS", "4")))


@cache
def engine() -> Engine:
    """The process's connection pool, made on first use (after gunicorn forks)."""
    url = os.environ["BARE_DATABASE_URL"]
    return create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        pool_size=10,
        max_overflow=10,
    )


def run(run_id: int, payload: dict) -> None:
    """Claim the run, then write its result, as a runner would."""
    with engine().connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        if conn.execute(CLAIM, {"id": run_id}).rowcount != 1:
            return
        result = [{"id": "order", "status": "success", "output": payload}]
        conn.execute(FINISH, {"id": run_id, "results": json.dumps(result)})


@app.post("/hooks/<token>")
def receive(token: str):  # noqa: ARG001 - every token is the one workflow
    """Insert a run, hand it to the pool, answer 202."""
    payload = request.get_json(silent=True) or {}
    with engine().begin() as conn:
        run_id = conn.execute(INSERT, {"payload": json.dumps(payload)}).scalar_one()
    pool.submit(run, run_id, payload)
    return jsonify({"execution_id": run_id, "status": "queued"}), 202


@app.get("/runs/<int:run_id>/status")
def status(run_id: int):
    """Answer a live page's poll: 204 while the run is as the page shows it.

    One indexed query, no sign-in: the least a status poll can cost.
    """
    with engine().connect() as conn:
        row = conn.execute(STATUS, {"id": run_id}).first()
    if row is None:
        return {"error": "not found"}, 404
    version = f"{row.status}-{row.steps}"
    if request.args.get("v") == version:
        return "", 204
    return {"status": row.status, "version": version}


@app.get("/healthz")
def healthz():
    """Say the process is up."""
    return {"status": "ok"}


def create_schema(url: str) -> None:
    """Create the bare table (run once by the benchmark, before serving)."""
    with create_engine(url).begin() as conn:
        conn.execute(text(SCHEMA))
