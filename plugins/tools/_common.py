"""Declarations the built-in tools share (no Textual here: screens live in ``screen`` modules)."""

from __future__ import annotations

from immo_connect.contracts.tools import Role, SupportContact
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
