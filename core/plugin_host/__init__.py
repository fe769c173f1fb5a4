"""The plugin host: one pluggy ``PluginManager`` per platform, made by a factory.

Nothing is loaded at import time. :func:`create_plugin_host` reads the ``[plugins.*]``
tables of ``plugins.toml``, registers the enabled built-in and installed plugins (entry-point
group ``immo_connect``), validates their configuration and isolates those that fail.
"""

from __future__ import annotations

from immo_connect.plugin_host._host import PluginHost, PluginInfo
from immo_connect.plugin_host._loading import BUILTIN_PLUGINS, ENTRY_POINT_GROUP, OPT_IN_PLUGINS, create_plugin_host

__all__ = ["BUILTIN_PLUGINS", "ENTRY_POINT_GROUP", "OPT_IN_PLUGINS", "PluginHost", "PluginInfo", "create_plugin_host"]
