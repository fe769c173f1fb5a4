from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from immo_connect import __version__, hookspecs
from immo_connect.config_schema import validate
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _
from immo_connect.plugin_host._host import PluginHost, PluginInfo

log = logging.getLogger("immo_connect.plugins")

ENTRY_POINT_GROUP = "immo_connect"
TRACE_VARIABLE = "IMMO_CONNECT_TRACE_PLUGINS"

# Built-in plugins, registered by default: name -> module. Each kind lives in its folder.
BUILTIN_PLUGINS: dict[str, str] = {
    "bank_transfer": "immo_connect.plugins.payments.bank_transfer",
    "mollie": "immo_connect.plugins.payments.mollie",
    "sandbox": "immo_connect.plugins.payments.sandbox",
    "antiblanchiment": "immo_connect.plugins.tools.antiblanchiment",
    "bizmart": "immo_connect.plugins.tools.bizmart",
    "btv": "immo_connect.plugins.tools.btv",
    "cadastrefinder": "immo_connect.plugins.tools.cadastrefinder",
    "cibweb": "immo_connect.plugins.tools.cibweb",
    "covast": "immo_connect.plugins.tools.covast",
    "myrentpro": "immo_connect.plugins.tools.myrentpro",
    "romi": "immo_connect.plugins.tools.romi",
    "biv_ipi": "immo_connect.plugins.recognitions.biv_ipi",
    "notaries": "immo_connect.plugins.recognitions.notaries",
    "land_surveyors": "immo_connect.plugins.recognitions.land_surveyors",
    "itaa": "immo_connect.plugins.recognitions.itaa",
    "invoice_drop": "immo_connect.plugins.invoices.file_drop",
}

# Built-in plugins that run only when their table says enabled = true: the sandbox credits
# wallets without any money moving, which only a demo may want.
OPT_IN_PLUGINS: frozenset[str] = frozenset({"sandbox", "invoice_drop"})

_RESERVED_KEYS = ("enabled", "version")


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry_point.name, entry_point)  # first distribution wins, like pluggy
    return found


def _check_version(name: str, version: str, specifier: Any, where: str) -> None:
    if specifier is None:
        return
    try:
        spec = SpecifierSet(str(specifier))
    except InvalidSpecifier:
        raise ConfigurationError(
            _("{where} version: {specifier} is not a version specifier.").format(where=where, specifier=repr(specifier)),
            hint=_('Write it like ">=1.2,<2".'),
        ) from None
    try:
        ok = Version(version) in spec
    except InvalidVersion:
        ok = False
    if not ok:
        raise ConfigurationError(
            _("{where}: plugin {name} {version} is installed, but {spec} is required.").format(
                where=where, name=name, version=version, spec=spec
            ),
            hint=_("Install a matching version of the plugin or change the version specifier."),
        )


def _schema_of(pm: pluggy.PluginManager, name: str) -> Any:
    for impl in pm.hook.immo_connect_config_schema.get_hookimpls():
        if impl.plugin_name == name:
            return impl.function()
    return None


def create_plugin_host(
    tables: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    config_name: str = "plugins.toml",
    load_entrypoints: bool = True,
    extra_plugins: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
) -> PluginHost:
    """Build the platform's one plugin manager.

    ``tables`` are the ``[plugins.<name>]`` tables of ``plugins.toml``. ``extra_plugins``
    registers ready-made plugin objects (tests use it); ``load_entrypoints=False`` ignores
    installed distributions. A plugin that fails to import or to validate is recorded as
    failed and left out; a configuration mistake raises :class:`ConfigurationError`.
    ``base_dir`` is the configuration file's folder, where relative paths are read from.
    """
    environ = os.environ if environ is None else environ
    tables = tables or {}
    trace = environ.get(TRACE_VARIABLE, "") not in ("", "0")
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if trace:
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()

    infos: dict[str, PluginInfo] = {}
    loaders: dict[str, Any] = {}
    for name, module in BUILTIN_PLUGINS.items():
        infos[name] = PluginInfo(name, __version__, "built-in", module)
        loaders[name] = lambda module=module: importlib.import_module(module)
    if load_entrypoints:
        for name, entry_point in _entry_points().items():
            if name in infos:
                continue
            dist = entry_point.dist
            infos[name] = PluginInfo(
                name, dist.version if dist else "?", "external", entry_point.value,
                distribution=dist.metadata["Name"] if dist else "",
            )
            loaders[name] = entry_point.load
    for name, plugin in (extra_plugins or {}).items():
        infos[name] = PluginInfo(name, __version__, "external", getattr(plugin, "__name__", name))
        loaders[name] = lambda plugin=plugin: plugin

    unknown = sorted(set(tables) - set(infos))
    if unknown:
        raise ConfigurationError(
            _("{file} [plugins.{name}]: no plugin named {quoted} is installed.").format(
                file=config_name, name=unknown[0], quoted=repr(unknown[0])
            ),
            hint=_("Installed plugins: {names}; fix the name or install the plugin.").format(
                names=", ".join(sorted(infos)) or _("none")
            ),
        )

    for name, info in infos.items():
        table = tables.get(name, {})
        where = f"{config_name} [plugins.{name}]"
        enabled = table.get("enabled", name not in OPT_IN_PLUGINS)
        if not isinstance(enabled, bool):
            raise ConfigurationError(
                _("{where} enabled must be true or false.").format(where=where),
                hint=_("Write enabled = false to disable it."),
            )
        if not enabled:
            info.state = "disabled"
            if "enabled" not in table:
                info.reason = _("off unless [plugins.{name}] says enabled = true").format(name=name)
            pm.set_blocked(name)
            continue
        _check_version(name, info.version, table.get("version"), where)
        try:
            plugin = loaders[name]()
            pm.register(plugin, name=name)
        except Exception as error:  # noqa: BLE001 - a broken plugin must not stop the platform
            if pm.get_plugin(name) is not None:
                pm.unregister(name=name)
            info.state, info.reason = "failed", f"{type(error).__name__}: {error}"
            log.error("plugin %s failed to load: %s", name, info.reason)

    configs: dict[str, Any] = {}
    for name, info in infos.items():
        if info.state != "enabled":
            continue
        settings = {k: v for k, v in tables.get(name, {}).items() if k not in _RESERVED_KEYS}
        where = f"{config_name} [plugins.{name}]"
        try:
            schema = _schema_of(pm, name)
        except Exception as error:  # noqa: BLE001 - a broken plugin must not stop the platform
            info.state, info.reason = "failed", f"config schema raised {type(error).__name__}: {error}"
            pm.unregister(name=name)
            continue
        if schema is None:
            if settings:
                raise ConfigurationError(
                    _("{where}: the plugin {name} takes no settings, but {keys} is set.").format(
                        where=where, name=name, keys=", ".join(sorted(settings))
                    ),
                    hint=_("Remove these keys (only enabled and version apply)."),
                )
            configs[name] = None
        else:
            configs[name] = validate(schema, settings, where=where, environ=environ, base_dir=base_dir)

    while True:  # a hook name with no spec (a typo) isolates that plugin only
        try:
            pm.check_pending()
            break
        except pluggy.PluginValidationError as error:
            name = pm.get_name(error.plugin) or "?"
            pm.unregister(name=name)
            if name in infos:
                infos[name].state, infos[name].reason = "failed", str(error)
    _add_plugin_catalogs(pm, infos)
    return PluginHost(pm, infos, configs, trace=trace)


def _add_plugin_catalogs(pm: pluggy.PluginManager, infos: Mapping[str, PluginInfo]) -> None:
    """Each enabled plugin's own catalogs join the platform's (a broken answer is reported)."""
    from immo_connect import i18n

    for impl in pm.hook.immo_connect_translations.get_hookimpls():
        try:
            found: Any = impl.function()
            if found:
                folder, domain = found
                i18n.add_catalogs(Path(folder), str(domain))
        except Exception as error:  # noqa: BLE001 - a broken plugin must not stop the platform
            log.error("plugin %s: its catalogs could not be added: %s", impl.plugin_name, error)
            if impl.plugin_name in infos:
                infos[impl.plugin_name].reason = f"translations: {type(error).__name__}: {error}"
