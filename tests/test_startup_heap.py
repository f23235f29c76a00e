"""Serving processes leave their start-up objects out of later collections."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

from synth_web.engine.setup import freeze_startup_heap

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def unfrozen():
    """Each test starts and ends with nothing frozen (the suite's own heap)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freezing_moves_the_heap_out_of_collections(unfrozen):
    assert gc.get_freeze_count() == 0
    freeze_startup_heap()
    assert gc.get_freeze_count() > 1000
    assert gc.collect() >= 0  # a collection after the freeze still works


def test_each_gunicorn_worker_freezes_its_heap_once_the_app_is_built(unfrozen):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    worker = SimpleNamespace(wsgi=SimpleNamespace(config={"SYNTH_BACKGROUND": "0"}))
    settings["post_worker_init"](worker)
    assert gc.get_freeze_count() > 1000
