"""Gmail: send email over SMTP with an app password."""

from __future__ import annotations

from synth_web.engine.actions_gmail import run_send_email, verify_gmail
from synth_web.engine.apps.base import Action, App, ConnectionField, actions, string

RECIPIENTS = {
    "oneOf": [
        {"type": "string", "minLength": 3},
        {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 3}},
    ]
}

APP = App(
    key="gmail",
    name="Gmail",
    description="Send email from your Gmail address over SMTP.",
    icon="✉",
    connection_type="smtp",
    verify=verify_gmail,
    connection_fields=(
        ConnectionField(name="address", label="Gmail address", kind="email"),
        ConnectionField(
            name="app_password",
            label="App password",
            secret=True,
            kind="password",
            help="Google Account → Security → 2-Step Verification → App passwords "
            "(16 letters). Not your Google password.",
        ),
        ConnectionField(
            name="smtp_host",
            label="SMTP host",
            kind="host",
            default="smtp.gmail.com",
            help="Keep smtp.gmail.com unless you send through another server.",
        ),
        ConnectionField(
            name="smtp_port",
            label="SMTP port",
            kind="number",
            default="587",
            help="587 with STARTTLS, or 465 with SSL.",
        ),
        ConnectionField(
            name="security",
            label="Security",
            kind="select",
            default="starttls",
            choices=(
                ("starttls", "STARTTLS (port 587)"),
                ("ssl", "SSL/TLS (port 465)"),
            ),
        ),
    ),
    actions=actions(
        Action(
            name="send_email",
            run=run_send_email,
            description="Send an email.",
            key_params=("to", "subject"),
            schema={
                "type": "object",
                "required": ["to", "subject"],
                "additionalProperties": False,
                "properties": {
                    "to": RECIPIENTS,
                    "cc": RECIPIENTS,
                    "bcc": RECIPIENTS,
                    "subject": string("Subject line.", minLength=1),
                    "text": string("Plain-text body."),
                    "html": string("HTML body."),
                },
                "anyOf": [{"required": ["text"]}, {"required": ["html"]}],
                "errorMessage": "Give the email a `text` or `html` body.",
            },
        ),
    ),
)
