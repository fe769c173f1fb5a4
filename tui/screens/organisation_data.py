"""« Voir détails » of an organisation: its data tab, and edit mode for managers.

"Modifier les données" opens the edit mode; nothing is stored until "Sauvegarder les
modifications". Logo and cover photo are loaded from an image file, like the profile photo.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.organisations.data import ADDRESS_KIND_LABELS, LEGAL_FORMS
from immo_connect.organisations.service import OrganisationView
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens._org_navigation import open_organisation_screen
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.org_forms import OrganisationForm


def describe(view: OrganisationView) -> str:
    d = view.data
    yes_no = _("yes") if d.vat_liable else _("no")
    lines = [
        f"[b]{_('General data')}[/b]",
        f"{_('Name')}: {d.name}",
        f"{_('Enterprise number')}: {view.display_number}",
        f"{_('Legal form')}: {_(LEGAL_FORMS.get(d.legal_form, d.legal_form))}",
        f"{_('Liable to VAT')}: {yes_no}",
        f"{_('Description')}: {d.description or '—'}",
        f"{_('Logo')}: {_('loaded') if view.has_logo else _('none')}    "
        f"{_('Cover photo')}: {_('loaded') if view.has_cover else _('none')}",
        "", f"[b]{_('Addresses')}[/b]",
    ]
    for address in d.addresses:
        box = f" bte {address.box}" if address.box else ""
        lines.append(f"{_(ADDRESS_KIND_LABELS[address.kind])}: {address.street} {address.number}{box}, "
                     f"{address.postal_code} {address.city} ({address.country})")
    lines += ["", f"[b]{_('Contact data')}[/b]", f"{_('E-mail address')}: {d.email}",
              f"{_('Phone')}: {d.phone}", f"{_('Mobile')}: {d.mobile or '—'}",
              f"{_('Website')}: {d.website or '—'}", "", f"[b]{_('Social media')}[/b]"]
    for title, value in (("Facebook", d.facebook), ("LinkedIn", d.linkedin), ("Instagram", d.instagram),
                         ("X / Twitter", d.twitter)):
        lines.append(f"{title}: {value or '—'}")
    lines += ["", f"{_('Managers')}: {', '.join(view.manager_names)}"]
    return "\n".join(lines)


class OrganisationDataScreen(ServiceHandlers, Screen[None]):
    CSS_PATH = "../styles/organisations.tcss"
    BINDINGS = [
        Binding("m", "edit", _("Edit the data"), id="org-data-edit"),
        Binding("ctrl+s", "save", _("Save the changes"), id="org-data-save"),
        Binding("escape", "cancel", _("Back"), id="org-data-back"),
        Binding("e", "employees", _("Employees"), id="org-data-employees"),
        Binding("o", "tools", _("Tools"), id="org-data-tools"),
        Binding("w", "wallet", _("Wallet"), id="org-data-wallet"),
    ]

    def __init__(self, organisation_id: int) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.view: OrganisationView | None = None
        self.editing = False

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Organisation data"))
        with VerticalScroll(classes="page-body"):
            yield Static("", id="org-data-view", classes="readonly", markup=True)
            yield Button(_("Edit the data"), id="org-data-edit-button", classes="hidden")
            with VerticalScroll(id="org-data-editor", classes="hidden subform"):
                yield OrganisationForm()
                yield Label(_("Logo (path of an image file)"), classes="section")
                yield Input(id="org-logo-path", placeholder="/home/…/logo.png")
                yield Label(_("Cover photo (path of an image file)"))
                yield Input(id="org-cover-path", placeholder="/home/…/cover.jpg")
                with Horizontal(classes="buttons"):
                    yield Button(_("Save the changes"), id="org-data-save-button", variant="primary")
                    yield Button(_("Cancel"), id="org-data-cancel-button")
            yield FormMessage(id="org-data-message")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "org-view", platform.organisations.view, actor_of(self.app), self.organisation_id,
                     on_done=self._show)

    def _show(self, view: OrganisationView) -> None:
        self.view = view
        self.query_one("#org-data-view", Static).update(describe(view))
        self.query_one("#org-data-edit-button").set_class(not view.can_edit, "hidden")

    def _set_editing(self, editing: bool) -> None:
        self.editing = editing
        self.query_one("#org-data-editor").set_class(not editing, "hidden")
        self.query_one("#org-data-view").set_class(editing, "hidden")
        self.query_one("#org-data-edit-button").set_class(editing or not (self.view and self.view.can_edit),
                                                          "hidden")
        if not editing:  # never leave the focus in a hidden field
            self.query_one("#org-data-edit-button").focus()

    def action_edit(self) -> None:
        if self.view is None or self.editing:
            return
        if not self.view.can_edit:
            self.notify(_("Only a manager can edit the organisation's data."), severity="warning")
            return
        self.query_one(OrganisationForm).load(self.view.data)
        self._set_editing(True)
        self.query_one("#org-name", Input).focus()

    def action_cancel(self) -> None:
        if self.editing:
            self._set_editing(False)
            self.query_one("#org-data-message", FormMessage).clear()
        else:
            self.app.pop_screen()

    def action_save(self) -> None:
        if not self.editing:
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        actor = actor_of(self.app)
        data = self.query_one(OrganisationForm).value()
        logo = self.query_one("#org-logo-path", Input).value.strip()
        cover = self.query_one("#org-cover-path", Input).value.strip()

        def save() -> OrganisationView:
            service = platform.organisations
            for kind, path in (("logo", logo), ("cover", cover)):
                if path:
                    service.set_image(actor, self.organisation_id, kind, path)
            view: OrganisationView = service.update(actor, self.organisation_id, data)
            return view

        call_service(self, "org-save", save, on_done=self._saved, on_error=self._failed)

    def _saved(self, view: OrganisationView) -> None:
        self._show(view)
        self._set_editing(False)
        self.query_one("#org-logo-path", Input).value = ""
        self.query_one("#org-cover-path", Input).value = ""
        self.query_one("#org-data-message", FormMessage).ok(_("The changes were saved."))

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one("#org-data-message", FormMessage).error(error)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"org-data-edit-button": self.action_edit, "org-data-save-button": self.action_save,
                   "org-data-cancel-button": self.action_cancel}
        if event.button.id in actions:
            actions[event.button.id]()

    def action_employees(self) -> None:
        if self.view is not None and self.view.can_edit and not self.editing:
            open_organisation_screen(self, "employees", self.organisation_id)

    def action_tools(self) -> None:
        if not self.editing:
            open_organisation_screen(self, "tools", self.organisation_id)

    def action_wallet(self) -> None:
        if not self.editing:
            open_organisation_screen(self, "wallet", self.organisation_id)
