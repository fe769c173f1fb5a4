"""What the frame of the signed-in screens shows, read from the core services in a worker.

The current quality is the organisation (and usage mode) the person works under: the one of
the tool that is open, else the one chosen with « Changer de qualité », else the one a tool
was last started with, else the first organisation. The frame shows its wallet's balance
when the person may see it (:func:`visible_balance`, the one place that decides it).

No Textual here: these functions run in worker threads and return plain values.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from immo_connect.errors import ImmoConnectError
from immo_connect.i18n import _


@dataclasses.dataclass(frozen=True)
class Chosen:
    """A quality chosen with « Changer de qualité »: an organisation, a tool's usage mode or none."""

    organisation_id: int
    tool: str | None = None
    mode: str | None = None


@dataclasses.dataclass(frozen=True)
class CurrentQuality:
    organisation_id: int
    organisation_name: str
    mode_title: str  # translated; "" when no usage mode is chosen
    balance_cents: int | None  # None when the person may not see this wallet
    is_manager: bool

    @property
    def may_see_wallet(self) -> bool:
        """The person's wallet right here includes *view*: the core decided it when the balance
        was read (:func:`visible_balance`). Screens offer the wallet only then."""
        return self.balance_cents is not None


@dataclasses.dataclass(frozen=True)
class QualityEntry:
    """One line of the quality switch: an organisation, or one of its usage modes."""

    chosen: Chosen
    organisation_name: str
    mode_title: str
    balance_cents: int | None
    is_manager: bool

    @property
    def quality(self) -> CurrentQuality:
        return CurrentQuality(self.chosen.organisation_id, self.organisation_name, self.mode_title,
                              self.balance_cents, self.is_manager)


def visible_balance(platform: Any, actor: int, organisation_id: int) -> int | None:
    """The organisation's wallet balance when ``actor`` may see it, else None.

    The core decides: the wallet right (``platform.wallet.right_of``, read without auditing)
    must include ``view``, and the wallet service checks it again; a refusal shows no amount.
    """
    from immo_connect.wallet.rights import RIGHT_VIEW, includes

    try:
        if not includes(platform.wallet.right_of(actor, organisation_id), RIGHT_VIEW):
            return None
        return int(platform.wallet.overview(actor, organisation_id).balance_cents)
    except ImmoConnectError:
        return None


def _active_organisations(platform: Any, actor: int) -> list[Any]:
    """The organisations ``actor`` is an active member of (whatever its wallet right), by name."""
    return [summary for summary in platform.organisations.organisations_of(actor) if summary.usable]


def _mode_title(platform: Any, tool_name: str | None, mode_id: str | None) -> str:
    if not tool_name or not mode_id:
        return ""
    tool = platform.plugins.tool(tool_name)
    mode = tool.mode(mode_id) if tool is not None else None
    return _(mode.title) if mode is not None else ""


def current_quality(platform: Any, actor: int, chosen: Chosen | None, context: Any) -> CurrentQuality | None:
    """The quality the frame shows (see the module's text); None without an active organisation."""
    organisations = {summary.id: summary for summary in _active_organisations(platform, actor)}
    if not organisations:
        return None
    pick: Chosen
    if context is not None and context.organisation_id in organisations:
        pick = Chosen(context.organisation_id, context.tool, context.mode)
    elif chosen is not None and chosen.organisation_id in organisations:
        pick = chosen
    else:
        last = platform.tools.last_choice(actor)
        pick = Chosen(*last) if last is not None else Chosen(next(iter(organisations)))
    organisation = organisations[pick.organisation_id]
    return CurrentQuality(organisation.id, organisation.name, _mode_title(platform, pick.tool, pick.mode),
                          visible_balance(platform, actor, organisation.id), organisation.is_manager)


def quality_entries(platform: Any, actor: int) -> list[QualityEntry]:
    """Every organisation of ``actor`` (active), each followed by the usage modes usable there."""
    balances: dict[int, int | None] = {}
    modes: dict[int, dict[tuple[str, str], str]] = {}
    names: dict[int, str] = {}
    managed: set[int] = set()
    for choice in _active_organisations(platform, actor):
        names[choice.id] = choice.name
        if choice.is_manager:
            managed.add(choice.id)
        balances[choice.id] = visible_balance(platform, actor, choice.id)
        modes[choice.id] = {}
    for tool in platform.tools.catalogue():
        for quality in platform.tools.qualities(actor, tool.name):
            if quality.organisation_id in modes:
                modes[quality.organisation_id].setdefault((quality.tool, quality.mode), _(quality.mode_title))
    entries: list[QualityEntry] = []
    for organisation_id, name in names.items():
        balance = balances[organisation_id]
        manager = organisation_id in managed
        entries.append(QualityEntry(Chosen(organisation_id), name, "", balance, manager))
        seen: set[str] = set()
        for (tool, mode), title in modes[organisation_id].items():
            if title in seen:  # the same usage mode offered by several tools: one line
                continue
            seen.add(title)
            entries.append(QualityEntry(Chosen(organisation_id, tool, mode), name, title, balance, manager))
    return entries


@dataclasses.dataclass(frozen=True)
class Dashboard:
    """The home screen's content: organisations, usable tools, the eID state."""

    organisations: list[Any]  # OrganisationSummary, by name
    balances: dict[int, int | None]
    tools: list[Any]  # the tools the person may start, by title
    session: Any  # the session as the core sees it now (the eID may have been linked since)


def dashboard(platform: Any, actor: int, token: str) -> Dashboard:
    session = platform.accounts.session_info(token)
    summaries = platform.organisations.organisations_of(actor)
    balances = {s.id: visible_balance(platform, actor, s.id) for s in summaries if s.usable}
    return Dashboard(summaries, balances, platform.tools.usable_tools(actor), session)
