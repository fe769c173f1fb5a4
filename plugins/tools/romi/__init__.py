"""ROMi: a tool of the Immo-Connect family for recognised real-estate professionals; runs in its own application."""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import IPI_RECOGNITIONS, ORIS_SUPPORT, USER, WebClientConfig, with_web_client

TOOL = Tool(
    name="romi",
    title="ROMi",
    short_description=N_("A tool of the Immo-Connect family for IPI/BIV-recognised professionals."),
    long_description=N_(
        "ROMi is one of the professional tools of the Immo-Connect family, for real-estate agents, "
        "syndics and property managers recognised by IPI/BIV. It runs in its own application; "
        "Immo-Connect signs you in to it under the organisation and usage mode you choose."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "professional", N_("As a real-estate professional"),
            N_("For organisations with a professional recognised by IPI/BIV."),
            required_recognitions=IPI_RECOGNITIONS, roles=(USER,),
        ),
    ),
    screen="immo_connect.plugins.tools.romi.screen:RomiScreen",
    website="https://www.immo-connect.be",
)


@hookimpl
def immo_connect_config_schema() -> type:
    return WebClientConfig


@hookimpl
def immo_connect_register_tools(register: Any, config: WebClientConfig | None) -> None:
    register(with_web_client(TOOL, config))
