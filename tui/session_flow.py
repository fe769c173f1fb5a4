"""Where the user goes after signing in, and back to the sign-in screen.

The screen stack is kept shallow: Textual's default screen, then the sign-in screen (or,
once signed in, the home screen in its place), then what the user opened from there.
Required actions (manual 1.1.2) come first: a missing e-mail address, the activation code,
then the eID proposal, which can be skipped.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from immo_connect.errors import ImmoConnectError, PermissionDenied
from immo_connect.i18n import LANGUAGES, _

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from immo_connect.accounts.models import Account
    from immo_connect.accounts.required import SignedIn

# The eID area provides the linking screen at this path (``module:Class``, no argument).
LINK_EID_SCREEN = "immo_connect.tui.screens.eid.eid_link:EidLinkScreen"
SESSION_ERRORS = ("session_expired", "session_restricted")


def _session_of(app: App[Any]) -> Any:
    session = getattr(app, "session", None)
    if session is None:
        raise PermissionDenied(_("You are not signed in."), hint=_("Sign in first."), code="session_expired")
    return session


def token_of(app: App[Any]) -> str:
    return str(_session_of(app).token)


def actor_of(app: App[Any]) -> int:
    """The signed-in account's id (the services re-read its state on every call)."""
    return int(_session_of(app).account_id)


def acting_account(app: App[Any]) -> Account:
    """The signed-in account, validated against its session (call it inside a worker)."""
    return app.platform.accounts.current(token_of(app))  # type: ignore[attr-defined, no-any-return]


def _reset_stack(app: App[Any]) -> None:
    while len(app.screen_stack) > 2:
        app.pop_screen()


def go_home(app: App[Any]) -> None:
    from immo_connect.tui.screens.home import HomeScreen

    _reset_stack(app)
    app.switch_screen(HomeScreen())


def go_to_login(app: App[Any], message: str = "") -> None:
    from immo_connect.tui.screens.accounts.login import LoginScreen

    app.session = None  # type: ignore[attr-defined]
    _reset_stack(app)
    app.switch_screen(LoginScreen(message=message))


def continue_after_sign_in(app: App[Any], signed: SignedIn) -> None:
    """Show the next required action, or the home screen when none is left."""
    from immo_connect.accounts.required import ACTIVATE, ADD_EMAIL, LINK_EID

    app.session = signed  # type: ignore[attr-defined]
    _speak_their_language(app, signed)
    action = signed.next_action
    screen: Screen[Any]
    if action == ADD_EMAIL:
        from immo_connect.tui.screens.accounts.missing_email import MissingEmailScreen

        screen = MissingEmailScreen()
    elif action == ACTIVATE:
        from immo_connect.tui.screens.accounts.activation import ActivationScreen

        screen = ActivationScreen()
    elif action == LINK_EID:
        from immo_connect.tui.screens.eid.eid_prompt import EidPromptScreen

        screen = EidPromptScreen()
    else:
        go_home(app)
        return
    _reset_stack(app)
    app.push_screen(screen)


def _speak_their_language(app: App[Any], signed: SignedIn) -> None:
    """The account's language from now on; one chosen just before signing in is kept instead."""
    choice = getattr(app, "language_choice", None)
    if choice is None or not signed.language:
        return
    if getattr(app, "language_chosen", False):
        app.language_chosen = False  # type: ignore[attr-defined]
        if signed.language != choice.language:
            from immo_connect.tui._service import call_service

            call_service(app, "choose-language", store_language, app, signed.token, choice.language)
    elif signed.language != choice.language and signed.language in LANGUAGES:
        # The screens pushed next are composed in it; the sign-in screen goes away.
        choice.switch(signed.language)


def store_language(app: App[Any], token: str, language: str) -> str:
    return app.platform.accounts.choose_language(token, language)  # type: ignore[attr-defined, no-any-return]


def session_lost(app: App[Any], error: ImmoConnectError) -> bool:
    """Back to the sign-in screen when ``error`` says the session ended; True if so."""
    if error.code not in SESSION_ERRORS:
        return False
    go_to_login(app, f"{error.message} {error.hint}".strip())
    return True


def screen_from_path(path: str) -> Screen[Any] | None:
    """Build the screen at ``module:Class``; None when that module is not installed."""
    module_name, _sep, class_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    screen: Screen[Any] = getattr(module, class_name)()
    return screen


def open_link_eid(app: App[Any]) -> None:
    """The entry point "Lier l'eID": the eID area's screen, or a note while it is missing."""
    screen = screen_from_path(LINK_EID_SCREEN)
    if screen is None:
        app.notify(_("Linking an eID is not available in this installation."), severity="warning")
        return
    app.push_screen(screen)
