"""The application object: global bindings, the palette, and the first screen.

Screens hold their own bindings and logic (one module each under ``screens/``); the app
only routes between them and keeps the signed-in session.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import weakref
from collections.abc import Callable, Generator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.dom import NoScreen
from textual.screen import Screen

from immo_connect import i18n
from immo_connect.config import Settings
from immo_connect.errors import ConfigurationError, ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui import textual_words
from immo_connect.tui.commands import ActionsProvider
from immo_connect.tui.keymap import app_bindings

log = logging.getLogger("immo_connect.tui")

if TYPE_CHECKING:  # the platform module pulls in the database layer: not on the start path


    from immo_connect.platform import Platform

textual_words.install()


# Resolved, as Textual resolves a screen's CSS_PATH: the same file is then read only once.
_STYLES = Path(__file__).resolve().parent / "styles"
_startup = {"frozen": False}


def _freeze_startup_objects() -> None:
    """Keep what start-up loaded out of the garbage collector's full collections.

    Modules, classes and parsed styles live as long as the process; otherwise the first full
    collection walks all of them while the first frame is drawn. Once per process, so that
    later apps (tests run many in one process) do not pin each other's garbage.
    """
    if not _startup["frozen"]:
        _startup["frozen"] = True
        gc.freeze()


class ImmoConnectApp(App[int]):
    # Absolute, so that subclasses defined elsewhere (tests, benchmarks) find it too. The
    # account screens' styles come with it: the sign-in screen is always the first one shown,
    # and a screen bringing a new file makes Textual parse every style sheet again.
    CSS_PATH = [_STYLES / "app.tcss", _STYLES / "accounts.tcss"]
    TITLE = "Immo-Connect"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    ENABLE_COMMAND_PALETTE = True
    # Below 100 columns the header drops what is least needed (tui/styles/app.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    # True when served over SSH (tui/remote.py): the screen is elsewhere, so nothing may act on
    # the server's own machine (screenshots, browsers, downloads folder).
    remote = False

    # The keys of the frame come from the keymap, as the command palette and the help do.
    BINDINGS = app_bindings()

    def __init__(
        self,
        platform: Platform | Callable[[], Platform],
        *,
        settings: Settings | None = None,
        **kwargs: Any,
    ) -> None:
        """Run on a ready ``platform``, or on a function that builds it.

        With a function (``immo-connect run``), the first screen paints from ``settings``
        alone and the platform (database, plugins) is built in a worker right after, so the
        user sees the sign-in screen without waiting for it.
        """
        super().__init__(**kwargs)
        self._platform_ready = threading.Event()
        self._platform: Platform | None = None
        self._platform_error: ImmoConnectError | None = None
        if not callable(platform):
            self._build_platform: Callable[[], Platform] | None = None
            self._platform = platform
            self._platform_ready.set()
            self.settings = platform.settings
        else:
            if settings is None:
                raise TypeError("settings are required when the platform is built later")
            self._build_platform = platform
            self.settings = settings
        self.session: Any = None  # the signed-in session, set by the login screen
        # This person's language: the installation's default until they choose or sign in.
        # Bound in every task and worker of this app (see _context), never process-wide.
        self.language_choice = i18n.LanguageChoice(self.settings.language)
        # True once a person not yet signed in chose a language: signing in then keeps it.
        self.language_chosen = False
        self._failed_tool_screens: weakref.WeakSet[Any] = weakref.WeakSet()
        self._mail_delivery: Any = None
        # The frame's quality (tui/shell.py): the one chosen with F4, and the one shown.
        self.workspace_chosen: Any = None
        self.workspace_quality: Any = None

    @property
    def platform(self) -> Platform:
        """The platform; while it is still being built, wait for it (a fraction of a second)."""
        if not self._platform_ready.wait(timeout=300):
            raise ConfigurationError(_("The platform did not start in time."), hint=_("Try again; if it happens again, contact support."))
        if self._platform is None:
            raise self._platform_error or ConfigurationError(_("The platform did not start."))
        return self._platform

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification (from a screen, a plugin or Textual) is shown literally.

        Screens' ``self.notify`` lands here too, so a message holding a person's text can
        never be read as markup, whatever ``markup`` the caller passed.
        """
        from immo_connect.tui.widgets.safe import printable

        super().notify(printable(message), title=printable(title), severity=severity, timeout=timeout,
                       markup=False)

    @contextmanager
    def _context(self) -> Generator[None, None, None]:
        # Textual sets its context variables here for the app's tasks: the person's language
        # goes with them, so each app (one per SSH session) speaks its own.
        with i18n.bind_choice(self.language_choice), super()._context():
            yield

    def change_language(self, language: str) -> None:
        """Speak ``language`` from now on: redraw the screens, and store it on the account."""
        if language == self.language_choice.language:
            return
        self.language_choice.switch(language)
        session = getattr(self, "session", None)
        if session is None:
            self.language_chosen = True
        else:
            from immo_connect.tui._service import call_service
            from immo_connect.tui.session_flow import store_language

            call_service(self, "choose-language", store_language, self, session.token, language)
        self.call_later(self.redraw_in_language)

    def redraw_in_language(self) -> None:
        """Compose every open screen again in the current language."""
        for screen in self.screen_stack[1:]:
            # In the screen's own message loop: a service result for that screen is then handled
            # before or after the new widgets are there, never while they are being replaced.
            screen.call_later(self._redraw_screen, screen)

    async def _redraw_screen(self, screen: Screen[Any]) -> None:
        await screen.recompose()
        # The screen fills its new widgets as when first shown (tables' columns, focus), and
        # the one in front loads its data again: a result that landed before the recompose
        # went with the old widgets.
        for handler in ("on_mount", "on_screen_resume") if screen is self.screen else ("on_mount",):
            replay = getattr(type(screen), handler, None)
            if replay is not None and not getattr(replay, "__module__", "textual").startswith("textual"):
                result = replay(screen)
                if hasattr(result, "__await__"):
                    await result
        self.refresh_bindings()

    def action_choose_language(self) -> None:
        from immo_connect.tui.screens.language import LanguageScreen

        if not isinstance(self.screen, LanguageScreen):
            self.push_screen(LanguageScreen(), lambda chosen: chosen and self.change_language(chosen))

    def on_ready(self) -> None:
        if self._build_platform is not None and not self._platform_ready.is_set():
            # Building the platform imports the database layer and the plugins: it waits until
            # the sign-in screen (pushed on mount) is on screen, rather than competing with it.
            self.screen.call_after_refresh(self._start_loading)

    def _start_loading(self) -> None:
        self.run_worker(self._load_platform, name="platform", thread=True, exit_on_error=False)

    def _load_platform(self) -> None:
        assert self._build_platform is not None
        try:
            self._platform = self._build_platform()
        except ImmoConnectError as error:
            self._platform_error = error
            # The CLI prints the error as one line once the screen is restored.
            self.call_from_thread(self.exit, None, 2)
        finally:
            self._platform_ready.set()
        if self._platform is not None and self._platform.source == "tui":
            # The embedded set-up has no separate worker: deliver mails (activation codes…)
            # from this process. Servers run `immo-connect worker` instead.
            from immo_connect.mail import start_background_delivery

            self._mail_delivery = start_background_delivery(self._platform)

    def on_unmount(self) -> None:
        if self._mail_delivery is not None:
            self._mail_delivery.stop()

    def on_mount(self) -> None:
        from immo_connect.tui.screens.accounts.login import LoginScreen

        _freeze_startup_objects()
        self.push_screen(LoginScreen())

    # -- a tool's screen cannot take the app down ---------------------------------------------
    # Textual ends the app on any unhandled exception (and stops the failing screen's message
    # loop). A failure that comes from the open tool's screen closes that screen instead.

    async def _dispatch_action(self, namespace: object, action_name: str, params: Any) -> bool:
        try:
            return bool(await super()._dispatch_action(namespace, action_name, params))  # type: ignore[arg-type]
        except Exception as error:
            if self._close_failed_tool(error, namespace):
                return True
            raise

    def _handle_exception(self, error: Exception) -> None:
        if self._close_failed_tool(error, None):
            return
        log.error("unexpected error in the terminal UI", exc_info=error)
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """End the app after a bug with one sentence, never a traceback with its locals.

        The traceback (logged by ``_handle_exception``) may hold other people's data; over
        SSH it would be printed on the remote user's terminal.
        """
        self.bell()
        self._exit_renderables.append(
            _("Immo-Connect stopped because of an unexpected error. It was recorded in the log; "
              "start again, and contact support if it happens again."))
        self._close_messages_no_wait()

    def _failing_tool_screen(self, error: BaseException, namespace: object) -> Any:
        """The open tool screen when ``error`` comes from it (or a widget on it), else None."""
        screens = {id(screen): screen for screen in self._failed_tool_screens}
        open_screen = getattr(self, "tool_screen", None)
        if open_screen is not None and open_screen in self.screen_stack:
            screens[id(open_screen)] = open_screen
        if not screens:
            return None
        candidates = [namespace]
        traceback = error.__traceback__
        while traceback is not None:
            candidates.append(traceback.tb_frame.f_locals.get("self"))
            traceback = traceback.tb_next
        for candidate in candidates:
            if candidate is self:  # the app's own frames say nothing about who failed
                continue
            if id(candidate) in screens:
                return candidate
            try:
                on_screen = getattr(candidate, "screen", None)
            except NoScreen:  # a widget not on any screen: not the tool's
                continue
            if id(on_screen) in screens:
                return on_screen
        return None

    def _close_failed_tool(self, error: BaseException, namespace: object) -> bool:
        screen = self._failing_tool_screen(error, namespace)
        if screen is None:
            return False
        if screen in self._failed_tool_screens:  # a later failure of a screen already closed
            log.debug("further failure of a closed tool screen", exc_info=error)
            return True
        self._failed_tool_screens.add(screen)
        tool = getattr(getattr(self, "tool_context", None), "tool", "?")
        log.error("the screen of tool %s (%s) failed and was closed", tool, type(screen).__module__,
                  exc_info=error)
        self.tool_screen = None
        while screen in self.screen_stack and len(self.screen_stack) > 1:
            self.pop_screen()
        self.notify(
            _("The tool {tool} stopped because of an error and was closed; nothing else was affected. "
              "The error was recorded: try again, and tell the tool's vendor if it happens again."
              ).format(tool=tool), severity="error", title=_("Error"), timeout=30)
        return True

    async def action_quit(self) -> None:
        """Quit; first ask when the current screen has input the person typed and not saved."""
        from immo_connect.tui.widgets.safe import unsaved_input

        if not unsaved_input(self.screen):
            self.exit(0)
            return
        from immo_connect.tui.screens.confirm_dialog import ConfirmDialog

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit(0)

        self.push_screen(ConfirmDialog(_("Quit Immo-Connect? What you typed on this screen is not saved."),
                                       _("Quit without saving")), answered)

    def action_command_palette(self) -> None:
        """Textual's palette, with French placeholder and messages."""
        from immo_connect.tui.widgets.command_palette import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette"))

    def get_system_commands(self, screen: Any) -> Any:
        """None of Textual's own (English, and a screenshot or theme has no place over SSH).

        Every action of the app and the screen is in the palette already (ActionsProvider).
        """
        yield from ()

    def action_help(self) -> None:
        from immo_connect.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_user_menu(self) -> None:
        from immo_connect.tui.screens.accounts.user_menu import open_user_menu

        open_user_menu(self)

    def action_connect_tool(self) -> None:
        from immo_connect.tui.screens.tools.connect_tool import ConnectToolScreen

        if self.session is not None and not isinstance(self.screen, ConnectToolScreen):
            self.push_screen(ConnectToolScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The frame's keys act (and show in the footer) only once signed in; the back office
        only for operators."""
        if action == "back_office":
            return self.operator_role is not None
        if action in ("go", "switch_quality"):
            session = self.session
            if session is None or getattr(session, "restricted", False):
                return False
            if action == "go" and parameters == ("wallet",):  # only with a wallet right here
                from immo_connect.tui.menu import wallet_offered

                return wallet_offered(self)
            return True
        return True

    def action_go(self, area: str) -> None:
        from immo_connect.tui.shell import go_to_area

        go_to_area(self, area)

    def action_switch_quality(self) -> None:
        from immo_connect.tui.shell import switch_quality

        switch_quality(self)

    def action_open_entry(self, entry_id: str) -> None:
        """Open an entry of the user menu (the command palette lists them all)."""
        from immo_connect.tui.screens.accounts.user_menu import open_entry

        open_entry(self, entry_id)

    @property
    def operator_role(self) -> str | None:
        """The signed-in account's back-office role (None for everyone else), read once per account."""
        session = self.session
        if session is None or getattr(session, "restricted", False):
            return None
        cached = getattr(self, "_operator_role", None)
        if cached is None or cached[0] != session.account_id:
            try:
                cached = (session.account_id, self.platform.operators.role(int(session.account_id)))
            except Exception:  # a database that cannot be read: no back office, and no crash
                log.warning("could not read the operator role", exc_info=True)
                return None
            self._operator_role = cached
        return cached[1]

    def action_back_office(self) -> None:
        from immo_connect.tui.screens.operators.back_office import BackOfficeScreen

        if self.operator_role is not None and not isinstance(self.screen, BackOfficeScreen):
            self.push_screen(BackOfficeScreen())

    def action_back(self) -> None:
        # The login screen sits above Textual's default screen: never pop below it.
        if len(self.screen_stack) > 2:
            self.pop_screen()


def run_app(platform: Platform | Callable[[], Platform], *, settings: Settings | None = None) -> int:
    """Run the UI in this terminal; the exit code is the app's return code."""
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    app = ImmoConnectApp(platform, settings=settings)
    app.run()
    if app._platform_error is not None:
        raise app._platform_error  # printed as one line by the CLI
    return int(app.return_code or 0)
