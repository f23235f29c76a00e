"""The OpenAPI document states what the server accepts, and nothing looser."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any, get_args

import pytest

from synth_web import ROOT, create_app
from tests.conftest import base_config

SEMANTIC = "valid values that break a rule no schema states"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app(base_config("sqlite://", None))
    return app.test_client().get("/api/v1/openapi.json").get_json()


def schemas(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Walk every schema-like object of the document with where it is."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schemas(value, f"{path}[{index}]")


def test_every_array_has_items_and_every_object_says_what_else_it_takes(document):
    for path, node in schemas(document):
        if node.get("type") == "array":
            assert "items" in node, path
        if node.get("type") == "object" and "properties" in node:
            assert "additionalProperties" in node, path


def test_no_string_takes_nul(document):
    for path, node in schemas(document["components"]["schemas"]):
        if node.get("type") == "string" and not {"enum", "const", "format"} & set(node):
            pattern = node.get("pattern", "")
            assert pattern.startswith("^") and pattern.endswith("$"), path
            for text in ("\x00", "a\x00", "0\x00", "a\x00a", "1_\x00"):
                assert not re.search(pattern, text), (path, pattern)


def test_refusals_beyond_the_schema_are_declared_where_they_happen(document):
    declared = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if SEMANTIC in operation["responses"].get("422", {}).get("description", "")
    }
    assert declared == {
        "create",
        "update",
        "report",
        "update_execution",
        "create_memory",
        "update_memory",
    }
    config = tomllib.loads((ROOT / "schemathesis.toml").read_text())
    (expects_422,) = config["operations"]
    assert set(expects_422["include-operation-id"]) == declared


def test_the_api_step_record_is_the_engine_step_record():
    """Outside engines report exactly the fields Synth's runner writes."""
    from synth_web.api.execution_models import StepRecord as ApiStepRecord
    from synth_web.engine.record import STEP_STATUSES, StepRecord

    assert set(ApiStepRecord.model_fields) == set(StepRecord.__annotations__)
    status = ApiStepRecord.model_fields["status"].annotation
    assert get_args(status) == STEP_STATUSES
