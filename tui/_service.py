"""Calling core services from screens without blocking the UI.

Every service call runs in a thread worker and reports back with a message, handled on the
UI thread: :class:`ServiceDone` with the result, or :class:`ServiceFailed` with a user-facing
error. Unexpected exceptions are logged and shown as one generic sentence, never as a
traceback.
"""

from __future__ import annotations

import itertools
import logging
import weakref
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.widget import Widget

from immo_connect import i18n
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _

log = logging.getLogger("immo_connect.tui")

# The newest call of each key, per owner. Cancelling a thread worker cannot stop its thread:
# an older call still finishes, and its result must not land after (or over) a newer one's.
_calls = itertools.count(1)
_newest: weakref.WeakKeyDictionary[Widget, dict[str, int]] = weakref.WeakKeyDictionary()


class _ServiceResult(Message):
    def __init__(self, owner: Widget, key: str, call: int) -> None:
        super().__init__()
        self.owner, self.key, self.call = owner, key, call

    @property
    def superseded(self) -> bool:
        """True when a newer call with the same key was made by the same owner since."""
        return _newest.get(self.owner, {}).get(self.key) != self.call


class ServiceDone(_ServiceResult):
    def __init__(self, owner: Widget, key: str, call: int, result: Any,
                 callback: Callable[[Any], None] | None) -> None:
        super().__init__(owner, key, call)
        self.result, self.callback = result, callback


class ServiceFailed(_ServiceResult):
    def __init__(self, owner: Widget, key: str, call: int, error: ImmoConnectError,
                 callback: Callable[[ImmoConnectError], None] | None) -> None:
        super().__init__(owner, key, call)
        self.error, self.callback = error, callback


def call_service(
    owner: Widget,
    key: str,
    function: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[ImmoConnectError], None] | None = None,
    **kwargs: Any,
) -> None:
    """Run ``function(*args, **kwargs)`` in a worker of ``owner``; report with a message.

    Calls with the same ``key`` are exclusive: a newer call cancels the older one, and the
    older one's result is dropped even when its thread had already finished, so a stale
    result never lands on the screen.
    """

    # The worker thread writes in the person's language (errors, documents): Textual's thread
    # workers do not carry the caller's context variables over, so the choice is bound here.
    choice = getattr(owner.app, "language_choice", None) or i18n.current_choice()
    call = next(_calls)
    _newest.setdefault(owner, {})[key] = call

    def report(message: _ServiceResult) -> None:
        if not message.superseded:
            owner.post_message(message)

    def work() -> None:
        with i18n.bind_choice(choice):
            _work()

    def _work() -> None:
        try:
            token = getattr(getattr(owner.app, "session", None), "token", None)
            if token:
                # Every request of a signed-in user checks and extends the session first.
                owner.app.platform.accounts.touch(token)  # type: ignore[attr-defined]
            result = function(*args, **kwargs)
        except ImmoConnectError as error:
            report(ServiceFailed(owner, key, call, error, on_error))
        except Exception as failure:  # a bug (log it, show one sentence), or a database that refuses writes
            from immo_connect.storage import storage_error

            explained = storage_error(failure)
            if explained is None:
                log.exception("service call %s failed", key)
            error = explained or ImmoConnectError(
                _("Something went wrong; nothing was changed."),
                hint=_("Try again; if it happens again, contact support."),
            )
            report(ServiceFailed(owner, key, call, error, on_error))
        else:
            report(ServiceDone(owner, key, call, result, on_done))
        finally:
            from immo_connect.storage import database

            if not database.is_closed():
                database.close()  # this thread's connection

    owner.run_worker(work, name=key, group=key, thread=True, exclusive=True, exit_on_error=False)


class ServiceHandlers:
    """Mixin for screens: routes service messages to their callbacks, or notifies errors."""

    def on_service_done(self, message: ServiceDone) -> None:
        message.stop()
        if message.superseded:  # a newer call of the same key was made while this one was queued
            return
        from immo_connect.tui.shell import refresh_workspace

        # A charge, a top-up, a new membership: the frame's quality and balance follow.
        refresh_workspace(self.app)  # type: ignore[attr-defined]
        if message.callback is not None:
            message.callback(message.result)
        self._keep_focus_visible()

    def _keep_focus_visible(self) -> None:
        """A result may hide the focused widget (a button no longer needed): focus moves on."""
        from immo_connect.tui.widgets.forms import keep_focus_visible

        # After the focus changes the callback asked for (queued on the app) and the new layout.
        self.app.call_later(self.call_after_refresh, keep_focus_visible, self)  # type: ignore[attr-defined]

    def on_service_failed(self, message: ServiceFailed) -> None:
        message.stop()
        if message.superseded:
            return
        from immo_connect.tui.session_flow import session_lost

        if session_lost(self.app, message.error):  # type: ignore[attr-defined]
            return  # back on the sign-in screen, with the reason
        if message.callback is not None:
            message.callback(message.error)
            self._keep_focus_visible()
        else:
            self.notify(str(message.error), severity="error", title=_("Error"))  # type: ignore[attr-defined]
