"""SFTP on the embedded SSH server: a person's own upload folder, and nothing else.

Over SSH the platform reads a person's images only from ``<data dir>/uploads/<account
id>/`` (:mod:`immo_connect.uploads`); this is how files get there: ``sftp`` with the key
registered in "Mes clés SSH" opens that folder as its root (asyncssh's ``chroot``). A
connection without a registered key is not yet anyone (the sign-in happens in the terminal
UI, after the SSH handshake), so its SFTP session refuses every request. Links cannot be
made (a link could lead out of the folder), attributes cannot be changed (the folder stays
0700) and one file cannot grow past :data:`MAX_UPLOAD_BYTES`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import asyncssh

from immo_connect.i18n import _

if TYPE_CHECKING:
    from asyncssh.sftp import SFTPAttrs

MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # above the image limits (10 MB photo, 8 MB logo or cover)


class UploadSftpServer(asyncssh.SFTPServer):
    """SFTP rooted in one account's upload folder; ``folder`` None refuses everything."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], folder: Path | None) -> None:
        super().__init__(chan, chroot=str(folder).encode() if folder is not None else None)
        self.allowed = folder is not None

    def map_path(self, path: bytes) -> bytes:
        # Every request goes through here: without an account, none gets anywhere.
        if not self.allowed:
            raise asyncssh.SFTPPermissionDenied(_("Uploading needs the SSH key registered in « My SSH keys »."))
        return super().map_path(path)

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied(_("Links cannot be made in the upload folder."))

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise asyncssh.SFTPPermissionDenied(_("Links cannot be made in the upload folder."))

    def setstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        self.map_path(path)
        raise asyncssh.SFTPPermissionDenied(_("Attributes cannot be changed in the upload folder."))

    def lsetstat(self, path: bytes, attrs: SFTPAttrs) -> None:
        self.setstat(path, attrs)

    def fsetstat(self, file_obj: object, attrs: SFTPAttrs) -> None:
        raise asyncssh.SFTPPermissionDenied(_("Attributes cannot be changed in the upload folder."))

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        if offset + len(data) > MAX_UPLOAD_BYTES:
            raise asyncssh.SFTPFailure(_("Files in the upload folder are limited to {size} MB.").format(
                size=MAX_UPLOAD_BYTES // (1024 * 1024)))
        written: int = super().write(file_obj, offset, data)  # type: ignore[assignment]
        return written
