"""Tool access at confirmation: the organisation's registered tool modes and their roles.

The tools area owns tool access (``platform.tools``); without it the organisation simply has
no tool to offer here. Choices are keyed ``"tool:mode"`` with the tools area's choice values
("none" = "Pas d'utilisateur", ``"role:<id>"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from immo_connect.i18n import _

Entry = tuple[str, str, list[tuple[str, str]], str]


def tool_entries(platform: Any, actor: int, organisation_id: int, account_id: int) -> list[Entry]:
    """(key, title, [(role label, choice)], current choice) per registered tool mode."""
    tools = getattr(platform, "tools", None)
    if tools is None or not hasattr(tools, "employee_tools"):
        return []
    entries: list[Entry] = []
    for item in tools.employee_tools(actor, organisation_id, account_id):
        roles = [(_(role.title), f"role:{role.id}") for role in item.access.available_roles]
        entries.append((f"{item.tool}:{item.mode}", f"{_(item.tool_title)} — {_(item.mode_title)}", roles,
                        item.access.choice))
    return entries


def tool_modes(choices: Mapping[str, str]) -> dict[tuple[str, str], str]:
    """The chosen roles keyed (tool, mode), as the tools area takes them; "none" is no grant."""
    keyed: dict[tuple[str, str], str] = {}
    for key, choice in choices.items():
        tool, _sep, mode = key.partition(":")
        if choice != "none":
            keyed[(tool, mode)] = choice
    return keyed


def save_tool_choices(platform: Any, actor: int, organisation_id: int, account_id: int,
                      choices: Mapping[str, str]) -> None:
    """Hand the chosen roles to the tools area (after the membership is active); "none" is no grant."""
    tools = getattr(platform, "tools", None)
    keyed = tool_modes(choices)
    if tools is None or not keyed:
        return
    tools.save_employee_tools(actor, organisation_id, account_id, keyed)
