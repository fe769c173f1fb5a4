"""The rules of signing in to tools that run in their own web application (``platform.sso``).

The terminal UI is the provider's login and consent application: a person approves (or
refuses) a tool's request by its user code under a quality chosen as at every tool start,
or makes a one-time sign-in link. Every approval goes through :meth:`ToolService.start`, so
the same rights and the same audit apply as to a tool started in the terminal UI; every
token issued later checks them again (:meth:`context`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING, Any

from immo_connect import audit
from immo_connect.accounts import ratelimit
from immo_connect.accounts.models import Account
from immo_connect.contracts.tools import Tool
from immo_connect.errors import NotFoundError, PermissionDenied, ValidationError
from immo_connect.i18n import N_, _
from immo_connect.oidc import logout
from immo_connect.oidc.models import (
    AuthorizationCode,
    IssuedToken,
    LogoutDelivery,
    PendingRequest,
    SignInLink,
    ToolSignIn,
)
from immo_connect.organisations.models import Organisation
from immo_connect.recognitions.service import load_actor
from immo_connect.storage import on_commit, transaction
from immo_connect.tools import Quality, ToolContext

if TYPE_CHECKING:
    from immo_connect.platform import Platform

USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alike digits
ACR_EID = "urn:immo-connect:acr:eid"
ACR_PASSWORD = "urn:immo-connect:acr:password"

# What each scope lets the tool learn, as the approval screen says it.
SCOPE_TEXTS = {
    "openid": N_("an identifier of your account that stays the same"),
    "profile": N_("your name and language"),
    "email": N_("your e-mail address"),
    "quality": N_("the organisation, usage mode and role you choose, and your recognitions"),
    "wallet": N_("the balance of the organisation's wallet, and charging its prices to it"),
    "offline_access": N_("staying signed in until you end it"),
}


def digest(value: str) -> str:
    """How codes and tokens are stored: a SHA-256 digest (they are long random strings)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalise_user_code(text: str) -> str:
    """``abcd-efgh``, ``ABCD EFGH`` → ``ABCDEFGH``: case and punctuation do not matter."""
    return re.sub(r"[^A-Z]", "", text.upper())


def format_user_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))


@dataclasses.dataclass(frozen=True)
class RequestView:
    """What the approval screen shows about a request found by its user code."""

    user_code: str  # formatted XXXX-XXXX
    tool: str
    tool_title: str
    kind: str  # "device" or "browser"
    learns: tuple[str, ...]  # translated texts, one per scope
    requires_eid: bool
    expires_at: dt.datetime
    qualities: tuple[Quality, ...]


@dataclasses.dataclass(frozen=True)
class ConnectedTool:
    """One line of « Outils connectés »: a tool holding a sign-in."""

    sign_in_id: int
    tool: str
    tool_title: str
    organisation_name: str
    mode_title: str
    role_title: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class SignInLinkView:
    url: str
    expires_at: dt.datetime


class SsoService:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform

    # -- clients -----------------------------------------------------------------------------

    def client(self, client_id: str) -> Tool | None:
        """The tool whose web client has this ``client_id`` (its name), if it has one."""
        tool = self._platform.plugins.tool(client_id)
        return tool if tool is not None and tool.web_client is not None else None

    def clients(self) -> list[Tool]:
        return [tool for tool in self._platform.plugins.tools() if tool.web_client is not None]

    def now(self) -> dt.datetime:
        return self._platform.clock.now()

    def subject(self, account_id: int) -> str:
        """``sub``: stable per account, meaningless outside the platform (a keyed hash of its id)."""
        key = hashlib.sha256(b"immo-connect oidc subject v1" + self._platform.settings.secret_key).digest()
        return hmac.new(key, str(account_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]

    # -- housekeeping ----------------------------------------------------------------------------

    def prune(self) -> int:
        """Delete what can no longer be used (answered or expired requests, used or expired
        codes and links, expired tokens, delivered or abandoned logout notices) a day after it
        stopped counting; how many rows.

        Run as each new request or link is written, so no separate job is needed; ended
        sign-ins stay (with their audit events) for the person's history.
        """
        before = self.now() - dt.timedelta(days=1)
        with transaction():
            removed = int(PendingRequest.delete().where(PendingRequest.expires_at < before).execute())
            removed += int(AuthorizationCode.delete().where(AuthorizationCode.expires_at < before).execute())
            removed += int(SignInLink.delete().where(SignInLink.expires_at < before).execute())
            removed += int(IssuedToken.delete().where(IssuedToken.expires_at < before).execute())
            removed += int(LogoutDelivery.delete().where(
                (LogoutDelivery.status != "pending") & (LogoutDelivery.finished_at < before)).execute())
        return removed

    # -- requests waiting for approval ---------------------------------------------------------

    def create_request(self, kind: str, client_id: str, scope: str, *, device_code: str = "",
                       browser_key: str = "", query: str = "", acr_values: str = "") -> tuple[PendingRequest, str]:
        """Record a request and return it with its user code (unique among pending requests)."""
        now = self.now()
        self.prune()
        with transaction():
            for _attempt in range(5):
                code = new_user_code()
                if not PendingRequest.select().where(
                        (PendingRequest.user_code == code) & (PendingRequest.expires_at > now)).exists():
                    break
            row: PendingRequest = PendingRequest.create(
                kind=kind, user_code=code, client_id=client_id, scope=scope,
                device_code_hash=digest(device_code) if device_code else None,
                browser_key_hash=digest(browser_key) if browser_key else None,
                query=query, acr_values=acr_values, created_at=now,
                expires_at=now + dt.timedelta(minutes=self._platform.settings.web.request_minutes),
            )
            audit.record(f"sso.{kind}_requested", target=f"tool:{client_id}", source=self._platform.source,
                         detail={"request_id": row.id, "scope": scope})
        return row, code

    def _pending(self, account: Account, user_code: str) -> PendingRequest:
        """The pending request of ``user_code``; wrong codes count against the account."""
        settings = self._platform.settings.web
        now = self.now()
        subject = ratelimit.subject(self._platform.settings.secret_key, "sso-user-code", str(account.id))
        window = dt.timedelta(minutes=settings.wrong_code_window_minutes)
        ratelimit.ensure_below("sso_user_code", subject, limit=settings.wrong_codes_per_account, window=window, now=now)
        code = normalise_user_code(user_code)
        row: PendingRequest | None = None
        if len(code) == 8:
            row = PendingRequest.select().where(
                (PendingRequest.user_code == code) & (PendingRequest.status == "pending")
                & (PendingRequest.expires_at > now)).first()
        if row is None or self.client(row.client_id) is None:
            with transaction():
                ratelimit.hit("sso_user_code", subject, now)
                audit.record("sso.code_wrong", actor_id=account.id, actor=account.username, outcome="refused",
                             source=self._platform.source, detail={"reason": "unknown_or_expired"})
            raise ValidationError(
                _("This code is unknown or has expired."),
                hint=_("Type the code the tool shows (8 letters, like ABCD-EFGH); ask the tool for a new one if needed."),
                field="user_code", code="unknown_code",
            )
        return row

    def find_request(self, actor: Account | int, user_code: str) -> RequestView:
        """What a user code asks: which tool, what it will learn, under which qualities it may sign in."""
        account = load_actor(actor)
        row = self._pending(account, user_code)
        tool = self.client(row.client_id)
        assert tool is not None
        scopes = row.scope.split()
        return RequestView(
            user_code=format_user_code(row.user_code), tool=tool.name, tool_title=_(tool.title), kind=row.kind,
            learns=tuple(_(SCOPE_TEXTS[s]) for s in scopes if s in SCOPE_TEXTS),
            requires_eid=ACR_EID in row.acr_values.split(), expires_at=row.expires_at,
            qualities=tuple(self._platform.tools.qualities(account, tool.name)),
        )

    def approve(self, actor: Account | int, user_code: str, organisation_id: int, mode: str) -> int:
        """Approve the request under a quality; the tool continues by itself. Returns the sign-in id.

        The quality is started exactly like a tool in the terminal UI (every right checked and
        audited); a tool that requires the eID is refused to an account without one.
        """
        account = load_actor(actor)
        row = self._pending(account, user_code)
        if ACR_EID in row.acr_values.split() and account.eid_linked_at is None:
            with transaction():
                audit.record("sso.approve", actor_id=account.id, actor=account.username, outcome="refused",
                             target=f"tool:{row.client_id}", source=self._platform.source,
                             detail={"reason": "eid_required", "request_id": row.id})
            raise PermissionDenied(
                _("This tool requires an account with a linked eID."),
                hint=_("Link your eID card first (Home, « Link the eID »), then ask the tool for a new code."),
                code="eid_required",
            )
        context = self._platform.tools.start(account, row.client_id, organisation_id, mode)
        with transaction():
            sign_in = self._new_sign_in(account, context, row.scope, via=row.kind)
            changed = PendingRequest.update(status="approved", sign_in=sign_in.id, decided_at=self.now()).where(
                (PendingRequest.id == row.id) & (PendingRequest.status == "pending")).execute()
            if not changed:
                raise ValidationError(_("This code was already answered."), hint=_("Ask the tool for a new code."),
                                      field="user_code", code="unknown_code")
            audit.record("sso.approved", actor_id=account.id, actor=account.username, organisation_id=organisation_id,
                         target=f"tool:{row.client_id}/{mode}", source=self._platform.source,
                         detail={"request_id": row.id, "sign_in_id": sign_in.id, "role": context.role, "via": row.kind})
        return int(sign_in.id)

    def refuse(self, actor: Account | int, user_code: str) -> None:
        """Refuse the request: the tool is told ``access_denied``."""
        account = load_actor(actor)
        row = self._pending(account, user_code)
        with transaction():
            PendingRequest.update(status="refused", decided_at=self.now()).where(
                (PendingRequest.id == row.id) & (PendingRequest.status == "pending")).execute()
            audit.record("sso.refused", actor_id=account.id, actor=account.username, target=f"tool:{row.client_id}",
                         source=self._platform.source, detail={"request_id": row.id})

    # -- sign-ins --------------------------------------------------------------------------------

    def _new_sign_in(self, account: Account, context: ToolContext, scope: str, *, via: str) -> ToolSignIn:
        sign_in: ToolSignIn = ToolSignIn.create(
            sid=secrets.token_urlsafe(24), account=account.id, client_id=context.tool,
            organisation=context.organisation_id, mode=context.mode, role=context.role, scope=scope,
            eid_linked=account.eid_linked_at is not None, via=via, created_at=self.now(),
        )
        return sign_in

    def create_link(self, actor: Account | int, context: ToolContext) -> SignInLinkView:
        """A one-time sign-in link for the tool of ``context`` (a started quality): valid two
        minutes, usable once, it lands the browser in the tool signed in under that quality."""
        account = load_actor(actor)
        if context.account_id != account.id:
            raise PermissionDenied(_("This tool was started by another person."), hint=_("Start the tool yourself."))
        tool = self.client(context.tool)
        if tool is None or tool.web_client is None or not tool.web_client.initiate_login_uri:
            raise NotFoundError(_("This tool cannot be opened with a sign-in link."),
                                hint=_("Open the tool's website and use the code it shows."), code="no_web_client")
        fresh = self._platform.tools.authorize(context)
        token = secrets.token_urlsafe(32)
        now = self.now()
        expires = now + dt.timedelta(seconds=self._platform.settings.web.sign_in_link_seconds)
        with transaction():
            sign_in = self._new_sign_in(account, fresh, " ".join(tool.web_client.scopes), via="link")
            SignInLink.create(token_hash=digest(token), sign_in=sign_in.id, created_at=now, expires_at=expires)
            audit.record("sso.link_created", actor_id=account.id, actor=account.username,
                         organisation_id=fresh.organisation_id, target=f"tool:{tool.name}/{fresh.mode}",
                         source=self._platform.source, detail={"sign_in_id": sign_in.id})
        return SignInLinkView(f"{self._platform.settings.issuer}/link/{token}", expires)

    def context(self, sign_in: ToolSignIn, *, check: bool = True) -> ToolContext:
        """The rights behind a sign-in, checked again now (refusals raise and are audited).

        ``check=False`` for a caller that checks them itself next (``ToolService.charge`` does).
        """
        organisation: Organisation = Organisation.get_by_id(sign_in.organisation_id)
        context = ToolContext(
            account_id=int(sign_in.account_id), organisation_id=int(sign_in.organisation_id),
            organisation_name=str(organisation.name), tool=str(sign_in.client_id), mode=str(sign_in.mode),
            role=str(sign_in.role), registration_id=0, started_at=sign_in.created_at,
        )
        return self._platform.tools.authorize(context) if check else context

    def connected_tools(self, actor: Account | int) -> list[ConnectedTool]:
        """The tools holding a sign-in of ``actor`` (« Outils connectés »), newest first."""
        account = load_actor(actor)
        now = self.now()
        rows = (ToolSignIn.select(ToolSignIn, Organisation).join(Organisation)
                .where((ToolSignIn.account == account.id) & ToolSignIn.ended_at.is_null())
                .order_by(ToolSignIn.created_at.desc(), ToolSignIn.id.desc()))
        result = []
        for row in rows:
            live = IssuedToken.select(IssuedToken.issued_at).where(
                (IssuedToken.sign_in == row.id) & IssuedToken.revoked_at.is_null() & IssuedToken.used_at.is_null()
                & (IssuedToken.expires_at > now)).order_by(IssuedToken.issued_at.desc()).first()
            if live is None:
                continue  # nothing the tool could still use
            tool = self._platform.plugins.tool(row.client_id)
            mode = tool.mode(row.mode) if tool else None
            role = mode.role(row.role) if mode else None
            result.append(ConnectedTool(
                int(row.id), str(row.client_id), _(tool.title) if tool else str(row.client_id),
                str(row.organisation.name), _(mode.title) if mode else str(row.mode),
                _(role.title) if role else str(row.role), row.created_at, live.issued_at,
            ))
        return result

    def end(self, actor: Account | int, sign_in_id: int) -> None:
        """End one tool's sign-in (« Outils connectés »): its tokens stop working, the tool is told."""
        account = load_actor(actor)
        row: ToolSignIn | None = ToolSignIn.get_or_none(
            (ToolSignIn.id == sign_in_id) & (ToolSignIn.account == account.id))
        if row is None:
            raise NotFoundError(_("This sign-in does not exist."), hint=_("Choose a tool from the list."))
        self.end_sign_ins([row.id], reason="ended_by_person", actor=account)

    def end_all(self, account_id: int, *, reason: str, organisation_id: int | None = None) -> int:
        """End every sign-in of an account (in one organisation when given); how many ended."""
        query = ToolSignIn.select(ToolSignIn.id).where(
            (ToolSignIn.account == account_id) & ToolSignIn.ended_at.is_null())
        if organisation_id is not None:
            query = query.where(ToolSignIn.organisation == organisation_id)
        ids = [row.id for row in query]
        if ids:
            self.end_sign_ins(ids, reason=reason, actor=None)
        return len(ids)

    def end_sign_ins(self, ids: list[int], *, reason: str, actor: Account | None) -> None:
        now = self.now()
        with transaction():
            ended = [row for row in ToolSignIn.select().where(ToolSignIn.id.in_(ids) & ToolSignIn.ended_at.is_null())]
            if not ended:
                return
            ToolSignIn.update(ended_at=now, end_reason=reason).where(ToolSignIn.id.in_([r.id for r in ended])).execute()
            IssuedToken.update(revoked_at=now).where(
                IssuedToken.sign_in.in_([r.id for r in ended]) & IssuedToken.revoked_at.is_null()).execute()
            queued = logout.queue(self._platform, ended)  # owed durably, with the ending itself
            for row in ended:
                audit.record("sso.signed_out", actor_id=actor.id if actor else None,
                             actor=actor.username if actor else "system", organisation_id=row.organisation_id,
                             target=f"tool:{row.client_id}", source=self._platform.source,
                             detail={"sign_in_id": row.id, "reason": reason})
        if queued:
            on_commit(lambda: logout.deliver_soon(self._platform))

    # -- claims --------------------------------------------------------------------------------

    def claims(self, sign_in: ToolSignIn, scope: str) -> dict[str, Any]:
        """The claims about the person and the quality that ``scope`` opens (ID token, userinfo)."""
        scopes = set(scope.split())
        account: Account = Account.get_by_id(sign_in.account_id)
        claims: dict[str, Any] = {"sub": self.subject(account.id)}
        if "profile" in scopes:
            claims.update(name=account.display_name, given_name=account.first_name,
                          family_name=account.last_name, preferred_username=account.username,
                          locale=account.language)
        if "email" in scopes and account.email:
            claims.update(email=account.email, email_verified=account.activated_at is not None)
        if "quality" in scopes:
            organisation: Organisation = Organisation.get_by_id(sign_in.organisation_id)
            tool = self._platform.plugins.tool(sign_in.client_id)
            mode = tool.mode(sign_in.mode) if tool else None
            role = mode.role(sign_in.role) if mode else None
            required = mode.required_recognitions if mode else ()
            held = self._platform.recognitions.valid_of([account.id], required)[account.id] if required else []
            claims.update(
                organisation={"enterprise_number": str(organisation.enterprise_number), "name": str(organisation.name)},
                usage_mode={"id": str(sign_in.mode), "title": _(mode.title) if mode else str(sign_in.mode)},
                role={"id": str(sign_in.role), "title": _(role.title) if role else str(sign_in.role)},
                recognitions=sorted({str(r.identifier) for r in held}),
            )
        return claims

    def acr(self, sign_in: ToolSignIn) -> str:
        return ACR_EID if sign_in.eid_linked else ACR_PASSWORD
