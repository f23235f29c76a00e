"""The vault: connection secrets, encrypted with Fernet, in a database of their own.

The main database only knows which apps a person connected (`connections`). The
secret fields of each connection live here, as one encrypted JSON document per
connection, in the `vault` bind (another database). Keys come from SYNTH_VAULT_KEYS
(newest first) or `instance/vault.key`; MultiFernet decrypts with any of them and
encrypts with the newest, so `flask synth rotate-vault-key` can move every row to the
newest key, after which the older keys can be dropped.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from synth_web.config import parse_vault_keys
from synth_web.extensions import db
from synth_web.models.types import UTCDateTime, utcnow
from synth_web.redaction import REDACTED, mask, redact

__all__ = [
    "REDACTED",
    "SecretNotFound",
    "VaultError",
    "VaultKeyError",
    "VaultSecret",
    "delete_secret",
    "delete_user_secrets",
    "get_secret",
    "known_secret_values",
    "mask",
    "put_secret",
    "redact",
    "rotate_all",
]

KEY_MISMATCH = (
    "The vault key does not match the one these secrets were encrypted with. "
    "Put the key they were written with in SYNTH_VAULT_KEYS (after the newest) "
    "and run `flask --app app synth rotate-vault-key`. If instance/vault.key was "
    "lost or replaced, restore it from a backup; the secrets cannot be read "
    "without it."
)
ROTATE_BATCH_SIZE = 500


class VaultError(Exception):
    """Something is wrong with a stored secret."""


class SecretNotFound(VaultError, LookupError):
    """No secret is stored for that connection."""


class VaultKeyError(VaultError):
    """No configured key can decrypt a stored secret."""


class VaultSecret(db.Model):
    """The encrypted secret fields of one connection."""

    __bind_key__ = "vault"
    __tablename__ = "vault_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: `connections` and `users` live in the other database.
    connection_id: Mapped[int] = mapped_column(unique=True)
    user_id: Mapped[int] = mapped_column(index=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<VaultSecret connection={self.connection_id}>"


def init_app(app: Flask) -> None:
    """Check the vault keys once at start-up, so a bad key stops the app early."""
    keys = parse_vault_keys(
        app.config.get("SYNTH_VAULT_KEYS") or [], "SYNTH_VAULT_KEYS"
    )
    if not keys:
        raise RuntimeError(
            "No vault key: set SYNTH_VAULT_KEYS or let Synth create instance/vault.key."
        )
    app.config["SYNTH_VAULT_KEYS"] = keys


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def cipher() -> MultiFernet:
    """Return the MultiFernet of the app's keys: encrypt newest, decrypt with any."""
    return _multifernet(tuple(current_app.config["SYNTH_VAULT_KEYS"]))


def _seal(connection_id: int, fields: dict[str, str]) -> str:
    document = json.dumps({"connection_id": connection_id, "fields": fields})
    return cipher().encrypt(document.encode()).decode("ascii")


def _unseal(row: VaultSecret) -> dict[str, str]:
    try:
        plain = cipher().decrypt(row.ciphertext.encode("ascii"))
    except InvalidToken:
        raise VaultKeyError(KEY_MISMATCH) from None
    document = json.loads(plain)
    # The connection id inside the ciphertext stops a row copied onto another
    # connection from being read as that connection's secret.
    if document.get("connection_id") != row.connection_id:
        raise VaultError(
            f"The vault row of connection {row.connection_id} holds another "
            "connection's secret; it was copied or tampered with."
        )
    return document["fields"]


def _check_fields(fields: dict[str, str]) -> None:
    if not isinstance(fields, dict) or not all(
        isinstance(name, str) and isinstance(value, str)
        for name, value in fields.items()
    ):
        raise TypeError("secret fields must be a dict of names to strings")


def _row(connection_id: int) -> VaultSecret | None:
    return db.session.scalar(
        select(VaultSecret).where(VaultSecret.connection_id == connection_id)
    )


def put_secret(
    user_id: int, connection_id: int, fields: dict[str, str], commit: bool = True
) -> None:
    """Store the secret fields of a connection, replacing any stored before."""
    _check_fields(fields)
    row = _row(connection_id)
    if row is None:
        row = VaultSecret(connection_id=connection_id, user_id=user_id)
        db.session.add(row)
    row.user_id = user_id
    row.ciphertext = _seal(connection_id, fields)
    if commit:
        db.session.commit()


def get_secret(connection_id: int, user_id: int | None = None) -> dict[str, str]:
    """Return the decrypted fields of a connection (of `user_id`, when given)."""
    row = _row(connection_id)
    if row is None or (user_id is not None and row.user_id != user_id):
        raise SecretNotFound(f"No secret is stored for connection {connection_id}.")
    return _unseal(row)


def delete_secret(connection_id: int, commit: bool = True) -> bool:
    """Erase the secret of a connection; tell whether there was one."""
    result = db.session.execute(
        delete(VaultSecret).where(VaultSecret.connection_id == connection_id)
    )
    if commit:
        db.session.commit()
    return bool(result.rowcount)


def delete_user_secrets(user_id: int, commit: bool = True) -> int:
    """Erase every secret of a user and return how many there were."""
    result = db.session.execute(
        delete(VaultSecret).where(VaultSecret.user_id == user_id)
    )
    if commit:
        db.session.commit()
    return result.rowcount


def known_secret_values(user_id: int) -> list[str]:
    """Return every secret value of a user, longest first, for redaction."""
    rows = db.session.scalars(select(VaultSecret).where(VaultSecret.user_id == user_id))
    values = {value for row in rows for value in _unseal(row).values() if value}
    return sorted(values, key=lambda value: (-len(value), value))


def rotate_all(batch_size: int = ROTATE_BATCH_SIZE) -> int:
    """Re-encrypt every secret under the newest key and return how many."""
    fernet = cipher()
    count, last_id = 0, 0
    while True:
        rows = db.session.scalars(
            select(VaultSecret)
            .where(VaultSecret.id > last_id)
            .order_by(VaultSecret.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return count
        for row in rows:
            try:
                row.ciphertext = fernet.rotate(row.ciphertext.encode()).decode()
            except InvalidToken:
                db.session.rollback()
                # Earlier batches stay committed: they are readable with the
                # newest key, which is still configured.
                raise VaultKeyError(
                    f"{KEY_MISMATCH} (Stopped at connection {row.connection_id}; "
                    f"{count} secrets were re-encrypted before it.)"
                ) from None
        db.session.commit()
        count += len(rows)
        last_id = rows[-1].id
