"""How Gmail steps and the Gmail connection check talk SMTP.

STARTTLS on 587 or implicit TLS on 465, per the connection's `security` setting,
then a login with the app password. The host passes the outbound address policy,
checked on the name before connecting and on the socket's peer after.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

import requests
from flask import current_app

from synth_web.engine.apps.base import (
    Action,
    App,
    ConnectionField,
    Event,
    actions,
    events,
    string,
)
from synth_web.engine.context import (
    CHECK_TIMEOUT,
    StepContext,
    StepFailed,
    countdown,
)
from synth_web.engine.netguard import (
    BlockedAddress,
    GuardedSMTP,
    GuardedSMTPSSL,
    Policy,
    policy_for,
    tls_context,
)

SECURITY = ("starttls", "ssl")
RECONNECT = "connect Gmail again in Connections"


@dataclass(frozen=True)
class SmtpTarget:
    """Where and as whom to send: the connection's settings and app password."""

    address: str
    password: str
    host: str
    port: int
    security: str

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> SmtpTarget:
        """Read the connection's fields, refusing incomplete ones clearly."""
        address, password = fields.get("address"), fields.get("app_password")
        if not address or not password:
            raise StepFailed(
                f"Gmail is connected without an address or app password: {RECONNECT}."
            )
        try:
            port = int(fields.get("smtp_port") or 587)
        except ValueError:
            port = 0
        security = fields.get("security") or "starttls"
        if not 0 < port < 65536 or security not in SECURITY:
            raise StepFailed(
                "The Gmail connection's SMTP port or security is not valid: "
                f"{RECONNECT}."
            )
        host = fields.get("smtp_host") or "smtp.gmail.com"
        return cls(address, password, host, port, security)

    @property
    def where(self) -> str:
        """Name the server for messages."""
        return f"{self.host}:{self.port}"


@contextmanager
def smtp_session(
    target: SmtpTarget,
    policy: Policy,
    remaining: Callable[[], float],
    tls_verify: bool,
) -> Iterator[smtplib.SMTP]:
    """Connect, secure and log in; yield the client; always say goodbye."""
    with smtp_errors(target):
        policy.check_host(target.host, target.port)
        context = tls_context(tls_verify)
        if target.security == "ssl":
            client: smtplib.SMTP = GuardedSMTPSSL(
                policy, target.host, target.port, timeout=remaining(), context=context
            )
        else:
            client = GuardedSMTP(policy, target.host, target.port, timeout=remaining())
        try:
            if target.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise StepFailed(
                        f"{target.where} does not offer STARTTLS: use port 587 with "
                        "STARTTLS or 465 with SSL."
                    )
                client.starttls(context=context)
                client.ehlo()
            client.login(target.address, target.password)
            yield client
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


@contextmanager
def smtp_errors(target: SmtpTarget) -> Iterator[None]:
    """Turn what smtplib, ssl and sockets raise into step errors."""
    try:
        yield
    except StepFailed:
        raise
    except BlockedAddress as exc:
        raise StepFailed(str(exc)) from exc
    except requests.exceptions.ConnectionError as exc:  # name lookup, from the guard
        raise StepFailed(str(exc), retryable=True) from exc
    except smtplib.SMTPException as exc:
        raise smtp_failure(exc, target) from exc
    except ssl.SSLCertVerificationError as exc:
        raise StepFailed(
            f"The TLS certificate of {target.host} could not be verified "
            f"({exc.verify_message})."
        ) from exc
    except ssl.SSLError as exc:
        raise StepFailed(
            f"TLS with {target.where} failed ({exc.reason}): check the port and "
            "security (587 with STARTTLS, 465 with SSL)."
        ) from exc
    except TimeoutError as exc:
        raise StepFailed(
            f"Timed out talking to {target.where}.", retryable=True
        ) from exc
    except ConnectionRefusedError as exc:
        raise StepFailed(
            f"Could not connect to {target.where}: connection refused.",
            retryable=True,
        ) from exc
    except OSError as exc:
        raise StepFailed(
            f"Could not reach {target.where}: {exc.strerror or exc}.", retryable=True
        ) from exc


def reply(code: int, message: bytes | str) -> str:
    """Format an SMTP reply for a sentence."""
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"[:300]


def smtp_failure(exc: smtplib.SMTPException, target: SmtpTarget) -> StepFailed:
    """Explain one SMTP error."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return StepFailed(
            f"Gmail refused the app password for {target.address}: check it in "
            f"Connections. ({reply(exc.smtp_code, exc.smtp_error)})"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(
            f"{who} ({reply(code, text)})"
            for who, (code, text) in exc.recipients.items()
        )
        return StepFailed(f"Gmail refused every recipient: {refused}.")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return StepFailed(
            f"Gmail refused to send from {target.address}: "
            f"{reply(exc.smtp_code, exc.smtp_error)}."
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return StepFailed(f"{target.where} does not support this: {exc}.")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return StepFailed(
            f"{target.where} closed the connection unexpectedly.", retryable=True
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return StepFailed(
            f"{target.where} answered {reply(exc.smtp_code, exc.smtp_error)}.",
            retryable=400 <= exc.smtp_code < 500,
        )
    return StepFailed(f"Sending through {target.where} failed: {exc}.", retryable=True)


def recipients(value: Any) -> list[str]:
    """Read one address or a list of them, checking each looks like an address."""
    items = [value] if isinstance(value, str) else list(value or [])
    addresses = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            _, address = parseaddr(part)
            if "@" not in address or any(ch in address for ch in "\r\n"):
                raise StepFailed(f"`{part.strip()}` is not an email address.")
            addresses.append(part.strip())
    return addresses


def build_message(address: str, params: dict[str, Any]) -> EmailMessage:
    """Compose the email: headers, then text and/or HTML body."""
    message = EmailMessage()
    try:
        message["From"] = address
        message["To"] = ", ".join(recipients(params["to"]))
        if params.get("cc"):
            message["Cc"] = ", ".join(recipients(params["cc"]))
        message["Subject"] = params["subject"]
    except ValueError as exc:
        raise StepFailed(
            "The subject or an address contains a line break, which email headers "
            "cannot have."
        ) from exc
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    text, html = params.get("text"), params.get("html")
    if text:
        message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html or "", subtype="html")
    return message


def run_send_email(ctx: StepContext, params: dict[str, Any]) -> dict[str, Any]:
    """Send the email from the connected address; return who accepted it."""
    target = SmtpTarget.from_fields(ctx.connection("gmail"))
    message = build_message(target.address, params)
    everyone = [
        parseaddr(item)[1]
        for key in ("to", "cc", "bcc")
        for item in recipients(params.get(key))
    ]
    verify = bool(ctx.settings.get("SYNTH_SMTP_TLS_VERIFY", True))
    with smtp_session(target, ctx.policy, ctx.remaining, verify) as client:
        refused = client.send_message(
            message, from_addr=target.address, to_addrs=everyone
        )
    return {
        "accepted": [who for who in everyone if who not in refused],
        "message_id": message["Message-ID"],
    }


def verify_gmail(fields: Mapping[str, str]) -> dict[str, Any]:
    """Log in to the SMTP server with the app password, then leave."""
    settings = current_app.config
    target = SmtpTarget.from_fields(fields)
    verify = bool(settings.get("SYNTH_SMTP_TLS_VERIFY", True))
    with smtp_session(target, policy_for(settings), countdown(CHECK_TIMEOUT), verify):
        pass
    return {"address": target.address, "server": target.where}


# One address, several separated by commas, or a list; checked as addresses.
ADDRESS = {"type": "string", "minLength": 3, "format": "email"}
RECIPIENTS = {
    "oneOf": [ADDRESS, {"type": "array", "minItems": 1, "items": ADDRESS}],
    "description": "One address, several separated by commas, or a list.",
}

APP = App(
    key="gmail",
    name="Gmail",
    description="Send email from your Gmail address over SMTP.",
    icon="✉",
    words=("gmail", "email", "emails", "e-mail", "mail", "mails", "inbox"),
    events=events(
        Event(
            name="new_email",
            title="A new email arrives",
            words=("new", "arrives", "arrive", "receive", "get", "comes in", "lands"),
            fields=("from", "to", "subject", "text"),
            summary="New email from {{ trigger.body.from }}: "
            "{{ trigger.body.subject }}",
        ),
    ),
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
            title="Send an email",
            words=("email", "e-mail", "mail", "send an email", "write to", "remind"),
            slots={"to": "email", "subject": "subject", "text": "message"},
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
