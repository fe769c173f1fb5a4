"""MyRent Pro: a web application for IPI/BIV members around rentals; runs in its own application."""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Price, Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import ASSISTANT, ORIS_SUPPORT, USER, WebClientConfig, with_web_client

TOOL = Tool(
    name="myrentpro",
    title="MyRent Pro",
    short_description=N_("Web application for IPI/BIV members who let and manage properties."),
    long_description=N_(
        "MyRent Pro is a web application offered to the members of IPI/BIV who let or manage "
        "properties. It runs in its own application; Immo-Connect signs you in to it under the "
        "organisation and usage mode you choose."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "manager", N_("As an agent or property manager"),
            N_("For organisations with a recognised intermediary or property manager (IPI/BIV)."),
            required_recognitions=("ipi.agent", "ipi.regisseur"), roles=(USER, ASSISTANT),
        ),
    ),
    screen="immo_connect.plugins.tools.myrentpro.screen:MyRentProScreen",
    # Charged by the web application through the wallet API (docs/vendor-web-tool.md).
    prices=(Price("rental_file", N_("Rental file"), 250),),
    website="https://www.immo-connect.be",
)


@hookimpl
def immo_connect_config_schema() -> type:
    return WebClientConfig


@hookimpl
def immo_connect_register_tools(register: Any, config: WebClientConfig | None) -> None:
    register(with_web_client(TOOL, config))
