"""COVAST: online bidding on real estate sold by public bodies; runs in its own application."""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Role, Terms, Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import (
    AGENT_RECOGNITIONS,
    ASSISTANT,
    ORIS_SUPPORT,
    WebClientConfig,
    with_web_client,
)

BIDDER = Role("bidder", N_("Bidding agent"), N_("Places bids on behalf of the organisation's customers."))
NOTARY = Role("notary", N_("Notary"), N_("Follows the sales the office is in charge of."))

TOOL = Tool(
    name="covast",
    title="COVAST",
    short_description=N_("Online bidding on real estate sold by public bodies."),
    long_description=N_(
        "COVAST sells real estate of public bodies through online bidding. Bids are placed only "
        "through a recognised real-estate agent; a bid is a binding unilateral promise to buy, valid "
        "for at least two months, and a second sealed round may follow. COVAST runs in its own "
        "application; Immo-Connect signs you in to it under the organisation and usage mode you choose."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "agent", N_("As a bidding real-estate agent"),
            N_("Place bids for your customers on public-sector sales."),
            required_recognitions=AGENT_RECOGNITIONS, roles=(BIDDER, ASSISTANT),
        ),
        UsageMode(
            "notary", N_("As a notary"),
            N_("Follow the public-sector sales your office is in charge of."),
            required_recognitions=("notary.notary",), roles=(NOTARY, ASSISTANT),
        ),
    ),
    terms=Terms(
        version="2023-1",
        text=N_(
            "1. A bid placed through COVAST is a binding unilateral promise to buy, valid for at least "
            "two months.\n2. Bids are placed only on behalf of an identified customer who gave a written "
            "mandate.\n3. The buyer pays the fee announced in the sale conditions.\n4. Every bid is logged "
            "with the name of the person who placed it."
        ),
    ),
    screen="immo_connect.plugins.tools.covast.screen:CovastScreen",
    website="https://www.covast.be",
)


@hookimpl
def immo_connect_config_schema() -> type:
    return WebClientConfig


@hookimpl
def immo_connect_register_tools(register: Any, config: WebClientConfig | None) -> None:
    register(with_web_client(TOOL, config))
