"""Platform settings: the environment, then ``plugins.toml``, then defaults.

``plugins.toml`` holds the platform's own tables (``[platform]``, ``[security]``,
``[mail]``, …) and one ``[plugins.<name>]`` table per plugin. The file is found through
``--config``, then ``IMMO_CONNECT_CONFIG``, then ``$XDG_CONFIG_HOME/immo-connect/plugins.toml``;
without any, the built-in defaults apply (every built-in plugin enabled except the ones that
must be asked for, such as the sandbox payment method). Relative paths in the file are read
from the file's own folder. Every number is checked for range (``Range`` below).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from immo_connect.config_schema import Range, Secret, validate
from immo_connect.errors import ConfigurationError
from immo_connect.files import private_folder
from immo_connect.i18n import _
from immo_connect.secret_key import load_platform_key

ENV_PREFIX = "IMMO_CONNECT_"


@dataclasses.dataclass(frozen=True)
class PlatformSection:
    """Who runs the platform: shown in help screens, mails and vouchers."""

    name: str = "Immo-Connect"
    legal_name: str = "Immo-Connect SRL"
    enterprise_number: str = "0403.170.701"
    address: str = "Rue de la Loi 1, 1000 Bruxelles"
    support_email: str = "support@immo-connect.be"
    support_phone: str = "+32 2 000 00 00"
    website: str = "https://www.immo-connect.be"
    iban: str = "BE71096123456769"
    bic: str = "GKCCBEBB"
    language: Literal["fr", "en", "nl"] = "fr"
    terms_version: str = "2026-01"


@dataclasses.dataclass(frozen=True)
class SecuritySection:
    """Session lifetimes and the key for keyed hashes and encrypted fields."""

    session_idle_minutes: Annotated[int, Range(1, 24 * 60)] = 30
    session_absolute_hours: Annotated[int, Range(1, 7 * 24)] = 12
    secret_key: Secret | None = None


@dataclasses.dataclass(frozen=True)
class SshSection:
    """The embedded SSH server (``immo-connect serve``): limits and timeouts.

    Limits on sessions are counted across every server sharing the database; the
    connection rate is counted per server process.
    """

    listen: str = "127.0.0.1:2222"
    host_key: Path | None = None  # default: ssh_host_ed25519_key in the data directory
    login_screen: bool = True  # clients without a registered key get the sign-in screen
    # "host:port" users connect to, shown in the sftp command for uploads; default: the host of
    # [platform] website and the port of listen
    public_address: str = ""
    max_sessions: Annotated[int, Range(1, 100_000)] = 50  # signed-in sessions (key or password)
    max_sessions_per_account: Annotated[int, Range(1, 1000)] = 3
    # Sessions still on the sign-in screen have their own places, apart from max_sessions…
    max_anonymous_sessions: Annotated[int, Range(1, 100_000)] = 20
    max_anonymous_per_address: Annotated[int, Range(1, 1000)] = 3  # …of which this many from one address
    sign_in_timeout_seconds: Annotated[float, Range(1, 3600)] = 120.0  # on the sign-in screen, then closed
    account_check_seconds: Annotated[float, Range(0.1, 300)] = 5.0  # blocked/deleted accounts' sessions close
    idle_timeout_minutes: Annotated[float, Range(0.01, 24 * 60)] = 30.0
    session_timeout_hours: Annotated[float, Range(0.01, 7 * 24)] = 12.0
    # from TCP connect to the end of SSH authentication
    login_timeout_seconds: Annotated[int, Range(5, 600)] = 60
    connections_per_minute: Annotated[int, Range(1, 100_000)] = 20  # new connections per source address
    failures_per_source: Annotated[int, Range(1, 10_000)] = 10  # failed sign-ins per source address within the window
    failure_window_minutes: Annotated[int, Range(1, 24 * 60)] = 15
    keepalive_seconds: Annotated[int, Range(1, 3600)] = 15
    color_system: Literal["truecolor", "256", "standard"] = "truecolor"  # when the client says nothing
    fps: Annotated[int, Range(1, 120)] = 30
    # Session processes are forks of a warm parent process (false: each one is a new Python)
    prefork: bool = True


@dataclasses.dataclass(frozen=True)
class EidSection:
    """Reading and verifying the Belgian eID card (see docs/eid.md).

    ``trust_anchors`` adds root certificates (PEM or DER files) to the pinned Belgian
    roots, e.g. an acceptance PKI. Revocation is checked only when ``crl_files`` or
    ``ocsp_url`` is set; otherwise a link records "not checked".
    """

    pkcs11_module: str = ""  # default: the official module's path for this OS
    reader: str = ""  # prefer PC/SC readers whose name contains this text
    trust_anchors: tuple[Path, ...] = ()
    crl_files: tuple[Path, ...] = ()
    ocsp_url: str = ""
    ocsp_timeout_seconds: Annotated[float, Range(0.5, 120)] = 5.0
    server_id: str = ""  # what remote signatures are bound to; default: the host of [platform] website
    challenge_minutes: Annotated[int, Range(1, 60)] = 5
    # Citizen CA certificates (PEM or DER files): Web eID sends only the authentication
    # certificate, so its issuer must be known here (each must chain to a pinned root).
    citizen_cas: tuple[Path, ...] = ()


@dataclasses.dataclass(frozen=True)
class MailSection:
    """How mails leave the outbox: a local maildir (default) or an SMTP server."""

    transport: Literal["maildir", "smtp"] = "maildir"
    sender: str = "Immo-Connect <no-reply@immo-connect.be>"
    maildir: Path | None = None
    host: str = "localhost"
    port: Annotated[int, Range(1, 65535)] = 25
    security: Literal["none", "starttls", "tls"] = "none"
    username: str = ""
    password: Secret | None = None
    max_attempts: Annotated[int, Range(1, 100)] = 8
    timeout_seconds: Annotated[float, Range(1, 600)] = 30.0
    ca_file: Path | None = None  # CA bundle for a server whose certificate is not public
    retry_base_seconds: Annotated[float, Range(1, 86_400)] = 30.0  # first retry within this delay, doubling each time
    retry_max_seconds: Annotated[float, Range(1, 7 * 86_400)] = 21600.0
    lease_seconds: Annotated[float, Range(10, 86_400)] = 300.0  # a claimed mail returns to the queue after this
    poll_seconds: Annotated[float, Range(0.1, 3600)] = 2.0  # how often a worker looks for due mails
    # bodies (with their codes) of finished mails are erased after this
    keep_bodies_days: Annotated[int, Range(0, 3650)] = 30


@dataclasses.dataclass(frozen=True)
class LogSection:
    """The platform's log (docs/security.md): level, file rotation, stderr for services.

    ``IMMO_CONNECT_LOG_LEVEL`` overrides ``level`` for the process it is set on (and the
    session processes of a server, which inherit it).
    """

    level: Literal["debug", "info", "warning", "error"] = "info"
    file_max_mb: Annotated[int, Range(1, 10_000)] = 10  # immo-connect.log is rotated at this size…
    file_backups: Annotated[int, Range(0, 1000)] = 5  # …keeping this many older files (immo-connect.log.1 …)
    stderr: Literal["auto", "always", "never"] = "auto"  # serve and worker: auto = when not a terminal


@dataclasses.dataclass(frozen=True)
class WebSection:
    """The web server (``immo-connect web``): the identity provider of the tools, their
    wallet API and the payment providers' webhooks (see docs/vendor-web-tool.md)."""

    issuer: str = ""  # the public address of the provider; default: [platform] website
    listen: str = "127.0.0.1:8470"
    access_token_minutes: Annotated[int, Range(1, 1440)] = 10
    id_token_minutes: Annotated[int, Range(1, 1440)] = 10
    refresh_token_days: Annotated[int, Range(1, 365)] = 30
    code_seconds: Annotated[int, Range(10, 600)] = 60  # authorization codes
    request_minutes: Annotated[int, Range(1, 60)] = 10  # device and browser requests waiting for approval
    sign_in_link_seconds: Annotated[int, Range(30, 600)] = 120
    wrong_codes_per_account: Annotated[int, Range(1, 100)] = 5  # wrong user codes within the window below
    wrong_code_window_minutes: Annotated[int, Range(1, 1440)] = 15
    requests_per_source: Annotated[int, Range(1, 100_000)] = 60  # new device or browser requests per address…
    request_window_minutes: Annotated[int, Range(1, 1440)] = 10  # …within this window
    logout_timeout_seconds: Annotated[float, Range(0.5, 60)] = 5.0  # back-channel logout calls to a tool
    logout_retry_poll_seconds: Annotated[float, Range(1, 3600)] = 30.0  # how often `web` retries owed logout notices


@dataclasses.dataclass(frozen=True)
class OperatorsSection:
    """``[operators]``: the back office (see docs/operators.md)."""

    # A wallet correction or refund above this many euros waits for a second finance operator.
    second_approval_above_euros: Annotated[int, Range(0, 1_000_000)] = 500
    # The only folder the money desk's screens import statement files from (a path relative
    # to the configuration file's folder, or absolute). Unset: the screens import nothing.
    import_folder: Path | None = None


@dataclasses.dataclass(frozen=True)
class InvoicesSection:
    """The monthly invoices of tool use (docs/invoices.md), issued by the platform's company.

    Off until ``enabled = true`` and the seller is fully described: an invoice with a wrong
    seller cannot be taken back, only credited, so nothing is issued on defaults.
    """

    enabled: bool = False
    seller_name: str = ""  # the registered name of the company that issues the invoices
    street: str = ""  # street and number
    postal_code: str = ""
    city: str = ""
    country: str = "BE"  # ISO 3166-1 alpha-2
    enterprise_number: str = ""  # 0123.456.789: the seller's Peppol identifier (scheme 0208)
    vat_number: str = ""  # default: BE and the enterprise number
    iban: str = ""
    bic: str = ""
    email: str = ""  # the seller's contact address printed on the invoice
    vat_rate: Annotated[float, Range(0, 100)] = 21.0  # percent, for every tool without its own rate
    tool_vat_rates: dict[str, float] = dataclasses.field(default_factory=dict)  # tool name -> percent
    # When VAT is due on the prepaid wallet: at each use of a tool (default) or at each top-up.
    vat_on: Literal["use", "topup"] = "use"

    @property
    def vat_identifier(self) -> str:
        """The seller's VAT number: as configured, or BE followed by the enterprise number."""
        digits = "".join(ch for ch in self.enterprise_number if ch.isdigit())
        return (self.vat_number or f"BE{digits}").replace(" ", "").replace(".", "")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the core needs to start; built by :func:`load_settings`."""

    data_dir: Path
    database_url: str
    config_path: Path | None
    platform: PlatformSection
    security: SecuritySection
    mail: MailSection
    plugin_tables: Mapping[str, Mapping[str, Any]]
    secret_key: bytes
    ssh: SshSection = SshSection()
    eid: EidSection = EidSection()
    web: WebSection = WebSection()
    log: LogSection = LogSection()
    operators: OperatorsSection = OperatorsSection()
    invoices: InvoicesSection = InvoicesSection()

    @property
    def language(self) -> str:
        return self.platform.language

    @property
    def issuer(self) -> str:
        """The identity provider's issuer identifier (no trailing slash)."""
        return (self.web.issuer or self.platform.website).rstrip("/")

    @property
    def sandbox_enabled(self) -> bool:
        """True when the sandbox payment method (top-ups without real money) is switched on.

        It is off unless ``[plugins.sandbox]`` says ``enabled = true``, as the demo
        configuration does; front ends then say so on every screen and command.
        """
        table = self.plugin_tables.get("sandbox", {})
        return table.get("enabled") is True


def sandbox_warning() -> str:
    """One line for operators: the platform runs with the sandbox payment method on."""
    return _("Demo mode: the sandbox payment method is on, so top-ups are credited without real money. "
             "In production, remove enabled = true from [plugins.sandbox].")


_SECTIONS: dict[str, type[Any]] = {
    "platform": PlatformSection,
    "security": SecuritySection,
    "mail": MailSection,
    "ssh": SshSection,
    "eid": EidSection,
    "web": WebSection,
    "log": LogSection,
    "operators": OperatorsSection,
    "invoices": InvoicesSection,
}


def default_data_dir(environ: Mapping[str, str]) -> Path:
    if environ.get(ENV_PREFIX + "DATA_DIR"):
        return Path(environ[ENV_PREFIX + "DATA_DIR"]).expanduser()
    base = environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "immo-connect"


def find_config(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Path | None:
    if explicit:
        return Path(explicit)
    if environ.get(ENV_PREFIX + "CONFIG"):
        return Path(environ[ENV_PREFIX + "CONFIG"])
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    candidate = Path(base) / "immo-connect" / "plugins.toml"
    try:
        return candidate if candidate.exists() else None
    except OSError as error:  # a folder on the way that this user may not enter
        raise _unreadable(candidate, error) from None


def read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file: most starts have none, and it costs milliseconds

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(
            _("{path}: file not found.").format(path=path),
            hint=_("Create it, or point IMMO_CONNECT_CONFIG at an existing plugins.toml."),
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(
            _("{path}: not valid TOML ({error}).").format(path=path, error=error),
            hint=_("Fix the syntax at the line shown; see plugins.toml in the repository for an example."),
        ) from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ConfigurationError(
            _("{path}: not UTF-8 text (byte {byte} on line {line} cannot be read).").format(
                path=path, byte=f"0x{error.object[error.start]:02x}", line=line
            ),
            hint=_("Save the file as UTF-8 (most editors offer it under \"Save as\" or \"Encoding\")."),
        ) from None
    except IsADirectoryError:
        raise ConfigurationError(
            _("{path}: is a folder, not a configuration file.").format(path=path),
            hint=_("Point IMMO_CONNECT_CONFIG or --config at the plugins.toml file itself."),
        ) from None
    except OSError as error:
        raise _unreadable(path, error) from None


def _unreadable(path: Path, error: OSError) -> ConfigurationError:
    return ConfigurationError(
        _("{path}: cannot be read ({reason}).").format(path=path, reason=error.strerror or error),
        hint=_("Give the user running Immo-Connect read access to it (for example chmod 640 and the "
               "service's group), or point IMMO_CONNECT_CONFIG at a readable copy."),
    )


def _key_source(document: Mapping[str, Any], name: str) -> str:
    """Where a configured platform key comes from, for messages: the variable and the key."""
    configured = document.get("security", {}).get("secret_key")
    variable = configured.get("env") if isinstance(configured, dict) else None
    return f"{variable} ({name} [security] secret_key)" if variable else f"{name} [security] secret_key"


def config_folder(settings: Settings) -> Path | None:
    """The folder relative paths of the configuration are read from (``None``: no file)."""
    return settings.config_path.absolute().parent if settings.config_path else None


def load_settings(
    config: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    database_url: str | None = None,
    writes_nothing: bool = False,
) -> Settings:
    """Read the environment and ``plugins.toml`` into validated :class:`Settings`.

    ``writes_nothing``: for commands run on a user's own computer (``immo-connect eid sign``),
    which use no database and no platform key: the data directory is not created and no
    ``secret.key`` is made; the key is a throwaway random value nothing is ever derived from
    or stored with.
    """
    environ = os.environ if environ is None else environ
    path = find_config(config, environ)
    document = read_toml(path) if path else {}
    name = str(path) if path else "plugins.toml"
    base_dir = path.absolute().parent if path else None
    known = set(_SECTIONS) | {"plugins"}
    unknown = sorted(set(document) - known)
    if unknown:
        raise ConfigurationError(
            _("{file}: unknown table [{table}].").format(file=name, table=unknown[0]),
            hint=_("Allowed tables: {tables}; plugin settings go under [plugins.<name>].").format(
                tables=", ".join(sorted(known))
            ),
        )
    sections: dict[str, Any] = {}
    for key, schema in _SECTIONS.items():
        table = document.get(key, {})
        if not isinstance(table, dict):
            raise ConfigurationError(
                _("{file}: {key} must be a table.").format(file=name, key=key),
                hint=_("Write it as [{key}].").format(key=key),
            )
        sections[key] = validate(schema, table, where=f"{name} [{key}]", environ=environ, base_dir=base_dir)
    plugins = document.get("plugins", {})
    if not isinstance(plugins, dict) or not all(isinstance(v, dict) for v in plugins.values()):
        raise ConfigurationError(
            _("{file}: [plugins] must contain one table per plugin.").format(file=name),
            hint=_("Write [plugins.<name>] with enabled = true/false and the plugin's keys."),
        )
    data_dir = default_data_dir(environ) if writes_nothing else private_folder(default_data_dir(environ))
    url = (
        database_url
        or environ.get(ENV_PREFIX + "DATABASE_URL")
        or f"sqlite:///{data_dir / 'immo-connect.sqlite3'}"
    )
    return Settings(
        data_dir=data_dir,
        database_url=url,
        config_path=path,
        platform=sections["platform"],
        security=sections["security"],
        mail=sections["mail"],
        plugin_tables=plugins,
        secret_key=secrets.token_bytes(32) if writes_nothing else load_platform_key(
            sections["security"].secret_key, _key_source(document, name), environ, data_dir),
        ssh=sections["ssh"],
        eid=sections["eid"],
        web=sections["web"],
        log=sections["log"],
        operators=sections["operators"],
        invoices=check_invoices(sections["invoices"], f"{name} [invoices]"),
    )


def check_invoices(section: InvoicesSection, where: str) -> InvoicesSection:
    """Refuse an ``[invoices]`` table that would issue invoices a buyer cannot book.

    Nothing is checked while invoicing is off; once on, the seller's name, address,
    enterprise number and IBAN are required and must be valid, and every rate in range.
    """
    from immo_connect.errors import ValidationError
    from immo_connect.formats import enterprise, iban

    for tool, rate in section.tool_vat_rates.items():
        if not 0 <= rate <= 100:
            raise ConfigurationError(
                _("{where} tool_vat_rates.{tool} = {rate} is out of range: allowed from 0 to 100.").format(
                    where=where, tool=tool, rate=f"{rate:g}"),
                hint=_("Give the VAT rate in percent, for example 21."),
            )
    if not section.enabled:
        return section
    for key in ("seller_name", "street", "postal_code", "city", "enterprise_number", "iban"):
        if not str(getattr(section, key)).strip():
            raise ConfigurationError(
                _("{where}: the key {key} is required when invoicing is on.").format(where=where, key=repr(key)),
                hint=_("Describe the company that issues the invoices (docs/invoices.md), or set enabled = false."),
            )
    if len(section.country) != 2 or not section.country.isalpha() or not section.country.isupper():
        raise ConfigurationError(
            _("{where} country = {value!r} is not a country code.").format(where=where, value=section.country),
            hint=_("Write the two capital letters of the country, for example BE."),
        )
    try:
        number = enterprise.validate(section.enterprise_number)
        account = iban.validate(section.iban)
    except ValidationError as error:
        raise ConfigurationError(f"{where}: {error.message}", hint=error.hint) from None
    return dataclasses.replace(section, enterprise_number=number, iban=account)
