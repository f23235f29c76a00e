"""The form to add or correct a memory entry."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)
from wtforms.widgets import NumberInput

from synth_web.forms import Form
from synth_web.memory.services import MAX_CONTENT, content_problem
from synth_web.models import CONTEXT_TYPES


def type_label(context_type: str) -> str:
    """Name a context type for people: workflow_decision → Workflow decision."""
    return context_type.replace("_", " ").capitalize()


def clean_text(value: str | None) -> str | None:
    """Trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def json_parses(_form: FlaskForm, field: TextAreaField) -> None:
    """Refuse content that starts like JSON but does not parse as JSON."""
    problem = content_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class RelevanceField(FloatField):
    """A number from 0 to 1 whose parse error speaks plainly."""

    widget = NumberInput(step="0.01", min=0, max=1)

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse the number, with a clear message when it is not one."""
        if not valuelist or str(valuelist[0]).strip() == "":
            self.data = None
            return
        try:
            self.data = float(str(valuelist[0]).strip().replace(",", "."))
        except ValueError as exc:
            self.data = None
            raise ValueError("Relevance must be a number from 0 to 1.") from exc


class MemoryForm(Form):
    """Add or correct one memory entry."""

    content = TextAreaField(
        "Content",
        filters=[clean_text],
        validators=[
            DataRequired("Write what Synth should remember."),
            Length(
                max=MAX_CONTENT,
                message=f"Keep it under {MAX_CONTENT:,} characters.",
            ),
            json_parses,
        ],
    )
    # Checked by validate_context_type, which also accepts the entry's own type.
    context_type = SelectField("Type", validate_choice=False)
    relevance_score = RelevanceField(
        "Relevance",
        default=0.5,
        validators=[
            InputRequired("Give a relevance from 0 to 1."),
            NumberRange(0, 1, "Relevance must be from 0 to 1, like 0.75."),
        ],
    )

    def __init__(
        self,
        *args: Any,
        current_type: str | None = None,
        id_prefix: str = "",
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        # Keep a type the assistant used that the list does not know yet.
        self.allowed_types = list(CONTEXT_TYPES)
        if current_type and current_type not in self.allowed_types:
            self.allowed_types.append(current_type)
        self.context_type.choices = [(t, type_label(t)) for t in self.allowed_types]
        if id_prefix:
            # Several entries can be edited at once: element ids must not clash.
            for item in self:
                item.id = f"{id_prefix}{item.id}"
                item.label.field_id = item.id

    def validate_context_type(self, field: SelectField) -> None:
        """Refuse a type that is not on the list."""
        if field.data not in self.allowed_types:
            raise ValidationError("Choose one of the listed types.")
