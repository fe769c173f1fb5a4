"""Opening the screens of one organisation by their id in ``menu.ORGANISATION_SCREENS``."""

from __future__ import annotations

import importlib
from typing import Any

from textual.screen import Screen

from immo_connect.i18n import _
from immo_connect.tui.menu import ORGANISATION_SCREENS


def open_organisation_screen(owner: Screen[Any], kind: str, organisation_id: int, **kwargs: Any) -> bool:
    """Push the ``kind`` screen of an organisation; tell the user when it is not available."""
    path = ORGANISATION_SCREENS.get(kind)
    if path is None:
        owner.notify(_("This part of Immo-Connect is not available here."), severity="warning",
                     title=_("Not available"))
        return False
    module, _sep, name = path.partition(":")
    screen_class = getattr(importlib.import_module(module), name)
    owner.app.push_screen(screen_class(organisation_id, **kwargs))
    return True
