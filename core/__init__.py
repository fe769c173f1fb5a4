"""Immo-Connect: one account for the professional tools of Belgian real-estate professionals.

The public API for plugin authors is deliberately tiny::

    from immo_connect import hookimpl

Everything else lives in private or topic modules and is imported where needed, so that
``import immo_connect`` stays cheap and never pulls in Textual (nor pluggy, until a plugin
asks for ``hookimpl``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]

if TYPE_CHECKING:
    from immo_connect.hookspecs import hookimpl


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        from immo_connect.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'immo_connect' has no attribute {name!r}")
