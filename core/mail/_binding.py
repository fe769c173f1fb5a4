"""The platform the mail functions work for.

:func:`immo_connect.mail.enqueue` is called from deep inside services that only hold an
open transaction, like the storage layer's ``database`` proxy: one process serves one
platform, and :func:`immo_connect.platform.create_platform` binds it here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from immo_connect.config import Settings
    from immo_connect.platform import Platform

_state: dict[str, Platform] = {}


def bind(platform: Platform) -> None:
    _state["platform"] = platform


def current_platform() -> Platform:
    try:
        return _state["platform"]
    except KeyError:
        raise RuntimeError(
            "immo_connect.mail is used before create_platform(): build the platform first"
        ) from None


def current_settings() -> Settings:
    return current_platform().settings
