"""Demo accounts (step of ``immo-connect demo``); every one uses ``demo.DEMO_PASSWORD``.

Other areas' demo steps find these accounts by username (:data:`DEMO_ACCOUNTS`). Running
the step again puts them back in their demo state (password, status, no wait).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import bcrypt

from immo_connect.accounts.models import Account, Address, LegacyCredential, LegacyLink, Profile
from immo_connect.demo import DEMO_PASSWORD
from immo_connect.i18n import ngettext
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

# username: (first name, last name, e-mail, status, profile values)
DEMO_ACCOUNTS: dict[str, tuple[str, str, str | None, str, dict[str, object]]] = {
    "anne.peeters": ("Anne", "Peeters", "anne.peeters@example.be", "active", {
        "phone": "+32 2 512 34 56", "mobile": "+32 470 12 34 56", "website": "https://www.immo-peeters.example",
        "linkedin": "https://www.linkedin.com/in/anne-peeters-demo", "birth_date": dt.date(1978, 3, 24),
        "nationality": "Belge", "gender": "F",
    }),
    "marc.dubois": ("Marc", "Dubois", "marc.dubois@example.be", "active", {
        "mobile": "+32 475 98 76 54", "nationality": "Belge", "gender": "M",
    }),
    "sophie.janssens": ("Sophie", "Janssens", "sophie.janssens@example.be", "active", {
        "mobile": "+32 486 11 22 33", "instagram": "https://www.instagram.com/sophie.janssens.demo",
    }),
    "lucas.maes": ("Lucas", "Maes", "lucas.maes@example.be", "pending", {}),
    # Active, no eID linked and no organisation: the account to try « Lier l'eID » with.
    "julie.lambert": ("Julie", "Lambert", "julie.lambert@example.be", "active", {}),
    # Imported from an earlier tool: no e-mail address yet, old bcrypt hash (manual 1.1.2).
    "jdupont": ("Jean", "Dupont", None, "active", {}),
    # The platform's own operators (roles given by the operators' demo step), in no organisation.
    "ops.admin": ("Olivier", "Dumont", "ops.admin@example.be", "active", {}),
    "hugo.help": ("Hugo", "Lenoir", "hugo.help@example.be", "active", {}),
    "fin.anne": ("Anne", "Wouters", "fin.anne@example.be", "active", {}),
    "fin.bert": ("Bert", "Jacobs", "fin.bert@example.be", "active", {}),
}
LEGACY_DEMO = {"jdupont": "cibweb"}
DEMO_ADDRESS = {
    "anne.peeters": dict(kind="work", street="Avenue Louise", number="54", box="3", postal_code="1050",
                         city="Ixelles", country="BE"),
}


def seed(platform: Platform) -> list[str]:
    service = platform.accounts
    now = platform.clock.now()
    argon2_hash = service.hasher.hash(DEMO_PASSWORD)
    legacy_hash = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
    created = 0
    with transaction():
        for username, (first, last, email, status, profile) in DEMO_ACCOUNTS.items():
            legacy_tool = LEGACY_DEMO.get(username)
            values = dict(
                email=email, first_name=first, last_name=last, status=status, language="fr",
                password_hash=None if legacy_tool else argon2_hash, failed_sign_ins=0, locked_until=None,
                terms_version="" if legacy_tool else platform.settings.platform.terms_version,
                terms_accepted_at=None if legacy_tool else now,
                activated_at=now if status == "active" and not legacy_tool else None,
            )
            account: Account | None = Account.get_or_none(Account.username == username)
            if account is None:
                account = Account.create(username=username, created_at=now, **values)
                created += 1
            else:
                Account.update(**values).where(Account.id == account.id).execute()
            Profile.delete().where(Profile.account == account.id).execute()
            Profile.create(account=account.id, updated_at=now, **profile)
            Address.delete().where(Address.account == account.id).execute()
            if username in DEMO_ADDRESS:
                Address.create(account=account.id, position=0, **DEMO_ADDRESS[username])
            LegacyCredential.delete().where(LegacyCredential.account == account.id).execute()
            if legacy_tool:
                LegacyCredential.create(account=account.id, tool=legacy_tool, password_hash=legacy_hash)
                if not LegacyLink.select().where(LegacyLink.account == account.id).exists():
                    LegacyLink.create(tool=legacy_tool, legacy_username=username, account=account.id, imported_at=now)
    return [
        ngettext("Accounts: {count} demo accounts ({created} new): {usernames} (lucas.maes still needs its "
                 "activation code: immo-connect mail; jdupont comes from CIBweb without e-mail; julie.lambert has "
                 "no eID linked yet)",
                 "Accounts: {count} demo accounts ({created} new): {usernames} (lucas.maes still needs its "
                 "activation code: immo-connect mail; jdupont comes from CIBweb without e-mail; julie.lambert has "
                 "no eID linked yet)", created).format(count=len(DEMO_ACCOUNTS), created=created,
                                                       usernames=", ".join(DEMO_ACCOUNTS)),
    ]
