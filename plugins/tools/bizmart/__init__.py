"""bizMart: a tool of the Immo-Connect family for commercial real estate; runs in its own application."""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import (
    AGENT_RECOGNITIONS,
    ASSISTANT,
    ORIS_SUPPORT,
    USER,
    WebClientConfig,
    with_web_client,
)

TOOL = Tool(
    name="bizmart",
    title="bizMart",
    short_description=N_("Commercial real estate: business premises offered by recognised agents."),
    long_description=N_(
        "bizMart is the tool of the Immo-Connect family for commercial real estate (shops, offices, "
        "business premises). It runs in its own application; Immo-Connect signs you in to it under "
        "the organisation and usage mode you choose."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "agent", N_("As a real-estate agent"),
            N_("Offer and follow commercial properties for the organisation's customers."),
            required_recognitions=AGENT_RECOGNITIONS, roles=(USER, ASSISTANT),
        ),
    ),
    screen="immo_connect.plugins.tools.bizmart.screen:BizMartScreen",
    website="https://www.immo-connect.be",
)


@hookimpl
def immo_connect_config_schema() -> type:
    return WebClientConfig


@hookimpl
def immo_connect_register_tools(register: Any, config: WebClientConfig | None) -> None:
    register(with_web_client(TOOL, config))
