"""The frame of the signed-in screens: header with the current quality and balance, the
navigation bar, the content, the footer.

A screen of an area subclasses :class:`WorkspaceScreen` and names its area (``AREA``); the
frame adds the navigation bar (and a header and footer when the screen has none) to what
the screen composes, so no screen can forget it. The digits of the navigation bar and
« Changer de qualité » (``F5``) are app keys (``tui/keymap.py``): the same on every screen.
"""

from __future__ import annotations

import logging
import time
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.screen import Screen, ScreenResultType
from textual.widget import Widget
from textual.widgets import Footer

from immo_connect.i18n import _
from immo_connect.tui.keymap import AREAS, key_of
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Static

log = logging.getLogger("immo_connect.tui")

CURRENT_MARK = "▸"
# A refresh of the header after every service call, but not more than once in this time.
REFRESH_AT_MOST_EVERY = 1.0
# Top-ups by bank transfer or a tool charging from another session change the balance too.
POLL_EVERY = 60.0


class NavigationTab(Static):
    """One entry of the navigation bar; a click opens its area as its digit does."""

    def __init__(self, area_id: str, text: str, *, current: bool) -> None:
        super().__init__(text, id=f"nav-{area_id}", classes="nav-tab -current" if current else "nav-tab")
        self.area_id = area_id

    def on_click(self, event: Click) -> None:
        event.stop()
        self.app.run_action(f"go('{self.area_id}')")


class NavigationBar(Horizontal):
    """« 1 Accueil  2 Organisations … »: where the person is is marked by ▸ and brackets."""

    def __init__(self, current: str) -> None:
        super().__init__(id="navigation")
        self.current = current

    def compose(self) -> ComposeResult:
        from immo_connect.tui.menu import wallet_offered

        for area in AREAS:
            here = area.id == self.current
            text = f"{CURRENT_MARK}{area.key} {_(area.label)}" if here else f" {area.key} {_(area.label)}"
            tab = NavigationTab(area.id, text, current=here)
            if area.id == "wallet":  # offered with a wallet right in the current quality only
                tab.display = here or wallet_offered(self.app)
            yield tab


class WorkspaceScreen(Screen[ScreenResultType]):
    """A signed-in screen: the frame around what the subclass composes."""

    AREA: ClassVar[str] = ""  # the navigation entry marked as "here" (see keymap.AREAS)

    def _extend_compose(self, widgets: list[Widget]) -> None:
        if not any(isinstance(widget, AppHeader) for widget in widgets):
            widgets.insert(0, AppHeader(self.title or ""))
        after_header = next(i for i, widget in enumerate(widgets) if isinstance(widget, AppHeader)) + 1
        widgets.insert(after_header, NavigationBar(self.AREA))
        if not any(isinstance(widget, Footer) for widget in widgets):
            from immo_connect.tui.widgets.footer import AppFooter

            widgets.append(AppFooter())

    def on_screen_resume(self) -> None:
        refresh_workspace(self.app)
        start_polling(self.app)


# -- the current quality, shown by every header ----------------------------------------------


def refresh_workspace(app: App[Any], *, force: bool = False) -> None:
    """Load the current quality and its balance again (in a worker) and show it in every header."""
    session = getattr(app, "session", None)
    if session is None or getattr(session, "restricted", False):
        return
    now = time.monotonic()
    last = getattr(app, "_workspace_loaded_at", 0.0)
    if not force and now - last < REFRESH_AT_MOST_EVERY:
        return
    app._workspace_loaded_at = now  # type: ignore[attr-defined]
    actor = int(session.account_id)
    chosen = getattr(app, "workspace_chosen", None)
    tool_screen = getattr(app, "tool_screen", None)
    context = getattr(app, "tool_context", None) if tool_screen in app.screen_stack else None

    def load() -> None:
        from immo_connect.storage import database
        from immo_connect.tui.workspace import current_quality

        try:
            quality = current_quality(app.platform, actor, chosen, context)  # type: ignore[attr-defined]
        except Exception:  # the header stays as it was; the screens report their own errors
            log.debug("the current quality could not be read", exc_info=True)
            return
        finally:
            if not database.is_closed():
                database.close()  # this thread's connection
        app.call_from_thread(show_quality, app, quality)

    app.run_worker(load, name="workspace", group="workspace", thread=True, exclusive=True, exit_on_error=False)


def show_quality(app: App[Any], quality: Any) -> None:
    from immo_connect.tui.menu import wallet_offered

    app.workspace_quality = quality  # type: ignore[attr-defined]
    wallet = wallet_offered(app)
    for screen in app.screen_stack:
        for header in screen.query(AppHeader):
            header.show_quality(quality)
        for tab in screen.query(NavigationTab):
            if tab.area_id == "wallet" and not tab.has_class("-current"):
                tab.display = wallet
        changed = getattr(screen, "quality_changed", None)  # the user menu's wallet entry
        if changed is not None:
            changed()


def start_polling(app: App[Any]) -> None:
    """Refresh the header now and then (a top-up may arrive from the bank at any time)."""
    if getattr(app, "_workspace_timer", None) is None:
        app._workspace_timer = app.set_interval(POLL_EVERY, lambda: refresh_workspace(app))  # type: ignore[attr-defined]


# -- going to an area, changing the quality --------------------------------------------------


def _signed_in(app: App[Any]) -> bool:
    session = getattr(app, "session", None)
    if session is None:
        app.notify(_("Sign in first."), severity="warning")
        return False
    if getattr(session, "restricted", False):
        app.notify(_("Finish the current step first (e-mail address or activation code)."), severity="warning")
        return False
    return True


def _after_leaving_asks(app: App[Any], then: Any) -> None:
    """Run ``then``; first ask when the screen in front holds text the person typed."""
    from immo_connect.tui.widgets.safe import unsaved_input

    if not unsaved_input(app.screen):
        then()
        return
    from immo_connect.tui.screens.confirm_dialog import ConfirmDialog

    def answered(leave: bool | None) -> None:
        if leave:
            then()

    app.push_screen(ConfirmDialog(_("Leave this screen? What you typed on it is not saved."),
                                  _("Leave without saving")), answered)


def _area_screen(app: App[Any], area: str) -> Screen[Any] | None:
    quality = getattr(app, "workspace_quality", None)
    organisation_id = quality.organisation_id if quality is not None else None
    if area == "organisations":
        from immo_connect.tui.screens.organisations.organisations import MyOrganisationsScreen

        return MyOrganisationsScreen()
    if area == "tools":
        from immo_connect.tui.screens.tools.tools import ToolsScreen

        return ToolsScreen(organisation_id)
    if area == "wallet":
        from immo_connect.tui.screens.wallet.wallet import WalletScreen

        return WalletScreen(organisation_id)
    if area == "employees":
        if quality is None or not quality.is_manager:
            app.notify(_("Only managers see the employees of an organisation. Change quality ({key}) to "
                         "an organisation you manage.").format(key=key_of("switch_quality")), severity="warning")
            return None
        from immo_connect.tui.screens.organisations.employees import EmployeesScreen

        return EmployeesScreen(quality.organisation_id)
    if area == "profile":
        from immo_connect.tui.screens.accounts.profile import ProfileScreen

        return ProfileScreen()
    return None


def go_to_area(app: App[Any], area: str) -> None:
    """Open ``area`` above the home screen (the stack stays shallow: home, then the area)."""
    if not _signed_in(app):
        return

    def go() -> None:
        from immo_connect.tui.screens.home import HomeScreen
        from immo_connect.tui.session_flow import go_home

        screen = None if area == "home" else _area_screen(app, area)
        if area != "home" and screen is None:
            return
        if len(app.screen_stack) > 1 and isinstance(app.screen_stack[1], HomeScreen):
            while len(app.screen_stack) > 2:
                app.pop_screen()
        else:
            go_home(app)
        if screen is not None:
            app.push_screen(screen)

    _after_leaving_asks(app, go)


def switch_quality(app: App[Any]) -> None:
    """« Changer de qualité »: for the open tool, start it under another quality; elsewhere,
    choose the organisation (and usage mode) the frame works under."""
    if not _signed_in(app):
        return
    from immo_connect.tui.screens.quality_switch import QualitySwitchScreen
    from immo_connect.tui.screens.tools.quality import QualityScreen

    if isinstance(app.screen, (QualitySwitchScreen, QualityScreen)):
        return
    context = getattr(app, "tool_context", None)
    if context is not None and app.screen is getattr(app, "tool_screen", None):
        app.push_screen(QualityScreen(context.tool, organisation_id=context.organisation_id))
        return

    def chosen(entry: Any) -> None:
        if entry is None:
            return
        app.workspace_chosen = entry.chosen  # type: ignore[attr-defined]
        show_quality(app, entry.quality)
        refresh_workspace(app, force=True)  # the balance may have moved since the list was read
        area = getattr(app.screen, "AREA", "")
        if area in ("tools", "wallet", "employees"):
            go_to_area(app, area)  # the area shows the organisation of the quality: the new one

    app.push_screen(QualitySwitchScreen(), chosen)
