"""The user menu (manual chapter 2), opened from the user's name top right (or F2).

Entries come from ``tui/menu.py`` (each area adds its own), then "Language", "Home" and
"Sign out".
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from immo_connect.i18n import N_, _
from immo_connect.tui.widgets.safe import Label, Option, OptionList

HOME = "home"
LANGUAGE = "language"
SIGN_OUT = "sign-out"


class UserMenuScreen(ModalScreen[str | None]):
    CSS_PATH = "../../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [Binding("escape", "close", N_("Close the menu"), id="user-menu-close")]

    def compose(self) -> ComposeResult:
        from immo_connect.tui.menu import MENU_ENTRIES, OPERATORS_ONLY

        session = getattr(self.app, "session", None)
        operator = bool(getattr(self.app, "operator_role", None))
        options = [Option(_(label), id=entry_id) for entry_id, label, _path in MENU_ENTRIES
                   if operator or entry_id not in OPERATORS_ONLY]
        options += [Option(_("Language"), id=LANGUAGE), Option(_("Home"), id=HOME),
                    Option(_("Sign out"), id=SIGN_OUT)]
        with Vertical(id="user-menu-box"):
            yield Label(getattr(session, "display_name", ""), classes="title")
            yield OptionList(*options, id="user-menu-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


def open_user_menu(app: object) -> None:
    """Show the menu and go where the user chooses (needs a signed-in session)."""
    from textual.app import App

    assert isinstance(app, App)
    session = getattr(app, "session", None)
    if session is None:
        app.notify(_("Sign in first."), severity="warning")
        return
    if getattr(session, "restricted", False):
        app.notify(_("Finish the current step first (e-mail address or activation code)."), severity="warning")
        return
    if isinstance(app.screen, UserMenuScreen):
        return

    def chosen(entry_id: str | None) -> None:
        if entry_id is not None:
            open_entry(app, entry_id)

    app.push_screen(UserMenuScreen(), chosen)


def open_entry(app: object, entry_id: str) -> None:
    """Go to the user menu's entry ``entry_id`` (also "home" and "sign-out")."""
    from textual.app import App

    assert isinstance(app, App)
    session = getattr(app, "session", None)
    if session is None or getattr(session, "restricted", False):
        app.notify(_("Sign in first."), severity="warning")
        return
    if entry_id == SIGN_OUT:
        from immo_connect.tui.screens.home import sign_out

        sign_out(app)
        return
    if entry_id == LANGUAGE:
        app.action_choose_language()  # type: ignore[attr-defined]
        return
    if entry_id == HOME:
        from immo_connect.tui.session_flow import go_home

        go_home(app)
        return
    if entry_id == "quality":  # the same as F4 from any screen
        from immo_connect.tui.shell import switch_quality

        switch_quality(app)
        return
    from immo_connect.tui.menu import MENU_ENTRIES, OPERATORS_ONLY
    from immo_connect.tui.session_flow import screen_from_path

    if entry_id in OPERATORS_ONLY and not getattr(app, "operator_role", None):
        return
    path = next((p for i, _label, p in MENU_ENTRIES if i == entry_id), None)
    screen = screen_from_path(path) if path else None
    if screen is not None:
        app.push_screen(screen)
