"""Serving through a stock OpenSSH server: the forced command and the authorized keys.

``sshd`` owns the connection, the pty and the process; these two commands give it the
platform's keys and identities:

- ``immo-connect ssh-authorized-keys`` (``AuthorizedKeysCommand``) prints every registered
  key of an active account as an ``authorized_keys`` line restricted to a pty session;
- ``immo-connect ssh-session`` (``ForceCommand``) runs the terminal UI in remote mode. With
  ``ExposeAuthInfo yes`` sshd names the key that authenticated the connection in the file
  ``$SSH_USER_AUTH``; a registered key signs its owner in, as with the embedded server.
  A thread of it (:class:`~immo_connect.ssh.watch.SessionWatch`) closes the session when
  its account is blocked or deleted, or when nobody signs in within the time limit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from immo_connect.accounts.models import Account
from immo_connect.config import Settings
from immo_connect.i18n import _
from immo_connect.ssh import SSH_SOURCE_PREFIX
from immo_connect.ssh.models import SshKey

AUTHORIZED_OPTIONS = "restrict,pty"


def authorized_keys() -> Iterator[str]:
    """``authorized_keys`` lines for the keys of active accounts."""
    query = (SshKey.select(SshKey.public_key, SshKey.fingerprint).join(Account)
             .where(Account.status == "active").order_by(SshKey.id))
    for key in query:
        yield f"{AUTHORIZED_OPTIONS} {key.public_key} immo-connect:{key.fingerprint}"


def authenticating_key(environ: Mapping[str, str]) -> str | None:
    """The fingerprint of the public key sshd accepted (``ExposeAuthInfo``), if any."""
    path = environ.get("SSH_USER_AUTH")
    if not path:
        return None
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    import asyncssh

    for line in lines:
        method, _sep, rest = line.partition(" ")
        if method == "publickey" and rest:
            try:
                return str(asyncssh.import_public_key(rest.strip()).get_fingerprint("sha256"))
            except (asyncssh.KeyImportError, ValueError):
                return None
    return None


def source_address(environ: Mapping[str, str]) -> str:
    """``ssh:<client address>`` from ``SSH_CONNECTION`` (client, port, server, port)."""
    parts = environ.get("SSH_CONNECTION", "").split()
    return SSH_SOURCE_PREFIX + (parts[0] if parts else "unknown")


def run_session(settings: Settings, *, environ: Mapping[str, str] | None = None) -> int:
    """The forced command: the terminal UI for one sshd session, in this process."""
    environ = os.environ if environ is None else environ
    if not (os.isatty(0) and os.isatty(2)):
        print(_("This service needs a terminal: connect with ssh -t."), file=sys.stderr)
        return 1
    from immo_connect.platform import create_platform
    from immo_connect.ssh import identity
    from immo_connect.ssh.child import EXIT_SIGN_IN_FAILURES

    source = source_address(environ)
    launch: dict[str, Any] = {"source": source}
    fingerprint = authenticating_key(environ)
    if fingerprint:
        platform = create_platform(settings, source=source, migrate=False)
        account = platform.ssh_keys.account_for_key(fingerprint)
        if account is not None:
            launch["sign_in"] = identity.issue_sign_in(platform, account.id, source=source, fingerprint=fingerprint)
            platform.ssh_keys.key_used(fingerprint, source)
        platform.database.close()
    from immo_connect.ssh.watch import SessionWatch
    from immo_connect.tui.remote import run_remote_app  # Textual is imported only here

    # sshd admits the connection; closing a blocked account's session, or one left on the
    # sign-in screen, is done from inside (the embedded server does it for its sessions).
    watch = SessionWatch(settings.ssh)
    watch.start()
    try:
        code: int = run_remote_app(settings, launch, watch.report, sign_in_failures_exit=EXIT_SIGN_IN_FAILURES)
    finally:
        watch.stop()
    return code
