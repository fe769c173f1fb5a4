"""Form parts of the organisation screens: employee data, organisation data, tool access.

Each part builds its input dataclass (validated by the core) and fills itself from one.
Required fields carry an asterisk in their label, never colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.containers import Vertical

from immo_connect.i18n import _
from immo_connect.organisations.data import (
    EMPLOYEE_TYPES,
    LEGAL_FORMS,
    AddressData,
    EmployeeData,
    EmployeeRow,
    OrganisationData,
)
from immo_connect.tui.widgets.marked_checkbox import MarkedCheckbox
from immo_connect.tui.widgets.safe import Checkbox, Input, Label, Select


def required(label: str) -> str:
    return f"{label} *"


class EmployeeForm(Vertical):
    """Function, type and contact data of an employee within one organisation."""

    DEFAULT_CLASSES = "subform"

    def __init__(self, prefix: str = "employee", *, with_type: bool = True) -> None:
        super().__init__(id=f"{prefix}-form")
        self.prefix = prefix
        self.with_type = with_type

    def compose(self) -> ComposeResult:
        p = self.prefix
        yield Label(required(_("Function")))
        yield Input(id=f"{p}-function", placeholder=_("e.g. Real-estate agent"))
        if self.with_type:
            yield Label(required(_("Employee type")))
            yield Select([(_(label), key) for key, label in EMPLOYEE_TYPES.items()], id=f"{p}-type",
                         value="employee", allow_blank=False)
        yield Label(required(_("Work e-mail address")))
        yield Input(id=f"{p}-email", placeholder="nom@agence.be")
        yield Label(_("Work phone"))
        yield Input(id=f"{p}-phone", placeholder="+32 2 123 45 67")
        yield Label(_("Work mobile"))
        yield Input(id=f"{p}-mobile", placeholder="+32 470 12 34 56")

    def value(self) -> EmployeeData:
        p = self.prefix
        kind = self.query_one(f"#{p}-type", Select).value if self.with_type else "employee"
        return EmployeeData(
            function=self.query_one(f"#{p}-function", Input).value,
            work_email=self.query_one(f"#{p}-email", Input).value,
            work_phone=self.query_one(f"#{p}-phone", Input).value,
            work_mobile=self.query_one(f"#{p}-mobile", Input).value,
            employee_type=str(kind) if isinstance(kind, str) else "employee",
        )

    def load(self, row: EmployeeRow | EmployeeData) -> None:
        p = self.prefix
        self.query_one(f"#{p}-function", Input).value = row.function
        self.query_one(f"#{p}-email", Input).value = row.work_email
        self.query_one(f"#{p}-phone", Input).value = row.work_phone
        self.query_one(f"#{p}-mobile", Input).value = row.work_mobile
        if self.with_type and row.employee_type in EMPLOYEE_TYPES:
            self.query_one(f"#{p}-type", Select).value = row.employee_type


_ADDRESS_FIELDS = (("street", True), ("number", True), ("box", False), ("postal_code", True),
                   ("city", True), ("country", False))


class OrganisationForm(Vertical):
    """General data, contact data, social media and addresses of an organisation."""

    DEFAULT_CLASSES = "subform"

    def compose(self) -> ComposeResult:
        yield Label(_("General data"), classes="section")
        yield Label(required(_("Name")))
        yield Input(id="org-name")
        yield Label(required(_("Legal form")))
        yield Select([(_(label), key) for key, label in LEGAL_FORMS.items()], id="org-legal-form",
                     prompt=_("Choose the legal form"))
        yield MarkedCheckbox(_("Liable to VAT"), value=True, id="org-vat")
        yield Label(_("Description"))
        yield Input(id="org-description")
        labels = {"street": _("Street"), "number": _("Number"), "box": _("Box"),
                  "postal_code": _("Postal code"), "city": _("City"), "country": _("Country (BE, NL, …)")}
        for index, title in ((0, _("Registered office")), (1, _("Branch (optional)"))):
            yield Label(title, classes="section")
            for name, mandatory in _ADDRESS_FIELDS:
                label = labels[name]
                yield Label(required(label) if mandatory and index == 0 else label)
                yield Input(id=f"org-address{index}-{name}", value="BE" if name == "country" else "")
        yield Label(_("Contact data"), classes="section")
        yield Label(required(_("E-mail address")))
        yield Input(id="org-email")
        yield Label(required(_("Phone")))
        yield Input(id="org-phone")
        yield Label(_("Mobile"))
        yield Input(id="org-mobile")
        yield Label(_("Website"))
        yield Input(id="org-website", placeholder="https://")
        yield Label(_("Accountant's e-mail address (receives the monthly invoices)"))
        yield Input(id="org-accountant_email")
        yield Label(_("Social media"), classes="section")
        for name, title in (("facebook", "Facebook"), ("linkedin", "LinkedIn"), ("instagram", "Instagram"),
                            ("twitter", "X / Twitter")):
            yield Label(title)
            yield Input(id=f"org-{name}", placeholder="https://")

    def _text(self, name: str) -> str:
        return self.query_one(f"#org-{name}", Input).value

    def _address(self, index: int) -> AddressData | None:
        values = {name: self._text(f"address{index}-{name}") for name, _m in _ADDRESS_FIELDS}
        if index > 0 and not any(v.strip() for k, v in values.items() if k != "country"):
            return None
        return AddressData(kind="registered_office" if index == 0 else "branch", **values)

    def value(self) -> OrganisationData:
        legal = self.query_one("#org-legal-form", Select).value
        addresses = tuple(a for a in (self._address(0), self._address(1)) if a is not None)
        return OrganisationData(
            name=self._text("name"), legal_form=legal if isinstance(legal, str) else "",
            addresses=addresses, email=self._text("email"), phone=self._text("phone"),
            vat_liable=self.query_one("#org-vat", Checkbox).value,
            description=self._text("description"), mobile=self._text("mobile"),
            website=self._text("website"), facebook=self._text("facebook"),
            linkedin=self._text("linkedin"), instagram=self._text("instagram"),
            twitter=self._text("twitter"), accountant_email=self._text("accountant_email"),
        )

    def load(self, data: OrganisationData) -> None:
        for name in ("name", "email", "phone", "mobile", "website", "description", "facebook",
                     "linkedin", "instagram", "twitter", "accountant_email"):
            self.query_one(f"#org-{name}", Input).value = str(getattr(data, name))
        if data.legal_form in LEGAL_FORMS:
            self.query_one("#org-legal-form", Select).value = data.legal_form
        self.query_one("#org-vat", Checkbox).value = data.vat_liable
        for index in (0, 1):
            address = data.addresses[index] if index < len(data.addresses) else AddressData()
            for name, _m in _ADDRESS_FIELDS:
                self.query_one(f"#org-address{index}-{name}", Input).value = str(getattr(address, name))


class ToolAccessForm(Vertical):
    """One choice per registered tool mode: "No user" by default, or one of its roles."""

    DEFAULT_CLASSES = "subform"

    def __init__(self, entries: Sequence[tuple[str, str, Iterable[tuple[str, str]], str]] = ()) -> None:
        """``entries``: (key, title, [(label, choice)], current choice)."""
        super().__init__(id="tool-access")
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        yield Label(_("Access to the tools"), classes="section")
        if not self.entries:
            yield Label(_("The organisation has no registered tool yet."), id="tool-access-empty")
        for index, (key, title, options, current) in enumerate(self.entries):
            choices = [(_("No user"), "none"), *[(label, value) for label, value in options]]
            yield Label(title)
            yield Select(choices, value=current if current in {v for _l, v in choices} else "none",
                         allow_blank=False, id=f"tool-access-{index}", name=key)

    def value(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for select in self.query(Select):
            if select.name and isinstance(select.value, str):
                result[select.name] = select.value
        return result
