"""Settings from the environment, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

TRUE_VALUES = {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable such as SYNTH_ALLOW_SIGNUP=0."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_VALUES


def env_int(name: str, default: int) -> int:
    """Read an integer environment variable, refusing garbage loudly."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {value!r}") from exc


def normalize_database_url(url: str) -> str:
    """Point PostgreSQL URLs at psycopg 3, which is the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, else from a 0600 file made once."""
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        return from_env
    return read_or_create_secret_file(instance_path / "secret_key", secrets.token_hex)


def read_or_create_secret_file(path: Path, make: Any) -> str:
    """Read a secret file, creating it with mode 0600 if it does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make(32) + "\n")
    return path.read_text().strip()


def parse_vault_keys(value: str | list[str], source: str) -> list[str]:
    """Split and check vault keys (newest first), naming `source` when one is bad."""
    keys = value.split(",") if isinstance(value, str) else list(value)
    keys = [key.strip() for key in keys if key and key.strip()]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            # Never echo the value: it is (meant to be) a secret.
            raise RuntimeError(
                f"{source}: key #{position} is not a Fernet key (32 url-safe "
                'base64-encoded bytes). Make one with: python -c "from '
                "cryptography.fernet import Fernet; "
                'print(Fernet.generate_key().decode())"'
            ) from None
    return keys


def load_vault_keys(instance_path: Path) -> list[str]:
    """Return SYNTH_VAULT_KEYS, else the key in a 0600 file made once."""
    from_env = os.environ.get("SYNTH_VAULT_KEYS", "").strip()
    if from_env:
        return parse_vault_keys(from_env, "SYNTH_VAULT_KEYS")
    path = instance_path / "vault.key"
    key = read_or_create_secret_file(path, lambda _: Fernet.generate_key().decode())
    keys = parse_vault_keys(key, str(path))
    if not keys:
        raise RuntimeError(
            f"{path} is empty. Put the vault key back into it (or set "
            "SYNTH_VAULT_KEYS); if the vault is empty, delete the file and a new "
            "key is made."
        )
    return keys


def load_database_urls(instance_path: Path) -> tuple[str, str]:
    """Return the main and the vault database URLs, which must differ."""
    main = normalize_database_url(
        os.environ.get("DATABASE_URL", "").strip()
        or f"sqlite:///{instance_path / 'synth.db'}"
    )
    vault = normalize_database_url(
        os.environ.get("VAULT_DATABASE_URL", "").strip()
        or f"sqlite:///{instance_path / 'vault.db'}"
    )
    if vault == main:
        # One database would put ciphertexts beside the data and share one
        # alembic_version between two migration histories.
        raise RuntimeError(
            "VAULT_DATABASE_URL names the same database as DATABASE_URL; "
            "give the vault a database of its own (e.g. createdb synth_vault)."
        )
    return main, vault


def load_config(instance_path: Path) -> dict[str, Any]:
    """Build the Flask config from environment variables."""
    main_db, vault_db = load_database_urls(instance_path)
    secure_cookies = env_flag("SYNTH_SECURE_COOKIES")
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": main_db,
        "SQLALCHEMY_BINDS": {"vault": vault_db},
        "SYNTH_VAULT_KEYS": load_vault_keys(instance_path),
        # No ping on every checkout: database.py pings a connection only after it
        # sat idle (issue 20), and recycles it after an hour.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False, "pool_recycle": 3600},
        # PostgreSQL keeps one connection for each thread that may want one at
        # once (request threads, run threads, the loop): an overflow connection
        # is opened and closed again, and PostgreSQL starts a process for each.
        "SYNTH_DB_POOL_SIZE": env_int("SYNTH_DB_POOL_SIZE", 12),
        "MAX_CONTENT_LENGTH": env_int("SYNTH_MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        # The CSRF token lives as long as the session: no surprise expiry mid-form.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "SYNTH_ALLOW_SIGNUP": env_flag("SYNTH_ALLOW_SIGNUP", default=True),
        # Behind a proxy that sets X-Forwarded-For/-Proto: trust one hop of them.
        "SYNTH_PROXY_FIX": env_flag("SYNTH_PROXY_FIX"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env_flag("RATELIMIT_ENABLED", default=True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SYNTH_LOGIN_IP_LIMIT": os.environ.get(
            "SYNTH_LOGIN_IP_LIMIT", "30 per minute;300 per hour"
        ),
        "SYNTH_LOGIN_ACCOUNT_LIMIT": "10 per 15 minutes",
        **engine_config(),
        "SYNTH_REGISTER_LIMIT": os.environ.get(
            "SYNTH_REGISTER_LIMIT", "10 per minute;50 per hour"
        ),
        # Messages to Synth (and "Try again") per person: each one is planned,
        # which may call a paid model.
        "SYNTH_CHAT_LIMIT": os.environ.get(
            "SYNTH_CHAT_LIMIT", "20 per minute;300 per day"
        ),
    }


def engine_config() -> dict[str, Any]:
    """Settings of the run engine: executor, pool, schedules, network policy."""
    return {
        "SYNTH_EXECUTOR": os.environ.get("SYNTH_EXECUTOR", "thread").strip()
        or "thread",
        "SYNTH_WORKERS": env_int("SYNTH_WORKERS", 4),
        # Runs one person may have running at once: half the pool by default.
        "SYNTH_MAX_RUNNING_PER_USER": env_int(
            "SYNTH_MAX_RUNNING_PER_USER", max(1, env_int("SYNTH_WORKERS", 4) // 2)
        ),
        # auto: start the pool's scheduler with the first request (not in tests).
        "SYNTH_BACKGROUND": os.environ.get("SYNTH_BACKGROUND", "auto").strip(),
        "SYNTH_TICK_SECONDS": env_int("SYNTH_TICK_SECONDS", 5),
        "SYNTH_HEARTBEAT_SECONDS": env_int("SYNTH_HEARTBEAT_SECONDS", 10),
        "SYNTH_STALE_SECONDS": env_int("SYNTH_STALE_SECONDS", 30),
        # An outside engine's run without a report (POST/PATCH) for this long ends.
        "SYNTH_EXTERNAL_STALE_SECONDS": env_int("SYNTH_EXTERNAL_STALE_SECONDS", 900),
        # Longest a run may take; Celery's visibility timeout is set above it.
        "SYNTH_MAX_RUN_SECONDS": env_int("SYNTH_MAX_RUN_SECONDS", 3600),
        # Loop turns, calls and filters one step's templates may do in all.
        "SYNTH_TEMPLATE_MAX_WORK": env_int("SYNTH_TEMPLATE_MAX_WORK", 1_000_000),
        "CELERY_BROKER_URL": os.environ.get(
            "CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"
        ),
        "CELERY_QUEUE": os.environ.get("CELERY_QUEUE", "synth"),
        # Redis for live run pages: an unchanged poll answers from it (engine/live.py).
        "SYNTH_LIVE_REDIS_URL": os.environ.get("SYNTH_LIVE_REDIS_URL", ""),
        "SYNTH_EXECUTIONS_MAX_AGE_DAYS": env_int("SYNTH_EXECUTIONS_MAX_AGE_DAYS", 14),
        "SYNTH_ALLOW_PRIVATE_NETWORK": env_flag("SYNTH_ALLOW_PRIVATE_NETWORK"),
        "SYNTH_OUTBOUND_ALLOW": [
            n
            for n in os.environ.get("SYNTH_OUTBOUND_ALLOW", "").split(",")
            if n.strip()
        ],
        "SYNTH_WEBHOOK_LIMIT": os.environ.get("SYNTH_WEBHOOK_LIMIT", "600 per minute"),
        "SYNTH_WEBHOOK_MAX_BYTES": env_int("SYNTH_WEBHOOK_MAX_BYTES", 1024 * 1024),
        # A webhook refused because a connection is off: when to try again (s).
        "SYNTH_REFUSED_RETRY_AFTER": env_int("SYNTH_REFUSED_RETRY_AFTER", 300),
        # Refused events kept per workflow for replay; the oldest go first.
        "SYNTH_REFUSED_MAX_PER_WORKFLOW": env_int(
            "SYNTH_REFUSED_MAX_PER_WORKFLOW", 1000
        ),
        # The JSON API: requests per minute per token, and the largest body.
        "SYNTH_API_LIMIT": os.environ.get("SYNTH_API_LIMIT", "600 per minute"),
        "SYNTH_API_MAX_BYTES": env_int("SYNTH_API_MAX_BYTES", 1024 * 1024),
        # Where Slack steps and checks call the Web API; tests point it at a fake.
        "SYNTH_SLACK_API_URL": os.environ.get(
            "SYNTH_SLACK_API_URL", "https://slack.com/api"
        ).strip()
        or "https://slack.com/api",
        # 0 accepts any TLS certificate from SMTP servers: only for local tests.
        "SYNTH_SMTP_TLS_VERIFY": env_flag("SYNTH_SMTP_TLS_VERIFY", default=True),
        "SYNTH_VERIFY_INTERVAL_HOURS": env_int("SYNTH_VERIFY_INTERVAL_HOURS", 24),
        # How long one process reuses a person's dashboard figures (0: never).
        "SYNTH_DASHBOARD_CACHE_SECONDS": env_int("SYNTH_DASHBOARD_CACHE_SECONDS", 30),
        **planner_config(),
    }


def env_seconds(name: str, default: float) -> float:
    """Read a positive number of seconds, refusing garbage loudly."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise RuntimeError(f"{name} must be seconds between 0 and 600, got {value!r}")
    return seconds


def planner_config() -> dict[str, Any]:
    """Settings of the planner: which brain, and the model's endpoint.

    The model's API key is not here: it is read from SYNTH_PLANNER_API_KEY when
    a request is sent, so it is never kept in the app's config.
    """
    url = os.environ.get("SYNTH_PLANNER_URL", "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise RuntimeError(
            "SYNTH_PLANNER_URL must be an http(s) URL of an OpenAI-compatible "
            "chat completions endpoint, like http://127.0.0.1:11434/v1"
        )
    brain = os.environ.get("SYNTH_PLANNER_BRAIN", "").strip()
    return {
        # offline (built in) or model; the model when a URL is set.
        "SYNTH_PLANNER_BRAIN": brain or ("model" if url else "offline"),
        "SYNTH_PLANNER_URL": url,
        "SYNTH_PLANNER_MODEL": os.environ.get("SYNTH_PLANNER_MODEL", "").strip(),
        "SYNTH_PLANNER_TIMEOUT": env_seconds("SYNTH_PLANNER_TIMEOUT", 20.0),
    }
