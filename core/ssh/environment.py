"""The environment of a session process: the server's own, a few client values, fixed terminal settings.

A client may send any variable (``ssh -o SetEnv``); copied blindly, ``TEXTUAL_DRIVER``
would make the app import a module of the client's choice and ``PYTHONPATH`` would change
the interpreter. So only an allow-list of harmless display variables passes, each checked
for length and characters. The locale is always UTF-8, whatever the client says (without
it, box-drawing characters come out as escapes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from immo_connect.config import SshSection

# Client variables that only describe the user's terminal.
CLIENT_VARIABLES: tuple[str, ...] = ("COLORTERM", "NO_COLOR", "TERM_PROGRAM", "TERM_PROGRAM_VERSION")
# Server variables that describe the server's own terminal or could steer the app: dropped.
_SERVER_DROPPED = frozenset({
    "TERM", "COLORTERM", "NO_COLOR", "LANG", "LANGUAGE", "COLUMNS", "LINES", "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION", "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONBREAKPOINT", "TMUX",
    "TMUX_PANE", "STY", "DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "IMMO_CONNECT_DATABASE_URL",
})
_SERVER_DROPPED_PREFIXES = ("TEXTUAL_", "LC_", "SSH_", "IMMO_CONNECT_SSH_")
_TERM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
_VALUE = re.compile(r"^[\x20-\x7e]{0,128}$")
DEFAULT_TERM = "xterm-256color"


def clean_term(term: str | None) -> str:
    return term if term and _TERM.match(term) else DEFAULT_TERM


def child_environment(
    term: str | None,
    client_env: Mapping[str, str],
    config: SshSection,
    *,
    data_dir: str,
    server_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment for one session process."""
    server_env = os.environ if server_env is None else server_env
    env = {
        name: value for name, value in server_env.items()
        if name not in _SERVER_DROPPED and not name.startswith(_SERVER_DROPPED_PREFIXES)
    }
    for name in CLIENT_VARIABLES:
        value = client_env.get(name)
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        if isinstance(value, str) and _VALUE.match(value):
            env[name] = value
    env["TERM"] = clean_term(term)
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONUTF8="1", PYTHONIOENCODING="utf-8")
    if "COLORTERM" not in env and "NO_COLOR" not in env:
        # OpenSSH never forwards COLORTERM; nearly every terminal in use renders 24-bit colour.
        if config.color_system == "truecolor":
            env["COLORTERM"] = "truecolor"
        else:
            env["TEXTUAL_COLOR_SYSTEM"] = {"256": "256", "standard": "standard"}[config.color_system]
    env["TEXTUAL_FPS"] = str(config.fps)
    env["TEXTUAL_ANIMATIONS"] = "none"
    env["IMMO_CONNECT_DATA_DIR"] = data_dir
    return env
