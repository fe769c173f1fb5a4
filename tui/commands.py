"""Command palette: every action bound on the app or the current screen is an entry."""

from __future__ import annotations

from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from immo_connect.i18n import _


class ActionsProvider(Provider):
    """Lists the bindings that have a description, so every action is reachable by name."""

    def _actions(self) -> list[tuple[str, DOMNode, str, str]]:
        seen: set[str] = set()
        found: list[tuple[str, DOMNode, str, str]] = []
        for namespace in (self.screen, self.app):
            for binding in getattr(namespace, "BINDINGS", []):
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                if binding.action in seen:
                    continue
                if namespace.check_action(binding.action, ()) is False:
                    continue  # not for this user (the back office for operators only)
                seen.add(binding.action)
                # Descriptions are English message ids: shown in the person's language.
                found.append((_(binding.description), namespace, binding.action, binding.key))
        return found

    async def discover(self) -> Hits:
        for description, namespace, action, key in self._actions():
            yield DiscoveryHit(
                description, partial(namespace.run_action, action), help=_("Key: {key}").format(key=key)
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, namespace, action, key in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(description), partial(namespace.run_action, action),
                    help=_("Key: {key}").format(key=key),
                )
