"""Forms for creating, editing and importing workflows."""

from __future__ import annotations

import json
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from synth_web.engine.messages import type_of
from synth_web.forms import Form
from synth_web.inputs import Refused, load_json

# json's own messages, said the way a person fixing the text would say them.
JSON_HINTS = {
    "Expecting property name enclosed in double quotes": (
        "expected a key in double quotes (a trailing comma, or a key without quotes?)"
    ),
    "Expecting value": (
        "expected a value (a trailing comma, a missing value or 'single quotes'?)"
    ),
    "Expecting ',' delimiter": "expected a comma between two items",
    "Expecting ':' delimiter": "expected a colon after the key",
    "Extra data": "unexpected text after the end of the JSON",
    "Unterminated string starting at": "this text has no closing double quote",
    "Invalid control character at": "a line break inside text; write \\n instead",
    "Invalid \\escape": "a backslash that starts no valid escape (write \\\\)",
}


def strip(value: str | None) -> str | None:
    """Trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def json_error(text: str, exc: json.JSONDecodeError) -> str:
    """Explain invalid JSON with its line, column and the text around it."""
    hint = next(
        (words for key, words in JSON_HINTS.items() if exc.msg.startswith(key)),
        exc.msg,
    )
    line = text.splitlines()[exc.lineno - 1] if text.splitlines() else ""
    start = max(exc.colno - 1 - 20, 0)
    near = line[start : exc.colno - 1 + 20].strip()
    where = f"line {exc.lineno}, column {exc.colno}"
    return f"Not valid JSON on {where}: {hint}" + (f". Near: {near}" if near else ".")


def parse_json(text: str | None, kind: type, empty: Any) -> tuple[Any, str | None, int]:
    """Parse JSON text of one kind: (value, error message, error offset)."""
    if not (text or "").strip():
        return empty, None, -1
    try:
        value = load_json(text or "")
    except json.JSONDecodeError as exc:
        return None, json_error(text or "", exc), exc.pos
    except Refused as exc:
        where = f"At {exc.path}: " if exc.path else ""
        return None, f"{where}{exc.message}", 0
    except RecursionError:
        return None, "This JSON is nested too deeply.", 0
    if not isinstance(value, kind):
        want = "an object { … }" if kind is dict else "a list [ … ]"
        return None, f"Must be {want}, not {type_of(value)}.", 0
    return value, None, -1


class JSONText:
    """Validate a JSON field and keep its parsed value on the field."""

    def __init__(self, kind: type, empty: Any) -> None:
        self.kind, self.empty = kind, empty

    def __call__(self, _form: FlaskForm, field: Field) -> None:
        """Parse the text, or fail with where and why it is not JSON."""
        value, error, offset = parse_json(field.data, self.kind, self.empty)
        field.error_offset = offset
        if error:
            raise ValidationError(error)
        field.parsed = value


class WorkflowForm(Form):
    """A workflow as a person writes it: two texts and two JSON values."""

    name = StringField(
        "Name",
        filters=[strip],
        validators=[
            DataRequired("Give the workflow a name."),
            Length(max=200, message="Keep the name under 200 characters."),
        ],
    )
    intent = TextAreaField("What it does", filters=[strip])
    trigger = TextAreaField("Trigger", validators=[JSONText(dict, {})])
    actions = TextAreaField("Actions", validators=[JSONText(list, [])])

    def definition(self) -> dict[str, Any]:
        """Return the definition typed into a validated form."""
        return {
            "name": self.name.data,
            "intent": self.intent.data or "",
            "trigger": self.trigger.parsed,
            "actions": self.actions.parsed,
        }

    def sources(self) -> dict[str, str]:
        """Return the JSON texts exactly as typed."""
        return {"trigger": self.trigger.data or "", "actions": self.actions.data or ""}


class ToggleForm(Form):
    """Switch a workflow on or off; `to` makes a double click harmless."""

    to = HiddenField()
    next = HiddenField()
    view = HiddenField()


class ImportForm(Form):
    """A workflow JSON file, or the same JSON pasted."""

    file = FileField("JSON file")
    definition = TextAreaField("Or paste the JSON")
