"""The user menu (the user's name, top right on every screen).

Each area of the platform adds its entry here: (id, label marked with ``N_``, screen path
``module:Class``). The screen class is imported only when the entry is chosen.
"""

from __future__ import annotations

from immo_connect.i18n import N_

MENU_ENTRIES: list[tuple[str, str, str]] = [
]
