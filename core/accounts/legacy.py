"""Importing the accounts of the earlier tools (manual 1.1): ``immo-connect import-legacy``.

One CSV file per tool (columns in ``docs/legacy-import.md``). Each row becomes an account,
or joins the account that already has its e-mail address (one person, several tools);
the tool's password hash is kept and accepted once, at the first sign-in, which replaces
it with Argon2id. A row already imported (same tool and login, same person) changes
nothing, so the import can run again; the same login for a different person is reported as
a conflict. Every rejected row is reported with its line and reason; each row is its own
transaction, so a rejected row never undoes the others. The file is read row by row, so a
large file does not fill the memory.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from immo_connect.accounts import legacy_hashes
from immo_connect.accounts.models import Account, LegacyCredential, LegacyLink, Profile
from immo_connect.accounts.validation import clean_email, clean_first_name, clean_last_name, clean_username
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.i18n import LANGUAGES, _
from immo_connect.storage import StorageError, on_commit, transaction

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService

TOOLS = {
    "anti-blanchiment": "Anti-Blanchiment", "bizmart": "bizMart", "btv": "BTV", "cibweb": "CIBweb",
    "covast": "COVAST", "cadastrefinder": "CadastreFinder", "myrent-pro": "MyRent Pro", "romi": "ROMi",
}
REQUIRED_COLUMNS = ("username", "first_name", "last_name", "password_hash")
OPTIONAL_COLUMNS = ("email", "language")
LEGACY_USERNAME_MIN = 3  # the earlier tools allowed shorter logins than the 6 asked today
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_VALUE_CHARS = 1024  # far above any real login, name, address or hash
MAX_CSV_FIELD = 1024 * 1024  # longer fields are not even parsed: the row is reported unreadable


@dataclasses.dataclass(frozen=True)
class Rejection:
    line: int
    username: str
    reason: str


@dataclasses.dataclass
class ImportReport:
    tool: str
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = dataclasses.field(default_factory=list)
    # The row's username was imported earlier for a different person: nothing was changed.
    conflicts: list[Rejection] = dataclasses.field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            _("Import from {tool}: {created} created, {merged} merged into existing accounts, "
              "{unchanged} already imported, {conflicts} in conflict, {rejected} rejected.").format(
                tool=self.tool, created=self.created, merged=self.merged, unchanged=self.unchanged,
                conflicts=len(self.conflicts), rejected=len(self.rejected)),
        ]
        rows = sorted(self.rejected + self.conflicts, key=lambda r: r.line)
        out += [
            _("line {line} ({username}): {reason}").format(line=r.line, username=r.username or "-", reason=r.reason)
            for r in rows
        ]
        return out


def tool_slug(name: str) -> str:
    slug = "-".join((name or "").strip().lower().split())
    if slug not in TOOLS:
        raise ValidationError(
            _("{name!r} is not one of the earlier tools.").format(name=name),
            hint=_("Use one of: {tools}.").format(tools=", ".join(TOOLS)), code="unknown_tool", field="tool",
        )
    return slug


def _check_utf8(path: Path) -> None:
    """Refuse the whole file before any row is imported when it is not UTF-8 (read in chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line += chunk[: error.start].count(b"\n")
                raise _not_utf8(path, line) from None
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _not_utf8(path, line) from None


def _not_utf8(path: Path, line: int) -> ValidationError:
    return ValidationError(
        _("{path} is not UTF-8 text (line {line}).").format(path=path, line=line),
        hint=_("Save the CSV file as UTF-8 (\"CSV UTF-8\" in spreadsheet programs)."), code="encoding",
    )


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str] | Rejection]]:
    """(line number, row) pairs, read one at a time; refuses files that cannot be read as the
    documented CSV. A row that cannot be read (a field over the limits) comes as a
    :class:`Rejection` naming its line and field, and reading goes on."""
    if not path.is_file():
        raise ValidationError(_("There is no file at {path}.").format(path=path), hint=_("Check the path."), code="file_missing")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError(_("{path} is larger than 50 MB.").format(path=path), hint=_("Split it into several files."))
    _check_utf8(path)
    # The csv module's limit (128 KiB per field) is process-wide; it is only ever raised here.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(itertools.chain([first_line], handle), delimiter=delimiter)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
        except csv.Error:
            header = []
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if missing or unknown:
            raise ValidationError(
                _("{path}: the header must name the columns {required} (and optionally {optional}); "
                  "missing: {missing}; unknown: {unknown}.").format(
                    path=path, required=", ".join(REQUIRED_COLUMNS), optional=", ".join(OPTIONAL_COLUMNS),
                    missing=", ".join(missing) or "-", unknown=", ".join(unknown) or "-"),
                hint=_("See docs/legacy-import.md for the format."), code="csv_header",
            )
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield reader.line_num, Rejection(reader.line_num, "", _(
                    "this row cannot be read as CSV ({reason}); a field may be longer than {limit} characters"
                ).format(reason=error, limit=MAX_CSV_FIELD))
                continue
            if not any(value.strip() for value in values):
                continue
            row = {name: value.strip() for name, value in zip(header, values, strict=False) if name}
            too_long = next((name for name in header if len(row.get(name, "")) > MAX_VALUE_CHARS), None)
            if too_long is not None:
                username = row.get("username", "")
                yield reader.line_num, Rejection(reader.line_num, username if len(username) <= 64 else "", _(
                    "the field {field} is too long ({length} characters; at most {limit})"
                ).format(field=too_long, length=len(row[too_long]), limit=MAX_VALUE_CHARS))
                continue
            yield reader.line_num, row


def import_csv(svc: AccountService, path: Path, tool: str) -> ImportReport:
    slug = tool_slug(tool)
    report = ImportReport(tool=TOOLS[slug])
    for line, row in read_rows(path):
        if isinstance(row, Rejection):
            report.rejected.append(row)
            continue
        try:
            outcome = _import_row(svc, slug, row)
        except _Conflict as conflict:
            report.conflicts.append(Rejection(line, row.get("username", ""), str(conflict)))
            continue
        except StorageError:
            raise  # the database refuses writes: every next row would fail the same way
        except ImmoConnectError as error:
            reason = str(error) if not error.field or error.field in str(error) else f"{error.field}: {error}"
            report.rejected.append(Rejection(line, row.get("username", ""), reason))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    with transaction():
        svc.audit("account.legacy_import", target=TOOLS[slug], detail={
            "created": report.created, "merged": report.merged, "unchanged": report.unchanged,
            "conflicts": len(report.conflicts), "rejected": len(report.rejected),
        })
    return report


class _Conflict(ImmoConnectError):
    code = "conflict"


def _same_person_or_conflict(link: LegacyLink, tool: str, email: str | None, first_name: str, last_name: str,
                             password_hash: str) -> None:
    """A row whose login was imported before: the same person again (nothing to do), or a
    different person who had the same login, reported as a conflict.

    The same person has the same e-mail address when both rows give one, and the same names
    or the same stored hash (names may have changed since, with the eID card).
    """
    account: Account = link.account
    if email and account.email and email.lower() != account.email.lower():
        different = True
    else:
        def key(text: str | None) -> str:
            return " ".join((text or "").casefold().split())

        same_names = (key(first_name), key(last_name)) == (key(account.first_name), key(account.last_name))
        same_hash = LegacyCredential.select().where(
            (LegacyCredential.account == account.id) & (LegacyCredential.tool == tool)
            & (LegacyCredential.password_hash == password_hash)).exists()
        different = not (same_names or same_hash)
    if different:
        raise _Conflict(
            _("conflict: the login {username} of {tool} was already imported for another person "
              "(account {account}); nothing was changed. If they are two people, give this row another "
              "username; if it is the same person, correct the row's names or e-mail address").format(
                username=link.legacy_username, tool=TOOLS[tool], account=account.username),
            code="legacy_conflict",
        )


def _reject(message: str) -> ValidationError:
    return ValidationError(message, code="rejected")


def _import_row(svc: AccountService, tool: str, row: dict[str, str]) -> str:
    username = clean_username(row.get("username"), minimum=LEGACY_USERNAME_MIN)
    first_name = clean_first_name(row.get("first_name"))
    last_name = clean_last_name(row.get("last_name"))
    email = clean_email(row["email"]) if row.get("email") else None
    language = (row.get("language") or "fr").lower()
    if language not in LANGUAGES:
        raise _reject(_("unknown language {language!r} (use fr, nl or en)").format(language=language))
    password_hash = row.get("password_hash", "")
    try:
        legacy_hashes.identify(password_hash)
    except legacy_hashes.UnknownHashFormat as error:
        raise _reject(_("unsupported password hash: {reason}").format(reason=error)) from None
    now = svc.now()
    created: Account | None = None
    try:
        with transaction():
            link = LegacyLink.get_or_none((LegacyLink.tool == tool) & (LegacyLink.legacy_username == username))
            if link is not None:
                _same_person_or_conflict(link, tool, email, first_name, last_name, password_hash.strip())
                return "unchanged"
            account: Account | None = Account.get_or_none(Account.email == email) if email else None
            outcome = "merged"
            if account is not None and account.status != "active":
                raise _reject(_("the e-mail address belongs to an account that is {status}").format(status=account.status))
            if account is None:
                if Account.select().where(Account.username == username).exists():
                    raise _reject(_("the username is used by another account with a different e-mail address; "
                                    "give this row the person's e-mail address or another username"))
                account = created = Account.create(
                    username=username, email=email, first_name=first_name, last_name=last_name,
                    status="active", language=language, created_at=now,
                )
                Profile.create(account=account.id, updated_at=now)
                outcome = "created"
            if account.password_hash is None:
                LegacyCredential.create(account=account.id, tool=tool, password_hash=password_hash.strip())
            LegacyLink.create(tool=tool, legacy_username=username, account=account.id, imported_at=now)
            svc.audit("account.imported", account=account, detail={"tool": TOOLS[tool], "outcome": outcome})
    except peewee.IntegrityError:
        raise _reject(_("conflicts with an account created at the same time; run the import again")) from None
    if created is not None:
        on_commit(lambda: svc.platform.plugins.account_created(created))
    return outcome
