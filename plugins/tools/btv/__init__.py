"""The BTV tool of the Immo-Connect family; runs in its own application."""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import AGENT_RECOGNITIONS, ORIS_SUPPORT, USER, WebClientConfig, with_web_client

TOOL = Tool(
    name="btv",
    title="BTV",
    short_description=N_("The BTV tool for recognised real-estate agents."),
    long_description=N_(
        "The BTV tool is one of the professional tools of the Immo-Connect family, reserved for "
        "recognised real-estate agents. It runs in its own application; Immo-Connect signs you in "
        "to it under the organisation and usage mode you choose."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "agent", N_("As a real-estate agent"),
            N_("For organisations with a recognised real-estate agent (IPI/BIV)."),
            required_recognitions=AGENT_RECOGNITIONS, roles=(USER,),
        ),
    ),
    screen="immo_connect.plugins.tools.btv.screen:BtvScreen",
    website="https://www.immo-connect.be",
)


@hookimpl
def immo_connect_config_schema() -> type:
    return WebClientConfig


@hookimpl
def immo_connect_register_tools(register: Any, config: WebClientConfig | None) -> None:
    register(with_web_client(TOOL, config))
