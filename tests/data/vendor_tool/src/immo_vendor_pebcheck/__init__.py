"""PEB Check: an example tool plugin shipped by a vendor in its own distribution.

Installed next to Immo-Connect, it is found through the ``immo_connect`` entry point and
appears among the tools like the built-in ones. Its screen lives in ``screen.py``, imported
only by the terminal UI. Its texts are English, marked with ``N_``, and translated by its
own catalogs (``locale/<lang>/LC_MESSAGES/immo_vendor_pebcheck.po``), which the
``immo_connect_translations`` hook points at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Price, Role, SupportContact, Tool, UsageMode
from immo_connect.i18n import N_

TOOL = Tool(
    name="pebcheck",
    title="PEB Check",
    short_description=N_("Check the EPC certificate of a property before putting it on the market."),
    long_description=N_(
        "PEB Check finds the energy performance certificate (EPC) of a property from its address. "
        "Each lookup is charged to the organisation's wallet."
    ),
    support=SupportContact(name="PEB Check support", email="support@pebcheck.example"),
    modes=(
        UsageMode(
            "agent", N_("As a real-estate agent"), N_("For the properties you put up for sale or rent."),
            required_recognitions=("ipi.agent",),
            roles=(Role("user", N_("User")), Role("assistant", N_("Assistant"), needs_recognition=False)),
        ),
    ),
    prices=(Price("lookup", N_("Lookup of an EPC certificate"), 75),),
    screen="immo_vendor_pebcheck.screen:PebCheckScreen",
    website="https://pebcheck.example",
)


@hookimpl
def immo_connect_register_tools(register: Any) -> None:
    register(TOOL)


@hookimpl
def immo_connect_translations() -> tuple[Path, str]:
    return Path(__file__).with_name("locale"), "immo_vendor_pebcheck"
