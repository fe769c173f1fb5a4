"""Reading a wallet: overview, history with filters and keyset pagination, one transaction.

The history is ordered newest first on ``(created_at, id)`` and paged with a cursor (the
last row's key), never with OFFSET: each page is one index range scan, whatever the size of
the history. Every filter has an index that starts with ``wallet_id`` and ends with
``created_at, id`` (see ``models.py``), so a filtered page of a wallet with a million
transactions reads about as many index entries as the page holds.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import peewee

from immo_connect.accounts.models import Account
from immo_connect.errors import NotFoundError, ValidationError
from immo_connect.formats import ogm
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.wallet import _validate as check
from immo_connect.wallet import shown
from immo_connect.wallet._access import Actor, ActorRef, actor_id, member_of
from immo_connect.wallet.models import (
    KIND_REVERSAL,
    KIND_TOOL,
    KINDS,
    STATUS_SUCCEEDED,
    STATUSES,
    Wallet,
    WalletRight,
    WalletTransaction,
    type_key,
)
from immo_connect.wallet.rights import RIGHT_MANAGE, RIGHT_NONE, RIGHT_VIEW, RIGHTS
from immo_connect.wallet.texts import kind_label

if TYPE_CHECKING:
    from immo_connect.platform import Platform

LOCAL_ZONE = ZoneInfo("Europe/Brussels")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def to_local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time as Belgian local time, naive, for display."""
    return moment.replace(tzinfo=dt.UTC).astimezone(LOCAL_ZONE).replace(tzinfo=None)


def local_day_start(day: dt.date) -> dt.datetime:
    """The naive UTC moment at which ``day`` begins in Belgium."""
    return dt.datetime.combine(day, dt.time(), LOCAL_ZONE).astimezone(dt.UTC).replace(tzinfo=None)


@dataclasses.dataclass(frozen=True)
class TransactionFilter:
    """Filters of the history; ``None`` means "any". Dates are Belgian calendar days, inclusive.

    ``type`` is a kind (``"online_topup"``, ``"bank_transfer"``, ``"transfer"``,
    ``"correction"``, ``"tool_usage"`` for every tool) or ``"tool:<name>"`` for one tool.
    ``by`` (« Par ») is ``"account:<id>"`` (what that person did), ``"bank_transfer"`` or
    ``"correction"``.
    """

    number: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str | None = None
    type: str | None = None
    by: str | None = None

    @property
    def is_empty(self) -> bool:
        return self == TransactionFilter()


NO_FILTER = TransactionFilter()


@dataclasses.dataclass(frozen=True)
class Page:
    items: list[WalletTransaction]
    next_cursor: str | None  # pass as ``after`` for the next (older) page; None at the end
    counterparts: dict[int, str]  # wallet id -> organisation name, for transfers on this page
    # transaction id -> « Par » and the description as the viewer may see it (``shown.py``)
    by: dict[int, str] = dataclasses.field(default_factory=dict)
    descriptions: dict[int, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class WalletOverview:
    wallet_id: int
    organisation_id: int
    organisation_name: str
    enterprise_number: str
    balance_cents: int
    structured_communication: str  # formatted +++…+++
    is_manager: bool
    # When the balance is below zero: the latest take-back, which says why.
    last_take_back: WalletTransaction | None = None
    right: str = RIGHT_NONE  # the viewer's wallet right (what the screen offers)


@dataclasses.dataclass(frozen=True)
class OrganisationChoice:
    id: int
    name: str
    is_manager: bool


def encode_cursor(row: WalletTransaction) -> str:
    text = f"{row.created_at.isoformat()}|{row.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _sep, row_id = text.partition("|")
        return dt.datetime.fromisoformat(moment), int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(
            _("This page marker is not valid."), hint=_("Start again from the first page."),
            field="after", code="cursor_invalid",
        ) from None


def conditions(wallet_id: int, filters: TransactionFilter) -> list[Any]:
    """The WHERE conditions of one wallet's history with ``filters`` (validated here)."""
    T = WalletTransaction
    found: list[Any] = [T.wallet == wallet_id]
    if filters.number is not None:
        if isinstance(filters.number, bool) or not isinstance(filters.number, int) or filters.number < 1:
            raise ValidationError(_("A transaction number is a whole number from 1."),
                                  hint=_("Type the number as shown in the list."), field="number",
                                  code="number_invalid")
        found.append(T.number == filters.number)
    if filters.status is not None:
        if filters.status not in STATUSES:
            raise ValidationError(_("Unknown status {status!r}.").format(status=filters.status),
                                  hint=_("Choose a status from the list."), field="status",
                                  code="status_invalid")
        found.append(T.status == filters.status)
    if filters.type is not None:
        if filters.type not in KINDS and not filters.type.startswith("tool:"):
            raise ValidationError(_("Unknown transaction type {type!r}.").format(type=filters.type),
                                  hint=_("Choose a type from the list."), field="type",
                                  code="type_invalid")
        if filters.type == KIND_TOOL:
            found.append(T.kind == KIND_TOOL)
        else:
            found.append(T.type_key == filters.type)
    if filters.by is not None:
        found.append(_by_condition(filters.by))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError(_("The start date is after the end date."),
                              hint=_("Swap the dates or correct one of them."), field="date_from",
                              code="date_range_invalid")
    if filters.date_from is not None:
        found.append(T.created_at >= local_day_start(filters.date_from))
    if filters.date_to is not None:
        found.append(T.created_at < local_day_start(filters.date_to + dt.timedelta(days=1)))
    return found


def _by_condition(by: str) -> Any:
    T = WalletTransaction
    if by in (shown.BY_BANK_TRANSFER, shown.BY_CORRECTION):
        return T.kind == by
    number = by.removeprefix(shown.BY_PREFIX)
    if not by.startswith(shown.BY_PREFIX) or not number.isdigit():
        raise ValidationError(_("Unknown choice {by!r} for « By ».").format(by=by),
                              hint=_("Choose a person, the bank transfers or the corrections from the list."),
                              field="by", code="by_invalid")
    return T.actor_id == int(number)


class WalletViews:
    platform: Platform

    def _wallet_id(self, organisation_id: int) -> int:  # provided by WalletService
        raise NotImplementedError

    def ensure_wallet(self, organisation_id: int) -> Wallet:  # provided by WalletService
        raise NotImplementedError

    def organisations(self, actor: ActorRef, *, managed_only: bool = False,
                      right: str = RIGHT_VIEW) -> list[OrganisationChoice]:
        """The organisations whose wallet ``actor`` may use with ``right`` (``manage`` with
        ``managed_only``): active memberships of an active account, by name."""
        wanted = RIGHT_MANAGE if managed_only else right
        allowed = list(RIGHTS[RIGHTS.index(wanted):])
        query = (
            Membership.select(Membership.is_manager, Organisation.id, Organisation.name)
            .join(Organisation).switch(Membership).join(Account)
            .switch(Membership)
            .join(WalletRight, peewee.JOIN.LEFT_OUTER, on=(WalletRight.membership == Membership.id))
            .where((Membership.account == actor_id(actor)) & (Membership.status == "active")
                   & (Account.status == "active")
                   & (Membership.is_manager | WalletRight.right.in_(allowed)))
            .order_by(Organisation.name, Organisation.id)
        )
        return [OrganisationChoice(int(m.organisation.id), str(m.organisation.name), bool(m.is_manager))
                for m in query]

    def overview(self, actor: ActorRef, organisation_id: int) -> WalletOverview:
        """Balance and identity of the organisation's wallet; needs the ``view`` right."""
        organisation_id = check.organisation_id(organisation_id)
        member = member_of(self.platform, actor, organisation_id, right=RIGHT_VIEW, action="wallet.view")
        wallet = self.ensure_wallet(organisation_id)
        organisation: Organisation = Organisation.get_by_id(organisation_id)
        taken: WalletTransaction | None = None
        if int(wallet.balance) < 0:
            taken = (WalletTransaction.select()
                     .where((WalletTransaction.wallet == wallet.id) & (WalletTransaction.type_key == KIND_REVERSAL)
                            & (WalletTransaction.amount < 0) & (WalletTransaction.status == STATUS_SUCCEEDED))
                     .order_by(WalletTransaction.created_at.desc(), WalletTransaction.id.desc()).first())
        return WalletOverview(
            int(wallet.id), organisation_id, str(organisation.name), str(organisation.enterprise_number),
            int(wallet.balance), ogm.format_ogm(str(wallet.structured_communication)), member.is_manager, taken,
            member.right,
        )

    def type_choices(self) -> list[tuple[str, str]]:
        """``(value, label)`` of the "type" filter: each kind, then each registered tool."""
        choices = [(kind, kind_label(kind)) for kind in KINDS]
        for tool in self.platform.plugins.tools():
            label = _("Tool: {name}").format(name=getattr(tool, "title", "") or tool.name)
            choices.append((type_key(KIND_TOOL, tool.name), label))
        return choices

    def _filtered(self, wallet_id: int, filters: TransactionFilter) -> Any:
        """The history query of one wallet with ``filters`` applied (not ordered)."""
        return WalletTransaction.select().where(*conditions(wallet_id, filters))

    def transactions(self, actor: ActorRef, organisation_id: int,
                     filters: TransactionFilter = NO_FILTER, *, after: str | None = None,
                     limit: int = PAGE_SIZE) -> Page:
        """One page of the history, newest first; ``after`` is the previous page's ``next_cursor``."""
        organisation_id = check.organisation_id(organisation_id)
        member = member_of(self.platform, actor, organisation_id, right=RIGHT_VIEW, action="wallet.view")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError(_("A page holds 1 to 500 transactions."), field="limit", code="limit_invalid")
        T = WalletTransaction
        wallet = Wallet.get_or_none(Wallet.organisation == organisation_id)
        if wallet is None:
            return Page([], None, {})
        query = self._filtered(int(wallet.id), filters)
        if after:
            moment, row_id = decode_cursor(after)
            query = query.where(peewee.Tuple(T.created_at, T.id) < peewee.Tuple(moment, row_id))
        rows = list(query.order_by(T.created_at.desc(), T.id.desc()).limit(limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        who = shown.viewer(member.id, organisation_id, member.is_manager)
        known = shown.names(r.actor_id for r in rows)
        return Page(rows, encode_cursor(rows[-1]) if more else None, self._counterparts(rows),
                    {int(r.id): shown.by_label(r, known) for r in rows},
                    {int(r.id): shown.description(r, who) for r in rows})

    def by_choices(self, actor: ActorRef, organisation_id: int) -> list[tuple[str, str]]:
        """``(value, label)`` of the « Par » filter: the organisation's people by name, then
        the bank transfers and the corrections. Needs the ``view`` right."""
        organisation_id = check.organisation_id(organisation_id)
        member_of(self.platform, actor, organisation_id, right=RIGHT_VIEW, action="wallet.view")
        people = (Account.select(Account.id, Account.first_name, Account.last_name, Account.username)
                  .join(Membership, on=(Membership.account == Account.id))
                  .where(Membership.organisation == organisation_id)
                  .order_by(Membership.sort_name, Account.id))
        choices = [(f"{shown.BY_PREFIX}{a.id}", str(a.display_name)) for a in people]
        return [*choices, (shown.BY_BANK_TRANSFER, _("bank transfer")), (shown.BY_CORRECTION, _("correction"))]

    def _counterparts(self, rows: list[WalletTransaction]) -> dict[int, str]:
        ids = {int(r.counterpart_wallet_id) for r in rows if r.counterpart_wallet_id is not None}
        if not ids:
            return {}
        query = (Wallet.select(Wallet.id, Organisation.name).join(Organisation)
                 .where(Wallet.id.in_(sorted(ids))))
        return {int(w.id): str(w.organisation.name) for w in query}

    def transaction(self, actor: ActorRef, transaction_id: int) -> WalletTransaction:
        """One transaction, for a member with the ``view`` right of its wallet's organisation."""
        return self._readable(actor, transaction_id)[0]

    def _readable(self, actor: ActorRef, transaction_id: int) -> tuple[WalletTransaction, Wallet, Actor]:
        """The transaction, its wallet and the actor, once the actor may read it."""
        row: WalletTransaction | None = WalletTransaction.get_or_none(WalletTransaction.id == transaction_id)
        if row is None:
            raise NotFoundError(_("This transaction does not exist."), hint=_("Refresh the list."),
                                code="transaction_not_found")
        wallet: Wallet = Wallet.get_by_id(row.wallet_id)
        member = member_of(self.platform, actor, int(wallet.organisation_id), right=RIGHT_VIEW,
                           action="wallet.view")
        return row, wallet, member
