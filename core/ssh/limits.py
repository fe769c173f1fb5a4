"""The allowed ranges of the ``[ssh]`` numbers, checked before the server listens.

A zero or negative limit would either refuse everyone (``max_sessions = 0``) or none
(``connections_per_minute = -3`` compared as "more than"), and an operator would only find
out from users. ``immo-connect serve`` therefore refuses to start with one sentence that
names the key, the allowed range and the default.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from immo_connect.config import SshSection
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _

# key: (lowest, highest). Short times are allowed so that tests and demos can use them.
SSH_RANGES: dict[str, tuple[float, float]] = {
    "max_sessions": (1, 100_000),
    "max_sessions_per_account": (1, 1_000),
    "max_anonymous_sessions": (1, 100_000),
    "max_anonymous_per_address": (1, 1_000),
    "idle_timeout_minutes": (0.01, 1_440),
    "session_timeout_hours": (0.001, 168),
    "sign_in_timeout_seconds": (1, 3_600),
    "account_check_seconds": (0.1, 300),
    "login_timeout_seconds": (1, 3_600),
    "connections_per_minute": (1, 100_000),
    "failures_per_source": (1, 100_000),
    "failure_window_minutes": (1, 10_080),
    "keepalive_seconds": (1, 3_600),
    "fps": (1, 240),
}


def _number(value: float) -> str:
    return f"{value:g}"


def check_ssh_settings(section: SshSection, config_path: Path | None = None) -> None:
    """Raise :class:`ConfigurationError` for the first ``[ssh]`` number out of its range."""
    where = f"{config_path.name if config_path else 'plugins.toml'} [ssh]"
    defaults = SshSection()
    for key, (low, high) in SSH_RANGES.items():
        value = getattr(section, key)
        if not low <= value <= high:
            raise ConfigurationError(
                _("{where} {key} must be between {low} and {high}, not {value}.").format(
                    where=where, key=key, low=_number(low), high=_number(high), value=_number(value)),
                hint=_("Correct the value in the configuration file (default: {default}).").format(
                    default=_number(getattr(defaults, key))),
                code="ssh_setting_range", field=key,
            )


assert set(SSH_RANGES) <= {f.name for f in dataclasses.fields(SshSection)}
