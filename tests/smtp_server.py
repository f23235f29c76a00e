"""A real local SMTP server for Gmail steps: aiosmtpd with TLS and one app password."""

from __future__ import annotations

import datetime
import email
import ipaddress
import socket
import ssl
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ADDRESS = "ada@example.com"
APP_PASSWORD = "abcd efgh ijkl mnop"


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Write a throw-away certificate for localhost / 127.0.0.1; return its files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp.crt", directory / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def free_port() -> int:
    """Return a port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The handler: keeps every message, refuses recipients at @nowhere.test."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.endswith("@nowhere.test"):
            return f"550 5.1.1 No such user {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 OK queued"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append((login, password))
        # handled=False: aiosmtpd itself answers 535 to a refused login.
        ok = (login, password) == (ADDRESS, APP_PASSWORD)
        return AuthResult(success=ok, handled=False)

    def messages(self) -> list[Message]:
        """Return the delivered messages, parsed."""
        return [email.message_from_bytes(e.original_content) for e in self.envelopes]


class SmtpServer:
    """aiosmtpd on 127.0.0.1 with STARTTLS (port `port`) or implicit TLS."""

    def __init__(self, directory: Path, implicit_tls: bool = False) -> None:
        cert, key = self_signed_cert(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.mailbox = Mailbox()
        self.port = free_port()
        self.security = "ssl" if implicit_tls else "starttls"
        options: dict[str, Any] = {"authenticator": self.mailbox.authenticate}
        if implicit_tls:
            # The whole connection is TLS, which aiosmtpd's auth_require_tls
            # does not see: it only counts STARTTLS.
            options.update(ssl_context=context, auth_require_tls=False)
        else:
            options.update(
                tls_context=context, require_starttls=True, auth_require_tls=True
            )
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, **options
        )
        self.controller.start()

    def settings(self) -> dict[str, str]:
        """Return a Gmail connection's settings that point here."""
        return {
            "address": ADDRESS,
            "smtp_host": "127.0.0.1",
            "smtp_port": str(self.port),
            "security": self.security,
        }

    def close(self) -> None:
        """Stop serving."""
        self.controller.stop()
