"""The one family of errors that users see.

Every service raises an :class:`ImmoConnectError` (or a subclass) for anything a user can
fix. Its ``message`` names the problem and its ``hint`` the fix; both are already
translated. The CLI prints them on one line and the TUI shows them in a notification; any
other exception is a bug, logged with its traceback but never shown as one.
"""

from __future__ import annotations


class ImmoConnectError(Exception):
    """A problem the user can act on.

    ``code`` is stable and untranslated (tests and callers match on it); ``field`` names
    the input at fault when there is one, so screens can put the message beside it.
    """

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ValidationError(ImmoConnectError):
    """Input that breaks a rule; nothing was changed."""

    code = "invalid"


class NotFoundError(ImmoConnectError):
    """The thing asked for does not exist (or is not visible to the actor)."""

    code = "not_found"


class ConflictError(ImmoConnectError):
    """The change clashes with existing data (a duplicate, a replayed key with new data)."""

    code = "conflict"


class PermissionDenied(ImmoConnectError):
    """The actor may not do this; the refusal is audited."""

    code = "forbidden"


class ConfigurationError(ImmoConnectError):
    """A configuration file, key or value is wrong; the message names the file and key."""

    code = "configuration"


class PluginError(ImmoConnectError):
    """A plugin failed to load or misbehaved."""

    code = "plugin"
