from __future__ import annotations

import re

#: What names and identifiers of contributions look like ("cadastrefinder", "ipi.agent").
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")


def check_identifier(kind: str, value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is a valid identifier; ``kind`` names it in the message."""
    if not IDENTIFIER.match(value):
        raise ValueError(f"{kind} {value!r} must be lowercase letters, digits, '_', '-' or '.'")


class Contribution:
    """Something a plugin registers. ``name`` is unique within its kind (lowercase, no spaces).

    ``plugin`` is filled in by the host with the name of the plugin that registered it.
    """

    name: str
    plugin: str = ""
