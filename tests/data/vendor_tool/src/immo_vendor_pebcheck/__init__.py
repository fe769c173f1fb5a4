"""PEB Check: an example tool plugin shipped by a vendor in its own distribution.

Installed next to Immo-Connect, it is found through the ``immo_connect`` entry point and
appears among the tools like the built-in ones. Its screen lives in ``screen.py``, imported
only by the terminal UI.
"""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Price, Role, SupportContact, Tool, UsageMode

TOOL = Tool(
    name="pebcheck",
    title="PEB Check",
    short_description="Vérifiez le certificat PEB d'un bien avant de le mettre en vente.",
    long_description=(
        "PEB Check retrouve le certificat de performance énergétique (PEB) d'un bien à partir de "
        "son adresse. Chaque consultation est débitée du Wallet de l'organisation."
    ),
    support=SupportContact(name="PEB Check support", email="support@pebcheck.example"),
    modes=(
        UsageMode(
            "agent", "En tant qu'agent immobilier", "Pour les biens que vous mettez en vente ou en location.",
            required_recognitions=("ipi.agent",),
            roles=(Role("user", "Utilisateur"), Role("assistant", "Assistant", needs_recognition=False)),
        ),
    ),
    prices=(Price("lookup", "Consultation d'un certificat PEB", 75),),
    screen="immo_vendor_pebcheck.screen:PebCheckScreen",
    website="https://pebcheck.example",
)


@hookimpl
def immo_connect_register_tools(register: Any) -> None:
    register(TOOL)
