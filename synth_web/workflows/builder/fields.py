"""One parameter of a step as form text, and back, without losing a thing.

A field's *kind* says how its text becomes a value, and is part of the field's
name in the form (`s2.num.seconds`), so reading a posted form needs no schema:

- `str`: text as typed (never trimmed); empty means "not set";
- `num`: a number when the text is one, else the text (a template, or a mistake
  that validation names);
- `bool`: "true" / "false", empty means "not set";
- `json`: any JSON value, for what no other kind can show exactly;
- `kv`: rows of name and text, for objects of texts (headers, values).

A value is shown with the first kind of its schema that gives it back exactly;
anything else is shown as JSON. That is what makes a round trip exact.
"""

from __future__ import annotations

import json
import re
from typing import Any

from synth_web.inputs import TOO_BIG, Refused, check_json, load_json, text_problem

MISSING: Any = object()
KINDS = ("str", "num", "bool", "json", "kv")
INT = re.compile(r"^-?(0|[1-9]\d*)$")
FLOAT = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$")
SHORT_JSON = 60


class FieldError(ValueError):
    """Posted text that cannot become a value; the message says why."""


def same(a: Any, b: Any) -> bool:
    """Tell whether two values are the same JSON, 1 and true told apart."""
    try:
        return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    except (TypeError, ValueError):
        return False


def parse_json_text(text: str) -> Any:
    """Read JSON typed into a field, or raise FieldError saying where it breaks."""
    try:
        return load_json(text)
    except json.JSONDecodeError as exc:
        raise FieldError(
            f"Not valid JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from None
    except Refused as exc:
        where = f"At {exc.path}: " if exc.path else ""
        raise FieldError(f"{where}{exc.message}") from None


def storable(text: str) -> str:
    """Return typed text, or raise FieldError when it cannot be stored (NUL…)."""
    problem = text_problem(text)
    if problem:
        raise FieldError(problem)
    return text


def number(text: str) -> Any:
    """Read a number field; text that is no number stays text for validation."""
    try:
        value = (
            int(text) if INT.match(text) else float(text) if FLOAT.match(text) else text
        )
        return check_json(value)
    except ValueError:
        raise FieldError(TOO_BIG) from None
    except Refused as exc:
        raise FieldError(exc.message) from None


def parse(kind: str, text: str) -> Any:
    """Turn a field's text into its value, MISSING when empty."""
    if text == "":
        return MISSING
    storable(text)
    if kind == "num":
        return number(text)
    if kind == "bool":
        return {"true": True, "false": False}.get(text, text)
    if kind == "json":
        return parse_json_text(text)
    # Browsers send a textarea's line breaks as CRLF; values keep "\n".
    return text.replace("\r\n", "\n")


def parse_rows(keys: list[str], values: list[str]) -> Any:
    """Turn name/value rows into an object; blank rows are left out."""
    result: dict[str, str] = {}
    for key, value in zip(keys, values, strict=False):
        if key == "" and value == "":
            continue
        if key == "":
            raise FieldError("Give each value a name (the left box).")
        if key in result:
            raise FieldError(f"Two rows are called `{key}`; names must differ.")
        result[storable(key)] = storable(value)
    return result or MISSING


def render(kind: str, value: Any) -> str:
    """Show a value as the text of a field of this kind."""
    if value is MISSING:
        return ""
    if kind == "json":
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > SHORT_JSON and isinstance(value, (dict, list)):
            text = json.dumps(value, ensure_ascii=False, indent=2)
        return text
    if kind == "bool":
        return "true" if value is True else "false" if value is False else str(value)
    if kind == "num" and not isinstance(value, str):
        return json.dumps(value)
    return str(value)


def render_rows(value: Any) -> list[tuple[str, str]]:
    """Show an object of texts as name/value rows."""
    return list(value.items()) if isinstance(value, dict) else []


def fits(kind: str, value: Any) -> bool:
    """Tell whether a field of this kind shows the value and gives it back exactly."""
    if value is MISSING or kind == "json":
        return True
    if kind == "kv":  # one-line inputs: a line break would be lost in them
        return (
            isinstance(value, dict)
            and bool(value)
            and all(
                isinstance(v, str) and k != "" and one_line(k) and one_line(v)
                for k, v in value.items()
            )
        )
    if kind == "str":
        return isinstance(value, str) and value != "" and "\r" not in value
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "num":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return False
        if isinstance(value, str) and not one_line(value):
            return False
        return same(parse(kind, render(kind, value)), value)
    return False


def one_line(text: str) -> bool:
    """Tell whether a text fits a one-line input as it is."""
    return "\n" not in text and "\r" not in text


def simple_values(schema: Any) -> bool:
    """Tell whether an object schema's values can be plain text."""
    extra = schema.get("additionalProperties", True)
    if extra is True or extra == {}:
        return True
    kinds = extra.get("type") if isinstance(extra, dict) else None
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "string" in kinds


TYPE_KINDS = {
    "string": "str",
    "number": "num",
    "integer": "num",
    "boolean": "bool",
    "array": "json",
    "null": "json",
}


def kinds_for(schema: Any) -> list[str]:
    """List the kinds that can show a parameter of this schema, best first."""
    if not isinstance(schema, dict):
        return ["str", "json"]
    if "enum" in schema:
        ok = all(isinstance(item, str) for item in schema["enum"])
        return ["str", "json"] if ok else ["json"]
    branches = schema.get("oneOf") or schema.get("anyOf")
    kinds: list[str] = []
    if isinstance(branches, list):
        for branch in branches:
            kinds += kinds_for(branch)
    declared = schema.get("type")
    for name in declared if isinstance(declared, list) else [declared]:
        if name == "object":
            kinds.append("kv" if simple_values(schema) else "json")
        elif name in TYPE_KINDS:
            kinds.append(TYPE_KINDS[name])
    unique = list(dict.fromkeys(k for k in kinds if k != "json"))
    return [*unique, "json"]


def choose_kind(schema: Any, value: Any) -> str:
    """Pick the first kind of the schema that shows the value exactly."""
    kinds = kinds_for(schema)
    if value is MISSING:
        return kinds[0]
    return next(kind for kind in kinds if fits(kind, value))
