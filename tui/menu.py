"""The user menu (the user's name, top right on every screen).

Each area of the platform adds its entry here: (id, label marked with ``N_``, screen path
``module:Class``). The screen class is imported only when the entry is chosen.
"""

from __future__ import annotations

from immo_connect.i18n import N_

MENU_ENTRIES: list[tuple[str, str, str]] = [
    ("profile", N_("My profile"), "immo_connect.tui.screens.accounts.profile:ProfileScreen"),
    ("account", N_("My account"), "immo_connect.tui.screens.accounts.account:AccountScreen"),
    ("ssh-keys", N_("My SSH keys"), "immo_connect.tui.screens.accounts.ssh_keys:SshKeysScreen"),
    ("organisations", N_("My organisations"), "immo_connect.tui.screens.organisations.organisations:MyOrganisationsScreen"),
    ("recognitions", N_("My recognitions"), "immo_connect.tui.screens.accounts.recognitions:RecognitionsScreen"),
    ("tools", N_("Tools"), "immo_connect.tui.screens.tools.tools:ToolsScreen"),
    ("wallet", N_("Wallet"), "immo_connect.tui.screens.wallet.wallet:WalletScreen"),
    ("quality", N_("Change quality"), "immo_connect.tui.screens.tools.quality:QualityScreen"),
    ("connect-tool", N_("Connect a tool"), "immo_connect.tui.screens.tools.connect_tool:ConnectToolScreen"),
    ("back-office", N_("Back office"), "immo_connect.tui.screens.operators.back_office:BackOfficeScreen"),
]

# Entries shown only to some accounts: entry id -> what the account must be.
OPERATORS_ONLY = {"back-office"}
# Entries offered only with a wallet right (view or more) in the current quality. Presentation
# only: the wallet's services refuse on their own whoever calls them.
WALLET_ONLY = {"wallet"}


def wallet_offered(app: object) -> bool:
    """Whether the current quality's wallet may be offered: the person's right there includes
    *view*. Hidden while the quality is unknown (not loaded yet, or no active organisation)."""
    quality = getattr(app, "workspace_quality", None)
    return bool(quality is not None and getattr(quality, "may_see_wallet", False))


def entry_offered(app: object, entry_id: str) -> bool:
    """Whether the user menu (and the command palette) offers ``entry_id`` to this person now."""
    if entry_id in OPERATORS_ONLY:
        return bool(getattr(app, "operator_role", None))
    if entry_id in WALLET_ONLY:
        return wallet_offered(app)
    return True

# The shortcuts of one organisation ("Mes organisations" and its details): id -> screen path
# ``module:Class``; the class is built as ``Class(organisation_id)``. The tools and wallet
# areas add "tools" and "wallet".
ORGANISATION_SCREENS: dict[str, str] = {
    "employees": "immo_connect.tui.screens.organisations.employees:EmployeesScreen",
    "details": "immo_connect.tui.screens.organisations.organisation_data:OrganisationDataScreen",
    "tools": "immo_connect.tui.screens.tools.tools:ToolsScreen",
    "wallet": "immo_connect.tui.screens.wallet.wallet:WalletScreen",
}
