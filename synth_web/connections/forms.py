"""The connect form, built from the fields an app of the catalog declares."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from synth_web.engine.apps import App, ConnectionField
from synth_web.forms import Form
from synth_web.inputs import whole_number

HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*$"
)
MAX_SECRET = 4096


def clean_text(value: str | None) -> str | None:
    """Trim surrounding whitespace (a pasted token often ends with a newline)."""
    return value.strip() if isinstance(value, str) else value


def port_number(_form: FlaskForm, field: Field) -> None:
    """Accept a TCP port, 1 to 65535."""
    if whole_number((field.data or "").strip(), maximum=65535) is None:
        raise ValidationError("Enter a port number from 1 to 65535, like 587.")


def hostname(_form: FlaskForm, field: Field) -> None:
    """Accept a host name or an IPv4 address, without scheme or path."""
    if not HOSTNAME.match(field.data or ""):
        raise ValidationError(
            "Enter a host name only, like smtp.gmail.com (no https:// and no path)."
        )


def build_field(spec: ConnectionField, keep_secret: bool) -> Field:
    """Make the WTForms field for one declared connection field."""
    validators: list[Any] = []
    if spec.secret and keep_secret or not spec.required:
        validators.append(Optional())
    else:
        verb = "Choose" if spec.kind == "select" else "Enter"
        validators.append(DataRequired(f"{verb} the {spec.label.lower()}."))
    if spec.pattern:
        validators.append(Regexp(spec.pattern, message=spec.pattern_message))
    options: dict[str, Any] = {"validators": validators, "filters": [clean_text]}
    if spec.kind == "select":
        choices = [SelectChoice(value, label) for value, label in spec.choices]
        return SelectField(spec.label, choices=choices, **options)
    if spec.secret or spec.kind == "password":
        validators.append(Length(max=MAX_SECRET, message="That is too long."))
        # PasswordField never writes its value back into the HTML.
        return PasswordField(spec.label, **options)
    validators.append(Length(max=254, message="Keep it under 254 characters."))
    if spec.kind == "email":
        message = "Enter a valid email address, like name@gmail.com."
        validators.append(Email(message, check_deliverability=False))
        return EmailField(spec.label, **options)
    if spec.kind == "number":
        validators.append(port_number)
    if spec.kind == "host":
        validators.append(hostname)
    return StringField(spec.label, **options)


class ConnectForm(Form):
    """Connect an app; its fields are added per app by connect_form()."""

    check_now = BooleanField("Check the connection after saving", default=True)

    app_fields: tuple[ConnectionField, ...] = ()

    def values(self) -> dict[str, str]:
        """Return the app's fields as typed, blank secrets included."""
        return {spec.name: self[spec.name].data or "" for spec in self.app_fields}


def connect_form(
    app: App, settings: dict[str, str], kept: set[str], **kwargs: Any
) -> ConnectForm:
    """Build the connect form of an app, prefilled with its current settings.

    Secret fields in `kept` are already stored: left blank, they stay as they are.
    """
    attributes: dict[str, Any] = {"app_fields": app.connection_fields}
    for spec in app.connection_fields:
        attributes[spec.name] = build_field(spec, spec.name in kept)
    form_class = type(
        f"Connect{app.name.replace(' ', '')}Form", (ConnectForm,), attributes
    )
    data = {
        spec.name: spec.default for spec in app.connection_fields if not spec.secret
    }
    data.update({k: v for k, v in settings.items() if k in data})
    return form_class(data={**data, "check_now": True}, **kwargs)


def field_hints(app: App, masks: dict[str, str]) -> dict[str, str]:
    """Return each field's hint; stored secrets say how they are kept."""
    hints = {}
    for spec in app.connection_fields:
        hint = spec.help
        if spec.name in masks:
            hint = (
                f"Stored: {masks[spec.name]}. Leave blank to keep it, or paste a "
                f"new one to replace it. {hint}"
            ).strip()
        hints[spec.name] = hint
    return hints
