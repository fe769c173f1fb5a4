"""The quality selection says which wallet pays, and never preselects another organisation.

Started from organisation A's « Outils » page, the selection highlights A even when B was
used last (Enter would otherwise charge B); the list shows each wallet's balance and the
price of the tool before it runs.
"""

from __future__ import annotations

import pytest

from immo_connect.platform import Platform
from immo_connect.plugins.tools.cadastrefinder.screen import CadastreFinderScreen
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.tools.quality import QualityScreen
from immo_connect.tui.screens.tools.tools import ToolsScreen
from immo_connect.tui.widgets.safe import DataTable, Input, OptionList
from tests.support.factories import make_account, make_organisation
from tests.support.tools import AGENT_AND_SYNDIC, MakePlatform, fund, link_identity, registers_config
from tests.support.tui import settle, sign_in


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    return make_platform(config_text=registers_config())


def highlighted_organisation(options: OptionList) -> str:
    index = options.highlighted
    assert index is not None
    header = max(i for i in range(index) if options.get_option_at_index(i).disabled)
    return str(options.get_option_at_index(header).prompt)


async def test_started_from_an_organisations_tools_page_that_organisation_pays(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    agence_a = make_organisation(marc, name="Agence A")
    bureau_b = make_organisation(marc, name="Bureau B")
    for organisation in (agence_a, bureau_b):
        platform.tools.register(marc, organisation.id, "cadastrefinder", "agent", terms_version="2016-1")
    fund(platform, agence_a, 1234)
    platform.tools.start(marc, "cadastrefinder", bureau_b.id, "agent")  # B was used last
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        sign_in(app, marc)
        await app.push_screen(ToolsScreen(agence_a.id))
        await settle(pilot, lambda: app.screen.query_one("#tools-table", DataTable).row_count > 0)
        table = app.screen.query_one("#tools-table", DataTable)
        row = next(i for i in range(table.row_count) if "CadastreFinder" in str(table.get_row_at(i)[0]))
        table.move_cursor(row=row)
        await pilot.press("s")
        await settle(pilot, lambda: isinstance(app.screen, QualityScreen) and app.screen.qualities)
        await settle(pilot)
        options = app.screen.query_one("#quality-list", OptionList)
        assert "Agence A" in highlighted_organisation(options)
        assert "12,34 €" in highlighted_organisation(options)  # the wallet that pays, with its balance
        assert "€" in str(app.screen.query_one("#quality-price").render())  # the price, before it runs
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, CadastreFinderScreen))
        assert app.tool_context.organisation_id == agence_a.id  # type: ignore[attr-defined]


async def test_without_an_organisation_the_last_one_used_is_highlighted(platform: Platform) -> None:
    marc = make_account("marc.janssens", first_name="Marc", last_name="Janssens")
    link_identity(platform, marc, AGENT_AND_SYNDIC)
    agence_a = make_organisation(marc, name="Agence A")
    bureau_b = make_organisation(marc, name="Bureau B")
    for organisation in (agence_a, bureau_b):
        platform.tools.register(marc, organisation.id, "cadastrefinder", "agent", terms_version="2016-1")
    platform.tools.start(marc, "cadastrefinder", bureau_b.id, "agent")
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, marc)
        await app.push_screen(QualityScreen("cadastrefinder"))
        await settle(pilot, lambda: app.screen.qualities)
        await settle(pilot)
        assert "Bureau B" in highlighted_organisation(app.screen.query_one("#quality-list", OptionList))
        await pilot.press("slash")  # focuses the filter, without typing itself
        await pilot.pause()
        field = app.screen.query_one("#quality-filter-input", Input)
        assert app.screen.focused is field and field.value == ""
        await pilot.press(*"zzz")
        await pilot.pause()
        assert "Aucune qualité" in str(app.screen.query_one("#quality-empty").render())  # empty results say so


def test_textual_s_own_list_key_speaks_french() -> None:
    from textual.widgets._select import SelectOverlay

    from immo_connect.i18n import _

    # Key descriptions are message ids, translated as the key bar shows them.
    assert [_(binding.description) for binding in SelectOverlay.BINDINGS] == ["Fermer la liste"]  # type: ignore[union-attr]
