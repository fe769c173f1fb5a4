"""Declarations the built-in tools share (no Textual here: screens live in ``screen`` modules)."""

from __future__ import annotations

import copy
import dataclasses

from immo_connect.config_schema import Secret
from immo_connect.contracts.tools import Role, SupportContact, Tool, WebClient
from immo_connect.demo_tool import DEMO_PORTS
from immo_connect.i18n import N_

# The built-in tools are run by ORIS NV; their users get help through its support desk.
ORIS_SUPPORT = SupportContact(name="ORIS NV – support", website="https://orisnv.freshdesk.com")

AGENT_RECOGNITIONS = ("ipi.agent",)
IPI_RECOGNITIONS = ("ipi.agent", "ipi.syndic", "ipi.regisseur")

USER = Role("user", N_("User"), N_("Uses the tool with their own recognition."))
ASSISTANT = Role(
    "assistant", N_("Assistant"),
    N_("Works for the organisation under its mandated recognition; needs no recognition of their own."),
    needs_recognition=False,
)


# -- signing in to the tools that run in their own web application -----------------------



@dataclasses.dataclass(frozen=True)
class WebClientConfig:
    """``[plugins.<tool>]`` of a tool that runs in its own web application: where it lives.

    Without a table the tool is registered with the loopback addresses of the demo tool
    (``immo-connect demo-tool --client <tool>``); production sets its real addresses.
    """

    redirect_uris: list[str] | None = None
    initiate_login_uri: str | None = None
    backchannel_logout_uri: str | None = None
    client_secret: Secret | None = None
    jwks: str | None = None  # the tool's public JSON Web Key Set (private_key_jwt instead of a secret)


def with_web_client(tool: Tool, config: WebClientConfig | None) -> Tool:
    """``tool`` (a copy) with its web client, from ``config`` or the demo's loopback defaults."""
    config = config or WebClientConfig()
    base = f"http://127.0.0.1:{DEMO_PORTS.get(tool.name, 8480)}"
    client = WebClient(
        redirect_uris=tuple(config.redirect_uris or (f"{base}/callback",)),
        initiate_login_uri=base + "/login" if config.initiate_login_uri is None else config.initiate_login_uri,
        backchannel_logout_uri=(base + "/backchannel-logout" if config.backchannel_logout_uri is None
                                else config.backchannel_logout_uri),
        client_secret=str(config.client_secret or ""),
        jwks=config.jwks or "",
    )
    result = copy.copy(tool)
    result.web_client = client
    return result
