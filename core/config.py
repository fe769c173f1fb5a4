"""Platform settings: the environment, then ``plugins.toml``, then defaults.

``plugins.toml`` holds the platform's own tables (``[platform]``, ``[security]``,
``[mail]``, …) and one ``[plugins.<name>]`` table per plugin. The file is found through
``--config``, then ``IMMO_CONNECT_CONFIG``, then ``$XDG_CONFIG_HOME/immo-connect/plugins.toml``;
without any, the built-in defaults apply (every built-in plugin enabled).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from immo_connect.config_schema import Secret, validate
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _

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

    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
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
    max_sessions: int = 50  # signed-in sessions (key or password)
    max_sessions_per_account: int = 3
    max_anonymous_sessions: int = 20  # sessions still on the sign-in screen, apart from max_sessions
    max_anonymous_per_address: int = 3  # of those, from one source address
    sign_in_timeout_seconds: float = 120.0  # time on the sign-in screen before the session closes
    account_check_seconds: float = 5.0  # how soon a blocked or deleted account's sessions close
    idle_timeout_minutes: float = 30.0
    session_timeout_hours: float = 12.0
    login_timeout_seconds: int = 60  # from TCP connect to the end of SSH authentication
    connections_per_minute: int = 20  # new connections per source address
    failures_per_source: int = 10  # failed sign-ins per source address within the window
    failure_window_minutes: int = 15
    keepalive_seconds: int = 15
    color_system: Literal["truecolor", "256", "standard"] = "truecolor"  # when the client says nothing
    fps: int = 30


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
    ocsp_timeout_seconds: float = 5.0
    server_id: str = ""  # what remote signatures are bound to; default: the host of [platform] website
    challenge_minutes: int = 5


@dataclasses.dataclass(frozen=True)
class MailSection:
    """How mails leave the outbox: a local maildir (default) or an SMTP server."""

    transport: Literal["maildir", "smtp"] = "maildir"
    sender: str = "Immo-Connect <no-reply@immo-connect.be>"
    maildir: Path | None = None
    host: str = "localhost"
    port: int = 25
    security: Literal["none", "starttls", "tls"] = "none"
    username: str = ""
    password: Secret | None = None
    max_attempts: int = 8
    timeout_seconds: float = 30.0
    ca_file: Path | None = None  # CA bundle for a server whose certificate is not public
    retry_base_seconds: float = 30.0  # first retry within this delay, doubling each time
    retry_max_seconds: float = 21600.0
    lease_seconds: float = 300.0  # a claimed mail returns to the queue after this
    poll_seconds: float = 2.0  # how often a worker looks for due mails
    keep_bodies_days: int = 30  # bodies (with their codes) of finished mails are erased after this


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

    @property
    def language(self) -> str:
        return self.platform.language


_SECTIONS: dict[str, type[Any]] = {
    "platform": PlatformSection,
    "security": SecuritySection,
    "mail": MailSection,
    "ssh": SshSection,
    "eid": EidSection,
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
    return candidate if candidate.exists() else None


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


def _secret_key(security: SecuritySection, data_dir: Path) -> bytes:
    """The platform key: from configuration, else a random key kept in the data directory."""
    if security.secret_key:
        return security.secret_key.encode()
    path = data_dir / "secret.key"
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    data_dir.mkdir(parents=True, exist_ok=True)
    import secrets  # only on first start

    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key


def load_settings(
    config: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    database_url: str | None = None,
) -> Settings:
    """Read the environment and ``plugins.toml`` into validated :class:`Settings`."""
    environ = os.environ if environ is None else environ
    path = find_config(config, environ)
    document = read_toml(path) if path else {}
    name = str(path) if path else "plugins.toml"
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
        sections[key] = validate(schema, table, where=f"{name} [{key}]", environ=environ)
    plugins = document.get("plugins", {})
    if not isinstance(plugins, dict) or not all(isinstance(v, dict) for v in plugins.values()):
        raise ConfigurationError(
            _("{file}: [plugins] must contain one table per plugin.").format(file=name),
            hint=_("Write [plugins.<name>] with enabled = true/false and the plugin's keys."),
        )
    data_dir = default_data_dir(environ)
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
        secret_key=_secret_key(sections["security"], data_dir),
        ssh=sections["ssh"],
        eid=sections["eid"],
    )
