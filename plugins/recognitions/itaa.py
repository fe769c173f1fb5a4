"""Recognition source: the public register of the ITAA (accountants and tax advisers).

Law of 17 March 2019 and Royal Decree of 11 September 2020. Configure the export in
``[plugins.itaa] register = "…"``.
"""

from __future__ import annotations

from immo_connect.contracts.recognitions import RecognitionKind
from immo_connect.i18n import N_
from immo_connect.plugins.recognitions._register_file import register_file_plugin

ISSUER = N_("Institute for Tax Advisors and Accountants (ITAA)")
KINDS = (
    RecognitionKind("itaa.accountant", N_("Certified accountant"), ISSUER),
    RecognitionKind("itaa.tax_adviser", N_("Certified tax adviser"), ISSUER),
)


immo_connect_config_schema, immo_connect_register_recognition_sources = register_file_plugin(
    "itaa", N_("Public register of the ITAA"), KINDS
)
