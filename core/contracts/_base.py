from __future__ import annotations


class Contribution:
    """Something a plugin registers. ``name`` is unique within its kind (lowercase, no spaces).

    ``plugin`` is filled in by the host with the name of the plugin that registered it.
    """

    name: str
    plugin: str = ""
