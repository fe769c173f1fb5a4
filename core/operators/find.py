"""Finding accounts and reading an account's state, for the back office.

Searches are prefix matches on indexed columns (username and e-mail are unique, the
lowercased names have their own indexes), sorted by name, counted, and read one page at a
time by keyset: the next page starts after the last row shown (its sort key, as the
database computed it), the previous one ends before the first, so an account added or
removed meanwhile never repeats or skips a row, and a page costs the same anywhere in 10,000
accounts. What an operator sees never holds the national number, password material, codes
or session tokens.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import peewee

from immo_connect.accounts.models import Account, LegacyCredential, LegacyLink, Session
from immo_connect.errors import ValidationError
from immo_connect.formats import enterprise, ogm
from immo_connect.i18n import _
from immo_connect.operators.models import OperatorRole
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.ssh.models import SshKey

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
QUERY_MAX = 100


@dataclasses.dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    name: str
    email: str
    status: str
    eid_linked: bool


@dataclasses.dataclass(frozen=True)
class PageKey:
    """Where a row stands in the sort order (lowercased last and first names, then id)."""

    last_name: str
    first_name: str
    id: int


@dataclasses.dataclass(frozen=True)
class AccountPage:
    rows: list[AccountRow]
    total: int
    page: int  # from 1: where the first row stands, in pages
    page_size: int
    searched_by: str  # "name", "email", "enterprise_number", "structured_communication"
    first: PageKey | None = None  # of the first row: the previous page ends before it
    last: PageKey | None = None  # of the last row: the next page starts after it
    has_previous: bool = False
    has_next: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclasses.dataclass(frozen=True)
class SessionRow:
    id: int
    source: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    restricted: bool


@dataclasses.dataclass(frozen=True)
class KeyRow:
    id: int
    name: str
    algorithm: str
    fingerprint: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class MembershipRow:
    id: int
    organisation_id: int
    organisation: str
    enterprise_number: str
    status: str
    is_manager: bool


@dataclasses.dataclass(frozen=True)
class LegacyRow:
    tool: str
    legacy_username: str
    imported_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class AccountState:
    """An account as the back office shows it: state, never secrets."""

    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    status: str
    language: str
    created_at: dt.datetime
    activated_at: dt.datetime | None
    last_sign_in_at: dt.datetime | None
    locked_until: dt.datetime | None
    failed_sign_ins: int
    eid_linked_at: dt.datetime | None
    legacy_logins: list[LegacyRow]
    legacy_password_waiting: bool  # still signs in with an earlier tool's password
    sessions: list[SessionRow]
    ssh_keys: list[KeyRow]
    memberships: list[MembershipRow]
    operator_role: str | None
    locked: bool  # sign-ins wait until locked_until


def _row(account: Account) -> AccountRow:
    return AccountRow(int(account.id), str(account.username), account.display_name, str(account.email or ""),
                      str(account.status), account.eid_linked_at is not None)


def _prefix(column: peewee.Field | peewee.Function, text: str) -> peewee.Expression:
    """``column`` starts with ``text``: a range on the (index-backed) column, no LIKE."""
    return (column >= text) & (column < text + "\U0010ffff")


def _condition(query: str) -> tuple[str, peewee.Expression]:
    text = " ".join(query.split()).lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 12 and ogm.is_valid(text):
        from immo_connect.wallet.models import Wallet

        wallet = Wallet.get_or_none(Wallet.structured_communication == ogm.validate(text))
        organisation_id = int(wallet.organisation_id) if wallet is not None else -1
        return "structured_communication", Account.id.in_(
            Membership.select(Membership.account).where(Membership.organisation == organisation_id))
    if len(digits) == 10 and enterprise.is_valid(text):
        organisations = Organisation.select(Organisation.id).where(
            Organisation.enterprise_number == enterprise.validate(text))
        return "enterprise_number", Account.id.in_(
            Membership.select(Membership.account).where(Membership.organisation.in_(organisations)))
    if "@" in text:
        return "email", _prefix(Account.email, text)
    words = text.split(" ")
    by_name = _prefix(Account.username, text) | _prefix(peewee.fn.lower(Account.last_name), text) \
        | _prefix(peewee.fn.lower(Account.first_name), text)
    if len(words) >= 2:  # "anne peeters" or "peeters anne"
        first, rest = words[0], " ".join(words[1:])
        by_name |= (_prefix(peewee.fn.lower(Account.first_name), first) & _prefix(peewee.fn.lower(Account.last_name), rest))
        by_name |= (_prefix(peewee.fn.lower(Account.last_name), first) & _prefix(peewee.fn.lower(Account.first_name), rest))
    return "name", by_name


def _sort_key() -> tuple[peewee.Function, peewee.Function, peewee.Field]:
    return peewee.fn.lower(Account.last_name), peewee.fn.lower(Account.first_name), Account.id


def _key_of(account: Account) -> PageKey:
    # The names as the database lowercased them (SQLite's lower() leaves non-ASCII letters).
    return PageKey(str(getattr(account, "sort_last")), str(getattr(account, "sort_first")),  # noqa: B009
                   int(account.id))


def _beyond(key: PageKey, *, after: bool) -> peewee.Expression:
    """The rows after (or before) ``key`` in the sort order: one row-value comparison."""
    row = peewee.Tuple(*_sort_key())
    value = peewee.Tuple(key.last_name, key.first_name, key.id)
    compared: peewee.Expression = row > value if after else row < value
    return compared


def search(query: str, *, after: PageKey | None = None, before: PageKey | None = None,
           page_size: int = PAGE_SIZE) -> AccountPage:
    """Accounts whose name, username or e-mail starts with ``query``, or the members of the
    organisation with that enterprise number or wallet communication; sorted by name, one
    page: the first, the one ``after`` a page's last row, or the one ``before`` its first."""
    text = (query or "").strip()
    if len(text) < 2 or len(text) > QUERY_MAX:
        raise ValidationError(
            _("Type 2 to 100 characters to search."),
            hint=_("A name, a username, an e-mail address, an enterprise number or a structured communication."),
            code="query_length", field="query",
        )
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    kind, condition = _condition(text)
    where = condition & (Account.status != "deleted")
    last_name, first_name, account_id = _sort_key()
    query_rows = Account.select(Account, last_name.alias("sort_last"), first_name.alias("sort_first"))
    if before is not None:
        found = list(query_rows.where(where & _beyond(before, after=False))
                     .order_by(last_name.desc(), first_name.desc(), account_id.desc()).limit(size))[::-1]
    else:
        ahead = where & _beyond(after, after=True) if after is not None else where
        found = list(query_rows.where(ahead).order_by(last_name, first_name, account_id).limit(size))
    total = int(Account.select().where(where).count())
    if not found and (after is not None or before is not None):
        return search(query, page_size=size)  # the page's neighbours are gone: start again
    first = _key_of(found[0]) if found else None
    position = int(Account.select().where(where & _beyond(first, after=False)).count()) if first else 0
    return AccountPage([_row(account) for account in found], total, position // size + 1, size, kind,
                       first=first, last=_key_of(found[-1]) if found else None,
                       has_previous=position > 0, has_next=position + len(found) < total)


def state(account: Account, *, now: dt.datetime) -> AccountState:
    account_id = int(account.id)
    sessions = [SessionRow(int(s.id), str(s.source), s.created_at, s.last_seen_at, bool(s.restricted))
                for s in Session.select().where((Session.account == account_id) & Session.ended_at.is_null())
                .order_by(Session.id)]
    keys = [KeyRow(int(k.id), str(k.name), str(k.algorithm), str(k.fingerprint), k.created_at, k.last_used_at)
            for k in SshKey.select().where(SshKey.account == account_id).order_by(SshKey.id)]
    memberships = [
        MembershipRow(int(m.id), int(m.organisation.id), str(m.organisation.name),
                      enterprise.format_number(str(m.organisation.enterprise_number)), str(m.status), bool(m.is_manager))
        for m in Membership.select(Membership, Organisation).join(Organisation)
        .where(Membership.account == account_id).order_by(Organisation.name)
    ]
    legacy = [LegacyRow(str(row.tool), str(row.legacy_username), row.imported_at)
              for row in LegacyLink.select().where(LegacyLink.account == account_id).order_by(LegacyLink.id)]
    role: OperatorRole | None = OperatorRole.get_or_none(OperatorRole.account == account_id)
    return AccountState(
        id=account_id, username=str(account.username), first_name=str(account.first_name),
        last_name=str(account.last_name), email=str(account.email or ""), status=str(account.status),
        language=str(account.language), created_at=account.created_at, activated_at=account.activated_at,
        last_sign_in_at=account.last_sign_in_at, locked_until=account.locked_until,
        failed_sign_ins=int(account.failed_sign_ins), eid_linked_at=account.eid_linked_at,
        legacy_logins=legacy,
        legacy_password_waiting=LegacyCredential.select().where(LegacyCredential.account == account_id).exists(),
        sessions=sessions, ssh_keys=keys, memberships=memberships,
        operator_role=str(role.role) if role is not None else None,
        locked=account.locked_until is not None and account.locked_until > now,
    )
