"""The server's host key: made on the first start, then kept, readable by its owner only.

Users compare the printed fingerprint with the one their SSH client shows at the first
connection; a new key at every start would teach them to ignore that warning.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import asyncssh

from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _

HOST_KEY_NAME = "ssh_host_ed25519_key"


def default_host_key_path(data_dir: Path) -> Path:
    return data_dir / HOST_KEY_NAME


def load_or_create_host_key(path: Path) -> tuple[asyncssh.SSHKey, bool]:
    """The host key at ``path`` (made now if missing) and whether it was just made.

    Several servers starting together on one data directory end up with the same key: the
    file appears atomically (written aside, then hard-linked into place), and a loser of
    that race reads the winner's key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="immo-connect host key")
        fd, temporary = tempfile.mkstemp(prefix=".host-key-", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(key.export_private_key("openssh"))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another server made it first: use that one
            else:
                path.with_name(path.name + ".pub").write_bytes(key.export_public_key("openssh"))
                return key, True
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            _("The SSH host key {path} can be read by other users.").format(path=path),
            hint=_("Run: chmod 600 {path}").format(path=path),
            code="ssh_host_key_permissions",
        )
    try:
        return asyncssh.read_private_key(str(path)), False
    except (asyncssh.KeyImportError, OSError) as error:
        raise ConfigurationError(
            _("The SSH host key {path} cannot be read: {reason}.").format(path=path, reason=error),
            hint=_("Restore the file from a backup, or delete it to make a new key (users will be warned that the key changed)."),
            code="ssh_host_key_unreadable",
        ) from None


def fingerprint(key: asyncssh.SSHKey) -> str:
    """The SHA-256 fingerprint, as OpenSSH prints it (``SHA256:…``)."""
    return str(key.get_fingerprint("sha256"))
