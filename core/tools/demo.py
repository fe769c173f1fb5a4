"""Demo recognitions and tools (step of ``immo-connect demo``, after organisations and top-ups).

The demo people's eID identities point at the example registers (plugins/recognitions/
examples, configured in the repository's ``plugins.toml``), so their recognitions are fetched
like after a real link. Then the agencies register tools, give employees access and use
CadastreFinder and Anti-Blanchiment once, charged to their wallets. Every part is idempotent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import peewee

from immo_connect.accounts.models import Account
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _, ngettext
from immo_connect.organisations.models import Organisation
from immo_connect.storage import transaction

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.demo")

PEETERS, DUBOIS = "0750000040", "1000000021"  # the organisations demo step

# Fictitious national numbers of the demo people, listed in the example registers.
DEMO_IDENTITIES: dict[str, str] = {
    "anne.peeters": "78032412439",  # ipi.agent + ipi.syndic
    "marc.dubois": "81110505719",  # ipi.agent
    "sophie.janssens": "86093021080",  # ipi.regisseur
}
# (organisation, registering person, tool, usage mode)
REGISTRATIONS: tuple[tuple[str, str, str, str], ...] = (
    (PEETERS, "anne.peeters", "cadastrefinder", "agent"),
    (PEETERS, "anne.peeters", "antiblanchiment", "agent"),
    (PEETERS, "anne.peeters", "cibweb", "member"),
    (PEETERS, "anne.peeters", "myrentpro", "manager"),  # the demo web tool signs her in (docs/vendor-web-tool.md)
    (DUBOIS, "marc.dubois", "covast", "agent"),
    (DUBOIS, "sophie.janssens", "myrentpro", "manager"),
)
# (organisation, manager, tool, mode, employee, choice)
ACCESS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (PEETERS, "anne.peeters", "cadastrefinder", "agent", "marc.dubois", "role:agent"),
    (PEETERS, "anne.peeters", "antiblanchiment", "agent", "marc.dubois", "role:assistant"),
    (PEETERS, "anne.peeters", "cadastrefinder", "agent", "sophie.janssens", "role:assistant"),
    (PEETERS, "anne.peeters", "cadastrefinder", "agent", "jdupont", "blocked"),
    (DUBOIS, "marc.dubois", "covast", "agent", "sophie.janssens", "role:assistant"),
)


def _account(username: str) -> Account | None:
    account: Account | None = Account.get_or_none(Account.username == username)
    return account


def _organisation(number: str) -> Organisation | None:
    organisation: Organisation | None = Organisation.get_or_none(Organisation.enterprise_number == number)
    return organisation


def _link_identities(platform: Platform) -> list[str]:
    """Give the demo people an eID identity (as a verified card would) and fetch recognitions."""
    from immo_connect.eid import _numbers

    key = platform.settings.secret_key
    lines = []
    for username, number in DEMO_IDENTITIES.items():
        account = _account(username)
        if account is None:
            continue
        if account.eid_linked_at is None:
            try:
                with transaction():
                    Account.update(
                        national_number_hash=_numbers.number_hash(key, number),
                        national_number_encrypted=_numbers.encrypt_number(key, account.id, number),
                        eid_linked_at=platform.clock.now(),
                    ).where(Account.id == account.id).execute()
            except peewee.IntegrityError:
                lines.append(_("Recognitions: {username} skipped (this demo identity is linked to another account).")
                             .format(username=username))
                continue
        report = platform.recognitions.refresh(account.id)
        held = [r.identifier for r in platform.recognitions.mine(account.id) if r.valid]
        held_text = ", ".join(held) or _("none")
        if report.failed_sources:
            lines.append(_("Recognitions: {username}: {held} (registers not readable: {sources})").format(
                username=username, held=held_text, sources=", ".join(report.failed_sources)))
        else:
            lines.append(_("Recognitions: {username}: {held}").format(username=username, held=held_text))
    return lines


def _register(platform: Platform) -> list[str]:
    lines = []
    for number, username, tool, mode in REGISTRATIONS:
        organisation, account, plugin = _organisation(number), _account(username), platform.plugins.tool(tool)
        if organisation is None or account is None or plugin is None:
            continue
        usage_mode = plugin.mode(mode)
        tool_title, mode_title = _(plugin.title), _(usage_mode.title) if usage_mode is not None else mode
        check = platform.tools.check_registration(account.id, organisation.id, tool, mode)
        if check.already_registered:
            continue
        if not check.qualifies:
            lines.append(_("Tools: {tool} not registered for {organisation}: {username} holds no required "
                           "recognition (configure the example registers in plugins.toml).").format(
                tool=tool_title, organisation=organisation.name, username=username))
            continue
        platform.tools.register(account.id, organisation.id, tool, mode,
                                terms_version=check.terms.version if check.terms else None)
        lines.append(_("Tools: {tool} ({mode}) registered for {organisation} by {username}.").format(
            tool=tool_title, mode=mode_title, organisation=organisation.name, username=username))
    for number, manager, tool, mode, username, choice in ACCESS:
        organisation, actor, employee = _organisation(number), _account(manager), _account(username)
        if organisation is None or actor is None or employee is None:
            continue
        try:
            platform.tools.save_access(actor.id, organisation.id, tool, mode, {employee.id: choice})
        except ImmoConnectError as error:
            plugin = platform.plugins.tool(tool)
            lines.append(_("Tools: access of {username} to {tool} not set ({reason}).").format(
                username=username, tool=_(plugin.title) if plugin is not None else tool, reason=error.message))
    return lines


def _use_tools(platform: Platform) -> list[str]:
    """One CadastreFinder search and one Anti-Blanchiment check at Immo Peeters, once."""
    from immo_connect.plugins.tools.antiblanchiment.checks import AmlCheck, CheckInput, record_check
    from immo_connect.plugins.tools.cadastrefinder.parcels import ParcelQuery
    from immo_connect.plugins.tools.cadastrefinder.search import CadastreSearch, search

    organisation, anne = _organisation(PEETERS), _account("anne.peeters")
    if organisation is None or anne is None:
        return []
    lines = []
    try:
        if not CadastreSearch.select().where(CadastreSearch.organisation_id == organisation.id).exists():
            context = platform.tools.start(anne.id, "cadastrefinder", organisation.id, "agent")
            found = search(platform, context, ParcelQuery(municipality="Ixelles", address="Louise"),
                           idempotency_key="demo-search-1")
            lines.append(ngettext("Tools: a CadastreFinder search for Immo Peeters ({count} parcel, charged).",
                                  "Tools: a CadastreFinder search for Immo Peeters ({count} parcels, charged).",
                                  len(found.parcels)).format(count=len(found.parcels)))
        if not AmlCheck.select().where(AmlCheck.organisation_id == organisation.id).exists():
            context = platform.tools.start(anne.id, "antiblanchiment", organisation.id, "agent")
            record_check(platform, context, CheckInput(
                subject_kind="company", subject_name="Horizon Invest SRL", subject_reference="0403.170.701",
                subject_country="BE", transaction_kind="sale", property_address="Avenue Louise 54, 1050 Ixelles",
                amount_cents=485_000_00, answers={"remote": True}, outcome="proceed",
                notes="Statuts et registre UBO consultés.",
            ), idempotency_key="demo-check-1")
            lines.append(_("Tools: an Anti-Blanchiment check for Immo Peeters (charged)."))
    except ImmoConnectError as error:
        lines.append(_("Tools: demo use skipped ({reason}).").format(reason=error.message))
    return lines


def seed(platform: Platform) -> list[str]:
    lines = _link_identities(platform)
    lines += _register(platform)
    lines += _use_tools(platform)
    return lines or [_("Tools: nothing to do (the demo accounts are missing).")]
