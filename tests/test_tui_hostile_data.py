"""Hostile text in the database reaches every screen and breaks nothing.

The demo data is overwritten directly in the database (as an old row or another writer
would leave it, without the services' checks) with markup, ``[@click=…]`` actions, ESC, BEL,
NUL and 10,000-character values in every displayed field. Each screen is opened as a manager
would and driven with keys: nothing crashes, no action hidden in the text runs, and what
would be sent to the terminal holds no control character besides Textual's own sequences.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee
import pytest
from textual.screen import Screen

from immo_connect import demo
from immo_connect.accounts.models import Account, Address, Profile
from immo_connect.organisations.models import Membership, Organisation, OrganisationAddress
from immo_connect.platform import Platform
from immo_connect.storage import transaction
from immo_connect.tools.models import ToolRegistration
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.wallet.models import WalletTransaction
from tests.support.tools import MakePlatform, registers_config
from tests.support.tui import foreign_controls, settle, sign_in, terminal_output

LONG = "Lorem ipsum " * 834  # 10,008 characters


def hostile(folder: Path) -> str:
    return (f"[b]x[/i] Agent [/] [@click=app.screenshot('x.svg','{folder}')]Voir[/] [@click=app.quit]"
            " \x1b[2J\x1b]0;pwned\x07\x07\x00\x9b end")


def fill_with_hostile_text(folder: Path) -> None:
    """Every text column shown on a screen gets markup, control characters or 10,000 characters."""
    text = hostile(folder)
    columns: dict[type[peewee.Model], dict[str, str]] = {
        Account: {"first_name": text, "last_name": text + LONG},
        Profile: {"birth_place": text, "nationality": text, "website": text, "linkedin": text},
        Address: {"street": text + LONG, "number": text, "city": text},
        Organisation: {"name": text, "description": LONG + text, "email": text, "phone": text, "mobile": text,
                       "website": text, "facebook": text, "linkedin": text, "instagram": text, "twitter": text},
        OrganisationAddress: {"street": text, "number": text, "box": text, "city": text + LONG},
        Membership: {"function": text + LONG, "work_email": text, "work_phone": text},
    }
    with transaction():
        for model, values in columns.items():
            present = {name: value for name, value in values.items() if name in model._meta.fields}
            model.update(**present).execute()
        # The ledger is append-only: hostile rows are added next to the real ones.
        last = WalletTransaction.select(peewee.fn.MAX(WalletTransaction.number)).scalar()
        for offset, row in enumerate(WalletTransaction.select().order_by(WalletTransaction.id).limit(3), 1):
            data = {**row.__data__, "description": text + LONG, "actor_name": text, "reference": text,
                    "idempotency_key": None, "number": last + offset}
            data.pop("id")
            WalletTransaction.insert(**data).execute()


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    platform = make_platform(config_text=registers_config())
    demo.create(platform)
    return platform


def manager_and_organisation() -> tuple[Account, int]:
    anne = Account.get(Account.username == "anne.peeters")
    membership = (Membership.select().where((Membership.account == anne) & (Membership.is_manager == True))
                  .order_by(Membership.id).first())
    return anne, int(membership.organisation_id)


def screens(org: int) -> dict[str, Callable[[], Screen[Any]]]:
    """Every screen a signed-in manager reaches, built as the app builds it."""
    from immo_connect.tui.screens.accounts.account import AccountScreen
    from immo_connect.tui.screens.accounts.profile import ProfileScreen
    from immo_connect.tui.screens.accounts.recognitions import RecognitionsScreen
    from immo_connect.tui.screens.accounts.ssh_keys import SshKeysScreen
    from immo_connect.tui.screens.accounts.user_menu import UserMenuScreen
    from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
    from immo_connect.tui.screens.help import HelpScreen
    from immo_connect.tui.screens.home import HomeScreen
    from immo_connect.tui.screens.organisations.employee_confirm import ConfirmEmployeeScreen
    from immo_connect.tui.screens.organisations.employee_details import EmployeeDetailsScreen
    from immo_connect.tui.screens.organisations.employees import EmployeesScreen
    from immo_connect.tui.screens.organisations.organisation_data import OrganisationDataScreen
    from immo_connect.tui.screens.organisations.organisations import MyOrganisationsScreen
    from immo_connect.tui.screens.tools.quality import QualityScreen
    from immo_connect.tui.screens.tools.tool_details import ToolDetailsScreen
    from immo_connect.tui.screens.tools.tools import ToolsScreen
    from immo_connect.tui.screens.wallet.topup import TopUpScreen
    from immo_connect.tui.screens.wallet.wallet import WalletScreen
    from immo_connect.tui.screens.wallet.wallet_transfer import WalletTransferScreen

    members = list(Membership.select().where(Membership.organisation == org).order_by(Membership.id))
    active = next(m for m in members if m.status == "active")
    pending = [m for m in members if m.status == "pending"]
    tool = ToolRegistration.select().where(ToolRegistration.organisation == org).first()
    built: dict[str, Callable[[], Screen[Any]]] = {
        "home": HomeScreen, "organisations": MyOrganisationsScreen,
        "organisation data": lambda: OrganisationDataScreen(org),
        "employees": lambda: EmployeesScreen(org),
        "join requests": lambda: EmployeesScreen(org, status="pending"),
        "employee": lambda: EmployeeDetailsScreen(org, active.id),
        "tools": lambda: ToolsScreen(org), "quality": QualityScreen,
        "wallet": lambda: WalletScreen(org), "transfer": lambda: WalletTransferScreen(org),
        "top-up": lambda: TopUpScreen(org), "profile": ProfileScreen, "account": AccountScreen,
        "ssh keys": SshKeysScreen, "recognitions": RecognitionsScreen, "user menu": UserMenuScreen,
        "help": HelpScreen, "confirmation": lambda: ConfirmDialog(hostile(Path("/nowhere")), "Oui"),
    }
    if pending:
        built["join request"] = lambda: ConfirmEmployeeScreen(org, pending[0].id)
    if tool is not None:
        built["tool details"] = lambda: ToolDetailsScreen(tool.tool, org)
        built["quality of a tool"] = lambda: QualityScreen(tool.tool, organisation_id=org)
    return built


GROUPS = {
    "organisations": ("home", "organisations", "organisation data", "employees", "join requests",
                      "employee", "join request", "confirmation"),
    "tools and wallet": ("tools", "tool details", "quality", "quality of a tool", "wallet", "transfer", "top-up"),
    "account": ("profile", "account", "ssh keys", "recognitions", "user menu", "help"),
}


def check(app: ImmoConnectApp, where: str) -> None:
    assert app.is_running, f"the app ended on {where}"
    assert foreign_controls(terminal_output(app)) == [], f"control characters reach the terminal on {where}"


@pytest.mark.parametrize("group", list(GROUPS))
async def test_hostile_text_on_every_screen(platform: Platform, tmp_path: Path, group: str) -> None:
    anne, org = manager_and_organisation()
    folder = tmp_path / "screenshots"  # where the action hidden in the text would write
    folder.mkdir()
    fill_with_hostile_text(folder)
    ran: list[str] = []
    app = ImmoConnectApp(platform)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_quit = lambda: ran.append("quit")  # type: ignore[method-assign]
        app.action_screenshot = lambda *args: ran.append("screenshot")  # type: ignore[method-assign]
        sign_in(app, anne)
        app.notify(hostile(folder), title=hostile(folder))
        built = screens(org)
        for name in GROUPS[group]:
            if name not in built:
                continue
            depth = len(app.screen_stack)
            await app.push_screen(built[name]())
            await settle(pilot)
            check(app, name)
            await pilot.click(offset=(30, 5))
            await pilot.click(offset=(60, 10))
            await pilot.press("tab", "tab", "down", "down")
            await settle(pilot)
            check(app, name)
            while len(app.screen_stack) > depth:
                app.pop_screen()
                await pilot.pause()
        assert ran == []
    assert list(folder.iterdir()) == []
