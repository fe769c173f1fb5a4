"""Anti-Blanchiment: customer due-diligence checks against money laundering, charged per check.

A check records the customer (a person or a company), the answers to the risk questions,
the vigilance level and the decision; a PDF report goes into the customer's file.
"""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.tools import Price, Role, Terms, Tool, UsageMode
from immo_connect.i18n import N_
from immo_connect.plugins.tools._common import AGENT_RECOGNITIONS, ASSISTANT, ORIS_SUPPORT

CHECK_PRICE_CENTS = 1600

OFFICER = Role(
    "aml_officer", N_("AML officer"),
    N_("Records checks and takes the decision; holds the recognition personally."),
)

TOOL = Tool(
    name="antiblanchiment",
    title="Anti-Blanchiment",
    short_description=N_("Customer due-diligence checks against money laundering, with a PDF report."),
    long_description=N_(
        "Anti-Blanchiment helps you meet the anti-money-laundering law (18 September 2017): identify "
        "the customer (a person or a company), answer the risk questions, get the vigilance level and "
        "record your decision. Each check is charged to your organisation's wallet and kept with a PDF "
        "report for ten years."
    ),
    support=ORIS_SUPPORT,
    modes=(
        UsageMode(
            "agent", N_("As a real-estate agent"),
            N_("Checks for the sales and rentals the agency handles (IPI/BIV recognition required)."),
            required_recognitions=AGENT_RECOGNITIONS, roles=(OFFICER, ASSISTANT),
        ),
        UsageMode(
            "accountant", N_("As an accountant or tax adviser"),
            N_("Checks for the customers of the office (ITAA recognition required)."),
            required_recognitions=("itaa.accountant", "itaa.tax_adviser"), roles=(OFFICER, ASSISTANT),
        ),
    ),
    terms=Terms(
        version="2024-10",
        text=N_(
            "1. You record checks only for customers of your organisation.\n"
            "2. The decision remains yours and that of your AML officer; the vigilance level is an aid.\n"
            "3. Suspicious transactions are reported to the CTIF-CFI by your organisation.\n"
            "4. Each recorded check is charged to your organisation's wallet.\n"
            "5. Checks and reports are kept for ten years."
        ),
    ),
    prices=(Price("check", N_("Due-diligence check"), CHECK_PRICE_CENTS),),
    screen="immo_connect.plugins.tools.antiblanchiment.screen:AntiBlanchimentScreen",
)


@hookimpl
def immo_connect_register_tools(register: Any) -> None:
    register(TOOL)


@hookimpl
def immo_connect_register_migrations(register: Any) -> None:
    from immo_connect.plugins.tools.antiblanchiment.checks import MIGRATIONS

    register("antiblanchiment", MIGRATIONS)
