"""Outbound HTTP and SMTP that refuse loopback, private and link-local addresses.

The check runs on the address each socket actually connects to, so a redirect or a
DNS answer that changes between lookup and connect cannot slip through. Tests and
private deployments opt out with SYNTH_ALLOW_PRIVATE_NETWORK=1, or allow chosen
networks with SYNTH_OUTBOUND_ALLOW=10.1.0.0/16,…
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_REDIRECTS = 5


class BlockedAddress(requests.exceptions.ConnectionError):
    """The destination is on a network that steps may not reach."""


@dataclass(frozen=True)
class Policy:
    """Which destinations outbound requests may reach."""

    allow_private: bool = False
    allowed: tuple[Network, ...] = field(default_factory=tuple)

    @classmethod
    def from_config(cls, allow_private: bool, allowed: Iterable[str]) -> Policy:
        """Build a policy from settings, refusing malformed networks."""
        networks = tuple(ipaddress.ip_network(n.strip()) for n in allowed if n.strip())
        return cls(allow_private=allow_private, allowed=networks)

    def refusal(self, address: str) -> str | None:
        """Return why an address is refused, or None if it may be reached."""
        if self.allow_private:
            return None
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.allowed):
            return None
        # Most specific first: loopback and link-local addresses are "private" too.
        kinds = ("loopback", "link_local", "multicast", "unspecified", "reserved")
        for kind in (*kinds, "private"):
            if getattr(ip, f"is_{kind}"):
                return f"{ip} is a {kind.replace('_', '-')} address"
        if not ip.is_global:
            return f"{ip} is not a public address"
        return None

    def check_host(self, host: str, port: int) -> None:
        """Resolve a host and refuse it early when any address is blocked."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise requests.exceptions.ConnectionError(
                f"Could not resolve {host}: {exc.strerror}"
            ) from exc
        for info in infos:
            reason = self.refusal(info[4][0])
            if reason:
                raise BlockedAddress(f"Refused to connect to {host}: {reason}.")


def policy_for(settings: Mapping[str, object]) -> Policy:
    """Read the outbound network policy from the app's settings."""
    allowed = settings.get("SYNTH_OUTBOUND_ALLOW") or ()
    return Policy.from_config(
        bool(settings.get("SYNTH_ALLOW_PRIVATE_NETWORK")),
        allowed,  # type: ignore[arg-type]
    )


def guarded_connection(
    base: type[HTTPConnection], policy: Policy, opened: list[socket.socket]
) -> type:
    """Make a connection class that checks the peer address of every new socket.

    Each socket it opens is added to `opened`, so that whoever sent the request
    can cut it off (`GuardedAdapter.cut_off`) however far the request got.
    """

    class Guarded(base):  # type: ignore[misc, valid-type]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            reason = policy.refusal(sock.getpeername()[0])
            if reason:
                sock.close()
                raise BlockedAddress(f"Refused to connect to {self.host}: {reason}.")
            opened.append(sock)
            return sock

    return Guarded


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose pools only open guarded connections."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.opened: list[socket.socket] = []
        super().__init__(max_retries=0)

    def cut_off(self) -> None:
        """Shut every socket this adapter opened: blocked reads return at once."""
        for sock in list(self.opened):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        """Swap in pool classes with guarded connections."""
        super().init_poolmanager(*args, **kwargs)
        policy, opened = self.policy, self.opened

        class HTTPPool(HTTPConnectionPool):
            ConnectionCls = guarded_connection(HTTPConnection, policy, opened)

        class HTTPSPool(HTTPSConnectionPool):
            ConnectionCls = guarded_connection(HTTPSConnection, policy, opened)

        self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}


def session_for(policy: Policy) -> requests.Session:
    """Return a requests session that obeys the policy and ignores proxy settings."""
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment would bypass the guard
    session.max_redirects = MAX_REDIRECTS
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class _GuardedSMTP:
    """Refuse a socket whose peer the outbound policy does not allow."""

    policy: Policy

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = super()._get_socket(host, port, timeout)  # type: ignore[misc]
        reason = self.policy.refusal(sock.getpeername()[0])
        if reason:
            sock.close()
            raise BlockedAddress(f"Refused to connect to {host}: {reason}.")
        return sock


class GuardedSMTP(_GuardedSMTP, smtplib.SMTP):
    """SMTP (for STARTTLS) behind the address policy."""

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(*args, **kwargs)


class GuardedSMTPSSL(_GuardedSMTP, smtplib.SMTP_SSL):
    """SMTP over implicit TLS behind the address policy."""

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(*args, **kwargs)


def tls_context(verify: bool) -> ssl.SSLContext:
    """Return a TLS context; only tests turn certificate checks off."""
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
