"""Command palette (ctrl+p): every action of the screen in front and of the frame is an entry.

The frame's keys come from ``tui/keymap.py`` (the app's bindings), the screen's from its
bindings, and the user menu's entries (``tui/menu.py``) are there too, so everything the
person can do is reachable by name.
"""

from __future__ import annotations

from functools import partial

from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from immo_connect.i18n import _


class ActionsProvider(Provider):
    """Lists the bindings that have a description, then the user menu's entries."""

    def _actions(self) -> list[tuple[str, DOMNode, str, str]]:
        seen: set[str] = set()
        found: list[tuple[str, DOMNode, str, str]] = []
        for namespace in (self.screen, self.app):
            for binding in getattr(namespace, "BINDINGS", []):
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                if binding.action in seen:
                    continue
                _target, name, parameters = parse_action(binding.action)
                if namespace.check_action(name, parameters) is False:
                    continue  # not for this user (the back office for operators only, the wallet area)
                seen.add(binding.action)
                key = _("Key: {key}").format(key=binding.key_display or binding.key)
                # Descriptions are English message ids: shown in the person's language.
                found.append((_(binding.description), namespace, binding.action, key))
        if getattr(self.app, "session", None) is not None:
            from immo_connect.tui.menu import MENU_ENTRIES, entry_offered

            descriptions = {description for description, *_rest in found}
            for entry_id, label, _path in MENU_ENTRIES:
                if not entry_offered(self.app, entry_id):
                    continue
                if _(label) not in descriptions:
                    found.append((_(label), self.app, f"open_entry('{entry_id}')", _("User menu")))
        return found

    async def discover(self) -> Hits:
        for description, namespace, action, help_text in self._actions():
            yield DiscoveryHit(description, partial(namespace.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, namespace, action, help_text in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description), partial(namespace.run_action, action), help=help_text)
