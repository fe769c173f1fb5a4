"""« Changer de qualité » (manual 1.1.3): in which quality to start a tool.

Each organisation on top, the usage modes the user may use below it, "Démarrer" on each.
Arrows and j/k move, Enter starts, typing filters, the last choice is preselected, "+"
("Ajouter") registers the tool for another organisation or mode. The rights are checked
again by the core when starting; the terms of use are asked for when they are pending.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from immo_connect import formatting
from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import N_, _
from immo_connect.tui._service import ServiceHandlers, call_service
from immo_connect.tui.keymap import ROW_DETAIL
from immo_connect.tui.session_flow import actor_of
from immo_connect.tui.shell import WorkspaceScreen
from immo_connect.tui.widgets.header import AppHeader
from immo_connect.tui.widgets.safe import Button, Input, Label, Option, OptionList, Select
from immo_connect.tui.widgets.table import cut

NAVIGATION_KEYS = ("j", "k", "plus")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _load(platform: Any, actor: int, tool_name: str | None, current: str | None) -> tuple[list[Any], str | None, list[Any]]:
    """(usable tools, the tool to show, its qualities) in one worker call."""
    tools = platform.tools.usable_tools(actor) if tool_name is None else []
    name = tool_name or current or (tools[0].name if tools else None)
    if name is None:
        return tools, None, []
    return tools, name, platform.tools.qualities(actor, name)


def _balances(platform: Any, actor: int, qualities: list[Any]) -> dict[int, int | None]:
    """The balance of each organisation's wallet (the wallet that pays), None when not visible."""
    from immo_connect.tui.workspace import visible_balance

    return {organisation_id: visible_balance(platform, actor, organisation_id)
            for organisation_id in {q.organisation_id for q in qualities}}


def _load_with_balances(platform: Any, actor: int, tool_name: str | None,
                        current: str | None) -> tuple[list[Any], str | None, list[Any], dict[int, int | None]]:
    tools, name, qualities = _load(platform, actor, tool_name, current)
    return tools, name, qualities, _balances(platform, actor, qualities)


def price_line(tool: Any) -> str:
    """What the tool charges, said before it runs (or that it charges nothing here)."""
    prices = getattr(tool, "prices", ()) if tool is not None else ()
    if not prices:
        return _("This tool charges nothing to the wallet.")
    listed = "; ".join(_("{title}: {amount}").format(title=_(price.title), amount=formatting.money(price.amount_cents))
                       for price in prices)
    return _("Charged to the organisation's wallet: {prices}.").format(prices=listed)


class QualityScreen(ServiceHandlers, WorkspaceScreen[Any]):
    """With ``choose_only`` the screen starts nothing: it is dismissed with the chosen
    :class:`Quality` (« Connect a tool » approves a tool's sign-in under it)."""

    AREA = "tools"
    CSS_PATH = "../../styles/tools.tcss"
    BINDINGS = [
        Binding("j", "move(1)", N_("Next quality"), id="quality-next", show=False),
        Binding("k", "move(-1)", N_("Previous quality"), id="quality-previous", show=False),
        Binding("down", "move(1)", N_("Next quality"), id="quality-down", show=False),
        Binding("up", "move(-1)", N_("Previous quality"), id="quality-up", show=False),
        Binding("plus", "add", N_("Add a quality"), id="quality-add", key_display="+"),
        Binding("slash", "focus_filter", N_("Filter"), id="quality-filter", key_display="/"),
        ROW_DETAIL.binding(),
    ]

    def __init__(self, tool_name: str | None = None, *, organisation_id: int | None = None,
                 choose_only: bool = False) -> None:
        super().__init__()
        self.choose_only = choose_only
        self.fixed_tool = tool_name
        self.tool_name = tool_name
        self.preferred_organisation = organisation_id
        self.qualities: list[Any] = []
        self.tools: list[Any] = []
        self.balances: dict[int, int | None] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader(_("Quality selection"))  # the manual's « Extra keuzescherm »
        with Vertical(classes="tools-page"):
            yield Label(_("In which quality do you want to use the tool?"), classes="title", id="quality-title")
            yield Select[str]([], id="quality-tool", prompt=_("Tool"), classes="hidden")
            yield Input(id="quality-filter-input", placeholder=_("Type to filter by organisation or usage mode"),
                        select_on_focus=False)
            yield Label("", id="quality-price", classes="hint")
            yield OptionList(id="quality-list")
            yield Label("", id="quality-empty", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button(_("Start"), id="quality-start", variant="primary")
                yield Button(_("Add"), id="quality-add-button")
        yield Footer()

    def on_mount(self) -> None:
        self._reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted and self.tool_name is not None:
            self._reload()

    def _reload(self) -> None:
        current = getattr(getattr(self.app, "tool_context", None), "tool", None)
        call_service(self, "quality-load", _load_with_balances, self.app.platform,  # type: ignore[attr-defined]
                     actor_of(self.app), self.tool_name, current, on_done=self._loaded)

    def _loaded(self, result: tuple[list[Any], str | None, list[Any], dict[int, int | None]]) -> None:
        tools, name, qualities, self.balances = result
        if self.fixed_tool is None and tools:
            self.tools = tools
            select = self.query_one("#quality-tool", Select)
            select.set_options([(_(t.title), t.name) for t in tools])
            if name is not None:
                select.value = name
            select.remove_class("hidden")
        self.tool_name = name
        self.qualities = qualities
        title = self.app.platform.plugins.tool(name) if name else None  # type: ignore[attr-defined]
        self.query_one("#quality-title", Label).update(
            _("In which quality do you want to use {tool}?").format(tool=_(title.title)) if title
            else _("You cannot use any tool yet."))
        self.query_one("#quality-price", Label).update(price_line(title) if title else "")
        self._render_list(select_last=True)

    def _visible(self) -> list[tuple[int, Any]]:
        words = _fold(self.query_one("#quality-filter-input", Input).value).split()
        return [
            (index, q) for index, q in enumerate(self.qualities)
            if all(w in _fold(f"{q.organisation_name} {_(q.mode_title)} {_(q.role_title)}") for w in words)
        ]

    def _render_list(self, *, select_last: bool = False) -> None:
        option_list = self.query_one("#quality-list", OptionList)
        highlighted = option_list.highlighted_option
        keep = highlighted.id if highlighted is not None and not select_last else None
        options: list[Option] = []
        last_organisation: int | None = None
        preferred: str | None = None  # the first quality of the organisation the screen was opened from
        last_used: str | None = None
        for index, quality in self._visible():
            if quality.organisation_id != last_organisation:
                wallet = self._wallet_text(quality)
                # One line: the name gives way (« … ») so that the wallet that pays stays in sight.
                room = option_list.scrollable_content_region.width - len(wallet) - 5
                name = cut(quality.organisation_name, room).plain if room > 8 else quality.organisation_name
                options.append(Option(f"■ {name} — {wallet}",
                                      id=f"org-{quality.organisation_id}-{index}", disabled=True))
                last_organisation = quality.organisation_id
            terms = "  " + _("(terms of use to accept)") if quality.terms_pending else ""
            options.append(Option(
                f"    {_(quality.mode_title)} — {_(quality.role_title)}{terms}    ▶ {_('Start')}", id=f"q-{index}",
            ))
            if preferred is None and quality.organisation_id == self.preferred_organisation:
                preferred = f"q-{index}"
            if quality.last:
                last_used = f"q-{index}"
        option_list.set_options(options)
        # Opened from an organisation's page, that organisation pays: never the last one used.
        wanted = keep or ((preferred or last_used) if select_last else None)
        enabled = [i for i, option in enumerate(options) if not option.disabled]
        if enabled:
            position = next((i for i, o in enumerate(options) if o.id == wanted), enabled[0])
            option_list.highlighted = position
        empty = self.query_one("#quality-empty", Label)
        if not self.qualities:
            empty.update(_("You cannot use this tool in any quality yet. Press + to register it for one of your organisations."))
        elif not enabled:
            empty.update(_("No quality matches the filter."))
        else:
            empty.update("")
        if select_last:
            option_list.focus()

    def _wallet_text(self, quality: Any) -> str:
        balance = self.balances.get(quality.organisation_id)
        return (_("wallet {amount}").format(amount=formatting.money(balance)) if balance is not None
                else _("wallet not visible"))

    def on_resize(self) -> None:
        if self.qualities:
            self._render_list()

    def _highlighted_quality(self) -> Any | None:
        if not self.is_mounted:
            return None
        option = self.query_one("#quality-list", OptionList).highlighted_option
        if option is None or not (option.id or "").startswith("q-"):
            return None
        index = int((option.id or "q-0").removeprefix("q-"))
        return self.qualities[index] if 0 <= index < len(self.qualities) else None

    def action_show_row(self) -> None:
        """The highlighted quality in full: the names the list cuts, the wallet that pays."""
        quality = self._highlighted_quality()
        if quality is None:
            return
        from immo_connect.tui.screens.row_detail import RowDetailDialog

        self.app.push_screen(RowDetailDialog([
            (_("Organisation"), quality.organisation_name), (_("Wallet"), self._wallet_text(quality)),
            (_("Usage mode"), _(quality.mode_title)), (_("Role"), _(quality.role_title)),
            (_("Terms of use"), _("to accept") if quality.terms_pending else _("accepted")),
        ]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_row":
            return self._highlighted_quality() is not None
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()

    # -- keys --------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Typing on the list filters it (j and k move, + adds)."""
        if (not isinstance(self.focused, OptionList) or not event.is_printable or event.key in NAVIGATION_KEYS
                or event.key in ("slash", ROW_DETAIL.keys)):  # their bindings act; neither is typed
            return
        if event.character is None:
            return
        event.stop()
        event.prevent_default()
        field = self.query_one("#quality-filter-input", Input)
        field.focus()
        field.insert_text_at_cursor(event.character)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "quality-filter-input":
            event.stop()
            self._render_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_start()

    def action_move(self, step: int) -> None:
        option_list = self.query_one("#quality-list", OptionList)
        if step > 0:
            option_list.action_cursor_down()
        else:
            option_list.action_cursor_up()

    def action_focus_filter(self) -> None:
        self.query_one("#quality-filter-input", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "quality-tool" and isinstance(event.value, str) and event.value != self.tool_name:
            event.stop()
            self.tool_name = event.value
            self._reload()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "quality-start":
            self.action_start()
        elif event.button.id == "quality-add-button":
            self.action_add()

    # -- actions -------------------------------------------------------------------------------

    def _selected(self) -> Any | None:
        option = self.query_one("#quality-list", OptionList).highlighted_option
        if option is None or not (option.id or "").startswith("q-"):
            return None
        return self.qualities[int((option.id or "q-0")[2:])]

    def action_start(self) -> None:
        quality = self._selected()
        if quality is None:
            self.notify(_("Choose a quality first."), severity="warning")
            return
        self._start(quality)

    def _start(self, quality: Any) -> None:
        if self.choose_only:
            self.dismiss(quality)
            return
        platform = self.app.platform  # type: ignore[attr-defined]
        call_service(self, "quality-start", platform.tools.start, actor_of(self.app), quality.tool,
                     quality.organisation_id, quality.mode, on_done=self._started,
                     on_error=lambda error: self._refused(error, quality))

    def _started(self, context: Any) -> None:
        from immo_connect.tui.screens.tools._tool_launch import open_tool

        app = self.app
        app.pop_screen()
        open_tool(app, context)

    def _refused(self, error: ImmoConnectError, quality: Any) -> None:
        if error.code == "terms_not_accepted":
            from immo_connect.tui.screens.tools.tool_terms import TermsDialog

            def accepted(version: str | None) -> None:
                if version is None:
                    return
                platform = self.app.platform  # type: ignore[attr-defined]
                call_service(self, "quality-terms", platform.tools.accept_terms, actor_of(self.app), quality.tool,
                             version, on_done=lambda _result: self._start(quality))

            self.app.push_screen(TermsDialog(quality.tool), accepted)
            return
        self.notify(str(error), severity="error", title=_("Cannot start the tool"))
        self._reload()  # the rights changed: show what is left

    def action_add(self) -> None:
        if self.tool_name is None:
            self.notify(_("Choose a tool on the Tools page to register it."), severity="warning")
            return
        from immo_connect.tui.screens.tools.tool_register import ToolRegisterScreen

        self.app.push_screen(ToolRegisterScreen(self.tool_name, organisation_id=self.preferred_organisation))
