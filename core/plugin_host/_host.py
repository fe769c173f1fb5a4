from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Mapping
from typing import Any, TypeVar

import pluggy

from immo_connect.contracts import Contribution, PaymentMethod, RecognitionSource, Tool
from immo_connect.storage import Migration

log = logging.getLogger("immo_connect.plugins")

C = TypeVar("C", bound=Contribution)


@dataclasses.dataclass
class PluginInfo:
    """One row of ``immo-connect plugins``."""

    name: str
    version: str
    kind: str  # "built-in" or "external"
    module: str
    distribution: str = ""
    state: str = "enabled"  # "enabled", "disabled" or "failed"
    reason: str = ""
    hooks: list[str] = dataclasses.field(default_factory=list)


class PluginHost:
    """A typed facade over the plugin manager: core code calls these methods, never ``pm.hook``."""

    def __init__(
        self,
        pm: pluggy.PluginManager,
        infos: dict[str, PluginInfo],
        configs: Mapping[str, Any],
        *,
        trace: bool = False,
    ) -> None:
        self.pm = pm
        self._infos = infos
        self._configs = dict(configs)
        self._trace = trace
        self._cache: dict[str, list[Any]] = {}

    # -- listing -------------------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every known plugin with its state, built-ins first, then by name."""
        for info in self._infos.values():
            plugin = self.pm.get_plugin(info.name)
            if plugin is not None:
                info.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])
        return sorted(self._infos.values(), key=lambda i: (i.kind != "built-in", i.name))

    def config(self, plugin_name: str) -> Any:
        """The validated configuration of one plugin (``None`` when it declares no schema)."""
        return self._configs.get(plugin_name)

    # -- isolation ---------------------------------------------------------------------------

    def _fail(self, plugin_name: str, reason: str) -> None:
        info = self._infos.get(plugin_name)
        if info is not None and info.state != "failed":
            info.state, info.reason = "failed", reason
        log.error("plugin %s failed: %s", plugin_name, reason)

    def _call_each(self, hook_name: str, **kwargs: Any) -> None:
        """Call every implementation of ``hook_name``; a failing one is reported, not raised."""
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):  # pluggy's order
            self._call_one(impl, hook_name, **kwargs)

    def _collect(self, hook_name: str, kind: type[C]) -> list[C]:
        if hook_name in self._cache:
            return list(self._cache[hook_name])
        found: dict[str, C] = {}
        current = {"plugin": ""}

        def register(item: Any) -> None:
            if not isinstance(item, kind):
                raise TypeError(f"register() expects a {kind.__name__}, got {type(item).__name__}")
            if not getattr(item, "name", ""):
                raise ValueError(f"a {kind.__name__} needs a name")
            if item.name in found:
                raise ValueError(
                    f"{kind.__name__} {item.name!r} is already registered by {found[item.name].plugin}"
                )
            item.plugin = current["plugin"]
            found[item.name] = item

        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            current["plugin"] = impl.plugin_name
            before = dict(found)
            if not self._call_one(impl, hook_name, register=register):
                # all or nothing per plugin: drop what it registered before failing
                found.clear()
                found.update(before)
        result = sorted(found.values(), key=lambda c: c.name)
        self._cache[hook_name] = result
        return list(result)

    def _call_one(self, impl: Any, hook_name: str, **kwargs: Any) -> bool:
        """Call one implementation with the arguments it asks for; False when it failed.

        The plugin's own validated configuration is passed as ``config``. A failure marks
        the plugin failed (it is skipped from then on) instead of propagating.
        """
        info = self._infos.get(impl.plugin_name)
        if info is not None and info.state == "failed":
            return False
        arguments = {name: kwargs[name] for name in impl.argnames if name in kwargs}
        if "config" in impl.argnames:
            arguments["config"] = self._configs.get(impl.plugin_name)
        if self._trace:
            print(f"[plugins] {hook_name} -> {impl.plugin_name}", file=sys.stderr)
        try:
            impl.function(**arguments)
        except Exception as error:  # noqa: BLE001 - isolating a failing plugin is the point
            self._fail(impl.plugin_name, f"{hook_name} raised {type(error).__name__}: {error}")
            return False
        return True

    # -- contributions -----------------------------------------------------------------------

    def tools(self) -> list[Tool]:
        return self._collect("immo_connect_register_tools", Tool)

    def recognition_sources(self) -> list[RecognitionSource]:
        return self._collect("immo_connect_register_recognition_sources", RecognitionSource)

    def payment_methods(self) -> list[PaymentMethod]:
        return self._collect("immo_connect_register_payment_methods", PaymentMethod)

    def tool(self, name: str) -> Tool | None:
        return next((t for t in self.tools() if t.name == name), None)

    def migrations(self) -> list[tuple[str, list[Migration]]]:
        found: list[tuple[str, list[Migration]]] = []

        def register(component: str, migrations: list[Migration]) -> None:
            if not all(isinstance(m, Migration) for m in migrations):
                raise TypeError("register() expects a list of Migration")
            found.append((component, list(migrations)))

        for impl in reversed(self.pm.hook.immo_connect_register_migrations.get_hookimpls()):
            self._call_one(impl, "immo_connect_register_migrations", register=register)
        return found

    # -- events (after commit, isolated) ------------------------------------------------------

    def account_created(self, account: Any) -> None:
        self._call_each("immo_connect_account_created", account=account)

    def account_activated(self, account: Any) -> None:
        self._call_each("immo_connect_account_activated", account=account)

    def eid_linked(self, account: Any) -> None:
        self._call_each("immo_connect_eid_linked", account=account)

    def organisation_created(self, organisation: Any, actor: Any) -> None:
        self._call_each("immo_connect_organisation_created", organisation=organisation, actor=actor)

    def membership_requested(self, membership: Any) -> None:
        self._call_each("immo_connect_membership_requested", membership=membership)

    def membership_confirmed(self, membership: Any, actor: Any) -> None:
        self._call_each("immo_connect_membership_confirmed", membership=membership, actor=actor)

    def membership_blocked(self, membership: Any, actor: Any) -> None:
        self._call_each("immo_connect_membership_blocked", membership=membership, actor=actor)

    def membership_removed(self, membership: Any, actor: Any) -> None:
        self._call_each("immo_connect_membership_removed", membership=membership, actor=actor)

    def transaction_posted(self, transaction: Any) -> None:
        self._call_each("immo_connect_transaction_posted", transaction=transaction)

    def delivers_invoices(self) -> bool:
        """True when at least one plugin delivers invoices (the documents need rendering)."""
        return bool(self.pm.hook.immo_connect_deliver_invoice.get_hookimpls())

    def deliver_invoice(self, invoice: Any) -> bool:
        """Tell every delivery plugin about ``invoice``; False when one of them failed."""
        delivered = True
        for impl in reversed(self.pm.hook.immo_connect_deliver_invoice.get_hookimpls()):
            delivered = self._call_one(impl, "immo_connect_deliver_invoice", invoice=invoice) and delivered
        return delivered
