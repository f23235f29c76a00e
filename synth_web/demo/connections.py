"""The demo account's connections: every state, with fake secrets in the vault."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from synth_web.extensions import db
from synth_web.models import Connection
from synth_web.vault import put_secret

GMAIL_SETTINGS = {
    "address": "me@example.com",
    "smtp_host": "smtp.gmail.com",
    "smtp_port": "587",
    "security": "starttls",
}
GMAIL_REFUSED = (
    "Gmail refused the app password for me@example.com: check it in Connections. "
    "(535 5.7.8 Username and Password not accepted)"
)
# app, type, status, metadata, secret fields (fake: the demo never reaches Slack).
CONNECTIONS: list[tuple[str, str, str, dict[str, Any], dict[str, str]]] = [
    (
        "slack",
        "bot_token",
        "active",
        {"facts": {"team": "Acme", "team_id": "T0DEMO", "bot_user": "synth"}},
        {"bot_token": "xoxb-demo-2718281828-3141592653-NotARealTokenA1b2"},
    ),
    (
        "gmail",
        "smtp",
        "active",
        {"settings": GMAIL_SETTINGS, "last_error": {"message": GMAIL_REFUSED}},
        {"app_password": "demo fake pass word"},
    ),
    ("github", "oauth2", "inactive", {"account": "acme"}, {}),
    (
        "notion",
        "api_key",
        "active",
        {
            "workspace": "Acme",
            "last_error": {"message": "Notion answered 401: the token was revoked."},
        },
        {},
    ),
]


def add_connections(user_id: int, now: datetime, rng: random.Random) -> None:
    """Connect the demo apps, with fake secrets in the vault."""
    for app, kind, status, meta, secret in CONNECTIONS:
        verified = now - timedelta(hours=rng.randint(1, 60))
        meta = dict(meta)
        if "last_error" in meta:
            failed_at = now - timedelta(hours=2)
            meta["last_error"] = {**meta["last_error"], "at": failed_at.isoformat()}
            verified -= timedelta(days=3)
        connection = Connection(
            user_id=user_id,
            app_name=app,
            connection_type=kind,
            status=status,
            created_at=now - timedelta(days=40),
            last_verified_at=verified,
            meta=meta,
        )
        db.session.add(connection)
        if secret:
            db.session.flush()
            put_secret(user_id, connection.id, secret, commit=False)
