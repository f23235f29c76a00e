"""Engine commands: serve with the embedded worker, a separate worker, prune."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from synth_web.engine import runs
from synth_web.engine.executor import ThreadExecutor
from synth_web.engine.scheduler import Background, start_background
from synth_web.engine.setup import freeze_startup_heap


def register(group: click.Group) -> None:
    """Add the engine's commands to the `synth` group."""
    group.add_command(serve)
    group.add_command(worker)
    group.add_command(prune)


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the app with its run pool and scheduler started right away."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()
    start_background(app)
    click.echo(
        f"Synth on http://{host}:{port} (executor: {app.config['SYNTH_EXECUTOR']})"
    )
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command("worker")
@with_appcontext
@click.option("--workers", type=int, default=None, help="Runs at once (SYNTH_WORKERS).")
@click.option("--no-scheduler", is_flag=True, help="Run queued runs only; no ticks.")
def worker(workers: int | None, no_scheduler: bool) -> None:
    """Run queued executions (and the scheduler) in this process until stopped."""
    app = current_app._get_current_object()
    pool = ThreadExecutor(app, workers or app.config["SYNTH_WORKERS"])
    app.extensions["synth_executor"] = pool
    background = Background(app, schedules=not no_scheduler, poll_queue=True)
    stopping = {"now": False}

    def stop(signum: int, _frame: object) -> None:
        stopping["now"] = True
        background.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(
        f"Synth worker: {pool.workers} at once, scheduler "
        f"{'off' if no_scheduler else 'on'}. Ctrl-C to stop."
    )
    freeze_startup_heap()
    background.start()
    while not stopping["now"]:
        time.sleep(0.2)
    click.echo("Stopping: waiting for runs in progress…")
    pool.shutdown(wait=True)


@click.command("prune")
@with_appcontext
@click.option(
    "--days",
    type=int,
    default=None,
    help="Age limit (SYNTH_EXECUTIONS_MAX_AGE_DAYS, default 14).",
)
def prune(days: int | None) -> None:
    """Delete finished executions older than the retention period."""
    days = (
        days
        if days is not None
        else current_app.config["SYNTH_EXECUTIONS_MAX_AGE_DAYS"]
    )
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    removed = runs.prune(timedelta(days=days))
    click.echo(f"Deleted {removed} finished executions older than {days} days.")
