"""The header of every screen: platform name, screen title, the current quality with its
wallet's balance, and the user's name (top right, opens the user menu).

With the sandbox payment method on (the demo configuration), it also says « mode démo » on
every screen: top-ups there move no real money, and nobody should mistake it for production.

The quality comes from the app (``app.workspace_quality``, loaded in a worker by
``tui/shell.py``): every header on the screen stack shows the same one, refreshed after
each service call and each change of screen.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal

from immo_connect import formatting, i18n
from immo_connect.i18n import _
from immo_connect.tui.widgets.safe import Button, Label, assemble

QUALITY_MARK = "◆"


# The organisation's name keeps at least this much when the usage mode is long.
NAME_MIN_WIDTH = 8


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def quality_text(quality: Any, width: int = 0) -> str:
    """« ◆ Organisation · Usage mode »; in ``width`` cells (0: no limit) the name gives way
    first, with « … », so that the usage mode stays readable; a very long mode is cut too."""
    if quality is None:
        return ""
    name = quality.organisation_name
    mode = quality.mode_title or ""
    text = f"{QUALITY_MARK} {name} · {mode}" if mode else f"{QUALITY_MARK} {name}"
    if not width or len(text) <= width:
        return text
    fixed = len(f"{QUALITY_MARK}  · ") if mode else len(f"{QUALITY_MARK} ")
    both = width - fixed
    if mode:
        # The mode takes what the name leaves, and at least three fifths when both are long.
        mode = _cut(mode, max(both - len(name), min(len(mode), both * 3 // 5), 4))
    name = _cut(name, max(both - len(mode), NAME_MIN_WIDTH if mode else 2))
    return f"{QUALITY_MARK} {name} · {mode}" if mode else f"{QUALITY_MARK} {name}"


def balance_text(quality: Any) -> str:
    if quality is None or quality.balance_cents is None:
        return ""
    return formatting.money(quality.balance_cents)


class QualityLabel(Label):
    """The quality, written again for the width the label has whenever that width changes."""

    quality: Any = None

    def show(self, quality: Any) -> None:
        self.quality = quality
        self.fit()

    def fit(self) -> None:
        room = self.content_region.width
        self.update(quality_text(self.quality, room) if room > 0 else "")

    def on_resize(self) -> None:
        self.fit()


class AppHeader(Horizontal):
    def __init__(self, title: str) -> None:
        super().__init__(id="app-header")
        self.screen_title = title

    def compose(self) -> ComposeResult:
        settings = self.app.settings  # type: ignore[attr-defined]
        yield Label(settings.platform.name, id="brand")
        if settings.sandbox_enabled:
            yield Label(_("demo mode"), id="demo-mode")
            yield Label(_("sandbox payments"), id="demo-mode-detail")
        yield Label(self.screen_title, id="screen-title")
        session = getattr(self.app, "session", None)
        yield QualityLabel("", id="header-quality")
        yield Label("", id="header-balance")
        name = session.display_name if session is not None else _("Not signed in")
        language = Button(i18n.get_language().upper(), id="language-switch", flat=True, compact=True,
                          tooltip=_("Language"))
        language.can_focus = False  # F6 opens it from the keyboard, as F2 does the user menu
        yield language
        user_menu = Button(name, id="user-menu", flat=True, compact=True)
        # Clicked with the mouse or opened with F2, never a Tab stop: a stop at the top of
        # every screen, before the first field, is one the person cannot see.
        user_menu.can_focus = False
        yield user_menu

    def on_mount(self) -> None:
        self.show_quality(getattr(self.app, "workspace_quality", None))

    def on_resize(self) -> None:
        self.show_quality(getattr(self.app, "workspace_quality", None))

    def show_quality(self, quality: Any) -> None:
        """Show ``quality`` (a ``CurrentQuality``) or nothing when there is none."""
        signed_in = getattr(self.app, "session", None) is not None
        shown = quality if signed_in else None
        label = self.query_one("#header-quality", QualityLabel)
        # Narrow, the screen's title gives way (the navigation bar says the area), and the
        # name gives way to the usage mode (the role the tool sees); the balance stays whole.
        self.set_class(shown is not None, "-with-quality")
        label.display = shown is not None
        balance = self.query_one("#header-balance", Label)
        text = balance_text(shown)
        balance.update(assemble((text, "bold")) if text else "")
        balance.display = bool(text)
        label.show(shown)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "language-switch":
            event.stop()
            self.app.action_choose_language()  # type: ignore[attr-defined]
        elif event.button.id == "user-menu":
            from immo_connect.tui.screens.accounts.user_menu import open_user_menu

            event.stop()
            open_user_menu(self.app)
