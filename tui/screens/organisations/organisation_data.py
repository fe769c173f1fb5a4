"""« Voir détails » of an organisation: its data tab, and edit mode for managers.

"Modifier les données" opens the edit mode; nothing is stored until "Sauvegarder les
modifications". Logo and cover photo are loaded from an image file, like the profile photo.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.organisations.data import ADDRESS_KIND_LABELS, LEGAL_FORMS
from immo_connect.organisations.service import OrganisationView
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.screens.organisations._org_navigation import open_organisation_screen
from immo_connect.tui.session_flow import actor_of, token_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.org_forms import OrganisationForm
from immo_connect.tui.widgets.safe import Button, Input, Label, Static, assemble
from immo_connect.tui.widgets.uploads import UploadFolder, list_uploads, remote_session


def describe(view: OrganisationView) -> Content:
    """The organisation's data as text: headings in bold, every value literal."""
    d = view.data
    yes_no = _("yes") if d.vat_liable else _("no")
    parts: list[str | Content | tuple[object, str]] = []

    def heading(title: str) -> None:
        parts.extend([(title, "bold"), "\n"])

    def line(label: str, value: object) -> None:
        parts.extend([f"{label}: ", str(value), "\n"])

    heading(_("General data"))
    line(_("Name"), d.name)
    line(_("Enterprise number"), view.display_number)
    line(_("Legal form"), _(LEGAL_FORMS.get(d.legal_form, d.legal_form)))
    line(_("Liable to VAT"), yes_no)
    line(_("Description"), d.description or "—")
    parts.append(f"{_('Logo')}: {_('loaded') if view.has_logo else _('none')}    "
                 f"{_('Cover photo')}: {_('loaded') if view.has_cover else _('none')}\n\n")
    heading(_("Addresses"))
    for address in d.addresses:
        box = f" bte {address.box}" if address.box else ""
        line(_(ADDRESS_KIND_LABELS[address.kind]), f"{address.street} {address.number}{box}, "
             f"{address.postal_code} {address.city} ({address.country})")
    parts.append("\n")
    heading(_("Contact data"))
    line(_("E-mail address"), d.email)
    line(_("Phone"), d.phone)
    line(_("Mobile"), d.mobile or "—")
    line(_("Website"), d.website or "—")
    line(_("Accountant's e-mail address"), d.accountant_email or "—")
    parts.append("\n")
    heading(_("Social media"))
    for title, value in (("Facebook", d.facebook), ("LinkedIn", d.linkedin), ("Instagram", d.instagram),
                         ("X / Twitter", d.twitter)):
        line(title, value or "—")
    parts.append("\n")
    parts.append(f"{_('Managers')}: {', '.join(view.manager_names)}")
    return assemble(*parts)


class OrganisationDataScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "organisations"
    CSS_PATH = "../../styles/organisations.tcss"
    BINDINGS = [
        Binding("m", "edit", N_("Edit the data"), id="org-data-edit"),
        Binding("ctrl+s", "save", N_("Save the changes"), id="org-data-save"),
        Binding("escape", "cancel", N_("Back"), id="org-data-back"),
        Binding("e", "employees", N_("Employees"), id="org-data-employees"),
        Binding("o", "tools", N_("Tools"), id="org-data-tools"),
        Binding("w", "wallet", N_("Wallet"), id="org-data-wallet"),
    ]

    def __init__(self, organisation_id: int) -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.view: OrganisationView | None = None
        self.editing = False

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Organisation data"))
        with Page(classes="page-body"):
            yield Static("", id="org-data-view", classes="readonly")
            yield Button(_("Edit the data"), id="org-data-edit-button", classes="hidden")
            with Page(id="org-data-editor", classes="hidden subform"):
                yield OrganisationForm()
                if remote_session(self.app):
                    from immo_connect.uploads import sftp_command

                    yield Label(_("Logo (name of an image file in your upload folder)"), classes="section")
                    yield Input(id="org-logo-path", placeholder="logo.png")
                    yield Label(_("Cover photo (name of an image file in your upload folder)"))
                    yield Input(id="org-cover-path", placeholder="cover.jpg")
                    yield UploadFolder(sftp_command(self.app.settings), id="org-uploads")  # type: ignore[attr-defined]
                else:
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
        self.refresh_bindings()

    def _set_editing(self, editing: bool) -> None:
        self.editing = editing
        self.refresh_bindings()
        self.query_one("#org-data-editor").set_class(not editing, "hidden")
        self.query_one("#org-data-view").set_class(editing, "hidden")
        self.query_one("#org-data-edit-button").set_class(editing or not (self.view and self.view.can_edit),
                                                          "hidden")
        if not editing:  # never leave the focus in a hidden field
            self.query_one("#org-data-edit-button").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers only what acts now: saving while editing, the rest otherwise."""
        manager = self.view is not None and self.view.can_edit
        available = {
            "save": self.editing,
            "edit": manager and not self.editing,
            "employees": manager and not self.editing,
            "tools": not self.editing,
            "wallet": not self.editing,
        }
        return available.get(action, True)

    def action_edit(self) -> None:
        if self.view is None or self.editing:
            return
        if not self.view.can_edit:
            self.notify(_("Only a manager can edit the organisation's data."), severity="warning")
            return
        self.query_one(OrganisationForm).load(self.view.data)
        self._set_editing(True)
        if self.query("#org-uploads"):
            call_service(self, "org-uploads", list_uploads, self.app, token_of(self.app),
                         on_done=self.query_one(UploadFolder).show, on_error=self._failed)
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

    def on_upload_folder_picked(self, event: UploadFolder.Picked) -> None:
        """A file picked from the upload folder fills the empty one of logo and cover (logo first)."""
        event.stop()
        logo = self.query_one("#org-logo-path", Input)
        target = self.query_one("#org-cover-path", Input) if logo.value.strip() else logo
        target.value = event.name
        target.focus()

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
