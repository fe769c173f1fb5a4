"""Demo organisations (step of ``immo-connect demo``, after the accounts step).

Two agencies with employees in every state: a manager, active employees, a join request
awaiting confirmation and a blocked employee. Running the step again puts them back.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from immo_connect.accounts.models import Account
from immo_connect.i18n import _
from immo_connect.organisations._employees import account_sort_name
from immo_connect.organisations.data import STATUS_LABELS, AddressData, OrganisationData
from immo_connect.organisations.models import Membership, Organisation, OrganisationAddress
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

# enterprise number: (organisation data, [(username, status, manager, type, function)])
DEMO_ORGANISATIONS: dict[str, tuple[OrganisationData, list[tuple[str, str, bool, str, str]]]] = {
    "0750000040": (
        OrganisationData(
            name="Immo Peeters", legal_form="srl", email="info@immo-peeters.example",
            phone="+32 2 512 34 50", website="https://www.immo-peeters.example",
            description="Agence immobilière à Ixelles : vente, location et gestion.",
            linkedin="https://www.linkedin.com/company/immo-peeters-demo",
            addresses=(AddressData("Avenue Louise", "54", "1050", "Ixelles", box="3"),
                       AddressData("Rue de Namur", "12", "1000", "Bruxelles", kind="branch")),
        ),
        [("anne.peeters", "active", True, "director", "Gérante"),
         ("marc.dubois", "active", False, "employee", "Agent immobilier"),
         ("sophie.janssens", "pending", False, "employee", "Assistante commerciale"),
         ("jdupont", "blocked", False, "self_employed", "Expert immobilier")],
    ),
    "1000000021": (
        OrganisationData(
            name="Dubois & Fils", legal_form="sa", email="contact@dubois-fils.example",
            phone="+32 4 223 45 67", addresses=(AddressData("Place Saint-Lambert", "8", "4000", "Liège"),),
        ),
        [("marc.dubois", "active", True, "director", "Administrateur délégué"),
         ("sophie.janssens", "active", True, "partner", "Associée"),
         ("anne.peeters", "pending", False, "self_employed", "Conseillère")],
    ),
}

_FIELDS = ("name", "legal_form", "email", "phone", "vat_liable", "description", "mobile", "website",
           "facebook", "linkedin", "instagram", "twitter")


def seed(platform: Platform) -> list[str]:
    now = platform.clock.now()
    lines: list[str] = []
    with transaction():
        for number, (data, members) in DEMO_ORGANISATIONS.items():
            organisation: Organisation | None = Organisation.get_or_none(Organisation.enterprise_number == number)
            if organisation is None:
                organisation = Organisation(enterprise_number=number, created_at=now)
            for name in _FIELDS:
                setattr(organisation, name, getattr(data, name))
            organisation.address = OrganisationAddress(
                **{k: v for k, v in vars(data.addresses[0]).items() if k != "kind"}).one_line()
            organisation.logo = organisation.cover = None
            organisation.save()
            OrganisationAddress.delete().where(OrganisationAddress.organisation == organisation.id).execute()
            for position, address in enumerate(data.addresses):
                OrganisationAddress.create(organisation=organisation, position=position, **vars(address))
            states: list[str] = []
            for username, status, manager, kind, function in members:
                account: Account | None = Account.get_or_none(Account.username == username)
                if account is None:
                    continue  # the accounts step did not run
                values = dict(
                    status=status, is_manager=manager, employee_type=kind, function=function,
                    work_email=str(account.email or ""), work_phone="", work_mobile="",
                    sort_name=account_sort_name(account), tool_access=json.dumps({}),
                    confirmed_at=now if status != "pending" else None,
                    blocked_at=now if status == "blocked" else None, updated_at=now,
                )
                membership: Membership | None = Membership.get_or_none(
                    (Membership.organisation == organisation.id) & (Membership.account == account.id))
                if membership is None:
                    Membership.create(organisation=organisation, account=account, created_at=now, **values)
                else:
                    Membership.update(**values).where(Membership.id == membership.id).execute()
                state = _("manager") if manager else _(STATUS_LABELS[status])
                states.append(_("{username} ({state})").format(username=username, state=state))
            lines.append(_("Organisation {name} ({number}): {members}").format(
                name=organisation.name, number=number, members=", ".join(states)))
    return lines
