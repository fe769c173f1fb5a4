"""Tools: registration per organisation and usage mode, employee access, quality selection."""

from __future__ import annotations

from immo_connect.tools._types import (
    BLOCKED,
    NO_USER,
    AccessSheet,
    EmployeeAccess,
    EmployeeToolAccess,
    MandateOption,
    ModeDetails,
    Quality,
    RegistrationCheck,
    RequirementCheck,
    ToolContext,
    ToolDetails,
    ToolOverview,
    role_choice,
)

__all__ = [
    "BLOCKED",
    "NO_USER",
    "AccessSheet",
    "EmployeeAccess",
    "EmployeeToolAccess",
    "MandateOption",
    "ModeDetails",
    "Quality",
    "RegistrationCheck",
    "RequirementCheck",
    "ToolContext",
    "ToolDetails",
    "ToolOverview",
    "role_choice",
]
