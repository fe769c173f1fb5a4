"""``platform.tools``: the tool catalogue, registrations, employee access and the start check.

Authorization lives here, never in screens: every method takes the acting account first,
re-reads it, checks its rights and audits refusals.
"""

from __future__ import annotations

from immo_connect.tools._access import AccessMixin
from immo_connect.tools._registration import RegistrationMixin
from immo_connect.tools._start import StartMixin


class ToolService(RegistrationMixin, AccessMixin, StartMixin):
    """The tool service of one platform (see the mixins for each part)."""
