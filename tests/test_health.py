"""The health check answers for the app and its database."""

from __future__ import annotations

from synth_web import create_app
from tests.conftest import base_config


def test_healthz_ok(client, engine_kind):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["dialect"] == engine_kind


def test_healthz_reports_a_dead_database(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=2"
    app = create_app(base_config(url, tmp_path / "instance"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "database": "unreachable",
        "error": "OperationalError",
    }
