"""Files a person hands to the platform (profile photo, organisation logo and cover).

Where the file may be read from depends on where the person sits. In a local session
(``immo-connect tui`` on one's own machine, as oneself) a typed path is read as the person
could read it anyway. In a session served over SSH the process runs on the server, so a
typed path would make the server read its own files for a remote user: there only names
inside the person's upload folder ``<data dir>/uploads/<account id>/`` are read, opened
one component at a time without following links (the bank import folder's rules, see
:mod:`immo_connect.operators.import_folder`), and refusals never tell whether something
outside that folder exists. Files get there with ``sftp`` on the SSH server (docs/accounts.md).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from immo_connect import audit
from immo_connect.errors import ValidationError
from immo_connect.files import make_private_folders
from immo_connect.i18n import _
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.accounts.models import Account
    from immo_connect.config import Settings
    from immo_connect.platform import Platform

# Sources of sessions run by the person on their own machine; every other source
# ("ssh:<address>", anything new) is treated as remote.
LOCAL_SOURCES = frozenset({"local", "tui", "cli"})
FOLDER = "uploads"
_MEGABYTE = 1024 * 1024


def is_remote(platform: Platform) -> bool:
    """True when the session's process is not on the person's own machine (SSH)."""
    return platform.source not in LOCAL_SOURCES


def upload_folder(settings: Settings, account_id: int) -> Path:
    """``<data dir>/uploads/<account id>/``, made on demand with mode 0700."""
    folder = Path(settings.data_dir) / FOLDER / str(int(account_id))
    make_private_folders(folder)
    return folder


def uploaded_files(settings: Settings, account_id: int) -> list[str]:
    """The names of the regular files in the account's upload folder (links left out)."""
    folder = upload_folder(settings, account_id)
    names = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                names.append(entry.name)
    return sorted(names, key=str.casefold)


def sftp_command(settings: Settings) -> str:
    """The command that opens the upload folder from the person's computer."""
    address = settings.ssh.public_address.strip()
    if address:
        host, sep, port = address.rpartition(":")
        if not sep or not port.isdigit():
            host, port = address, "22"
    else:
        host = urlsplit(settings.platform.website).hostname or "localhost"
        port = settings.ssh.listen.rpartition(":")[2] or "22"
    return f"sftp -P {port} {host}" if port != "22" else f"sftp {host}"


def read_user_file(platform: Platform, account: Account, typed: str, *, max_bytes: int,
                   purpose: str, field: str) -> bytes:
    """The bytes of the file ``typed`` by ``account``, read only where the session allows."""
    text = (typed or "").strip()
    if not text or "\x00" in text:
        raise ValidationError(_("Give the name of the file to use."), hint=_("For example photo.jpg."),
                              code="upload_name_missing", field=field)
    if not is_remote(platform):
        return _read_local(text, max_bytes, field)
    from immo_connect.operators import import_folder

    folder = upload_folder(platform.settings, int(account.id))
    try:
        data, _name = import_folder.read_in_folder(folder, text, max_bytes=max_bytes)
    except ValidationError as refused:
        error = _remote_refusal(refused.code, text, max_bytes, platform.settings, field)
        with transaction():
            audit.record("upload.refused", actor_id=int(account.id), actor=str(account.username),
                         target=purpose, outcome="refused", source=platform.source, at=platform.clock.now(),
                         detail={"refusal": error.code})
        raise error from None
    return data


def _remote_refusal(code: str, typed: str, max_bytes: int, settings: Settings, field: str) -> ValidationError:
    fix = _("Copy the file into your upload folder with « {command} » (command « put FILE »), "
            "then type its name.").format(command=sftp_command(settings))
    from immo_connect.operators.import_folder import ATTEMPTS_OUTSIDE

    if code in ATTEMPTS_OUTSIDE:  # also a link: where it leads is not said
        return ValidationError(
            _("Over SSH only files in your upload folder can be used; {name} is not a file there.").format(
                name=os.path.basename(typed)[:80] or "?"),
            hint=fix, code="upload_outside_folder", field=field)
    if code == "statement_too_large":
        return _too_large(max_bytes, field)
    if code == "statement_not_a_file":
        return ValidationError(_("{path} is not a regular file.").format(path=typed[:80]),
                               hint=fix, code="upload_not_a_file", field=field)
    return ValidationError(_("There is no file {name} in your upload folder.").format(name=typed[:80]),
                           hint=fix, code="upload_missing", field=field)


def _too_large(max_bytes: int, field: str) -> ValidationError:
    return ValidationError(_("This file is larger than {size} MB.").format(size=max_bytes // _MEGABYTE),
                           hint=_("Choose a smaller file."), code="upload_too_large", field=field)


def _read_local(text: str, max_bytes: int, field: str) -> bytes:
    """A path on the person's own machine, read as they could read it; never blocks on a FIFO."""
    path = Path(text).expanduser()
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        raise ValidationError(_("There is no file at {path}.").format(path=path),
                              hint=_("Check the path; it may start with ~ for your home folder."),
                              code="upload_missing", field=field) from None
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(_("{path} is not a regular file.").format(path=path),
                                  hint=_("Give the path of an image file."), code="upload_not_a_file", field=field)
        if info.st_size > max_bytes:
            raise _too_large(max_bytes, field)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes, field)
    return data
