"""CIBweb: the member web environment of CIB Vlaanderen; runs in its own application."""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Role, Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import (
    ASSISTANT,
    IPI_RECOGNITIONS,
    ORIS_SUPPORT,
    WebClientConfig,
    with_web_client,
)

MEMBER = Role("member", N_("Member"), N_("Uses the member services with their own recognition."))

TOOL = Tool(
    name="cibweb",
    title="CIBweb",
    short_description=N_("The member environment of CIB Vlaanderen, the federation of real-estate professionals."),
    long_description=N_(
        "CIBweb is the web environment of CIB Vlaanderen for its members: real-estate agents, syndics "
        "and property managers. It runs in its own application; Immo-Connect signs you in to it under "
        "the organisation and usage mode you choose."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "member", N_("As a member of CIB Vlaanderen"),
            N_("For organisations whose professionals are recognised by IPI/BIV."),
            required_recognitions=IPI_RECOGNITIONS, roles=(MEMBER, ASSISTANT),
        ),
    ),
    screen="immo_connect.plugins.tools.cibweb.screen:CibWebScreen",
    website="https://www.cib.be",
)


@hookimpl
def immo_connect_config_schema() -> type:
    return WebClientConfig


@hookimpl
def immo_connect_register_tools(register: Any, config: WebClientConfig | None) -> None:
    register(with_web_client(TOOL, config))
