"""Dashboard views."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from synth_web.dashboard import bp
from synth_web.extensions import db
from synth_web.models import Connection, Execution, Workflow


def count(model: type, *where: object) -> int:
    """Count the signed-in person's rows of a model."""
    query = (
        select(func.count())
        .select_from(model)
        .where(model.user_id == current_user.id, *where)
    )
    return db.session.scalar(query) or 0


@bp.route("/dashboard")
def index() -> str:
    """Show counts of the person's workflows, runs and connections."""
    counts = {
        "workflows": count(Workflow),
        "active_workflows": count(Workflow, Workflow.status == "active"),
        "executions": count(Execution),
        "connections": count(Connection),
    }
    return render_template("dashboard/index.html", counts=counts)
