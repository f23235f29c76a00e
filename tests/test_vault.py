"""The vault stores connection secrets encrypted, in a database of its own.

Every test here runs with the main database on SQLite and on PostgreSQL, and with
the vault on SQLite and in a PostgreSQL database of its own.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.engine import make_url

from synth_web.extensions import db
from synth_web.models import Connection
from synth_web.vault import (
    SecretNotFound,
    VaultError,
    VaultKeyError,
    VaultSecret,
    delete_secret,
    delete_user_secrets,
    get_secret,
    known_secret_values,
    put_secret,
    rotate_all,
)
from tests.conftest import PASSWORD, TEST_VAULT_KEY

SLACK = {"bot_token": "xoxb-1234567890-secret-slack-token"}
GMAIL = {"address": "ada@example.com", "app_password": "abcd efgh ijkl mnop"}


@pytest.fixture
def vault_url(vault_on_both):
    return vault_on_both


def connect(user_id: int, app_name: str, fields: dict[str, str]) -> int:
    """Connect an app the way the connections page will: metadata here, secret there."""
    connection = Connection(
        user_id=user_id,
        app_name=app_name,
        connection_type="api_key",
        meta={"label": f"{app_name} of user {user_id}"},
    )
    db.session.add(connection)
    db.session.flush()
    put_secret(user_id, connection.id, fields)
    return connection.id


def database_bytes(url: str) -> bytes:
    """Return everything a database holds: its files on SQLite, a dump on PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        files = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    libpq_url = parsed.set(drivername="postgresql").render_as_string(
        hide_password=False
    )
    dump = subprocess.run(
        ["pg_dump", "--no-owner", f"--dbname={libpq_url}"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return dump.stdout


def test_put_then_get(app, user):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        assert get_secret(1) == SLACK
        assert get_secret(1, user_id=user.id) == SLACK


def test_put_replaces_what_was_there(app, user):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        put_secret(user.id, 1, {"bot_token": "xoxb-new"})
        assert get_secret(1) == {"bot_token": "xoxb-new"}
        assert db.session.query(VaultSecret).count() == 1


def test_missing_secret_is_a_clear_error(app, user):
    with app.app_context():
        with pytest.raises(SecretNotFound, match="connection 42"):
            get_secret(42)


def test_another_users_secret_is_not_found(app, user, other_user):
    with app.app_context():
        put_secret(other_user.id, 1, SLACK)
        with pytest.raises(SecretNotFound):
            get_secret(1, user_id=user.id)


def test_delete_secret(app, user):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        put_secret(user.id, 2, GMAIL)
        assert delete_secret(1) is True
        assert delete_secret(1) is False
        with pytest.raises(SecretNotFound):
            get_secret(1)
        assert get_secret(2) == GMAIL


@pytest.mark.parametrize(
    "fields", [{"token": 123}, {1: "x"}, ["token"], {"token": None}]
)
def test_put_refuses_fields_that_are_not_strings(app, user, fields):
    with app.app_context():
        with pytest.raises(TypeError):
            put_secret(user.id, 1, fields)
        assert db.session.query(VaultSecret).count() == 0


def test_no_secret_bytes_in_either_database(app, user):
    with app.app_context():
        connect(user.id, "slack", SLACK)
        connect(user.id, "gmail", GMAIL)
        db.session.commit()
        main = database_bytes(app.config["SQLALCHEMY_DATABASE_URI"])
        vault = database_bytes(app.config["SQLALCHEMY_BINDS"]["vault"])
    # What we read really is each database: the metadata and the ciphertexts.
    assert b"slack of user" in main and b"vault_secrets" not in main
    assert vault.count(b"gAAAAA") >= 2
    for secret in [SLACK["bot_token"], GMAIL["app_password"], "ada@example.com"]:
        assert secret.encode() not in vault
    for secret in [SLACK["bot_token"], GMAIL["app_password"]]:
        assert secret.encode() not in main


def test_rotation_re_encrypts_every_row_and_old_keys_can_go(app, user):
    old_key, new_key = TEST_VAULT_KEY, Fernet.generate_key().decode()
    with app.app_context():
        for connection_id in range(1, 6):
            put_secret(user.id, connection_id, {"token": f"token-{connection_id}"})
        before = dict(
            db.session.execute(select(VaultSecret.id, VaultSecret.ciphertext)).all()
        )
        app.config["SYNTH_VAULT_KEYS"] = [new_key, old_key]
        assert rotate_all(batch_size=2) == 5
        db.session.expire_all()
        rows = db.session.scalars(select(VaultSecret)).all()
        assert len(rows) == 5
        for row in rows:
            assert row.ciphertext != before[row.id]
            Fernet(new_key).decrypt(row.ciphertext.encode())
            with pytest.raises(InvalidToken):
                Fernet(old_key).decrypt(row.ciphertext.encode())
        app.config["SYNTH_VAULT_KEYS"] = [new_key]
        assert get_secret(3) == {"token": "token-3"}


def test_rotate_command_reports_the_count(app, user, runner):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        put_secret(user.id, 2, GMAIL)
    app.config["SYNTH_VAULT_KEYS"] = [Fernet.generate_key().decode(), TEST_VAULT_KEY]
    result = runner.invoke(args=["synth", "rotate-vault-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 secret(s)" in result.output
    assert "older keys can now be removed" in result.output


def test_wrong_key_fails_with_what_to_do(app, user, runner):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        app.config["SYNTH_VAULT_KEYS"] = [Fernet.generate_key().decode()]
        for read in (lambda: get_secret(1), lambda: known_secret_values(user.id)):
            with pytest.raises(VaultKeyError) as error:
                read()
            assert "SYNTH_VAULT_KEYS" in str(error.value)
            assert "rotate-vault-key" in str(error.value)
        with pytest.raises(VaultKeyError, match="Stopped at connection 1"):
            rotate_all()
    result = runner.invoke(args=["synth", "rotate-vault-key"])
    assert result.exit_code == 1
    assert "does not match" in result.output
    app.config["SYNTH_VAULT_KEYS"] = [TEST_VAULT_KEY]
    with app.app_context():
        assert get_secret(1) == SLACK  # nothing was dropped


def test_a_row_copied_onto_another_connection_is_refused(app, user):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        put_secret(user.id, 2, GMAIL)
        rows = db.session.scalars(select(VaultSecret).order_by(VaultSecret.id)).all()
        rows[1].ciphertext = rows[0].ciphertext
        db.session.commit()
        with pytest.raises(VaultError, match="another connection"):
            get_secret(2)


def test_known_secret_values_are_the_users_own_longest_first(app, user, other_user):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        put_secret(user.id, 2, GMAIL)
        put_secret(other_user.id, 3, {"token": "not-adas-token"})
        assert known_secret_values(user.id) == [
            SLACK["bot_token"],
            GMAIL["app_password"],
            GMAIL["address"],
        ]
        assert known_secret_values(999) == []


def test_delete_user_secrets_counts(app, user, other_user):
    with app.app_context():
        put_secret(user.id, 1, SLACK)
        put_secret(user.id, 2, GMAIL)
        put_secret(other_user.id, 3, SLACK)
        assert delete_user_secrets(user.id) == 2
        assert delete_user_secrets(user.id) == 0
        assert get_secret(3) == SLACK


def test_deleting_an_account_erases_its_secrets_only(app, signed_in, user, other_user):
    with app.app_context():
        connect(user.id, "slack", SLACK)
        connect(user.id, "gmail", GMAIL)
        kept = connect(other_user.id, "slack", SLACK)
        db.session.commit()
    response = signed_in.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        owners = db.session.scalars(select(VaultSecret.user_id)).all()
        assert owners == [other_user.id]
        assert get_secret(kept) == SLACK
        assert db.session.query(Connection).count() == 1
