"""The mail to a wallet's managers when a top-up was credited (template ``topup_credited``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from immo_connect import formatting, i18n
from immo_connect.accounts.models import Account
from immo_connect.i18n import N_
from immo_connect.organisations.models import Membership, Organisation
from immo_connect.payments._money import euros

if TYPE_CHECKING:
    from immo_connect.platform import Platform

CHANNELS: dict[str, str] = {
    "online": N_("online payment"),
    "bank_transfer": N_("bank transfer"),
    "assigned": N_("bank transfer (assigned by our team)"),
    "given_back": N_("money taken back earlier, given back (refund not carried out or chargeback reversed)"),
}


def managers(organisation_id: int) -> list[Account]:
    """Active managers with an active account and an e-mail address (only the columns mailed)."""
    query = (
        Account.select(Account.id, Account.email, Account.first_name, Account.language)
        .join(Membership, on=(Membership.account == Account.id))
        .where(
            (Membership.organisation == organisation_id) & (Membership.status == "active")
            & Membership.is_manager & (Account.status == "active") & Account.email.is_null(False)
        )
        .order_by(Account.id)
    )
    return list(query)


def recipients(organisation_id: int) -> tuple[str, list[Account]]:
    """The organisation's name and its managers to mail."""
    name = Organisation.select(Organisation.name).where(Organisation.id == organisation_id).scalar()
    return str(name), managers(organisation_id)


def notify_managers(
    platform: Platform, organisation_id: int, transaction: Any, *, channel: str, reference: str,
    known: dict[int, tuple[str, list[Account]]] | None = None,
) -> int:
    """Queue one mail per manager, inside the caller's transaction; return how many.

    Keys are per wallet transaction and recipient, so a repeated call queues nothing new.
    ``known`` caches the recipients per organisation during a statement import.
    """
    from immo_connect.mail import enqueue

    if known is not None:
        if organisation_id not in known:
            known[organisation_id] = recipients(organisation_id)
        organisation_name, accounts = known[organisation_id]
    else:
        organisation_name, accounts = recipients(organisation_id)
    count = 0
    for account in accounts:
        language = account.language if account.language in i18n.LANGUAGES else None
        words = i18n.catalog(language or platform.settings.language)
        with i18n.using(words.language):  # amounts and dates in the reader's language
            amount, balance = euros(int(transaction.amount)), euros(int(transaction.balance_after))
            when = formatting.date_time(transaction.created_at)
        enqueue(
            to=str(account.email),
            template="topup_credited",
            key=f"topup_credited:{transaction.id}:{account.id}",
            language=language,
            context={
                "first_name": account.first_name,
                "organisation": organisation_name,
                "amount": amount,
                "balance": balance,
                "channel": words.gettext(CHANNELS[channel]),
                "reference": reference or "—",
                "number": transaction.number,
                "date": when + " UTC",
            },
        )
        count += 1
    return count
