"""The running platform: settings, database, plugins and clock, built once per process.

Front ends (CLI, TUI, SSH sessions, workers) call :func:`create_platform` and then use the
services hanging off the returned object. Services are created on first use so a command
only pays for what it touches.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import peewee

from immo_connect import i18n, storage
from immo_connect.clock import Clock
from immo_connect.config import Settings, config_folder, load_settings
from immo_connect.plugin_host import PluginHost, create_plugin_host

if TYPE_CHECKING:
    from immo_connect.accounts.service import AccountService
    from immo_connect.bank.service import BankService
    from immo_connect.eid.service import EidService
    from immo_connect.invoices.service import InvoiceService
    from immo_connect.mail import Outbox
    from immo_connect.oidc.service import SsoService
    from immo_connect.operators.service import OperatorService
    from immo_connect.organisations.service import OrganisationService
    from immo_connect.payments.service import PaymentService
    from immo_connect.recognitions.service import RecognitionService
    from immo_connect.ssh.keys import SshKeyService
    from immo_connect.ssh.sessions import SshSessionRegistry
    from immo_connect.tools.service import ToolService
    from immo_connect.wallet.service import WalletService


@dataclasses.dataclass
class Platform:
    settings: Settings
    plugins: PluginHost
    database: peewee.Database
    clock: Clock = dataclasses.field(default_factory=Clock)
    source: str = "local"  # where requests come from, for the audit log ("tui", "ssh:…", "cli")

    @functools.cached_property
    def accounts(self) -> AccountService:
        """Registration, activation, sign-in, sessions, recovery, profile and legacy import."""
        from immo_connect.accounts.service import AccountService

        return AccountService(self)

    @functools.cached_property
    def outbox(self) -> Outbox:
        """The mail outbox: delivery of queued mails and the operator's view of them."""
        from immo_connect.mail._outbox import Outbox

        return Outbox(self)

    @functools.cached_property
    def ssh_keys(self) -> SshKeyService:
        """The SSH public keys users register to sign in over SSH."""
        from immo_connect.ssh.keys import SshKeyService

        return SshKeyService(self)

    @functools.cached_property
    def ssh_sessions(self) -> SshSessionRegistry:
        """The register of live SSH sessions, shared by every server on the database."""
        from immo_connect.ssh.sessions import SshSessionRegistry

        return SshSessionRegistry(self)

    @functools.cached_property
    def organisations(self) -> OrganisationService:
        """Organisations, join requests, employees and managers (authorization included)."""
        from immo_connect.organisations.service import OrganisationService

        return OrganisationService(self)

    @functools.cached_property
    def recognitions(self) -> RecognitionService:
        """Professional recognitions fetched from the recognition sources."""
        from immo_connect.recognitions.service import RecognitionService

        return RecognitionService(self)

    @functools.cached_property
    def tools(self) -> ToolService:
        """Tool registrations, employee access, quality selection and the start check."""
        from immo_connect.tools.service import ToolService

        return ToolService(self)

    @functools.cached_property
    def wallet(self) -> WalletService:
        """Wallets: charge, credit, transfer, history, CSV export and vouchers."""
        from immo_connect.wallet.service import WalletService

        return WalletService(self)

    @functools.cached_property
    def invoices(self) -> InvoiceService:
        """Monthly invoices and credit notes of tool use, their PDF and UBL XML."""
        from immo_connect.invoices.service import InvoiceService

        return InvoiceService(self)

    @functools.cached_property
    def payments(self) -> PaymentService:
        """Online top-ups: start, follow (polling or webhook) and credit exactly once."""
        from immo_connect.payments.service import PaymentService

        return PaymentService(self)

    @functools.cached_property
    def bank(self) -> BankService:
        """Bank statement imports (CODA, camt.053) and the suspense list."""
        from immo_connect.bank.service import BankService

        return BankService(self)

    @functools.cached_property
    def eid(self) -> EidService:
        """The Belgian eID card: read, verify, authenticate the holder, link to the account."""
        from immo_connect.eid.service import EidService

        return EidService(self)

    @functools.cached_property
    def sso(self) -> SsoService:
        """Signing in to the tools that run in their own web application (OpenID Connect)."""
        from immo_connect.oidc.service import SsoService

        return SsoService(self)

    @functools.cached_property
    def operators(self) -> OperatorService:
        """The back office: operator roles, finding accounts, help and money (four eyes)."""
        from immo_connect.operators.service import OperatorService

        return OperatorService(self)

    def upgrade(self) -> list[str]:
        """Apply pending migrations of the core and of the plugins."""
        applied = storage.upgrade()
        for component, migrations in self.plugins.migrations():
            applied += storage.upgrade_component(component, migrations)
        return applied


def create_platform(
    settings: Settings | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    database_url: str | None = None,
    load_entrypoints: bool = True,
    extra_plugins: Mapping[str, object] | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    source: str = "local",
    environ: Mapping[str, str] | None = None,
) -> Platform:
    """Load settings, open the database (migrating it), and build the plugin host."""
    settings = settings or load_settings(config, database_url=database_url, environ=environ)
    i18n.set_language(settings.language)
    plugins = create_plugin_host(
        settings.plugin_tables,
        config_name=str(settings.config_path or "plugins.toml"),
        base_dir=config_folder(settings),
        load_entrypoints=load_entrypoints,
        extra_plugins=extra_plugins,
        environ=environ,
    )
    db = storage.open_database(settings.database_url)
    result = Platform(settings, plugins, db, clock or Clock(), source)
    from immo_connect import mail  # services enqueue mails for this platform

    mail.bind(result)
    if migrate:
        result.upgrade()
    return result


