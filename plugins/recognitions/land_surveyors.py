"""Recognition source: the roll (tableau) of land surveyors (géomètres-experts).

Kept by the Federal Council of Land Surveyors (law of 11 May 2003). Configure the export in
``[plugins.land_surveyors] register = "…"``.
"""

from __future__ import annotations

from immo_connect.contracts.recognitions import RecognitionKind
from immo_connect.i18n import N_
from immo_connect.plugins.recognitions._register_file import register_file_plugin

ISSUER = N_("Federal Council of Land Surveyors")
KINDS = (RecognitionKind("surveyor.land_surveyor", N_("Land surveyor"), ISSUER),)


immo_connect_config_schema, immo_connect_register_recognition_sources = register_file_plugin(
    "land_surveyors", N_("Roll of land surveyors"), KINDS
)
