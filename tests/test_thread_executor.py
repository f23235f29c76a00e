"""The in-process executor knows which runs it holds, from the very first one."""

from __future__ import annotations

import threading

from synth_web.engine.executor import ThreadExecutor


def test_the_first_submitted_run_is_pending_until_it_ends(app, monkeypatch):
    release = threading.Event()
    started = threading.Event()

    def fake_run(execution_id: int, worker: str = "inline") -> str:
        started.set()
        release.wait(5)
        return "success"

    monkeypatch.setattr("synth_web.engine.executor.run_execution", fake_run)
    executor = ThreadExecutor(app, workers=1)
    try:
        executor.submit(7)
        assert started.wait(5)
        assert executor.pending() == {7}
        executor.submit(7)  # already held here: not queued twice
        release.set()
    finally:
        executor.shutdown(wait=True)
    assert executor.pending() == set()


def test_a_nudge_while_the_pool_shuts_down_is_dropped_quietly(app):
    # A gunicorn worker's exit shuts its pool down while the background loop
    # still ticks: its nudge used to fail the loop's step with a logged error.
    executor = ThreadExecutor(app, workers=1)
    executor._ensure_pool().shutdown(wait=True)
    executor.nudge()
    executor.nudge()  # and the next one is not swallowed as "already asked"
    assert executor._nudged is False
