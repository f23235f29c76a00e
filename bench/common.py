"""Helpers shared by the benchmark scripts: fresh databases, a served app, timing."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/synth_bench"
PASSWORD = "bench-password-123"


def fresh_database(url: str) -> str:
    """Drop and re-create a PostgreSQL database, or a SQLite file; return its URL."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return url
    parsed = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(
        admin.render_as_string(hide_password=False), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')
    return parsed.render_as_string(hide_password=False)


def bench_env(database_url: str, instance: str, **extra: str) -> dict[str, str]:
    """Environment for app processes started by a benchmark."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SYNTH_INSTANCE_PATH=instance,
        SECRET_KEY="bench-secret",
        SYNTH_VAULT_KEYS="E0a2i4TiytL0clNONERX6bIXecFLWBq01bNbjSR6xGc=",
        RATELIMIT_ENABLED="0",
        SYNTH_ALLOW_PRIVATE_NETWORK="1",
        GUNICORN_ACCESS_LOG="",
    )
    env.update(extra)
    return env


def migrate(env: dict[str, str]) -> None:
    """Create the schema the way production does: `flask db upgrade`."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    """Ask the OS for a port nobody listens on (benchmarks may run side by side)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the app on a free port, for real-HTTP measurements."""

    def __init__(
        self,
        env: dict[str, str],
        workers: int = 2,
        threads: int = 4,
        port: int | None = None,
    ) -> None:
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "--threads",
                str(threads),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "app:app",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        """Stop the server."""
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def signed_in(base_url: str, email: str, password: str = PASSWORD) -> requests.Session:
    """Return a session signed in through the real login form."""
    session = requests.Session()
    page = session.get(base_url + "/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    response = session.post(
        base_url + "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": token.group(1) if token else "",
        },
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code}")
    return session


def measure(
    session: requests.Session, url: str, count: int = 200, warmup: int = 10
) -> dict[str, float]:
    """Time `count` sequential GETs; return p50/p95/max in milliseconds."""
    for _ in range(warmup):
        session.get(url).raise_for_status()
    times = []
    for _ in range(count):
        began = time.perf_counter()
        response = session.get(url)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return summary(times)


def summary(times: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of a list of milliseconds."""
    ordered = sorted(times)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": round(ordered[-1], 1),
        "n": len(ordered),
    }


def temp_instance() -> str:
    """A throw-away instance folder for keys and SQLite files."""
    return tempfile.mkdtemp(prefix="synth-bench-")


def table(rows: list[dict[str, Any]]) -> str:
    """Format rows of dicts as a Markdown table."""
    headers = list(rows[0])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(row[h]) for h in headers) + " |" for row in rows]
    return "\n".join(lines)
