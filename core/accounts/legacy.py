"""Importing the accounts of the earlier tools (manual 1.1): ``immo-connect import-legacy``.

One CSV file per tool (columns in ``docs/legacy-import.md``). Each row becomes an account,
or joins the account that already has its e-mail address (one person, several tools);
the tool's password hash is kept and accepted once, at the first sign-in, which replaces
it with Argon2id. A row already imported (same tool and login) changes nothing, so the
import can run again. Every rejected row is reported with its line and reason; each row
is its own transaction, so a rejected row never undoes the others.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import TYPE_CHECKING

import peewee

from immo_connect.accounts import legacy_hashes
from immo_connect.accounts.models import Account, LegacyCredential, LegacyLink, Profile
from immo_connect.accounts.validation import clean_email, clean_first_name, clean_last_name, clean_username
from immo_connect.errors import ImmoConnectError, ValidationError
from immo_connect.i18n import LANGUAGES, _
from immo_connect.storage import on_commit, transaction

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

    def lines(self) -> list[str]:
        out = [
            _("Import from {tool}: {created} created, {merged} merged into existing accounts, "
              "{unchanged} already imported, {rejected} rejected.").format(
                tool=self.tool, created=self.created, merged=self.merged,
                unchanged=self.unchanged, rejected=len(self.rejected)),
        ]
        out += [
            _("line {line} ({username}): {reason}").format(line=r.line, username=r.username or "-", reason=r.reason)
            for r in self.rejected
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


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs; refuses files that cannot be read as the documented CSV."""
    if not path.is_file():
        raise ValidationError(_("There is no file at {path}.").format(path=path), hint=_("Check the path."), code="file_missing")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError(_("{path} is larger than 50 MB.").format(path=path), hint=_("Split it into several files."))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("{path} is not UTF-8 text.").format(path=path),
            hint=_("Save the CSV file as UTF-8 (\"CSV UTF-8\" in spreadsheet programs)."), code="encoding",
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
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
    reader.fieldnames = header
    rows: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        rows.append((reader.line_num, {k: (v or "").strip() if isinstance(v, str) else "" for k, v in row.items() if k}))
    return rows


def import_csv(svc: AccountService, path: Path, tool: str) -> ImportReport:
    slug = tool_slug(tool)
    report = ImportReport(tool=TOOLS[slug])
    for line, row in read_rows(path):
        try:
            outcome = _import_row(svc, slug, row)
        except ImmoConnectError as error:
            report.rejected.append(Rejection(line, row.get("username", ""), str(error)))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    with transaction():
        svc.audit("account.legacy_import", target=TOOLS[slug], detail={
            "created": report.created, "merged": report.merged, "unchanged": report.unchanged,
            "rejected": len(report.rejected),
        })
    return report


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
            if LegacyLink.select().where((LegacyLink.tool == tool) & (LegacyLink.legacy_username == username)).exists():
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
