"""Configuration from the environment, with safe defaults."""

from __future__ import annotations

import stat

import pytest

from synth_web import create_app
from synth_web.config import load_config, normalize_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        (
            "postgresql://u:p@h/db?sslmode=require",
            "postgresql+psycopg://u:p@h/db?sslmode=require",
        ),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_url_is_rewritten_for_psycopg3(given, expected):
    assert normalize_database_url(given) == expected


def test_defaults_to_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = load_config(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'synth.db'}"


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u@h/db"
    )


def test_secret_key_generated_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_secret_key_from_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert load_config(tmp_path)["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_cookie_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNTH_SECURE_COOKIES", raising=False)
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_HTTPONLY"] and config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is False


def test_secure_cookies_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_SECURE_COOKIES", "1")
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_signup_flag(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_ALLOW_SIGNUP", "0")
    assert load_config(tmp_path)["SYNTH_ALLOW_SIGNUP"] is False


def test_max_content_length(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_MAX_CONTENT_LENGTH", "1234")
    assert load_config(tmp_path)["MAX_CONTENT_LENGTH"] == 1234
    monkeypatch.setenv("SYNTH_MAX_CONTENT_LENGTH", "lots")
    with pytest.raises(RuntimeError, match="SYNTH_MAX_CONTENT_LENGTH"):
        load_config(tmp_path)


def test_create_app_uses_instance_path(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert app.instance_path == str(tmp_path / "inst")
    assert (tmp_path / "inst" / "secret_key").exists()


def test_planner_settings_and_the_key_that_is_never_kept(tmp_path, monkeypatch):
    for name in ("SYNTH_PLANNER_BRAIN", "SYNTH_PLANNER_URL", "SYNTH_PLANNER_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(tmp_path)
    assert config["SYNTH_PLANNER_BRAIN"] == "offline"
    assert config["SYNTH_PLANNER_TIMEOUT"] == 20.0
    monkeypatch.setenv("SYNTH_PLANNER_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("SYNTH_PLANNER_API_KEY", "sk-never-kept")
    monkeypatch.setenv("SYNTH_PLANNER_TIMEOUT", "2.5")
    config = load_config(tmp_path)
    assert config["SYNTH_PLANNER_BRAIN"] == "model"
    assert config["SYNTH_PLANNER_TIMEOUT"] == 2.5
    assert "sk-never-kept" not in repr(config)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SYNTH_PLANNER_URL", "ftp://models.example.com"),
        ("SYNTH_PLANNER_TIMEOUT", "soon"),
        ("SYNTH_PLANNER_TIMEOUT", "0"),
    ],
)
def test_bad_planner_settings_stop_start_up(tmp_path, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        load_config(tmp_path)
