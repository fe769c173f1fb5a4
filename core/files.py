"""Files the platform writes into its data folder for people: exports, vouchers, reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _


def write_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` (its folder made if needed) through ``write(stream)``.

    The content goes to ``<name>.part``, renamed at the end: nobody picks up half a file, and
    a failed write (a full disk, a folder the platform may not write) leaves none behind and
    raises one clear error instead.
    """
    partial = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as out:
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
