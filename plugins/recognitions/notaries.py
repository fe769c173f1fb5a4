"""Recognition source: the electronic list of notaries kept by the National Chamber of Notaries.

Royal Decree of 19 December 2018. Configure the list export in
``[plugins.notaries] register = "…"``.
"""

from __future__ import annotations

from immo_connect.contracts.recognitions import RecognitionKind
from immo_connect.i18n import N_
from immo_connect.plugins.recognitions._register_file import register_file_plugin

ISSUER = N_("National Chamber of Notaries")
KINDS = (RecognitionKind("notary.notary", N_("Notary"), ISSUER),)


immo_connect_config_schema, immo_connect_register_recognition_sources = register_file_plugin(
    "notaries", N_("List of notaries"), KINDS
)
