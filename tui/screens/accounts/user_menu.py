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

    def _options(self) -> list[Option]:
        from immo_connect.tui.menu import MENU_ENTRIES, entry_offered

        options = [Option(_(label), id=entry_id) for entry_id, label, _path in MENU_ENTRIES
                   if entry_offered(self.app, entry_id)]
        return [*options, Option(_("Language"), id=LANGUAGE), Option(_("Home"), id=HOME),
                Option(_("Sign out"), id=SIGN_OUT)]

    def compose(self) -> ComposeResult:
        session = getattr(self.app, "session", None)
        with Vertical(id="user-menu-box"):
            yield Label(getattr(session, "display_name", ""), classes="title")
            yield OptionList(*self._options(), id="user-menu-list")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        if getattr(self.app, "workspace_quality", None) is None:  # the wallet entry waits for it
            from immo_connect.tui.shell import refresh_workspace

            refresh_workspace(self.app)

    def quality_changed(self) -> None:
        """The current quality was (re)loaded: offer the wallet entry as its wallet right says."""
        menu = self.query_one(OptionList)
        options = self._options()
        if [option.id for option in options] == [menu.get_option_at_index(i).id for i in range(menu.option_count)]:
            return
        highlighted = menu.highlighted_option.id if menu.highlighted_option is not None else None
        menu.clear_options()
        menu.add_options(options)
        ids = [option.id for option in options]
        menu.highlighted = ids.index(highlighted) if highlighted in ids else 0

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
    from immo_connect.tui.menu import MENU_ENTRIES, entry_offered
    from immo_connect.tui.session_flow import screen_from_path

    if not entry_offered(app, entry_id):
        return
    path = next((p for i, _label, p in MENU_ENTRIES if i == entry_id), None)
    screen = screen_from_path(path) if path else None
    if screen is not None:
        app.push_screen(screen)
