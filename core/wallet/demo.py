"""Demo wallet history (step of ``immo-connect demo``, after the organisations step).

Immo Peeters gets two months of history: top-ups, uses of several tools, one search refused
for lack of funds and a correction; Dubois & Fils a first top-up. Every movement has a fixed
idempotency key, so running the step again changes nothing. The movements are dated in the
past by letting the platform's clock run over those two months while seeding.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from immo_connect import formatting
from immo_connect.accounts.models import Account
from immo_connect.clock import FrozenClock
from immo_connect.i18n import _
from immo_connect.organisations.models import Membership, Organisation

if TYPE_CHECKING:
    from immo_connect.platform import Platform

PEETERS, DUBOIS = "0750000040", "1000000021"

# (days ago, hour, kind, account, amount in cents, tool, description)
HISTORY: tuple[tuple[int, int, str, str, int, str, str], ...] = (
    (60, 9, "online_topup", "anne.peeters", 200_00, "", "Recharge en ligne (Bancontact)"),
    (58, 10, "charge", "marc.dubois", 12_50, "cadastrefinder", "Recherche parcelle Ixelles 3e div. 512B"),
    (55, 14, "charge", "anne.peeters", 8_00, "antiblanchiment", "Contrôle client : SRL Horizon"),
    (51, 11, "charge", "marc.dubois", 12_50, "cadastrefinder", "Recherche parcelle Bruxelles 1re div. 44F"),
    (45, 16, "charge", "anne.peeters", 25_00, "btv", "Demande de renseignements urbanistiques"),
    (40, 9, "bank_transfer", "", 150_00, "", "Virement bancaire avec communication structurée"),
    (33, 15, "charge", "marc.dubois", 36_50, "btv", "Attestation du sol"),
    (27, 10, "charge", "anne.peeters", 8_00, "antiblanchiment", "Contrôle client : M. Lambert"),
    (20, 13, "charge", "marc.dubois", 12_50, "cadastrefinder", "Recherche parcelle Uccle 2e div. 1021K"),
    (14, 11, "charge", "marc.dubois", 290_00, "btv", "Dossier complet lotissement (refusé : solde)"),
    (12, 9, "correction", "", 5_00, "", "Geste commercial : recherche en double remboursée"),
    (6, 10, "charge", "anne.peeters", 12_50, "cadastrefinder", "Recherche parcelle Etterbeek 1re div. 7A"),
    (2, 17, "charge", "marc.dubois", 8_00, "antiblanchiment", "Contrôle client : SA Lumière"),
)


# As the tools mark them: who was checked, which parcel (docs/wallet.md, "Confidential details").
CONFIDENTIAL = {
    "antiblanchiment": "Anti-Blanchiment — Vérification de vigilance",
    "cadastrefinder": "CadastreFinder — Recherche cadastrale",
}

# The usage mode each demo tool runs under at Immo Peeters (its registration, core/tools/demo.py).
USAGE_MODES = {"cadastrefinder": "agent", "antiblanchiment": "agent", "btv": "agent"}


def _reset_rights(peeters: Organisation) -> None:
    """The demo employees of Immo Peeters have no wallet right (marc.dubois uses its tools
    but sees nothing of its wallet); the managers always manage."""
    from immo_connect.storage import transaction
    from immo_connect.wallet.models import WalletRight

    with transaction():
        members = Membership.select(Membership.id).where(Membership.organisation == peeters.id)
        WalletRight.delete().where(WalletRight.membership.in_(members)).execute()


def seed(platform: Platform) -> list[str]:
    peeters = Organisation.get_or_none(Organisation.enterprise_number == PEETERS)
    dubois = Organisation.get_or_none(Organisation.enterprise_number == DUBOIS)
    if peeters is None:
        return [_("Wallet: skipped (the demo organisations are missing).")]
    _reset_rights(peeters)
    wallet = platform.wallet
    today = platform.clock.now().replace(minute=0, second=0, microsecond=0)
    real_clock = platform.clock
    try:
        for index, (days, hour, kind, username, amount, tool, description) in enumerate(HISTORY, start=1):
            platform.clock = FrozenClock((today - dt.timedelta(days=days)).replace(hour=hour))
            key = f"demo:wallet:{PEETERS}:{index}"
            account = Account.get_or_none(Account.username == username) if username else None
            if kind == "charge":
                if account is None:
                    continue
                wallet.charge(account, peeters.id, amount, tool=tool, description=description,
                              idempotency_key=key, public_description=CONFIDENTIAL.get(tool, ""),
                              usage_mode=USAGE_MODES.get(tool))
            else:
                wallet.credit(peeters.id, amount, kind=kind, description=description, idempotency_key=key,
                              actor=account, reference=f"DEMO-{index:04d}")
        if dubois is not None:
            platform.clock = FrozenClock((today - dt.timedelta(days=9)).replace(hour=10))
            wallet.credit(dubois.id, 100_00, kind="online_topup", description="Recharge en ligne (Visa)",
                          idempotency_key=f"demo:wallet:{DUBOIS}:1", reference="DEMO-D001")
    finally:
        platform.clock = real_clock
    balance = wallet.ensure_wallet(peeters.id).balance
    return [_("Wallet: {organisation} has {count} demo transactions, balance {balance}; communication "
              "{communication}.").format(organisation=peeters.name, count=len(HISTORY),
                                         balance=formatting.money(balance),
                                         communication=wallet.structured_communication(peeters.id)),
            _("Wallet rights: the employees of Immo Peeters have none (marc.dubois uses its tools, "
              "not its wallet).")]
