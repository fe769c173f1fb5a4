"""Recognition source: the register of real-estate agents kept by IPI / BIV.

The Professional Institute of Real-Estate Agents (law of 11 February 2013) lists
intermediaries, syndics and property managers. Configure the register export in
``[plugins.biv_ipi] register = "…"``.
"""

from __future__ import annotations

from immo_connect.contracts.recognitions import RecognitionKind
from immo_connect.i18n import N_
from immo_connect.plugins.recognitions._register_file import register_file_plugin

ISSUER = N_("Professional Institute of Real-Estate Agents (IPI/BIV)")
KINDS = (
    RecognitionKind("ipi.agent", N_("Real-estate agent (intermediary)"), ISSUER),
    RecognitionKind("ipi.syndic", N_("Real-estate agent (syndic)"), ISSUER),
    RecognitionKind("ipi.regisseur", N_("Property manager (régisseur)"), ISSUER),
)


immo_connect_config_schema, immo_connect_register_recognition_sources = register_file_plugin(
    "biv_ipi", N_("Register of real-estate agents (IPI/BIV)"), KINDS
)
