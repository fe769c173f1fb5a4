"""Removing a tool's registration from an organisation: managers only, audited, in one
transaction, and asked first in the terminal UI."""

from __future__ import annotations

import datetime as dt

import pytest

from immo_connect.audit import AuditEvent
from immo_connect.errors import NotFoundError, PermissionDenied
from immo_connect.platform import Platform
from immo_connect.tools.models import QualityChoice, ToolAccess, ToolRegistration
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
from immo_connect.tui.screens.tools.tool_details import ToolDetailsScreen
from immo_connect.tui.widgets.footer import shown_keys
from tests.support.tools import MakePlatform, make_agency, register_cadastrefinder, registers_config
from tests.support.tui import settle, sign_in


@pytest.fixture
def platform(make_platform: MakePlatform, database_url: str) -> Platform:
    return make_platform(database_url, config_text=registers_config())


def test_a_manager_removes_a_registration_with_its_accesses_once(platform: Platform) -> None:
    agency = make_agency(platform)
    organisation = agency.organisation.id
    registration = register_cadastrefinder(platform, agency)
    platform.tools.save_access(agency.manager, organisation, "cadastrefinder", "agent",
                               {agency.agent.id: "role:assistant"})
    QualityChoice.create(account=agency.agent.id, tool="cadastrefinder", organisation=organisation, mode="agent",
                         chosen_at=dt.datetime(2026, 1, 1))
    assert ToolAccess.select().where(ToolAccess.registration == registration).count() == 2

    with pytest.raises(PermissionDenied):  # an employee may not
        platform.tools.unregister(agency.agent, organisation, "cadastrefinder", "agent")
    assert ToolRegistration.get_or_none(ToolRegistration.id == registration) is not None

    platform.tools.unregister(agency.manager, organisation, "cadastrefinder", "agent")
    assert ToolRegistration.get_or_none(ToolRegistration.id == registration) is None
    assert ToolAccess.select().where(ToolAccess.registration == registration).count() == 0
    assert QualityChoice.select().count() == 0
    events = [(e.action, e.outcome, e.actor_id) for e in AuditEvent.select().where(
        AuditEvent.action.startswith("tool.unregister")).order_by(AuditEvent.id)]
    assert [(action, outcome) for action, outcome, _a in events] == [
        ("tool.unregister", "refused"), ("tool.unregistered", "success")]
    assert [actor for _a, _o, actor in events] == [agency.agent.id, agency.manager.id]

    with pytest.raises(NotFoundError):  # already removed
        platform.tools.unregister(agency.manager, organisation, "cadastrefinder", "agent")
    # Registered again, as new.
    register_cadastrefinder(platform, agency)
    assert ToolRegistration.select().count() == 1


async def test_removing_a_registration_asks_first_and_is_offered_to_managers_only(make_platform: MakePlatform) -> None:
    platform = make_platform(config_text=registers_config())
    agency = make_agency(platform)
    organisation = agency.organisation.id
    register_cadastrefinder(platform, agency)
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, agency.agent)  # an employee: not offered
        await app.push_screen(ToolDetailsScreen("cadastrefinder", organisation))
        await settle(pilot)
        assert "unregister" not in {action for _k, _d, action, *_r in shown_keys(app.screen)}
        app.pop_screen()
        await pilot.pause()

        sign_in(app, agency.manager)
        await app.push_screen(ToolDetailsScreen("cadastrefinder", organisation))
        await settle(pilot)
        assert "unregister" in {action for _k, _d, action, *_r in shown_keys(app.screen)}
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#confirm-question").render())
        assert "CadastreFinder" in question and "agent immobilier" in question
        await pilot.press("enter")  # the default answer: no
        await settle(pilot)
        assert ToolRegistration.select().count() == 1
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("tab", "enter")  # « Oui, supprimer l'enregistrement »
        await settle(pilot)
        assert isinstance(app.screen, ToolDetailsScreen)
        assert ToolRegistration.select().count() == 0
        await settle(pilot, lambda: "Non enregistré" in str(app.screen.query_one("#state-agent").render()))
        assert "Non enregistré" in str(app.screen.query_one("#state-agent").render())
        assert "unregister" not in {action for _k, _d, action, *_r in shown_keys(app.screen)}
