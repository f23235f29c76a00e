"""Run one execution: claim it, run its steps in order, record each as it ends."""

from __future__ import annotations

import time
from functools import cache
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from synth_web.engine import claim_next, claims, heartbeat, live, resume, runs
from synth_web.engine.checks import RunRefused, why_not
from synth_web.engine.secrets import redactor
from synth_web.engine.steps import Plan, StepOutcome, run_step
from synth_web.engine.triggers import TEST
from synth_web.extensions import db
from synth_web.models import Execution, Workflow, detached, utcnow


def run_execution(
    execution_id: int,
    worker: str = "inline",
    plan: Plan | None = None,
    claimed: bool = False,
) -> str | None:
    """Claim and run a queued execution; return its final status, or None if lost.

    With a `plan`, the run was inserted already claimed by this process (see
    `start.start_run`) and its plan read there: no claim and no load. `claimed`
    says the caller claimed it already (`claim_next.claim_next`): no claim.

    The run holds one connection in autocommit mode for its writes: each is a
    single round trip, instead of a pool checkout, the statement and a COMMIT.
    """
    with db.engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        if plan is None and not claimed and not claims.claim(execution_id, conn):
            return None
        with heartbeat.holding(execution_id):
            return _run_guarded(execution_id, worker, conn, plan)


def run_next(worker: str, taken: Any = None) -> int | None:
    """Claim the oldest run that may start now and run it here; return its id.

    None when no queued run may start. `taken(id, user_id, conn, more)` is told
    the run's id and owner before it runs (an executor notes what it holds), and
    whether another lane's claim may find a run now (see `Loaded.more`).
    """
    with db.engine.connect() as raw:
        conn = raw.execution_options(isolation_level="AUTOCOMMIT")
        claimed = claim_and_load_next(conn)
        if claimed is None:
            return None
        execution_id = claimed.execution.id
        if taken is not None:
            taken(execution_id, claimed.execution.user_id, conn, claimed.more)
        with heartbeat.holding(execution_id):
            _run_guarded(execution_id, worker, conn, claimed)
    runs.waiting_after_finish()  # whoever loops on run_next asks the queue itself
    return execution_id


class Loaded(NamedTuple):
    """A run just claimed, read with its workflow (no plan made yet)."""

    execution: Execution
    workflow: Workflow
    # Whether another claim at this instant may find a run: the owner had room
    # for more than this one, or others with room wait (PostgreSQL; always true
    # on SQLite). A pool starts another lane only then: its claim would fail.
    more: bool = True


def claim_and_load_next(conn: Connection) -> Loaded | None:
    """Claim the next run (`claim_next.claim_next`) and read it with its workflow.

    One round trip on PostgreSQL (the claim's UPDATE in a CTE, the read joined
    to what it returns), instead of a claim and then a load: the two lanes of a
    person's fair share spend most of their time waiting on the database
    (issue 20). SQLite cannot update in a CTE: there it is the claim, then the
    read.
    """
    if conn.dialect.name != "postgresql":
        execution_id = claim_next.claim_next(conn)
        if execution_id is None:
            return None
        return _read(execution_id, conn)
    found = conn.execute(
        _claim_and_load_statement(claims.fair_share()), {"claim_now": utcnow()}
    ).first()
    if found is None:
        return None
    row = found._mapping
    execution = detached(Execution, {key: row[name] for name, key in _RUN_KEYS})
    workflow = detached(Workflow, {key: row[f"w_{name}"] for name, key in _FLOW_KEYS})
    live.changed([execution.id])
    return Loaded(execution, workflow, row["more"])


def _keys(model: Any) -> list[tuple[str, str]]:
    """(column name, attribute name) of each column of a model's table."""
    mapper = model.__mapper__
    return [(c.name, mapper.get_property_by_column(c).key) for c in model.__table__.c]


_RUN_KEYS, _FLOW_KEYS = _keys(Execution), _keys(Workflow)


@cache
def _claim_and_load_statement(share: int) -> Any:
    """Build claim_and_load_next's statement once per fair share (PostgreSQL).

    Core, not an ORM select: building two ORM objects through a session's
    loading cost a lane more CPU than the statement (issue 20).
    """
    update, more = claim_next.claim_next_update(share, "postgresql")
    returned = update.returning(*Execution.__table__.c, more).cte("claimed")
    flows = Workflow.__table__
    return select(returned, *(c.label(f"w_{c.name}") for c in flows.c)).join(
        flows, flows.c.id == returned.c.workflow_id
    )


def _read(execution_id: int, conn: Connection) -> Loaded:
    """Read a run with its workflow (one query)."""
    with Session(bind=conn) as session:
        found = session.execute(
            select(Execution, Workflow)
            .join(Workflow, Workflow.id == Execution.workflow_id)
            .where(Execution.id == execution_id)
        ).one()
    return Loaded(*found)


def _run_guarded(
    execution_id: int, worker: str, conn: Connection, plan: Plan | Loaded | None
) -> str:
    try:
        return _run_claimed(execution_id, worker, conn, plan)
    except Exception as exc:  # noqa: BLE001 - a bug must still end the run visibly
        current_app.logger.exception("Run %s crashed", execution_id)
        runs.finish(
            execution_id,
            "failure",
            None,  # keep every step recorded so far
            None,
            f"Synth hit an internal error while running this: {exc!r}",
            conn=conn,
        )
        return "failure"


def plan_for(
    loaded: Loaded, worker: str, conn: Connection
) -> tuple[Plan, RunRefused | None]:
    """The plan of a run read with its workflow, and why it can't run (if so).

    A run already queued still runs when its workflow was switched off since (as a
    run started by hand would): only problems stop it.
    """
    workflow = tested(loaded.execution, loaded.workflow)
    plan = make_plan(loaded.execution, workflow, worker)
    plan.conn = conn
    return plan, why_not(workflow, by_hand=True)


def make_plan(execution: Execution, workflow: Workflow, worker: str) -> Plan:
    """Copy what the run needs out of its row and its workflow (no query)."""
    return Plan(
        execution_id=execution.id,
        user_id=execution.user_id,
        trigger_type=execution.trigger_type,
        meta={
            **execution.meta,
            "worker": worker,
            # What each step was, so a retry can tell which outputs still hold.
            "steps_seen": resume.fingerprints(workflow.actions),
        },
        actions=list(workflow.actions),
        apps=workflow.apps_used,
        context={
            "trigger": execution.meta.get("trigger") or {},
            "steps": {},
            "workflow": {"id": workflow.id, "name": workflow.name},
            "execution": {"id": execution.id, "trigger_type": execution.trigger_type},
            "now": utcnow(),
        },
    )


def tested(execution: Execution, workflow: Workflow) -> Workflow:
    """Return what a test run runs: the editor's trigger and steps it was given.

    Test step runs the steps as the editor shows them (saved or not), up to
    and including the one tested; every other run runs the saved workflow.
    """
    given = execution.meta.get("definition") if execution.trigger_type == TEST else None
    if not isinstance(given, dict):
        return workflow
    probe = Workflow(id=workflow.id, user_id=workflow.user_id, name=workflow.name)
    probe.apply_definition({**workflow.definition, **given})
    return probe


def _run_claimed(
    execution_id: int, worker: str, conn: Connection, given: Plan | Loaded | None
) -> str:
    """Run a claimed execution's steps, unless its workflow can no longer run."""
    if given is None:
        given = _read(execution_id, conn)
    if isinstance(given, Loaded):
        plan, refused = plan_for(given, worker, conn)
    else:
        # start_run asked why_not a moment ago, before inserting it running.
        plan, refused = given, None
        plan.conn = conn
    if refused is not None:
        runs.finish(execution_id, "failure", [], plan.meta, str(refused), conn=conn)
        return "failure"
    return run_steps(plan)


def run_steps(plan: Plan) -> str:
    """Run the plan's steps in order, recording each as it ends; return the status."""
    redact = redactor(plan.user_id, plan.apps)
    # A retry from step N starts with the saved records of the steps before N.
    records: list[dict[str, Any]] = resume.start(plan)
    limit = current_app.config["SYNTH_MAX_RUN_SECONDS"]
    deadline = time.monotonic() + limit
    for index, action in enumerate(plan.actions):
        if index < len(records):
            continue  # reused from the run this one retries
        if time.monotonic() > deadline:
            reason = (
                f"The run took longer than its limit of {limit} s and was "
                f"stopped before step {index + 1}, `{action['id']}`."
            )
            return end(plan, records, "failure", reason)
        outcome = run_step(plan, action, redact)
        records.append(outcome.record)
        status = after_step(plan, index, outcome, records, redact)
        if status is not None:
            return status
    return end(plan, records, "success")


def after_step(
    plan: Plan,
    index: int,
    outcome: StepOutcome,
    records: list[dict[str, Any]],
    redact: Any,
) -> str | None:
    """Act on how a step ended: end the run (return its status) or go on (None)."""
    action = plan.actions[index]
    if outcome.signal == "fail":
        where = (
            f"Step {index + 1} of {len(plan.actions)}, `{action['id']}` "
            f"({action['type']})"
        )
        error = redact(f"{where} failed: {outcome.error}")
        return end(plan, records, "failure", error)
    if outcome.signal == "stop":
        plan.meta.update(filtered=True, filtered_at=action["id"])
        return end(plan, records, "success")
    if outcome.signal == "cancelled":
        # The run is no longer running (cancelled or swept): keep the record.
        runs.write_results(plan.execution_id, records, plan.conn)
        return runs.current_status(plan.execution_id, plan.conn) or "cancelled"
    if index == len(plan.actions) - 1:
        return end(plan, records, "success")
    status_now = runs.write_results(plan.execution_id, records, plan.conn)
    if status_now != "running":
        return status_now or "cancelled"
    plan.context["steps"][action["id"]] = {"output": outcome.record["output"]}
    return None


def end(
    plan: Plan, records: list[dict[str, Any]], status: str, error_log: str | None = None
) -> str:
    """Finish the run with its last records in one write, unless it was cancelled.

    A cancel (or the sweep) may have ended the run meanwhile: then the final UPDATE
    matches nothing, and the records are written on their own, status untouched.
    """
    if runs.finish(
        plan.execution_id, status, records, plan.meta, error_log, conn=plan.conn
    ):
        return status
    runs.write_results(plan.execution_id, records, plan.conn)
    return runs.current_status(plan.execution_id, plan.conn) or "cancelled"
