"""The folder the money desk's screens import bank statements from (``[operators] import_folder``).

An operator types a file name, never a path the server would read anywhere: the name is
taken inside the configured folder, and the file is opened one component at a time from the
folder with ``O_NOFOLLOW``, so ``..``, an absolute path elsewhere and a symbolic link (even one
put there after the name was checked) are refused, and only a regular file is read (a FIFO or
a device would never end). Unset, the screens import nothing; ``immo-connect bank import
FILE`` on the server reads the file it is given, as before.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePath

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

SETTING = "[operators] import_folder"
# The refusals of a name that tried to reach a file outside the folder (audited).
ATTEMPTS_OUTSIDE = frozenset({"statement_outside_folder", "statement_link"})
MAX_BYTES = 64 * 1024 * 1024  # far above a year of daily statements of one account


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError(message, hint=_("Give the name of a statement file in the import folder."),
                           code=code, field="path")


def folder_off() -> ValidationError:
    return ValidationError(
        _("Importing statements from the screens is off: no import folder is configured."),
        hint=_("Set {setting} in the configuration file to the folder the bank's statement files are put in "
               "(docs/operators.md), or run « immo-connect bank import FILE » on the server.").format(setting=SETTING),
        code="import_folder_off", field="path")


def relative_name(folder: Path, typed: str) -> PurePath:
    """The file's name inside ``folder``; ``..`` and a path outside it are refused."""
    text = (typed or "").strip()
    if not text or "\x00" in text:
        raise _refused(_("Give the name of the statement file."), "statement_name_missing")
    name = PurePath(text)
    if name.is_absolute():
        try:  # the folder's own path typed in full is fine
            name = name.relative_to(folder)
        except ValueError:
            raise _refused(_("{path} is not in the import folder {folder}.").format(path=text, folder=folder),
                           "statement_outside_folder") from None
    if not name.parts or any(part in ("..", ".") for part in name.parts):
        raise _refused(_("{path} is not in the import folder {folder}.").format(path=text, folder=folder),
                       "statement_outside_folder")
    return name


def read_in_folder(folder: Path, typed: str, *, max_bytes: int = MAX_BYTES) -> tuple[bytes, str]:
    """The bytes of the file named ``typed`` in ``folder``, and its name as shown in the report."""
    name = relative_name(folder, typed)
    try:
        here = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise ValidationError(
            _("The import folder {folder} cannot be opened: {reason}.").format(folder=folder,
                                                                               reason=error.strerror or error),
            hint=_("Check {setting} in the configuration file.").format(setting=SETTING),
            code="import_folder_missing", field="path") from None
    try:
        for index, part in enumerate(name.parts):
            last = index == len(name.parts) - 1
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | (0 if last else os.O_DIRECTORY)
            try:
                opened = os.open(part, flags, dir_fd=here)
            except OSError as error:
                raise _open_error(str(name), error, _is_link(part, here)) from None
            os.close(here)
            here = opened
        info = os.fstat(here)
        if not stat.S_ISREG(info.st_mode):
            raise _refused(_("{path} is not a regular file.").format(path=name), "statement_not_a_file")
        if info.st_size > max_bytes:
            raise _refused(_("{path} is too large for a statement file.").format(path=name), "statement_too_large")
        with os.fdopen(here, "rb") as file:
            here = -1
            data = file.read(max_bytes + 1)
        if len(data) > max_bytes:  # it grew while being read
            raise _refused(_("{path} is too large for a statement file.").format(path=name), "statement_too_large")
        return data, str(name)
    finally:
        if here >= 0:
            os.close(here)


def _is_link(part: str, folder: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(part, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _open_error(name: str, error: OSError, link: bool) -> ValidationError:
    # O_NOFOLLOW on a link fails with ELOOP (or ENOTDIR where a folder was expected).
    if link or error.errno == errno.ELOOP:
        return _refused(_("{path} is a link or leads through one; only files in the import folder are read.").format(
            path=name), "statement_link")
    return _refused(_("Cannot read {path} in the import folder: {reason}.").format(
        path=name, reason=error.strerror or error), "statement_missing")
