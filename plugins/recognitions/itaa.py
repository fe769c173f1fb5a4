"""Recognition source: the public register of the ITAA (accountants and tax advisers).

Law of 17 March 2019 and Royal Decree of 11 September 2020. Configure the export in
``[plugins.itaa] register = "…"``.
"""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.recognitions import RecognitionKind
from immo_connect.i18n import N_
from immo_connect.plugins.recognitions._register_file import RegisterConfig, RegisterFileSource

ISSUER = N_("Institute for Tax Advisors and Accountants (ITAA)")
KINDS = (
    RecognitionKind("itaa.accountant", N_("Certified accountant"), ISSUER),
    RecognitionKind("itaa.tax_adviser", N_("Certified tax adviser"), ISSUER),
)


@hookimpl
def immo_connect_config_schema() -> type:
    return RegisterConfig


@hookimpl
def immo_connect_register_recognition_sources(register: Any, config: RegisterConfig | None) -> None:
    register(RegisterFileSource(
        name="itaa", title=N_("Public register of the ITAA"), recognitions=KINDS,
        path=config.register if config else None,
    ))
