"""Liveness and database check for load balancers and probes."""

from __future__ import annotations

import time

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from synth_web.extensions import db
from synth_web.security import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """Answer 200 when the app and its database respond, 503 otherwise."""
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        body = {
            "status": "error",
            "database": "unreachable",
            "error": type(exc).__name__,
        }
        return jsonify(body), 503
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return jsonify(
        {
            "status": "ok",
            "database": {
                "status": "ok",
                "dialect": db.engine.dialect.name,
                "latency_ms": elapsed_ms,
            },
        }
    )
