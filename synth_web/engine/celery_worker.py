"""Entry point for `celery -A synth_web.engine.celery_worker worker|beat`."""

from synth_web import create_app
from synth_web.engine.celery_app import celery, configure
from synth_web.engine.setup import freeze_startup_heap

flask_app = create_app()
configure(flask_app)
freeze_startup_heap()

__all__ = ["celery", "flask_app"]
