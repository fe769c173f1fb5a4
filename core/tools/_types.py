"""What ``platform.tools`` returns: plain, immutable values (screens never see models)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from immo_connect.contracts.tools import Role, Terms, Tool

# An access choice for one employee and one usage mode, as screens send it.
NO_USER = "none"
BLOCKED = "blocked"
ROLE_PREFIX = "role:"


def role_choice(role_id: str) -> str:
    return ROLE_PREFIX + role_id


@dataclasses.dataclass(frozen=True)
class ToolContext:
    """The quality a tool runs under: who, for which organisation, in which mode and role.

    Every tool action and every wallet charge runs under one context; the core checks the
    rights behind it again at each action (:meth:`ToolService.authorize`).
    """

    account_id: int
    organisation_id: int
    organisation_name: str
    tool: str
    mode: str
    role: str
    registration_id: int
    started_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class Quality:
    """One (organisation, usage mode) combination a person may start a tool with."""

    tool: str
    organisation_id: int
    organisation_name: str
    mode: str
    mode_title: str
    role: str
    role_title: str
    terms_pending: bool
    last: bool


@dataclasses.dataclass(frozen=True)
class ToolOverview:
    """One line of an organisation's "Tools" page."""

    tool: Tool
    registered_modes: tuple[str, ...]
    usable_modes: tuple[str, ...]

    @property
    def registered(self) -> bool:
        return bool(self.registered_modes)


@dataclasses.dataclass(frozen=True)
class RequirementCheck:
    """One recognition a usage mode accepts, and whether the person holds it (valid today)."""

    identifier: str
    name: str
    issuer: str
    met: bool
    recognition_id: int | None


@dataclasses.dataclass(frozen=True)
class RegistrationCheck:
    """Everything the registration wizard shows before "Complete the registration"."""

    tool: str
    mode: str
    organisation_id: int
    requirements: tuple[RequirementCheck, ...]
    terms: Terms | None
    terms_accepted: bool
    already_registered: bool

    @property
    def qualifies(self) -> bool:
        return not self.requirements or any(r.met for r in self.requirements)

    @property
    def mandate_candidates(self) -> tuple[RequirementCheck, ...]:
        return tuple(r for r in self.requirements if r.met)


@dataclasses.dataclass(frozen=True)
class MandateOption:
    """A recognition that can serve as the organisation's mandated recognition."""

    recognition_id: int
    holder_id: int
    holder_name: str
    identifier: str
    name: str
    number: str
    valid: bool


AccessStatus = Literal["none", "role", "blocked", "invalid_recognitions"]


@dataclasses.dataclass(frozen=True)
class EmployeeAccess:
    """One employee in the access list of a registered usage mode."""

    account_id: int
    display_name: str
    username: str
    is_manager: bool
    membership_status: str
    choice: str  # NO_USER, BLOCKED or role_choice(id)
    role: Role | None
    holds_recognition: bool
    status: AccessStatus
    available_roles: tuple[Role, ...]


@dataclasses.dataclass(frozen=True)
class AccessSheet:
    """A registered usage mode with its mandate and every employee's access."""

    registration_id: int
    organisation_id: int
    tool: str
    mode: str
    registered_by: str
    registered_at: dt.datetime
    mandate: MandateOption | None
    mandate_options: tuple[MandateOption, ...]
    employees: tuple[EmployeeAccess, ...]


@dataclasses.dataclass(frozen=True)
class EmployeeToolAccess:
    """One registered usage mode and one employee's access to it (the confirm-employee step)."""

    tool: str
    tool_title: str
    mode: str
    mode_title: str
    access: EmployeeAccess


@dataclasses.dataclass(frozen=True)
class ModeDetails:
    """One usage mode on a tool's page for one organisation."""

    mode: str
    registered: bool
    registered_by: str = ""
    registered_at: dt.datetime | None = None
    mandate: MandateOption | None = None
    sheet: AccessSheet | None = None  # managers only


@dataclasses.dataclass(frozen=True)
class ToolDetails:
    """A tool's page ("Détails") as one organisation member sees it."""

    tool: Tool
    organisation_id: int
    is_manager: bool
    modes: tuple[ModeDetails, ...]
