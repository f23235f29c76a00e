"""The composer: one message to Synth, bounded before anything is planned."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, ValidationError

from synth_web.forms import Form
from synth_web.planner import MAX_REQUEST_CHARS


def tidy(value: str | None) -> str | None:
    """Trim the message and count a line break as one character, as browsers do."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def within_limit(_form: FlaskForm, field: TextAreaField) -> None:
    """Refuse a message longer than the planner reads, saying by how much."""
    length = len(field.data or "")
    if length > MAX_REQUEST_CHARS:
        raise ValidationError(
            f"That is {length:,} characters; say it in at most {MAX_REQUEST_CHARS:,}."
        )


class ComposerForm(Form):
    """Say what you want automated, or answer Synth's question."""

    max_chars = MAX_REQUEST_CHARS

    message = TextAreaField(
        "Message",
        filters=[tidy],
        validators=[
            DataRequired("Write what you would like Synth to automate."),
            within_limit,
        ],
    )
