"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py app:app`.

Every value can be changed from the environment, so one file serves every host.
"""

import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads per process: pages and webhooks wait on the database, not the CPU.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, jittered so they do not all restart at once. A
# restart costs a second or two of slow answers (a new process warms up): at
# 5,000 requests a busy webhook server restarted a worker every half minute
# (issue 20), so only rarely.
max_requests = 100_000
max_requests_jitter = 10_000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The app is imported in each worker after the fork (no preload): background
# threads and database pools must be made in the process that uses them.
preload_app = False


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Freeze the start-up heap; start the run pool's background loop at once."""
    from synth_web.engine.scheduler import start_background
    from synth_web.engine.setup import freeze_startup_heap

    freeze_startup_heap()
    if worker.wsgi.config["SYNTH_BACKGROUND"] != "0":
        start_background(worker.wsgi)
