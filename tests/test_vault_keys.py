"""Where the vault's keys and database come from, and how bad ones fail."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from synth_web import create_app
from synth_web.config import load_config, load_vault_keys
from synth_web.extensions import db
from synth_web.vault import VaultKeyError, get_secret, put_secret

BAD_KEY = "not-a-fernet-key-but-a-secret-all-the-same"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("SYNTH_VAULT_KEYS", "VAULT_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_key_file_is_generated_once_with_mode_0600(tmp_path):
    first = load_config(tmp_path)["SYNTH_VAULT_KEYS"]
    second = load_config(tmp_path)["SYNTH_VAULT_KEYS"]
    assert first == second and len(first) == 1
    Fernet(first[0])
    assert stat.S_IMODE((tmp_path / "vault.key").stat().st_mode) == 0o600


def test_keys_from_the_environment_win(tmp_path, monkeypatch):
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("SYNTH_VAULT_KEYS", f" {new} , {old},")
    assert load_config(tmp_path)["SYNTH_VAULT_KEYS"] == [new, old]
    assert not (tmp_path / "vault.key").exists()


def test_a_malformed_key_stops_start_up_and_is_not_echoed(tmp_path, monkeypatch):
    monkeypatch.setenv(
        "SYNTH_VAULT_KEYS", f"{Fernet.generate_key().decode()},{BAD_KEY}"
    )
    with pytest.raises(RuntimeError, match="SYNTH_VAULT_KEYS: key #2") as error:
        create_app({"INSTANCE_PATH": str(tmp_path)})
    assert BAD_KEY not in str(error.value)
    assert "Fernet.generate_key()" in str(error.value)


def test_a_malformed_key_in_the_config_stops_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="SYNTH_VAULT_KEYS: key #1"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SYNTH_VAULT_KEYS": [BAD_KEY]})


def test_no_key_at_all_stops_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="No vault key"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SYNTH_VAULT_KEYS": []})


@pytest.mark.parametrize("content", ["", "\n", "garbage\n"])
def test_a_broken_key_file_stops_start_up(tmp_path, content):
    (tmp_path / "vault.key").write_text(content)
    with pytest.raises(RuntimeError, match="vault.key"):
        load_vault_keys(tmp_path)


def test_vault_database_defaults_to_a_second_sqlite_file(tmp_path):
    binds = load_config(tmp_path)["SQLALCHEMY_BINDS"]
    assert binds == {"vault": f"sqlite:///{tmp_path / 'vault.db'}"}


def test_vault_database_url_is_rewritten_for_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("VAULT_DATABASE_URL", "postgres://u@h/vault")
    binds = load_config(tmp_path)["SQLALCHEMY_BINDS"]
    assert binds == {"vault": "postgresql+psycopg://u@h/vault"}


def test_the_vault_may_not_share_the_main_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/synth")
    monkeypatch.setenv("VAULT_DATABASE_URL", "postgres://u@h/synth")
    with pytest.raises(RuntimeError, match="VAULT_DATABASE_URL"):
        load_config(tmp_path)


def test_a_lost_key_file_fails_loudly_instead_of_dropping_secrets(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True})
    with app.app_context():
        db.create_all()
        put_secret(1, 1, {"token": "keep-me-safe"})
        # The key file is lost; the next start makes a new one that cannot read.
        (tmp_path / "vault.key").unlink()
        app.config["SYNTH_VAULT_KEYS"] = load_vault_keys(tmp_path)
        with pytest.raises(VaultKeyError, match="vault.key was lost or replaced"):
            get_secret(1)
        for engine in db.engines.values():
            engine.dispose()
