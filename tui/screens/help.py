"""The "Aide" screen: frequent questions, the support contact and the keys of the current screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Markdown

from immo_connect.i18n import N_, _
from immo_connect.tui.widgets.footer import AppFooter
from immo_connect.tui.widgets.forms import Page
from immo_connect.tui.widgets.header import AppHeader

FAQ: tuple[tuple[str, str], ...] = (
    (N_("I already used one of the tools. Do I need a new account?"),
     N_("No. Your existing login became an Immo-Connect account; sign in with it and complete what is missing.")),
    (N_("Why should I link my eID?"),
     N_("Most tools require it: linking the eID proves who you are and brings in your professional recognitions.")),
    (N_("I did not receive my activation code."),
     N_("Check your spam folder, then use \"Resend the code\" on the activation screen.")),
    (N_("I forgot my password."),
     N_("Choose \"Forgot your password?\" on the sign-in screen and enter your e-mail address.")),
    (N_("How do I join my organisation?"),
     N_("Add it with its enterprise number; a manager of the organisation confirms your request.")),
    (N_("How do I top up the wallet?"),
     N_("Open the wallet of your organisation and choose \"Top up\": online payment or bank transfer with the structured communication.")),
)


class HelpScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", N_("Close help"), id="close-help")]

    def __init__(self, previous: Screen[object] | None = None) -> None:
        super().__init__()
        self.previous = previous

    def _keys(self) -> str:
        """The screen's own keys, then the frame's (from the keymap, as the app's bindings)."""
        from immo_connect.tui.keymap import GLOBAL_KEYS, ROW_DETAIL
        from immo_connect.tui.widgets.table import RecordTable

        lines = [f"| `{binding.key_display or binding.key}` | {_(binding.description)} |"
                 for binding in getattr(self.previous, "BINDINGS", [])
                 if isinstance(binding, Binding) and binding.description]
        if self.previous is not None and self.previous.query(RecordTable):
            lines.append(f"| `{_(ROW_DETAIL.shown_key)}` | {_(ROW_DETAIL.description)} |")
        lines += [f"| `{entry.shown_key}` | {_(entry.description)} |" for entry in GLOBAL_KEYS]
        return "\n".join(lines)

    def compose(self) -> ComposeResult:
        settings = self.app.settings.platform  # type: ignore[attr-defined]
        faq = "\n\n".join(f"**{_(q)}**\n\n{_(a)}" for q, a in FAQ)
        text = (
            f"# {_('Help')}\n\n## {_('Frequent questions')}\n\n{faq}\n\n"
            f"## {_('Contact')}\n\n"
            + _("Support: {email}, {phone}. A screenshot of the problem always helps.").format(
                email=settings.support_email, phone=settings.support_phone
            )
            + f"\n\n{_('More information: {website}').format(website=settings.website)}\n\n"
            f"## {_('Keys')}\n\n| {_('Key')} | {_('Action')} |\n|---|---|\n{self._keys()}\n"
        )
        yield AppHeader(_("Help"))
        with Page():
            yield Markdown(text, id="help-text")
        yield AppFooter()
