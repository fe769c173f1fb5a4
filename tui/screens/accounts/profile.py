"""« Mon profil » / « Mes données » (manual 2.1.1): view, then edit with "Modifier mon profil".

Edit mode works on a copy; "Sauvegarder les modifications" sends everything at once and
only then is anything stored (photo included). Fields read from the eID are shown with
"🔒 eID" and cannot be edited once the card is linked.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Footer

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.session_flow import token_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.account_forms import FormMessage, draw_photo
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label, Select, Static

PHOTO_COLUMNS = 32
LOCK = "🔒 eID"
GENERAL = (("first_name", N_("First name")), ("last_name", N_("Last name")),
           ("birth_date", N_("Birth date (day/month/year)")), ("birth_place", N_("Place of birth")),
           ("nationality", N_("Nationality")))
CONTACT = (("phone", N_("Telephone")), ("mobile", N_("Mobile")), ("website", N_("Website")))
SOCIAL = (("linkedin", "LinkedIn"), ("facebook", "Facebook"), ("instagram", "Instagram"), ("x", "X"))
ADDRESS_FIELDS = (("street", N_("Street")), ("number", N_("Number")), ("box", N_("Box")),
                  ("postal_code", N_("Postal code")), ("city", N_("City")), ("country", N_("Country (BE, FR…)")))
ADDRESS_KINDS = (("home", N_("Home")), ("work", N_("Work")), ("postal", N_("Postal")), ("other", N_("Other")))
GENDERS = (("F", N_("Female (F)")), ("M", N_("Male (M)")), ("X", N_("X")))
LANGUAGES = (("fr", "Français"), ("nl", "Nederlands"), ("en", "English"))


def _load(app: Any, token: str) -> tuple[Any, Any]:
    from immo_connect.accounts import photo

    view = app.platform.accounts.profile(app.platform.accounts.current(token))
    pixels = photo.preview(view.photo, None, PHOTO_COLUMNS) if view.photo else None
    return view, pixels


def _save(app: Any, token: str, update: Any) -> tuple[Any, Any]:
    from immo_connect.accounts import photo

    accounts = app.platform.accounts
    view = accounts.save_profile(accounts.current(token), update)
    pixels = photo.preview(view.photo, None, PHOTO_COLUMNS) if view.photo else None
    return view, pixels


def _pixels(data: bytes) -> Any:
    from immo_connect.accounts import photo

    return photo.preview(data, None, PHOTO_COLUMNS)


class ProfileScreen(ServiceHandlers, WorkspaceScreen[None]):
    AREA = "profile"
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [
        Binding("e", "edit", _("Edit my profile"), id="profile-edit"),
        Binding("ctrl+s", "save", _("Save the changes"), id="profile-save"),
        Binding("ctrl+o", "load_photo", _("Load a photo"), id="profile-photo"),
        Binding("escape", "cancel_or_back", _("Cancel or go back"), id="profile-back"),
        Binding("t", "connected_tools", _("Connected tools"), id="profile-connected-tools"),
        Binding("x", "sign_out_everywhere", _("Sign out everywhere"), id="profile-sign-out-everywhere"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: Any = None
        self.draft: Any = None
        self.editing = False
        self.new_photo: bytes | None = None
        self.remove_photo = False

    def compose(self) -> ComposeResult:
        yield AppHeader(_("My profile"))
        with Page(id="profile-body", classes="page"):
            yield Label(_("My data"), classes="title")
            with Horizontal(id="profile-top"):
                yield Static(_("No photo"), id="profile-photo")
                with Vertical(id="profile-summary"):
                    yield Label("", id="profile-name", classes="title")
                    yield Label("", id="profile-identity")
                    with Horizontal(classes="buttons"):
                        yield Button(_("Edit my profile"), id="profile-edit", variant="primary")
                        yield Button(_("Save the changes"), id="profile-save", variant="primary", classes="hidden")
                        yield Button(_("Cancel"), id="profile-cancel", classes="hidden")
                        yield Button(_("Connected tools"), id="profile-connected-tools")
                        yield Button(_("Sign out everywhere"), id="profile-sign-out-everywhere")
                    with Horizontal(classes="buttons hidden", id="profile-photo-buttons"):
                        yield Button(_("Load a photo"), id="profile-photo-load")
                        yield Button(_("Remove the photo"), id="profile-photo-remove")
                    yield FormMessage(id="profile-message")
            yield Vertical(id="profile-content")
        yield Footer()

    def on_mount(self) -> None:
        call_service(self, "profile", _load, self.app, token_of(self.app), on_done=self._loaded, on_error=self._failed)

    # -- showing -------------------------------------------------------------------------------

    def _loaded(self, result: tuple[Any, Any]) -> None:
        self.view, pixels = result
        self._show_photo(pixels)
        self.query_one("#profile-name", Label).update(f"{self.view.first_name} {self.view.last_name}")
        eid = _("eID linked") if self.view.eid_linked else _("eID not linked")
        self.query_one("#profile-identity", Label).update(
            f"{self.view.username} · {self.view.email or '—'} · {'✓' if self.view.eid_linked else '✗'} {eid}")
        self.call_later(self._show_mode, False)

    def _show_photo(self, pixels: Any) -> None:
        self.query_one("#profile-photo", Static).update(draw_photo(pixels) if pixels else _("No photo"))

    async def _show_mode(self, editing: bool) -> None:
        self.editing = editing
        self.refresh_bindings()
        for widget_id in ("#profile-save", "#profile-cancel", "#profile-photo-buttons"):
            self.query_one(widget_id).set_class(not editing, "hidden")
        self.query_one("#profile-edit").set_class(editing, "hidden")
        content = self.query_one("#profile-content", Vertical)
        await content.remove_children()
        await content.mount_all(self._edit_widgets() if editing else self._view_widgets())
        if editing:
            first = next((w for w in content.query("Input, Select") if not w.disabled), None)
            if first is not None:
                first.focus()
        else:
            self.query_one("#profile-edit", Button).focus()

    def _view_widgets(self) -> list[Widget]:
        view = self.view
        widgets: list[Widget] = [Label(_("General data"), classes="section")]
        gender = _(dict(GENDERS)[view.gender]) if view.gender in dict(GENDERS) else ""
        general = [(label, getattr(view, name)) for name, label in GENERAL]
        general[2] = (general[2][0], view.birth_date.strftime("%d/%m/%Y") if view.birth_date else "")
        general += [(N_("Gender"), gender), (N_("Language"), dict(LANGUAGES).get(view.language, view.language))]
        widgets += [self._line(label, value) for label, value in general]
        widgets.append(Label(_("Contact data"), classes="section"))
        widgets.append(self._line(N_("E-mail address"), view.email))
        widgets += [self._line(label, getattr(view, name)) for name, label in CONTACT]
        widgets.append(Label(_("Social media"), classes="section"))
        widgets += [self._line(label, getattr(view, name)) for name, label in SOCIAL]
        widgets.append(Label(_("Addresses"), classes="section"))
        if not view.addresses:
            widgets.append(Label(_("No address yet.")))
        for address in view.addresses:
            kind = _(dict(ADDRESS_KINDS).get(address.kind, address.kind))
            box = f" {_('box')} {address.box}" if address.box else ""
            widgets.append(Label(f"{kind}: {address.street} {address.number}{box}, "
                                 f"{address.postal_code} {address.city} ({address.country})"))
        return widgets

    @staticmethod
    def _line(label: str, value: str) -> Horizontal:
        return Horizontal(Label(_(label), classes="field-label"), Label(value or "—", classes="field-value"),
                          classes="field-line")

    def _edit_widgets(self) -> list[Widget]:
        draft, locked = self.draft, self.view.read_only
        widgets: list[Widget] = [Label(_("General data"), classes="section")]
        for name, label in GENERAL:
            title = f"{_(label)}  {LOCK}" if name in locked else _(label)
            widgets += [Label(title), Input(getattr(draft, name), id=f"profile-{name}", disabled=name in locked)]
        widgets += [
            Label(f"{_('Gender')}  {LOCK}" if "gender" in locked else _("Gender")),
            Select([(_(label), value) for value, label in GENDERS], value=draft.gender or Select.NULL,
                   id="profile-gender", disabled="gender" in locked, prompt="—"),
            Label(_("Language")),
            Select([(label, value) for value, label in LANGUAGES], value=draft.language, id="profile-language",
                   allow_blank=False),
            Label(_("Contact data"), classes="section"),
            Label(_("The e-mail address is changed under \"My account\".")),
        ]
        for name, label in (*CONTACT, *SOCIAL):
            widgets += [Label(_(label)), Input(getattr(draft, name), id=f"profile-{name}")]
        widgets.append(Label(_("Addresses"), classes="section"))
        for index, address in enumerate(draft.addresses):
            box: list[Widget] = [
                Select([(_(label), value) for value, label in ADDRESS_KINDS], value=address.kind,
                       id=f"profile-address-{index}-kind", allow_blank=False),
            ]
            for name, label in ADDRESS_FIELDS:
                box += [Label(_(label)), Input(getattr(address, name), id=f"profile-address-{index}-{name}")]
            box.append(Button(_("Remove this address"), id=f"profile-address-remove-{index}"))
            widgets.append(Vertical(*box, classes="address-box"))
        widgets.append(Button(_("Add an address"), id="profile-address-add"))
        return widgets

    # -- editing -------------------------------------------------------------------------------

    def _collect(self) -> Any:
        """The draft with what the inputs hold now."""
        from immo_connect.accounts.profile import AddressData

        values: dict[str, Any] = {}
        for name, _label in (*GENERAL, *CONTACT, *SOCIAL):
            values[name] = self.query_one(f"#profile-{name}", Input).value
        gender = self.query_one("#profile-gender", Select).value
        values["gender"] = gender if isinstance(gender, str) else ""
        language = self.query_one("#profile-language", Select).value
        values["language"] = language if isinstance(language, str) else "fr"
        addresses = []
        for index in range(len(self.draft.addresses)):
            kind = self.query_one(f"#profile-address-{index}-kind", Select).value
            fields = {name: self.query_one(f"#profile-address-{index}-{name}", Input).value for name, _l in ADDRESS_FIELDS}
            addresses.append(AddressData(kind=kind if isinstance(kind, str) else "home", **fields))
        self.draft = dataclasses.replace(self.draft, addresses=addresses, **values)
        return self.draft

    async def action_edit(self) -> None:
        if self.view is None or self.editing:
            return
        from immo_connect.accounts.profile import ProfileUpdate

        self.draft = ProfileUpdate.from_view(self.view)
        self.new_photo, self.remove_photo = None, False
        self.query_one(FormMessage).update(_("Edit mode: nothing is saved until you choose \"Save the changes\"."))
        await self._show_mode(True)

    def action_save(self) -> None:
        if not self.editing:
            return
        update = dataclasses.replace(self._collect(), photo=self.new_photo, remove_photo=self.remove_photo)
        self.query_one(FormMessage).update(_("Saving…"))
        call_service(self, "profile-save", _save, self.app, token_of(self.app), update,
                     on_done=self._saved, on_error=self._refused)

    def _saved(self, result: tuple[Any, Any]) -> None:
        self._loaded(result)
        session = getattr(self.app, "session", None)
        if session is not None:
            self.app.session = dataclasses.replace(session, display_name=f"{self.view.first_name} {self.view.last_name}")  # type: ignore[attr-defined]
        self.query_one(FormMessage).ok(_("Your changes are saved."))

    def _refused(self, error: ImmoConnectError) -> None:
        self.query_one(FormMessage).error(error)
        field = (error.field or "").replace(".", "-").replace("addresses-", "address-")
        for widget in self.query(f"#profile-{field}") if field else []:
            widget.focus()
            break

    def _failed(self, error: ImmoConnectError) -> None:
        self.query_one(FormMessage).error(error)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers only what acts now: saving and the photo while editing."""
        available = {
            "save": self.editing,
            "load_photo": self.editing,
            "edit": self.view is not None and not self.editing,
            "connected_tools": not self.editing,
            "sign_out_everywhere": not self.editing,
        }
        return available.get(action, True)

    async def action_cancel_or_back(self) -> None:
        if self.editing:
            self.new_photo, self.remove_photo = None, False
            self.query_one(FormMessage).update(_("Changes discarded."))
            call_service(self, "profile", _load, self.app, token_of(self.app), on_done=self._loaded, on_error=self._failed)
        else:
            self.app.pop_screen()

    def action_load_photo(self) -> None:
        if not self.editing:
            return
        from immo_connect.tui.screens.accounts.photo import PhotoScreen

        self.app.push_screen(PhotoScreen(), self._photo_chosen)

    def _photo_chosen(self, data: bytes | None) -> None:
        if data is None:
            return
        self.new_photo, self.remove_photo = data, False
        call_service(self, "profile-photo", _pixels, data, on_done=self._show_photo)
        self.query_one(FormMessage).update(_("New photo ready; it is stored when you save the changes."))

    def action_connected_tools(self) -> None:
        if self.editing:
            return
        from immo_connect.tui.screens.accounts.connected_tools import ConnectedToolsScreen

        self.app.push_screen(ConnectedToolsScreen())

    def action_sign_out_everywhere(self) -> None:
        """After a confirmation: end the other terminal sessions and every tool's sign-in."""
        if self.editing:
            return
        from immo_connect.tui.screens.confirm_dialog import ConfirmDialog

        self.app.push_screen(ConfirmDialog(
            _("Sign out everywhere? Your other terminal sessions end and every web tool is signed out; "
              "this session stays open."), _("Sign out everywhere")), self._sign_out_everywhere_confirmed)

    def _sign_out_everywhere_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        accounts = self.app.platform.accounts  # type: ignore[attr-defined]
        token = token_of(self.app)
        call_service(self, "profile-sign-out-everywhere", lambda: accounts.sign_out_everywhere(
            accounts.current(token), keep_token=token), on_done=self._signed_out_everywhere,
            on_error=lambda error: self.query_one(FormMessage).error(error))

    def _signed_out_everywhere(self, ended: tuple[int, int]) -> None:
        sessions, tools = ended
        self.query_one(FormMessage).ok(_("Signed out everywhere. Other sessions ended: {sessions}; tools signed "
                                         "out: {tools}.").format(sessions=sessions, tools=tools))

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        event.stop()
        if button == "profile-edit":
            await self.action_edit()
        elif button == "profile-connected-tools":
            self.action_connected_tools()
        elif button == "profile-sign-out-everywhere":
            self.action_sign_out_everywhere()
        elif button == "profile-save":
            self.action_save()
        elif button == "profile-cancel":
            await self.action_cancel_or_back()
        elif button == "profile-photo-load":
            self.action_load_photo()
        elif button == "profile-photo-remove":
            self.new_photo, self.remove_photo = None, True
            self._show_photo(None)
            self.query_one(FormMessage).update(_("The photo is removed when you save the changes."))
        elif button == "profile-address-add":
            from immo_connect.accounts.profile import AddressData

            self._collect()
            self.draft.addresses.append(AddressData())
            await self._show_mode(True)
            self.query(f"#profile-address-{len(self.draft.addresses) - 1}-street").first().focus()
        elif button.startswith("profile-address-remove-"):
            self._collect()
            del self.draft.addresses[int(button.rsplit("-", 1)[1])]
            await self._show_mode(True)
