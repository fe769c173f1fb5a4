"""Authentication of one SSH connection to the embedded server (one per TCP connection).

A registered public key names the account; without one, keyboard-interactive with no
question lets the client through to the terminal UI's own sign-in screen. Only a
credential that was presented and refused counts as a failed sign-in for the address (see
docs/security.md, "SSH admission"): a bare connect or a client that leaves without
presenting anything has guessed nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING

import asyncssh

from immo_connect.i18n import _
from immo_connect.ssh import SSH_SOURCE_PREFIX

if TYPE_CHECKING:
    from immo_connect.ssh.server import SshServer

log = logging.getLogger("immo_connect.ssh")
MAX_KEYS_PER_CONNECTION = 8  # offered keys audited per connection; more are refused silently


@dataclasses.dataclass
class Identity:
    account_id: int
    username: str
    fingerprint: str


class Connection(asyncssh.SSHServer):
    """Authentication of one SSH connection (one per TCP connection)."""

    def __init__(self, server: SshServer) -> None:
        self.server = server
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "unknown"
        self.source = SSH_SOURCE_PREFIX + "unknown"
        self.username = ""
        self.identity: Identity | None = None
        self._candidate: Identity | None = None
        self._offered: set[str] = set()
        self.authenticated = False
        self.refused = False
        self.auth_started = False  # the client got as far as asking to authenticate

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("unknown", 0)
        self.address = str(peer[0])
        self.source = SSH_SOURCE_PREFIX + self.address
        if not self.server.connection_allowed(self.address):
            self.refused = True
            self.server.audit("ssh.connect", actor="anonymous", outcome="refused", source=self.source,
                              detail={"reason": "connection_rate"})
            asyncio.get_running_loop().call_soon(
                conn.disconnect, asyncssh.DISC_TOO_MANY_CONNECTIONS,
                _("Too many connections from your address; wait a minute and try again."),
            )

    def connection_lost(self, exc: Exception | None) -> None:
        if self.refused:
            return
        if not self.auth_started:
            # A bare TCP connect (a load balancer's health check, a port scan) or a client
            # that left during the key exchange: nothing was tried, nothing to audit.
            log.debug("connection from %s closed before authentication", self.address)
            return
        if not self.authenticated and self._offered:
            # Keys were presented and none was accepted: one failed sign-in for this address.
            # A client that leaves without presenting anything has guessed nothing.
            self.server.audit("ssh.auth", actor=self.username[:200] or "anonymous", outcome="refused",
                              source=self.source, detail={"reason": "no_accepted_method",
                                                          "offered": len(self._offered)})
        self.server.audit("ssh.disconnect", actor=self.identity.username if self.identity else "anonymous",
                          actor_id=self.identity.account_id if self.identity else None, source=self.source,
                          detail={"error": type(exc).__name__ if exc else "",
                                  "authenticated": self.authenticated})

    async def begin_auth(self, username: str) -> bool:
        self.username = username
        self.auth_started = True
        if await self.server.too_many_failures(self.source):
            self.refused = True
            self.server.audit("ssh.connect", actor="anonymous", outcome="refused", source=self.source,
                              detail={"reason": "too_many_failures"})
            raise asyncssh.PermissionDenied(
                _("Too many failed sign-ins from your address; try again later.")
            )
        self.server.audit("ssh.connect", actor="anonymous", source=self.source,
                          detail={"username": username[:64]})
        return True  # always authenticate: the key (if any) decides who signs in

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # Called for the key query and again for the signed request; the identity counts
        # only once authentication completes, and from the key checked last.
        fingerprint = str(key.get_fingerprint("sha256"))
        first_offer = fingerprint not in self._offered
        if first_offer and len(self._offered) >= MAX_KEYS_PER_CONNECTION:
            return False
        self._offered.add(fingerprint)
        account = await self.server.db(self.server.platform.ssh_keys.account_for_key, fingerprint)
        if account is None:
            self._candidate = None
            if first_offer:
                self.server.audit("ssh.key.unknown", actor="anonymous", outcome="refused",
                                  source=self.source, target=fingerprint)
            return False
        self._candidate = Identity(account.id, account.username, fingerprint)
        return True

    def kbdint_auth_supported(self) -> bool:
        return self.server.config.login_screen

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        # No question here: the terminal UI asks for the username and password itself.
        self._candidate = None
        return True

    def password_auth_supported(self) -> bool:
        return False

    def auth_completed(self) -> None:
        self.authenticated = True
        self.identity = self._candidate
        if self.identity is not None:
            self.server.audit("ssh.auth", actor_id=self.identity.account_id, actor=self.identity.username,
                              source=self.source, target=self.identity.fingerprint,
                              detail={"method": "publickey"})
            self.server.spawn(self.server.db(self.server.platform.ssh_keys.key_used,
                                             self.identity.fingerprint, self.source))
        else:
            self.server.audit("ssh.auth", actor="anonymous", source=self.source,
                              detail={"method": "login_screen"})
