"""The base of every form: text no database can keep is refused beside its field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import StopValidation

from synth_web.inputs import text_problem


def storable(_form: FlaskForm, field: Field) -> None:
    """Refuse a value with NUL or a lone surrogate, before anything saves it."""
    values = field.data if isinstance(field.data, list | tuple) else [field.data]
    for value in values:
        problem = isinstance(value, str) and text_problem(value)
        if problem:
            raise StopValidation(problem)


class Form(FlaskForm):
    """A form whose every field passes the input guard (synth_web.inputs)."""

    def validate(
        self, extra_validators: Mapping[str, Sequence[Any]] | None = None
    ) -> bool:
        """Validate each field, with the storable check after its own."""
        extra = {name: list(chain) for name, chain in (extra_validators or {}).items()}
        for name in self._fields:
            extra[name] = [storable, *extra.get(name, [])]
        return super().validate(extra)
