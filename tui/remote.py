"""The terminal UI as served over SSH: the same app, minus what acts on the server's machine.

Over SSH the screen is on the user's computer but the process runs on the server, so
Textual's screenshot command, ``open_url`` (a browser on the server) and file delivery
(the server's downloads folder) would all act in the wrong place. Here screenshots are
refused, links are shown for the user to open, and files go to the user's export folder
(``<data_dir>/exports/<username>/``). Signing in and out is reported to the SSH server,
which enforces the per-account session limit and closes a session after repeated
failed sign-ins.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO

from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.screen import Screen
from textual.widgets import Footer

from immo_connect.config import Settings
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Label

Reporter = Callable[..., None]
# Failed sign-ins tolerated in one SSH session before it is closed (OpenSSH's MaxAuthTries).
MAX_SIGN_IN_FAILURES = 5
# Textual system commands that act on the server's machine.
SERVER_SIDE_COMMANDS = frozenset({"Screenshot"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def export_directory(data_dir: Path, username: str) -> Path:
    """Where files for ``username`` go: one folder per user, readable by its owner only."""
    folder = data_dir / "exports" / (_SAFE_NAME.sub("_", username) or "_")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


class SigningInScreen(Screen[None]):
    """Shown instead of the sign-in screen while a key's session is being opened."""

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Sign in"))
        yield Label(_("Signing in with your SSH key…"), id="ssh-signing-in")
        yield Footer()


class RemoteApp(ImmoConnectApp):
    """:class:`ImmoConnectApp` for one SSH session."""

    remote = True

    def __init__(self, *args: Any, report: Reporter | None = None, key_sign_in: bool = False, **kwargs: Any) -> None:
        self._report = report
        self._session: Any = None
        self._key_sign_in = key_sign_in
        super().__init__(*args, **kwargs)

    def on_mount(self, event: events.Mount) -> None:
        if self._key_sign_in:
            event.prevent_default()  # not the sign-in screen of the base class
            self.push_screen(SigningInScreen())

    # -- who is signed in, reported to the server ---------------------------------------------

    @property  # type: ignore[override]
    def session(self) -> Any:
        return self._session

    @session.setter
    def session(self, value: Any) -> None:
        previous, self._session = self._session, value
        if self._report is None:
            return
        if value is not None and getattr(previous, "account_id", None) != value.account_id:
            self._report("signed_in", account_id=int(value.account_id))
        elif value is None and previous is not None:
            self._report("signed_out")

    def signed_in_by_key(self, signed_in: Any) -> None:
        """The SSH key already named the account: go on as after a password sign-in."""
        from immo_connect.tui.session_flow import continue_after_sign_in

        continue_after_sign_in(self, signed_in)

    def key_sign_in_failed(self, message: str) -> None:
        from immo_connect.tui.session_flow import go_to_login

        go_to_login(self, message)

    # -- nothing on the server's machine ----------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in SERVER_SIDE_COMMANDS:
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify(_("Screenshots are not available over SSH; use your terminal's own."), severity="warning")

    def deliver_screenshot(self, *args: Any, **kwargs: Any) -> str | None:
        self.action_screenshot()
        return None

    def action_suspend_process(self) -> None:
        self.notify(_("Suspending is not available over SSH."), severity="warning")

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        self.notify(_("Open this address on your computer: {url}").format(url=url), timeout=60)

    def _export_directory(self) -> Path:
        username = getattr(self.session, "username", "") or "anonymous"
        return export_directory(self.settings.data_dir, str(username))

    def deliver_binary(
        self, path_or_file: str | Path | BinaryIO, *, save_directory: str | Path | None = None,
        save_filename: str | None = None, open_method: Literal["browser", "download"] = "download",
        mime_type: str | None = None, name: str | None = None,
    ) -> str | None:
        return self._save_export(path_or_file, save_filename)

    def deliver_text(
        self, path_or_file: str | Path | TextIO, *, save_directory: str | Path | None = None,
        save_filename: str | None = None, open_method: Literal["browser", "download"] = "download",
        encoding: str | None = None, mime_type: str | None = None, name: str | None = None,
    ) -> str | None:
        return self._save_export(path_or_file, save_filename, encoding=encoding or "utf-8")

    def _save_export(self, source: str | Path | BinaryIO | TextIO, filename: str | None, *,
                     encoding: str | None = None) -> str:
        """Copy a file for the user into their export folder (in a thread); its path."""
        folder = self._export_directory()
        if isinstance(source, (str, Path)):
            given = Path(source).name
        else:
            given = Path(str(getattr(source, "name", "") or "")).name
        stem = _SAFE_NAME.sub("_", filename or given or "export")
        target = folder / stem
        counter = 1
        while target.exists():
            target = folder / f"{Path(stem).stem}-{counter}{Path(stem).suffix}"
            counter += 1

        def copy() -> None:
            handle = open(source, "rb") if isinstance(source, (str, Path)) else source  # noqa: SIM115
            try:
                with open(target, "wb") as out:
                    while chunk := handle.read(65536):
                        out.write(chunk.encode(encoding or "utf-8") if isinstance(chunk, str) else chunk)
            finally:
                handle.close()
            self.call_from_thread(
                self.notify, _("Saved in your export folder on the server: {folder}").format(folder=target))

        self.run_worker(copy, name="export", thread=True, exit_on_error=False)
        return str(target)


class _FailureCounter:
    """Counts refused sign-ins of this session and ends it at the limit."""

    def __init__(self, app: RemoteApp, limit: int, exit_code: int) -> None:
        self.app, self.limit, self.exit_code = app, limit, exit_code
        self.failures = 0
        self._lock = threading.Lock()

    def wrap(self, sign_in: Callable[..., Any]) -> Callable[..., Any]:
        from immo_connect.accounts.login import SignInRefused
        from immo_connect.accounts.ratelimit import TooManyAttempts

        def counted(*args: Any, **kwargs: Any) -> Any:
            try:
                return sign_in(*args, **kwargs)
            except (SignInRefused, TooManyAttempts):
                with self._lock:
                    self.failures += 1
                    reached = self.failures >= self.limit
                if reached:
                    self.app.call_from_thread(functools.partial(self.app.exit, return_code=self.exit_code))
                raise

        return counted


def run_remote_app(
    settings: Settings, launch: dict[str, Any], report: Reporter, *, sign_in_failures_exit: int,
) -> int:
    """Run the UI for one SSH session; the exit code goes back to the server."""
    from immo_connect.platform import create_platform
    from immo_connect.ssh import identity

    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    app: RemoteApp

    def build() -> Any:
        platform = create_platform(settings, source=str(launch["source"]), migrate=False)
        accounts = platform.accounts
        # Only this process's service object is wrapped: counting stays inside the session.
        accounts.sign_in = counter.wrap(accounts.sign_in)  # type: ignore[method-assign]
        token = launch.get("sign_in")
        if token:
            try:
                signed_in = identity.resume(platform, str(token))
            except ImmoConnectError as error:  # blocked or expired in the meantime
                app.call_from_thread(app.key_sign_in_failed, str(error))
            else:
                app.call_from_thread(app.signed_in_by_key, signed_in)
        return platform

    app = RemoteApp(build, settings=settings, report=report, key_sign_in=bool(launch.get("sign_in")))
    counter = _FailureCounter(app, MAX_SIGN_IN_FAILURES, sign_in_failures_exit)
    app.run()
    if app._platform_error is not None:
        raise app._platform_error
    return int(app.return_code or 0)
