"""Forms for registering, signing in and managing an account."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from synth_web.auth.passwords import password_problem
from synth_web.forms import Form


def clean_email(value: str | None) -> str | None:
    """Trim and lower-case an email address as typed."""
    return value.strip().lower() if isinstance(value, str) else value


def clean_text(value: str | None) -> str | None:
    """Trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


def strong_password(_form: FlaskForm, field: PasswordField) -> None:
    """Refuse short, overlong and common passwords."""
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def timezone_choices() -> list[tuple[str, str]]:
    """List every IANA time zone, UTC first."""
    return list(_timezone_choices())


@lru_cache(maxsize=1)
def _timezone_choices() -> tuple[tuple[str, str], ...]:
    # available_timezones() walks the tz database on disk: once per process.
    zones = sorted(
        z for z in available_timezones() if "/" in z and not z.startswith("Etc")
    )
    return (("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones))


NAME_FIELD = dict(
    filters=[clean_text],
    validators=[
        DataRequired("Enter your name."),
        Length(max=100, message="Keep your name under 100 characters."),
    ],
)
EMAIL_FIELD = dict(
    filters=[clean_email],
    validators=[
        DataRequired("Enter your email address."),
        Length(max=254, message="That email address is too long."),
        Email(
            "Enter a valid email address, like name@example.com.",
            check_deliverability=False,
        ),
    ],
)


class RegisterForm(Form):
    """Create an account."""

    name = StringField("Name", **NAME_FIELD)
    email = EmailField("Email", **EMAIL_FIELD)
    password = PasswordField(
        "Password", validators=[DataRequired("Choose a password."), strong_password]
    )
    # Filled in by the browser's own time zone when JavaScript runs.
    timezone = HiddenField(filters=[clean_text])


class LoginForm(Form):
    """Sign in."""

    email = EmailField(
        "Email",
        filters=[clean_email],
        validators=[DataRequired("Enter your email address.")],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password.")]
    )
    remember = BooleanField("Keep me signed in on this device")


class ProfileForm(Form):
    """Change name, email and time zone."""

    name = StringField("Name", **NAME_FIELD)
    email = EmailField("Email", **EMAIL_FIELD)
    timezone = SelectField("Time zone", validate_choice=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class PasswordChangeForm(Form):
    """Change the password; the current one is required."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), strong_password],
    )
    confirm_password = PasswordField(
        "Repeat new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", message="The two new passwords do not match."),
        ],
    )


class DeleteAccountForm(Form):
    """Delete the account; the password is required."""

    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to confirm.")]
    )


class EmptyForm(Form):
    """A form with only the CSRF token, for POST-only buttons."""
