"""Keep secrets out of sight: mask them for the UI, redact them from run output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
MASK = "••••••"
# Shorter values match too much ordinary text to be worth replacing.
MIN_SECRET_LENGTH = 4


def mask(value: str) -> str:
    """Show a secret as dots plus at most its last 4 characters (none up to 8)."""
    if not value:
        return ""
    # Never more than a quarter of the value, so short secrets show nothing.
    shown = min(4, len(value) // 4) if len(value) > 8 else 0
    return MASK + (value[-shown:] if shown else "")


def secret_forms(secret: str) -> set[str]:
    """Return the secret as written raw, inside JSON and inside a URL."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret),
    }
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def secrets_pattern(secrets: Iterable[str]) -> re.Pattern[str] | None:
    """Compile one pattern matching any form of any secret, longest first."""
    forms: set[str] = set()
    for secret in secrets:
        if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH:
            forms |= secret_forms(secret)
    if not forms:
        return None
    ordered = sorted(forms, key=lambda form: (-len(form), form))
    return re.compile("|".join(re.escape(form) for form in ordered))


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """Replace every secret (4+ characters) in strings, through dicts and lists."""
    pattern = secrets_pattern(secrets)
    if pattern is None:
        return value
    return _redact(value, pattern)


def _redact(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, dict):
        return {key: _redact(item, pattern) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, pattern) for item in value]
    if isinstance(value, tuple):
        return tuple(_redact(item, pattern) for item in value)
    return value
