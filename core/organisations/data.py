"""What callers give the organisation services and what they get back.

Input dataclasses validate themselves (``cleaned()`` returns a stripped copy or raises a
:class:`ValidationError` naming the field); results are plain frozen dataclasses so screens
never hold database rows across threads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from immo_connect.errors import ValidationError
from immo_connect.i18n import N_, _
from immo_connect.text import check_free_text

# Stable ids with their labels (translated at display).
EMPLOYEE_TYPES: dict[str, str] = {
    "employee": N_("Salaried employee"),  # the kind of contract; « Employee » is the role in the organisation
    "self_employed": N_("Self-employed collaborator"),
    "director": N_("Director"),
    "partner": N_("Partner"),
    "trainee": N_("Trainee"),
    "other": N_("Other"),
}
LEGAL_FORMS: dict[str, str] = {
    "srl": N_("SRL / BV (private limited company)"),
    "sa": N_("SA / NV (public limited company)"),
    "sc": N_("SC / CV (cooperative company)"),
    "snc": N_("SNC / VOF (general partnership)"),
    "scomm": N_("SComm / CommV (limited partnership)"),
    "asbl": N_("ASBL / VZW (non-profit association)"),
    "sole_trader": N_("Sole trader (natural person)"),
    "other": N_("Other"),
}
ADDRESS_KIND_LABELS: dict[str, str] = {
    "registered_office": N_("Registered office"),
    "branch": N_("Branch"),
    "postal": N_("Postal address"),
}
STATUS_LABELS: dict[str, str] = {
    "pending": N_("awaiting confirmation"),
    "active": N_("active"),
    "blocked": N_("blocked"),
}
NO_TOOL_ACCESS = "none"  # the role id of "Pas d'utilisateur"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ./()\-]{8,25}$")
_URL = re.compile(r"^https?://[^\s]+\.[^\s]+$")
_POSTAL_BE = re.compile(r"^[1-9][0-9]{3}$")


def sort_name(first_name: str, last_name: str, username: str) -> str:
    """The ordering key of an employee: accent-free, case-folded "last first username"."""
    text = f"{last_name} {first_name} {username}".strip()
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.casefold().split())[:300]


def _required(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(
            _("{label} is required.").format(label=label),
            hint=_("Fill in the fields marked with *."), field=field, code="required",
        )
    return value


def _length(value: str, field: str, label: str, maximum: int, *, multiline: bool = False) -> str:
    """Every free-text field passes here: its length, and no control characters."""
    check_free_text(value, field=field, label=label, multiline=multiline)
    if len(value) > maximum:
        raise ValidationError(
            _("{label} is too long ({count} characters, at most {maximum}).").format(
                label=label, count=len(value), maximum=maximum),
            hint=_("Shorten it."), field=field, code="too_long",
        )
    return value


def check_email(value: str, field: str, label: str, *, required: bool) -> str:
    value = check_free_text((value or "").strip().lower(), field=field, label=label)
    if not value:
        return _required(value, field, label) if required else ""
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValidationError(
            _("{label} is not a valid e-mail address.").format(label=label),
            hint=_("Write it as name@example.be."), field=field, code="email",
        )
    return value


def check_phone(value: str, field: str, label: str, *, required: bool) -> str:
    value = " ".join((value or "").split())
    if not value:
        return _required(value, field, label) if required else ""
    if not _PHONE.match(value) or sum(c.isdigit() for c in value) < 8:
        raise ValidationError(
            _("{label} is not a valid phone number.").format(label=label),
            hint=_("Write it with digits only, e.g. +32 2 123 45 67."), field=field, code="phone",
        )
    return value


def check_url(value: str, field: str, label: str) -> str:
    value = check_free_text((value or "").strip(), field=field, label=label)
    if value and (not _URL.match(value) or len(value) > 300):
        raise ValidationError(
            _("{label} is not a web address.").format(label=label),
            hint=_("Write the full address, starting with https://."), field=field, code="url",
        )
    return value


@dataclasses.dataclass(frozen=True)
class AddressData:
    street: str = ""
    number: str = ""
    postal_code: str = ""
    city: str = ""
    box: str = ""
    country: str = "BE"
    kind: str = "registered_office"

    def cleaned(self, prefix: str = "address") -> AddressData:
        if self.kind not in ADDRESS_KIND_LABELS:
            raise ValidationError(
                _("Unknown kind of address."), hint=_("Choose one of the kinds offered."),
                field=f"{prefix}.kind", code="choice",
            )
        country = (self.country or "BE").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ValidationError(
                _("The country must be a two-letter code (BE, NL, FR, …)."),
                hint=_("Write BE for Belgium."), field=f"{prefix}.country", code="country",
            )
        postal = _required(self.postal_code, f"{prefix}.postal_code", _("Postal code"))
        if country == "BE" and not _POSTAL_BE.match(postal):
            raise ValidationError(
                _("A Belgian postal code has 4 digits."), hint=_("For example 1000."),
                field=f"{prefix}.postal_code", code="postal_code",
            )
        return AddressData(
            street=_length(_required(self.street, f"{prefix}.street", _("Street")),
                           f"{prefix}.street", _("Street"), 200),
            number=_length(_required(self.number, f"{prefix}.number", _("Number")),
                           f"{prefix}.number", _("Number"), 20),
            postal_code=_length(postal, f"{prefix}.postal_code", _("Postal code"), 10),
            city=_length(_required(self.city, f"{prefix}.city", _("City")),
                         f"{prefix}.city", _("City"), 100),
            box=_length(self.box.strip(), f"{prefix}.box", _("Box"), 20),
            country=country, kind=self.kind,
        )


@dataclasses.dataclass(frozen=True)
class OrganisationData:
    """The organisation's own data. Required: name, legal form, one address, e-mail, phone."""

    name: str = ""
    legal_form: str = ""
    addresses: tuple[AddressData, ...] = ()
    email: str = ""
    phone: str = ""
    vat_liable: bool = True
    accountant_email: str = ""  # optional: the monthly invoices are mailed there
    description: str = ""
    mobile: str = ""
    website: str = ""
    facebook: str = ""
    linkedin: str = ""
    instagram: str = ""
    twitter: str = ""

    def cleaned(self) -> OrganisationData:
        name = _length(_required(self.name, "name", _("Name")), "name", _("Name"), 200)
        if self.legal_form not in LEGAL_FORMS:
            raise ValidationError(
                _("Choose the legal form of the organisation."),
                hint=_("Fill in the fields marked with *."), field="legal_form", code="required",
            )
        if not self.addresses:
            raise ValidationError(
                _("The address of the registered office is required."),
                hint=_("Fill in the fields marked with *."), field="address.street", code="required",
            )
        addresses = tuple(
            a.cleaned("address" if i == 0 else f"addresses.{i}") for i, a in enumerate(self.addresses)
        )
        if addresses[0].kind != "registered_office":
            addresses = (dataclasses.replace(addresses[0], kind="registered_office"), *addresses[1:])
        return OrganisationData(
            name=name, legal_form=self.legal_form, addresses=addresses,
            email=check_email(self.email, "email", _("E-mail address"), required=True),
            phone=check_phone(self.phone, "phone", _("Phone"), required=True),
            vat_liable=bool(self.vat_liable),
            accountant_email=check_email(self.accountant_email, "accountant_email", _("Accountant's e-mail address"),
                                         required=False),
            description=_length(self.description.strip(), "description", _("Description"), 2000, multiline=True),
            mobile=check_phone(self.mobile, "mobile", _("Mobile"), required=False),
            website=check_url(self.website, "website", _("Website")),
            facebook=check_url(self.facebook, "facebook", "Facebook"),
            linkedin=check_url(self.linkedin, "linkedin", "LinkedIn"),
            instagram=check_url(self.instagram, "instagram", "Instagram"),
            twitter=check_url(self.twitter, "twitter", "X / Twitter"),
        )


@dataclasses.dataclass(frozen=True)
class EmployeeData:
    """An employee's data within one organisation. Required: function and a work e-mail."""

    function: str = ""
    work_email: str = ""
    work_phone: str = ""
    work_mobile: str = ""
    employee_type: str = "employee"

    def cleaned(self) -> EmployeeData:
        function = _length(_required(self.function, "function", _("Function")),
                           "function", _("Function"), 100)
        if self.employee_type not in EMPLOYEE_TYPES:
            raise ValidationError(
                _("Unknown employee type."), hint=_("Choose one of the types offered."),
                field="employee_type", code="choice",
            )
        return EmployeeData(
            function=function,
            work_email=check_email(self.work_email, "work_email", _("Work e-mail address"),
                                   required=True),
            work_phone=check_phone(self.work_phone, "work_phone", _("Work phone"), required=False),
            work_mobile=check_phone(self.work_mobile, "work_mobile", _("Work mobile"),
                                    required=False),
            employee_type=self.employee_type,
        )


def check_tool_access(tool_access: Mapping[str, str] | None) -> dict[str, str]:
    """``{tool: role}`` without the "no access" entries; shape checked, roles by the tools area."""
    result: dict[str, str] = {}
    for tool, role in (tool_access or {}).items():
        if not isinstance(tool, str) or not isinstance(role, str) or not tool or not role:
            raise ValidationError(
                _("Tool access must name a tool and a role."),
                hint=_("Choose a role for each tool, or \"No user\"."), field="tool_access",
                code="tool_access",
            )
        if role != NO_TOOL_ACCESS:
            result[tool[:100]] = role[:100]
    return result


# -- results -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class OrganisationSummary:
    """One line of "Mes organisations"."""

    id: int
    name: str
    enterprise_number: str
    status: str  # the actor's membership status
    is_manager: bool  # effective: an active manager
    pending_requests: int  # waiting join requests (0 unless the actor manages it)

    @property
    def usable(self) -> bool:
        return self.status == "active"


@dataclasses.dataclass(frozen=True)
class LookupResult:
    enterprise_number: str
    found: bool
    organisation_id: int | None = None
    name: str = ""
    my_status: str | None = None  # the actor's own membership, when there is one


@dataclasses.dataclass(frozen=True)
class JoinResult:
    membership_id: int
    organisation_id: int
    organisation_name: str
    manager_names: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class EmployeeRow:
    membership_id: int
    account_id: int
    name: str
    username: str
    status: str
    is_manager: bool
    employee_type: str
    function: str
    work_email: str
    work_phone: str
    work_mobile: str
    tool_access: Mapping[str, str]
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    blocked_at: dt.datetime | None
    sort_name: str = ""


@dataclasses.dataclass(frozen=True)
class EmployeePage:
    rows: tuple[EmployeeRow, ...]
    next_cursor: tuple[str, int] | None  # pass as ``after`` for the next page


@dataclasses.dataclass(frozen=True)
class AccountProfile:
    """What a manager sees of an account before adding it."""

    account_id: int
    name: str
    username: str
    email: str
    already_member: str | None  # its membership status here, if any
