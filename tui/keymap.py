"""The keys of the frame, in one place: bindings, the command palette and the help come from here.

Every entry is one action the person can take from any signed-in screen (or any screen at
all), with its key, its description and an id. ``ImmoConnectApp.BINDINGS`` is built from
:data:`GLOBAL_KEYS`, the command palette lists the same entries (with the current screen's
own keys), and the help screen prints them: a key changed here changes everywhere.

:data:`SHARED_KEYS` fixes the key of actions that several screens offer (save, refresh,
filter…): a screen that offers one of them binds it to that key
(tests/test_tui_shell.py checks every screen), so the same action has the same key everywhere.
"""

from __future__ import annotations

import dataclasses

from textual.binding import Binding

from immo_connect.i18n import N_


@dataclasses.dataclass(frozen=True)
class KeyAction:
    """One action of the frame: ``keys`` (Textual's names, comma-separated) run ``action``."""

    id: str
    keys: str
    action: str
    description: str  # marked with N_, translated when shown
    display: str = ""  # how the key is written in the footer, the help and the docs
    show: bool = True  # in the footer
    priority: bool = False  # acts even from inside a field

    @property
    def shown_key(self) -> str:
        return self.display or self.keys.split(",")[0]

    def binding(self) -> Binding:
        # The description stays the message id: the app's bindings are built once per process,
        # and the key bar, the palette and the help translate it for the person who reads it.
        return Binding(self.keys, self.action, self.description, show=self.show, key_display=self.display or None,
                       priority=self.priority, id=self.id)


@dataclasses.dataclass(frozen=True)
class Area:
    """One entry of the navigation bar: a digit opens it from any signed-in screen."""

    id: str
    key: str
    label: str  # marked with N_


# The navigation bar of the signed-in screens, in its order.
AREAS: tuple[Area, ...] = (
    Area("home", "1", N_("Home")),
    Area("organisations", "2", N_("Organisations")),
    Area("tools", "3", N_("Tools")),
    Area("wallet", "4", N_("Wallet")),
    Area("employees", "5", N_("Employees")),
    Area("profile", "6", N_("Profile")),
)

GLOBAL_KEYS: tuple[KeyAction, ...] = (
    KeyAction("help", "question_mark", "help", N_("Help"), display="?"),
    KeyAction("help-f1", "f1", "help", N_("Help"), display="F1", show=False),
    KeyAction("back", "escape", "back", N_("Back")),
    # Never a single letter: activation codes and names hold letters, and a focused button
    # would take them as "quit". Priority, so that it works from inside a field too.
    KeyAction("quit", "ctrl+q", "quit", N_("Quit"), priority=True),
    # Focus moves as the key arrives, not when the field that had it reads its keys: so
    # "name<Tab>password" typed at once (a password manager) lands in the two fields.
    KeyAction("focus-next", "tab", "focus_next", N_("Next field"), show=False, priority=True),
    KeyAction("focus-previous", "shift+tab", "focus_previous", N_("Previous field"), show=False, priority=True),
    KeyAction("user-menu", "f2", "user_menu", N_("User menu"), display="F2"),
    # In the command palette on every screen: a tool's web page waits for its code.
    KeyAction("connect-tool", "f3", "connect_tool", N_("Connect a tool"), display="F3", show=False),
    # Operators only (hidden from the palette for everyone else): the back office.
    KeyAction("back-office", "f4", "back_office", N_("Back office"), display="F4", show=False),
    # From inside a field too: the quality decides which wallet pays, it must always be one key away.
    KeyAction("switch-quality", "f5", "switch_quality", N_("Change quality"), display="F5", priority=True),
    # The language, also top right of every screen: before anyone is signed in too.
    KeyAction("choose-language", "f6", "choose_language", N_("Language"), display="F6"),
    # Textual adds this one itself, described in English ("palette"): ours has our words.
    KeyAction("command-palette", "ctrl+p", "command_palette", N_("Commands"), show=False, priority=True),
    # Digits, not priority: typed in a field they are text; elsewhere they open an area.
    *(KeyAction(f"go-{area.id}", area.key, f"go('{area.id}')", area.label, show=False) for area in AREAS),
)

# Every table and list of records (tui/widgets/table.py): the selected row's full text, in a
# dialog. Not Enter, which already opens or starts the row on most lists; the space bar is
# free on every table and list (as the preview key of file managers).
ROW_DETAIL = KeyAction("row-detail", "space", "show_row", N_("Full row"), display=N_("space"))

# Actions several screens offer, and the one key each is bound to wherever it is offered.
SHARED_KEYS: dict[str, str] = {
    "show_row": ROW_DETAIL.keys,
    "refresh": "r",
    "focus_filter": "slash",
    "focus_filters": "slash",
    "next_page": "n",
    "previous_page": "p",
    "back": "escape",
    "quit": "ctrl+q",
    "help": "question_mark",
    "switch_quality": "f5",
    "back_office": "f4",
    "user_menu": "f2",
    "connect_tool": "f3",
    "choose_language": "f6",
    # Linking the eID and skipping it: the same keys on every screen that offers them (a letter
    # would be typed into the PIN field of the linking screen).
    "link_eid": "ctrl+l",
    "skip": "ctrl+g",
}


def app_bindings() -> list[Binding]:
    """The app's bindings, in the keymap's order."""
    return [entry.binding() for entry in GLOBAL_KEYS]


def key_of(action: str) -> str:
    """How the key of a global ``action`` is written (``F4``, ``ctrl+q``…)."""
    return next(entry.shown_key for entry in GLOBAL_KEYS if entry.action == action)
