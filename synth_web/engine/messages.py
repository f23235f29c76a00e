"""Turn JSON Schema errors into sentences a person understands."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

TYPE_NAMES = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def type_of(value: Any) -> str:
    """Name the JSON type of a value in words."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def closest(word: str, choices: Iterable[str]) -> str | None:
    """Return the choice a misspelt word most likely meant, or None."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Suggest the closest choice as " Did you mean `x`?", or say nothing."""
    found = closest(word, choices)
    return f" Did you mean `{found}`?" if found and found != word else ""


def expected_types(expected: Any) -> str:
    """Name one or several expected JSON types in words."""
    names = [expected] if isinstance(expected, str) else list(expected)
    return " or ".join(TYPE_NAMES.get(name, name) for name in names)


def describe_error(error: ValidationError) -> str:
    """Explain one validation error in a sentence."""
    custom = (
        error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    )
    kind, value, instance = error.validator, error.validator_value, error.instance
    if custom and kind in ("pattern", "not", "anyOf", "oneOf"):
        return custom
    if kind in ("anyOf", "oneOf") and error.context:
        return describe_alternatives(error)
    describe = DESCRIBERS.get(kind)
    if describe is not None:
        return describe(value, instance, error)
    return error.message


def describe_alternatives(error: ValidationError) -> str:
    """Say what is wrong with the allowed form a value came closest to."""
    # A branch of another type says nothing about this value: leave those out.
    near = [e for e in error.context or () if e.validator != "type" or e.path]
    if near:
        return describe_error(max(near, key=lambda e: len(e.path)))
    kinds = [e.validator_value for e in error.context or () if e.validator == "type"]
    wanted = " or ".join(expected_types(kind) for kind in kinds)
    return f"Must be {wanted}, not {type_of(error.instance)}."


def _required(value: Any, instance: Any, _error: ValidationError) -> str:
    missing = [name for name in value if name not in instance]
    names = ", ".join(f"`{name}`" for name in missing)
    return f"{names} {'is' if len(missing) == 1 else 'are'} required."


def _additional(_value: Any, instance: Any, error: ValidationError) -> str:
    allowed = sorted(error.schema.get("properties", {}))
    extra = sorted(set(instance) - set(allowed))
    names = ", ".join(f"`{name}`" for name in extra)
    listing = ", ".join(allowed) or "none"
    return f"Unknown field {names}. Allowed here: {listing}."


def _enum(value: Any, instance: Any, _error: ValidationError) -> str:
    return f"`{instance}` is not allowed; use one of: {', '.join(map(str, value))}."


def _length(word: str) -> Any:
    def describe(value: Any, _instance: Any, _error: ValidationError) -> str:
        if word == "at least" and value == 1:
            return "Must not be empty."
        return f"Must be {word} {value} characters long."

    return describe


def _items(word: str) -> Any:
    def describe(value: Any, instance: Any, _error: ValidationError) -> str:
        plural = "s" if value != 1 else ""
        return f"Needs {word} {value} item{plural} (has {len(instance)})."

    return describe


def _bound(word: str) -> Any:
    def describe(value: Any, instance: Any, _error: ValidationError) -> str:
        return f"Must be {word} {value} (got {instance})."

    return describe


DESCRIBERS = {
    "required": _required,
    "additionalProperties": _additional,
    "type": lambda v, i, e: f"Must be {expected_types(v)}, not {type_of(i)}.",
    "enum": _enum,
    "const": lambda v, i, e: f"Must be `{v}`.",
    "minLength": _length("at least"),
    "maxLength": _length("at most"),
    "minItems": _items("at least"),
    "maxItems": _items("at most"),
    "minimum": _bound("at least"),
    "maximum": _bound("at most"),
    "exclusiveMinimum": _bound("more than"),
    "exclusiveMaximum": _bound("less than"),
    "minProperties": lambda v, i, e: "Needs at least one entry.",
    "pattern": lambda v, i, e: f"`{i}` does not have the expected form.",
    "oneOf": lambda v, i, e: "Does not match any of the allowed forms.",
    "anyOf": lambda v, i, e: "Does not match any of the allowed forms.",
    "not": lambda v, i, e: "This combination of fields is not allowed.",
    "format": lambda v, i, e: (
        f"`{i}` is not an email address." if v == "email" else f"`{i}` is not a {v}."
    ),
}
