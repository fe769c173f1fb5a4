"""The Textual terminal UI: one front end over the core services, holding no business rules.

Public names for tool plugins (``from immo_connect.tui import call_service``), loaded on
first use so that importing this package stays cheap:

- :func:`call_service` runs a service call in a worker and reports back with a message;
- :class:`ServiceHandlers` is the mixin that routes those messages to callbacks on a screen;
- :class:`ServiceDone` and :class:`ServiceFailed` are the messages themselves;
- :class:`ImmoConnectApp` is the application (tests push a tool's screen onto it).

Tool screens also build their text widgets (``Label``, ``Static``, ``Button``, ``DataTable``…)
from :mod:`immo_connect.tui.widgets.safe`, public too: they show people's text literally.
Every other module of this package is private to Immo-Connect and may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["ImmoConnectApp", "ServiceDone", "ServiceFailed", "ServiceHandlers", "call_service"]

_WHERE = {
    "call_service": "immo_connect.tui._service",
    "ServiceHandlers": "immo_connect.tui._service",
    "ServiceDone": "immo_connect.tui._service",
    "ServiceFailed": "immo_connect.tui._service",
    "ImmoConnectApp": "immo_connect.tui.app",
}

if TYPE_CHECKING:
    from immo_connect.tui._service import ServiceDone, ServiceFailed, ServiceHandlers, call_service
    from immo_connect.tui.app import ImmoConnectApp


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'immo_connect.tui' has no attribute {name!r}")
