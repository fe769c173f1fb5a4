"""Recognition source: the electronic list of notaries kept by the National Chamber of Notaries.

Royal Decree of 19 December 2018. Configure the list export in
``[plugins.notaries] register = "…"``.
"""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.recognitions import RecognitionKind
from immo_connect.i18n import N_
from immo_connect.plugins.recognitions._register_file import RegisterConfig, RegisterFileSource

ISSUER = N_("National Chamber of Notaries")
KINDS = (RecognitionKind("notary.notary", N_("Notary"), ISSUER),)


@hookimpl
def immo_connect_config_schema() -> type:
    return RegisterConfig


@hookimpl
def immo_connect_register_recognition_sources(register: Any, config: RegisterConfig | None) -> None:
    register(RegisterFileSource(
        name="notaries", title=N_("List of notaries"), recognitions=KINDS,
        path=config.register if config else None,
    ))
