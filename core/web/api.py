"""What a tool does with an access token: ``/userinfo`` and the wallet API.

The wallet API runs for the organisation of the token's sign-in, through exactly the path
of a tool running inside the terminal UI: :meth:`ToolService.charge` (rights checked
again, the tool's declared price, the idempotency key, the same ledger and refusals).
Errors are JSON ``{"error": code, "message": text}`` with the status a client expects.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from immo_connect.errors import ImmoConnectError, NotFoundError, PermissionDenied, ValidationError
from immo_connect.oidc.models import IssuedToken, ToolSignIn
from immo_connect.oidc.service import digest
from immo_connect.wallet.rights import RIGHT_VIEW, includes

if TYPE_CHECKING:
    from immo_connect.web.app import WebApp

MAX_JSON = 16 * 1024


class Unauthorized(Exception):
    def __init__(self, error: str, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _bearer_error(error: Unauthorized) -> Response:
    return JSONResponse(
        {"error": error.error, "message": error.description}, status_code=error.status,
        headers={"WWW-Authenticate": f'Bearer error="{error.error}", error_description="{error.description}"'},
    )


def _service_error(error: ImmoConnectError) -> Response:
    status = 402 if error.code == "insufficient_funds" else 403 if isinstance(error, PermissionDenied) \
        else 404 if isinstance(error, NotFoundError) else 400
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if error.hint:
        body["hint"] = error.hint
    return JSONResponse(body, status_code=status)


class WalletApi:
    def __init__(self, web: WebApp) -> None:
        self.web = web
        self.platform = web.platform

    def _sign_in(self, authorization: str, scope: str) -> tuple[ToolSignIn, IssuedToken]:
        """The live sign-in behind a bearer access token that holds ``scope``."""
        kind, _sep, token = authorization.partition(" ")
        if kind.lower() != "bearer" or not token:
            raise Unauthorized("invalid_request", "Send the access token as 'Authorization: Bearer <token>'.")
        now = self.platform.clock.now()
        row: IssuedToken | None = IssuedToken.get_or_none(
            (IssuedToken.token_hash == digest(token.strip())) & (IssuedToken.kind == "access"))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            reason = "unknown_token" if row is None else "token_revoked" if row.revoked_at else "token_expired"
            self.web.provider.refuse("sso.api", str(row.client_id) if row else "", reason)
            raise Unauthorized("invalid_token", "The access token is unknown, expired or revoked.")
        sign_in: ToolSignIn = ToolSignIn.get_by_id(row.sign_in_id)
        if sign_in.ended_at is not None:
            raise Unauthorized("invalid_token", "The sign-in of this token has ended.")
        if scope not in row.scope.split():
            raise Unauthorized("insufficient_scope", f"The token was not granted the '{scope}' scope.", status=403)
        return sign_in, row

    async def userinfo(self, request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        return await self.web._run(self._userinfo, authorization)

    def _userinfo(self, authorization: str) -> Response:
        try:
            sign_in, token = self._sign_in(authorization, "openid")
        except Unauthorized as error:
            return _bearer_error(error)
        return JSONResponse(self.platform.sso.claims(sign_in, str(token.scope)))

    async def balance(self, request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        return await self.web._run(self._balance, authorization)

    def _balance(self, authorization: str) -> Response:
        try:
            sign_in, _token = self._sign_in(authorization, "wallet")
            context = self.platform.sso.context(sign_in)
            overview = self.platform.wallet.overview(context.account_id, context.organisation_id)
        except Unauthorized as error:
            return _bearer_error(error)
        except ImmoConnectError as error:
            return _service_error(error)
        return JSONResponse({
            "organisation": {"enterprise_number": overview.enterprise_number, "name": overview.organisation_name},
            "balance_cents": overview.balance_cents, "currency": "EUR",
        })

    async def charge(self, request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        body = await request.body()
        return await self.web._run(self._charge, authorization, body)

    def _charge(self, authorization: str, body: bytes) -> Response:
        try:
            sign_in, _token = self._sign_in(authorization, "wallet")
            request = _charge_request(body)
            context = self.platform.sso.context(sign_in, check=False)  # charge checks every right itself
            charged = self.platform.tools.charge(
                context, request["action"], description=request["description"],
                idempotency_key=request["idempotency_key"])
        except Unauthorized as error:
            return _bearer_error(error)
        except ImmoConnectError as error:
            return _service_error(error)
        created: dt.datetime = charged.created_at
        # Using a tool charges whatever the wallet right; the balance is for those who may view it.
        sees_balance = includes(self.platform.wallet.right_of(context.account_id, context.organisation_id), RIGHT_VIEW)
        return JSONResponse({
            "transaction": {"number": charged.number, "amount_cents": -int(charged.amount),
                            "status": charged.status, "created_at": created.isoformat(timespec="seconds") + "Z"},
            "balance_cents": charged.balance_after if sees_balance else None,
        }, status_code=201)


def _charge_request(body: bytes) -> dict[str, str]:
    """``{"action": …, "description": …, "idempotency_key": …}``, checked."""
    from immo_connect.i18n import _

    if len(body) > MAX_JSON:
        raise ValidationError(_("The request is too large."), hint=_("Send a small JSON object."), code="invalid_request")
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ValidationError(_("The request is not a JSON object."),
                              hint=_('Send {"action": …, "description": …, "idempotency_key": …}.'), code="invalid_request")
    result = {}
    for field in ("action", "description", "idempotency_key"):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(_("The field {field} is missing.").format(field=field),
                                  hint=_("Give it as a non-empty text."), code="invalid_request", field=field)
        result[field] = value.strip()
    return result
