"""The language switch (top right of every screen, F6, and the user menu).

Each language is named in its own words, so a person who does not read the current one
still finds theirs. Choosing redraws the open screens at once (``app.change_language``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from immo_connect import i18n
from immo_connect.i18n import N_, _
from immo_connect.tui.widgets.safe import Label, Option, OptionList

# Names, not translated: each in its own language.
LANGUAGE_NAMES: dict[str, str] = {"nl": "Nederlands", "fr": "Français", "en": "English"}


class LanguageScreen(ModalScreen[str | None]):
    CSS_PATH = "../styles/accounts.tcss"
    DEFAULT_CLASSES = "accounts"
    BINDINGS = [Binding("escape", "close", N_("Close the menu"), id="language-close")]

    def compose(self) -> ComposeResult:
        current = i18n.get_language()
        options = [Option(("● " if code == current else "  ") + name, id=code)
                   for code, name in LANGUAGE_NAMES.items()]
        with Vertical(id="language-box"):
            yield Label(_("Language"), classes="title")
            yield OptionList(*options, id="language-list")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = list(LANGUAGE_NAMES).index(i18n.get_language())
        choices.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
