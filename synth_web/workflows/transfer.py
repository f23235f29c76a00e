"""Export a workflow as portable JSON, and import such files back."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from synth_web.engine.messages import type_of
from synth_web.engine.validation import MAX_DEFINITION_BYTES
from synth_web.extensions import db
from synth_web.inputs import Refused, load_json
from synth_web.models import Workflow
from synth_web.workflows.forms import json_error

MAX_IMPORT_BYTES = MAX_DEFINITION_BYTES
MAX_IMPORT_WORKFLOWS = 50
PORTABLE_KEYS = ("name", "intent", "trigger", "actions")


class ImportRefused(ValueError):
    """The file cannot become workflows; the message says why, for people."""


@dataclass(frozen=True)
class Incoming:
    """One definition read from an import, ready to be saved."""

    definition: dict[str, Any]


def export_json(workflow: Workflow) -> str:
    """Return the workflow's portable JSON: no ids, tokens, status or secrets."""
    return json.dumps(workflow.definition, indent=2, ensure_ascii=False) + "\n"


def export_filename(workflow: Workflow) -> str:
    """Name the download after the workflow, as a safe slug."""
    ascii_name = (
        unicodedata.normalize("NFKD", workflow.name).encode("ascii", "ignore").decode()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80]
    return f"{slug or 'workflow'}.json"


def read_import(raw: bytes | str) -> list[Incoming]:
    """Turn an uploaded or pasted text into definitions, or raise ImportRefused."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_IMPORT_BYTES:
            raise ImportRefused(_too_large(len(raw)))
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRefused(
                "This file is not text (UTF-8). Export a workflow as JSON and "
                "upload that file."
            ) from None
    if len(raw.encode()) > MAX_IMPORT_BYTES:
        raise ImportRefused(_too_large(len(raw.encode())))
    if not raw.strip():
        raise ImportRefused("Choose a JSON file, or paste a workflow's JSON.")
    try:
        data = load_json(raw)
    except json.JSONDecodeError as exc:
        raise ImportRefused(json_error(raw, exc)) from None
    except Refused as exc:
        where = f" (at {exc.path})" if exc.path else ""
        raise ImportRefused(
            f"This file cannot be imported{where}: {exc.message}"
        ) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ImportRefused("The list is empty: there is no workflow to import.")
    if len(items) > MAX_IMPORT_WORKFLOWS:
        raise ImportRefused(
            f"Import at most {MAX_IMPORT_WORKFLOWS} workflows at once "
            f"(this file has {len(items)})."
        )
    return [_incoming(item, index, len(items)) for index, item in enumerate(items)]


def _too_large(size: int) -> str:
    return (
        f"This file is {size // 1024} KB; a workflow file can be at most "
        f"{MAX_IMPORT_BYTES // 1024} KB."
    )


def _incoming(item: Any, index: int, count: int) -> Incoming:
    """Check one item's shape: an object with a name, a trigger and actions."""
    where = f"Workflow {index + 1}: " if count > 1 else ""
    if not isinstance(item, dict):
        raise ImportRefused(
            f"{where}a workflow is a JSON object with name, intent, trigger and "
            f"actions, not {type_of(item)}."
        )
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ImportRefused(f"{where}the workflow has no `name`.")
    if len(name.strip()) > 200:
        raise ImportRefused(f"{where}the name is longer than 200 characters.")
    trigger, actions = item.get("trigger", {}), item.get("actions", [])
    if not isinstance(trigger, dict):
        raise ImportRefused(
            f"{where}`trigger` must be an object, not {type_of(trigger)}."
        )
    if not isinstance(actions, list):
        raise ImportRefused(f"{where}`actions` must be a list, not {type_of(actions)}.")
    intent = item.get("intent", "")
    if not isinstance(intent, str):
        raise ImportRefused(f"{where}`intent` must be text, not {type_of(intent)}.")
    definition = {"name": name.strip(), "intent": intent}
    return Incoming({**definition, "trigger": trigger, "actions": actions})


def import_workflows(user_id: int, incoming: list[Incoming]) -> list[Workflow]:
    """Save imported definitions as inactive workflows, all or none."""
    workflows = []
    for item in incoming:
        workflow = Workflow(user_id=user_id, status="inactive", meta={"imported": True})
        workflow.apply_definition(item.definition)
        workflows.append(workflow)
    db.session.add_all(workflows)
    db.session.commit()
    return workflows
