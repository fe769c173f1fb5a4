"""The contract of a professional tool (see docs/plugins.md and docs/vendor-tool-guide.md).

A tool plugin describes itself with these plain objects; the core decides who may register,
manage and start it. Texts are English message ids: built-in tools mark them with ``N_`` and
ship translations, the platform translates them at display time (an unknown text is shown
as written, so a vendor may also write French directly).

The screen of a tool is named by a dotted path (``"package.module:ClassName"``) and imported
only by the terminal UI, so the plugin module itself never imports Textual.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from immo_connect.contracts._base import Contribution, check_identifier

_SCREEN_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclasses.dataclass(frozen=True)
class Role:
    """A role a manager can give an employee for one usage mode.

    ``needs_recognition``: the employee must hold one of the mode's required recognitions
    personally. A role without it works under the organisation's mandated recognition (an
    assistant searching for a recognised agent, for example).
    """

    id: str
    title: str
    description: str = ""
    needs_recognition: bool = True

    def __post_init__(self) -> None:
        check_identifier("role id", self.id)
        if not self.title:
            raise ValueError(f"role {self.id!r} needs a title")


@dataclasses.dataclass(frozen=True)
class UsageMode:
    """One way of using a tool ("as a real-estate agent", "as a notary", …).

    ``required_recognitions`` are recognition identifiers; holding any one of them (valid
    today) qualifies. Empty means the mode needs no recognition. The person registering the
    mode for an organisation must qualify: their recognition becomes the mandated one.
    """

    id: str
    title: str
    description: str
    required_recognitions: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()

    def __post_init__(self) -> None:
        check_identifier("usage mode id", self.id)
        if not self.title:
            raise ValueError(f"usage mode {self.id!r} needs a title")
        if not self.roles:
            raise ValueError(f"usage mode {self.id!r} offers no role")
        ids = [role.id for role in self.roles]
        if len(set(ids)) != len(ids):
            raise ValueError(f"usage mode {self.id!r} declares a role twice")
        for identifier in self.required_recognitions:
            check_identifier("recognition identifier", identifier)

    def role(self, role_id: str) -> Role | None:
        return next((role for role in self.roles if role.id == role_id), None)


@dataclasses.dataclass(frozen=True)
class Terms:
    """Terms of use. Publishing a new ``version`` makes every user accept again."""

    version: str
    text: str

    def __post_init__(self) -> None:
        if not self.version or not self.text:
            raise ValueError("terms need a version and a text")


@dataclasses.dataclass(frozen=True)
class Price:
    """The price of one billable action, in euro cents (integers only: no rounding ever)."""

    action: str
    title: str
    amount_cents: int

    def __post_init__(self) -> None:
        check_identifier("price action", self.action)
        if isinstance(self.amount_cents, bool) or not isinstance(self.amount_cents, int) or self.amount_cents <= 0:
            raise ValueError(f"price of {self.action!r} must be a positive whole number of cents")


@dataclasses.dataclass(frozen=True)
class SupportContact:
    """Who helps the users of a tool."""

    name: str
    email: str = ""
    phone: str = ""
    website: str = ""

    def __post_init__(self) -> None:
        if not (self.email or self.phone or self.website):
            raise ValueError("a support contact needs an e-mail address, a phone number or a website")


_LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
SCOPES = ("openid", "profile", "email", "quality", "wallet", "offline_access")


def _check_web_uri(what: str, uri: str) -> None:
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
        raise ValueError(f"{what} {uri!r} must be an absolute http(s) URI without fragment")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError(f"{what} {uri!r} must use https (plain http only on a loopback address)")


@dataclasses.dataclass(frozen=True)
class WebClient:
    """How a tool that runs in its own web application signs people in through Immo-Connect.

    The tool's ``client_id`` is its name. ``redirect_uris`` are compared exactly (no
    prefix, no pattern). ``initiate_login_uri`` receives the browser of a one-time sign-in
    link (OpenID Connect third-party initiated login); ``backchannel_logout_uri`` is told
    when a sign-in ends. ``client_secret`` (from ``plugins.toml`` as ``{ env = "…" }``)
    makes the tool a confidential client; ``jwks`` (the JSON text of the tool's public
    JSON Web Key Set) makes it authenticate with ``private_key_jwt`` instead (RFC 7523),
    holding no shared secret at all. Without either the tool is a public client and proves
    itself with PKCE only.
    """

    redirect_uris: tuple[str, ...]
    initiate_login_uri: str = ""
    backchannel_logout_uri: str = ""
    scopes: tuple[str, ...] = SCOPES
    client_secret: str = dataclasses.field(default="", repr=False)
    jwks: str = ""

    def __post_init__(self) -> None:
        if self.jwks:
            import json

            try:
                keys = json.loads(self.jwks).get("keys")
            except (ValueError, AttributeError):
                keys = None
            if not isinstance(keys, list) or not keys:
                raise ValueError("a web client's jwks must be a JSON Web Key Set with at least one key")
            if self.client_secret:
                raise ValueError("a web client authenticates with a client secret or with its jwks, not both")
        if not self.redirect_uris:
            raise ValueError("a web client needs at least one redirect URI")
        for uri in self.redirect_uris:
            _check_web_uri("redirect URI", uri)
        for what, uri in (("initiate_login_uri", self.initiate_login_uri),
                          ("backchannel_logout_uri", self.backchannel_logout_uri)):
            if uri:
                _check_web_uri(what, uri)
        unknown = set(self.scopes) - set(SCOPES)
        if unknown or "openid" not in self.scopes:
            raise ValueError(f"web client scopes must include 'openid' and be among {SCOPES}")


class Tool(Contribution):
    """A professional tool offered through the platform.

    Build one per tool and pass it to ``register`` in ``immo_connect_register_tools``.
    An invalid declaration raises ``ValueError`` at once, so the plugin is reported as
    failed instead of showing a half-usable tool.

    ``screen`` is ``"package.module:ClassName"``: a Textual screen built as
    ``ClassName(context)`` with the :class:`immo_connect.tools.ToolContext` the tool was
    started under. ``website`` is where a tool that runs in its own application lives;
    ``web_client`` lets that application sign people in through Immo-Connect (OpenID
    Connect, see docs/vendor-web-tool.md).
    """

    def __init__(
        self,
        *,
        name: str,
        title: str,
        short_description: str,
        long_description: str,
        support: SupportContact,
        modes: tuple[UsageMode, ...] | list[UsageMode],
        screen: str,
        terms: Terms | None = None,
        prices: tuple[Price, ...] | list[Price] = (),
        website: str = "",
        web_client: WebClient | None = None,
    ) -> None:
        check_identifier("tool name", name)
        if not title or not short_description:
            raise ValueError(f"tool {name!r} needs a title and a short description")
        if not modes:
            raise ValueError(f"tool {name!r} declares no usage mode")
        mode_ids = [mode.id for mode in modes]
        if len(set(mode_ids)) != len(mode_ids):
            raise ValueError(f"tool {name!r} declares a usage mode twice")
        actions = [price.action for price in prices]
        if len(set(actions)) != len(actions):
            raise ValueError(f"tool {name!r} declares the price of an action twice")
        if not _SCREEN_PATH.match(screen):
            raise ValueError(f"tool {name!r}: screen must be 'package.module:ClassName'")
        self.name = name
        self.title = title
        self.short_description = short_description
        self.long_description = long_description or short_description
        self.support = support
        self.modes: tuple[UsageMode, ...] = tuple(modes)
        self.screen = screen
        self.terms = terms
        self.prices: tuple[Price, ...] = tuple(prices)
        self.website = website
        self.web_client = web_client

    def mode(self, mode_id: str) -> UsageMode | None:
        return next((mode for mode in self.modes if mode.id == mode_id), None)

    def price(self, action: str) -> Price | None:
        return next((price for price in self.prices if price.action == action), None)

    def __repr__(self) -> str:
        return f"Tool({self.name!r}, plugin={self.plugin!r})"
