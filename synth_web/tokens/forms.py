"""Forms for making and revoking personal access tokens."""

from __future__ import annotations

from wtforms import SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from synth_web.forms import Form
from synth_web.models import TOKEN_SCOPES

SCOPE_LABELS = {
    "read": "Read — list and fetch workflows, runs, connections, memory and chat",
    "write": "Write — create, change, run and delete them",
}


def clean_text(value: str | None) -> str | None:
    """Trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


class ScopesField(SelectMultipleField):
    """A list of checkboxes, one per scope."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(Form):
    """Name a new token and choose what it may do."""

    name = StringField(
        "Name",
        filters=[clean_text],
        validators=[
            DataRequired("Name the token after the program that will use it."),
            Length(max=100, message="Keep the name under 100 characters."),
        ],
    )
    scopes = ScopesField(
        "Scopes",
        choices=[SelectChoice(scope, SCOPE_LABELS[scope]) for scope in TOKEN_SCOPES],
        default=["read"],
        validate_choice=False,
    )

    def validate_scopes(self, field: ScopesField) -> None:
        """Require at least one known scope."""
        chosen = [scope for scope in field.data or [] if scope in TOKEN_SCOPES]
        if not chosen:
            raise ValidationError("Choose at least one scope.")
        field.data = chosen
