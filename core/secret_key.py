"""The platform key: one format wherever it is kept, checked before anything uses it.

The key keys the hashes of activation codes, rate-limit subjects and national numbers, and
encrypts the stored national numbers. Every process sharing a database must hold the same
32 bytes. They are always written as 64 hexadecimal characters — in ``secret.key`` in the
data directory, in ``IMMO_CONNECT_SECRET_KEY``, in the variable named by
``[security] secret_key = { env = "…" }`` — so copying the text from one place to another
keeps the key. A value of another length or with other characters is refused, never
stretched or taken as raw text; an empty value is refused rather than replaced by the file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _

KEY_BYTES = 32
KEY_FILE_NAME = "secret.key"
ENV_VARIABLE = "IMMO_CONNECT_SECRET_KEY"
_HEX = frozenset("0123456789abcdefABCDEF")


def format_key(key: bytes) -> str:
    """The key as it is written everywhere: 64 lower-case hexadecimal characters."""
    return key.hex()


def fingerprint(key: bytes) -> str:
    """A short value that tells whether two machines hold the same key, without revealing it."""
    digest = hmac.new(key, b"immo-connect platform key fingerprint", hashlib.sha256).hexdigest()
    return "key:" + digest[:16]


def parse_key(text: str, *, source: str) -> bytes:
    """The 32 bytes written in ``text`` (surrounding blanks and the final newline ignored).

    ``source`` names where the text came from (a file, a variable) for the message.
    """
    value = text.strip()
    if not value:
        raise ConfigurationError(
            _("The platform key in {source} is empty.").format(source=source),
            hint=_("Give the key as 64 hexadecimal characters (the output of `immo-connect secret show` "
                   "on a machine that has it), or unset the variable to use the data directory's secret.key."),
            code="secret_key_empty",
        )
    if len(value) != 2 * KEY_BYTES:
        raise ConfigurationError(
            _("The platform key in {source} has {count} characters instead of 64.").format(
                source=source, count=len(value)),
            hint=_("Copy the key exactly as `immo-connect secret show` prints it: 64 hexadecimal characters "
                   "(32 bytes). A key of another form would make the stored national numbers unreadable."),
            code="secret_key_format",
        )
    if not set(value) <= _HEX:
        raise ConfigurationError(
            _("The platform key in {source} contains characters other than 0-9 and a-f.").format(source=source),
            hint=_("Copy the key exactly as `immo-connect secret show` prints it: 64 hexadecimal characters "
                   "(32 bytes). A key of another form would make the stored national numbers unreadable."),
            code="secret_key_format",
        )
    return bytes.fromhex(value)


def check_private_file(path: Path, *, what: str) -> None:
    """Refuse a file that other users (its group or everyone) may read or write."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            _("{what} {path} can be read by other users (mode {mode}).").format(
                what=what, path=path, mode=oct(stat.S_IMODE(mode))[2:].zfill(4)),
            hint=_("Run: chmod 600 {path}").format(path=path),
            code="private_file_permissions",
        )


def load_platform_key(configured: str | None, where: str, environ: Mapping[str, str], data_dir: Path) -> bytes:
    """The platform key, from the first of these that is given.

    1. ``[security] secret_key = { env = "VAR" }`` (``configured`` is the variable's value,
       ``where`` names the variable);
    2. the ``IMMO_CONNECT_SECRET_KEY`` environment variable, when it is set (even empty:
       an empty value is an error, not a request for the file);
    3. ``secret.key`` in the data directory, made on the first start (mode 0600).
    """
    if configured is not None:
        return parse_key(configured, source=where)
    if ENV_VARIABLE in environ:
        return parse_key(environ[ENV_VARIABLE], source=ENV_VARIABLE)
    path = data_dir / KEY_FILE_NAME
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return _create_key_file(path)
    except OSError as error:
        raise ConfigurationError(
            _("The platform key file {path} cannot be read: {reason}.").format(path=path, reason=error.strerror),
            hint=_("Run the platform as the user that owns the data directory, or give the key in {variable}.").format(
                variable=ENV_VARIABLE),
            code="secret_key_unreadable",
        ) from None
    check_private_file(path, what=_("The platform key file"))
    return parse_key(text, source=str(path))


def _create_key_file(path: Path) -> bytes:
    """A new random key in ``path``: written aside (mode 0600), then linked into place.

    Processes starting together on a fresh data directory end up with the same key: the
    loser of the race reads the winner's complete file.
    """
    import secrets  # only on the first start
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd, temporary = tempfile.mkstemp(prefix=".secret-key-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(format_key(key) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return load_platform_key(None, "", {}, path.parent)
        return key
    finally:
        os.unlink(temporary)
