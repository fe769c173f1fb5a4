"""Immo-Connect: one account for the professional tools of Belgian real-estate professionals.

The public API for plugin authors is deliberately tiny::

    from immo_connect import hookimpl

Everything else lives in private or topic modules and is imported where needed, so that
``import immo_connect`` stays cheap and never pulls in Textual.
"""

from __future__ import annotations

from immo_connect.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
