"""Entry point for `celery -A synth_web.engine.celery_worker worker|beat`."""

from synth_web import create_app
from synth_web.engine.celery_app import celery, configure

flask_app = create_app()
configure(flask_app)

__all__ = ["celery", "flask_app"]
