"""Recognition source: the roll (tableau) of land surveyors (géomètres-experts).

Kept by the Federal Council of Land Surveyors (law of 11 May 2003). Configure the export in
``[plugins.land_surveyors] register = "…"``.
"""

from __future__ import annotations

from typing import Any

from immo_connect import hookimpl
from immo_connect.contracts.recognitions import RecognitionKind
from immo_connect.i18n import N_
from immo_connect.plugins.recognitions._register_file import RegisterConfig, RegisterFileSource

ISSUER = N_("Federal Council of Land Surveyors")
KINDS = (RecognitionKind("surveyor.land_surveyor", N_("Land surveyor"), ISSUER),)


@hookimpl
def immo_connect_config_schema() -> type:
    return RegisterConfig


@hookimpl
def immo_connect_register_recognition_sources(register: Any, config: RegisterConfig | None) -> None:
    register(RegisterFileSource(
        name="land_surveyors", title=N_("Roll of land surveyors"), recognitions=KINDS,
        path=config.register if config else None,
    ))
