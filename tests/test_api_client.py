"""A client generated from the OpenAPI document has every operation, and works.

openapi-python-client writes a typed client from /api/v1/openapi.json, as a
program using Synth would; it drops operations whose schemas it cannot read
(a union with an array without `items` once cost it POST and PATCH /memory).
Generated once per test process, without network, then used against a live
server on each database.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from synth_web import create_app
from synth_web.chat.writing import append_message
from synth_web.memory.services import create_memory
from synth_web.tokens.services import create_token
from tests.conftest import add_workflow, base_config

PACKAGE = "synth_api_client"
LISTS = {
    "list_workflows": {},
    "list_connections": {},
    "list_executions": {},
    "list_memory": {},
    "conversations": {},
    "messages": {"conversation_id": "c1"},
}


def document() -> dict[str, Any]:
    """Return the OpenAPI document as the app serves it (no database needed)."""
    app = create_app(base_config("sqlite://", None))
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Generate the client package into a temporary folder; return it and the doc."""
    where = tmp_path_factory.mktemp("client")
    spec = document()
    (where / "openapi.json").write_text(json.dumps(spec))
    # No post hooks: formatting the generated code is not what is tested.
    (where / "config.yaml").write_text("post_hooks: []\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--output-path",
            str(where / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(where / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Anything it could not read, it says so (and leaves the operation out).
    assert "Warning" not in result.stdout + result.stderr, result.stdout
    sys.path.insert(0, str(where))
    return where, spec


def operation_module(root: Path, tag: str, operation_id: str) -> ModuleType:
    """Import one generated operation module."""
    assert str(root) in sys.path
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id}")


def test_the_client_has_every_operation(generated):
    root, spec = generated
    operations = [
        (operation["tags"][0], operation["operationId"])
        for item in spec["paths"].values()
        for operation in item.values()
    ]
    assert len(operations) >= 24
    for tag, operation_id in operations:
        module = operation_module(root, tag, operation_id)
        assert hasattr(module, "sync_detailed"), operation_id


@pytest.fixture
def token(app, user) -> str:
    """A token, and two of everything the lists show."""
    steps = [{"id": "log", "type": "core.log", "with": {"message": "hi"}}]
    workflow_id = add_workflow(app, user, steps)
    with app.app_context():
        for n in range(2):
            create_memory(user.id, "preference", f"Fact {n}", 0.5)
            append_message(user.id, "c1", "user", f"Hello {n}")
        token = create_token(user.id, "client", ["read", "write"]).secret
    app.config["TEST_WORKFLOW_ID"] = workflow_id
    return token


def test_each_list_answers_through_the_client(generated, live_server, token):
    root, spec = generated
    client_module = importlib.import_module(f"{PACKAGE}.client")
    client = client_module.AuthenticatedClient(base_url=live_server, token=token)
    tags = {
        item["get"]["operationId"]: item["get"]["tags"][0]
        for item in spec["paths"].values()
        if "get" in item
    }
    for operation_id, arguments in LISTS.items():
        module = operation_module(root, tags[operation_id], operation_id)
        first = module.sync(client=client, limit=1, **arguments)
        assert type(first).__name__.endswith("List"), (operation_id, first)
        if first.next_cursor:
            rest = module.sync(client=client, cursor=first.next_cursor, **arguments)
            assert rest.data and rest.data[0].to_dict() != first.data[0].to_dict()


def test_memory_can_be_written_through_the_client(generated, live_server, token):
    root, _spec = generated
    client_module = importlib.import_module(f"{PACKAGE}.client")
    client = client_module.AuthenticatedClient(base_url=live_server, token=token)
    models = importlib.import_module(f"{PACKAGE}.models")
    create = operation_module(root, "memory", "create_memory")
    body = models.MemoryCreate(context_type="preference", content=["a", 1])
    made = create.sync(client=client, body=body)
    assert type(made).__name__ == "MemoryOut", made
    update = operation_module(root, "memory", "update_memory")
    changed = update.sync(
        made.id, client=client, body=models.MemoryUpdate(content="Plain words")
    )
    assert changed.content == "Plain words"
