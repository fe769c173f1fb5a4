"""Files the platform writes: its private data folder, and files for people in it (exports,
vouchers, reports).

Everything the platform keeps is for the user that runs it only, whatever umask it was started
with (systemd starts services with 022, which would make new files readable by every local
user): the data folder is 0700, files are 0600. Three layers keep it so:
:func:`restrict_umask` at the start of every ``immo-connect`` process, :func:`private_folder`
for the data folder (made 0700, or tightened when an earlier version left it open), and
explicit modes where a file is created (:func:`write_file`, :func:`private_file`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from immo_connect.errors import ConfigurationError, ImmoConnectError
from immo_connect.i18n import _

PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def restrict_umask() -> None:
    """New files and folders of this process are for its own user only (0600 / 0700)."""
    os.umask(os.umask(0o077) | 0o077)


def _tighten(path: Path, mode: int) -> None:
    """Take group and others' rights away from ``path`` when it is ours and has some."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & _OTHERS:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)


def private_folder(path: Path) -> Path:
    """Make the folder ``path`` (0700), or take group and others' rights from an existing one."""
    try:
        make_private_folders(path)
        _tighten(path, PRIVATE_FOLDER_MODE)
    except OSError as error:
        raise ConfigurationError(
            _("The data folder {path} cannot be created or secured: {reason}.").format(
                path=path, reason=error.strerror or error),
            hint=_("Run Immo-Connect as the user that owns it, or point IMMO_CONNECT_DATA_DIR at a folder "
                   "that user may write."),
            code="data_folder",
        ) from None
    return path


def make_private_folders(path: Path) -> None:
    """Make ``path`` and its missing parents, each 0700 (``mkdir(parents=True)`` would give the
    parents the umask's mode)."""
    missing: list[Path] = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 when missing; tighten it when others may read it."""
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    _tighten(path, PRIVATE_FILE_MODE)
    return path


def write_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` (its folder made if needed, 0700) through ``write(stream)``, mode 0600.

    The content goes to ``<name>.part``, renamed at the end: nobody picks up half a file, and
    a failed write (a full disk, a folder the platform may not write) leaves none behind and
    raises one clear error instead.
    """
    partial = path.with_name(path.name + ".part")
    try:
        make_private_folders(path.parent)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "wb") as out:
            os.fchmod(out.fileno(), PRIVATE_FILE_MODE)  # a .part left by an earlier try keeps its mode
            write(out)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ImmoConnectError(
            _("The file {name} could not be written: {reason}.").format(name=path.name,
                                                                         reason=error.strerror or error),
            hint=_("Nothing was saved. Ask the platform's operator to free space in the data folder, "
                   "then try again."),
            code="file_not_written",
        ) from None
