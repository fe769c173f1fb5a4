"""A real SMTP server (aiosmtpd) on loopback that records what it receives.

Use the ``smtp_server`` fixture; point a platform at it with ``smtp_server.config_text()``
(the ``[mail]`` table of plugins.toml), deliver with ``platform.outbox.deliver_all_due()``
and read what arrived::

    platform = make_platform(config_text=smtp_server.config_text())
    ...                                   # a service enqueues an activation mail
    platform.outbox.deliver_all_due()
    code = smtp_server.last_code("anne@example.be")

The server can be stopped and started again on the same port (``stop()`` / ``start()``)
to test an SMTP outage, answer every mail with a temporary or permanent refusal
(``refuse_with = "451 4.3.0 try later"``), slow down (``delay``), speak STARTTLS or
implicit TLS with a self-signed certificate, and require a login.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email
import email.policy
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z0-9]{6}(?![A-Za-z0-9])")


@dataclasses.dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        return "" if part is None else str(part.get_content())  # type: ignore[attr-defined]

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        return "" if part is None else str(part.get_content())  # type: ignore[attr-defined]


class _Recorder:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: SMTP, session: Any, envelope: Any) -> str:
        server = self.server
        if server.delay:
            await asyncio.sleep(server.delay)
        if server.refuse_with:
            return server.refuse_with
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        with server.lock:
            server.received.append(Received(
                envelope.mail_from, tuple(envelope.rcpt_tos), message))  # type: ignore[arg-type]
            server.lock.notify_all()
        return "250 2.0.0 Message accepted"


class _Controller(Controller):
    """aiosmtpd's controller on a socket we bind ourselves, so port 0 works."""

    def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any) -> None:
        self._sock = sock
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SmtpServer:
    def __init__(self, *, security: str = "none", login: tuple[str, str] | None = None,
                 certificate: tuple[Path, Path] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.security = security
        self.login = login
        self.certificate = certificate
        self.received: list[Received] = []
        self.lock = threading.Condition()
        self.refuse_with: str | None = None
        self.delay = 0.0
        self._controller: _Controller | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        assert self.certificate, "TLS needs a certificate"
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.certificate[0]), str(self.certificate[1]))
        return context

    def _authenticate(self, smtp: SMTP, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.login is not None and (
            data.login.decode(), data.password.decode()) == self.login
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 535 on failure

    def start(self) -> SmtpServer:
        """Listen (again) on the same port; the first start picks a free port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        kwargs: dict[str, Any] = {"server_hostname": "smtp.test", "ready_timeout": 10}
        if self.security == "starttls":
            kwargs.update(tls_context=self._tls_context(), require_starttls=True)
        elif self.security == "tls":
            kwargs.update(ssl_context=self._tls_context())
        if self.login:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self._controller = _Controller(_Recorder(self), sock, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def config_text(self, **extra: object) -> str:
        """A ``[mail]`` table sending to this server (extra keys override)."""
        values: dict[str, object] = {"transport": "smtp", "host": self.host, "port": self.port,
                                     "security": self.security, "timeout_seconds": 5.0}
        if self.security != "none" and self.certificate:
            values["ca_file"] = str(self.certificate[0])
        if self.login:
            values["username"] = self.login[0]
        values.update(extra)
        lines = ["[mail]"]
        for key, value in values.items():
            if isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            elif isinstance(value, dict):
                inner = ", ".join(f'{k} = "{v}"' for k, v in value.items())
                lines.append(f"{key} = {{ {inner} }}")
            else:
                lines.append(f"{key} = {value}")
        return "\n".join(lines) + "\n"

    # -- reading ------------------------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def messages_to(self, address: str) -> list[Received]:
        """Mails received for ``address`` (case-insensitive), oldest first."""
        wanted = address.lower()
        return [r for r in self.messages if wanted in (a.lower() for a in r.recipients)]

    def last_message(self, address: str) -> Received:
        found = self.messages_to(address)
        if not found:
            raise AssertionError(f"no mail received for {address}; received: "
                                 f"{[r.recipients for r in self.messages]}")
        return found[-1]

    def last_code(self, address: str, pattern: re.Pattern[str] = CODE) -> str:
        """The first 6-character code (capital letters and digits) in the text of the
        newest mail to ``address``."""
        text = self.last_message(address).text
        match = pattern.search(text)
        if match is None:
            raise AssertionError(f"no code in the last mail to {address}:\n{text}")
        return match.group(0)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least ``count`` mails arrived (for deliveries from other threads)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while len(self.received) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} mails, received {len(self.received)}")
                self.lock.wait(remaining)
            return list(self.received)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (also a CA for itself) and its key, as PEM files."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on 127.0.0.1 (free port), stopped after the test."""
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_smtp_server(tmp_path: Path) -> Iterator[Callable[..., SmtpServer]]:
    """Build SMTP servers with TLS (``security="starttls"``/``"tls"``) or a login."""
    made: list[SmtpServer] = []

    def make(*, security: str = "none", login: tuple[str, str] | None = None) -> SmtpServer:
        certificate = self_signed_certificate(tmp_path) if security != "none" else None
        server = SmtpServer(security=security, login=login, certificate=certificate).start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()
