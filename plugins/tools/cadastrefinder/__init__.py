"""CadastreFinder: search cadastral parcels; every search is charged to the organisation's wallet.

Searches run over a parcel data set: the one shipped with the plugin (sample data), or the
file ``[plugins.cadastrefinder] parcels = "…"`` points to (format in docs/tools.md).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Price, Role, Terms, Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import AGENT_RECOGNITIONS, ASSISTANT, ORIS_SUPPORT

SEARCH_PRICE_CENTS = 150


@dataclasses.dataclass(frozen=True)
class CadastreConfig:
    """``[plugins.cadastrefinder]``: ``parcels`` is the path of a parcel data set (CSV)."""

    parcels: Path | None = None


AGENT = Role("agent", N_("Agent"), N_("Searches with their own IPI/BIV recognition."))
SURVEYOR = Role("surveyor", N_("Land surveyor"), N_("Searches with their own recognition as land surveyor."))
NOTARY = Role("notary", N_("Notary"), N_("Searches for the deeds of the office."))

TOOL = Tool(
    name="cadastrefinder",
    title="CadastreFinder",
    short_description=N_("Look up cadastral parcels by municipality, section, parcel number or address."),
    long_description=N_(
        "CadastreFinder finds cadastral parcels: search by municipality (name or NIS code), cadastral "
        "section, parcel number (0123/45A) or address, and see the CaPaKey, division, nature, area and "
        "cadastral income of each parcel. Each search is charged to the wallet of the organisation you "
        "work for and logged: the register's conditions allow searches only for a file you hold a "
        "written mandate for."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "agent", N_("As a real-estate agent"),
            N_("Search for the properties you hold a written mandate for (IPI/BIV recognition required)."),
            required_recognitions=AGENT_RECOGNITIONS, roles=(AGENT, ASSISTANT),
        ),
        UsageMode(
            "surveyor", N_("As a land surveyor"),
            N_("Search for your surveying assignments (recognition as land surveyor required)."),
            required_recognitions=("surveyor.land_surveyor",), roles=(SURVEYOR, ASSISTANT),
        ),
        UsageMode(
            "notary", N_("As a notary"),
            N_("Search for the deeds your office prepares (notary recognition required)."),
            required_recognitions=("notary.notary",), roles=(NOTARY, ASSISTANT),
        ),
    ),
    terms=Terms(
        version="2016-1",
        text=N_(
            "1. Search only for a property you hold a written mandate for.\n"
            "2. Never use the results for prospecting, valuation of other properties or market research.\n"
            "3. Do not pass the results on to third parties, except to the customer concerned.\n"
            "4. Every search is logged with your name and organisation and may be checked by the register.\n"
            "5. Each search is charged to your organisation's wallet, whatever its result.\n"
            "6. Keep the mandate for every search for at least five years.\n"
            "7. Misuse is reported to the professional institute and can lead to disciplinary action.\n"
            "8. Access ends when your recognition or your organisation's mandate ends."
        ),
    ),
    prices=(Price("search", N_("Cadastral search"), SEARCH_PRICE_CENTS),),
    screen="immo_connect.plugins.tools.cadastrefinder.screen:CadastreFinderScreen",
)


@hookimpl
def immo_connect_config_schema() -> type:
    return CadastreConfig


@hookimpl
def immo_connect_register_tools(register: Any) -> None:
    register(TOOL)


@hookimpl
def immo_connect_register_migrations(register: Any) -> None:
    from immo_connect.plugins.tools.cadastrefinder.search import MIGRATIONS

    register("cadastrefinder", MIGRATIONS)
