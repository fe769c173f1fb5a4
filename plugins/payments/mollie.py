"""Online top-ups through Mollie's Payments API v2 (Bancontact, Mastercard, Maestro, Visa).

Configuration (``plugins.toml``)::

    [plugins.mollie]
    api_key = { env = "MOLLIE_API_KEY" }     # test_… or live_…
    # base_url = "https://api.mollie.com/v2"
    # redirect_url = "https://www.immo-connect.be/wallet/topup/done"
    # webhook_url = "https://hooks.example.be/webhooks/payments/mollie"
    # minimum_eur = 50
    # maximum_eur = 5000

Without an API key the plugin registers nothing (the platform then offers the other
methods). Requests use the standard library's HTTP client: ``POST /payments`` with an
``Idempotency-Key`` header, ``GET /payments/{id}``, and for money taken back ``POST
/payments/{id}/refunds`` (with an ``Idempotency-Key``), ``GET /payments/{id}/refunds`` and
``GET /payments/{id}/chargebacks``; the API key travels only in the ``Authorization:
Bearer`` header and never appears in messages or logs.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar

from immo_connect import __version__, hookimpl
from immo_connect.config_schema import Range, Secret
from immo_connect.contracts.payments import (
    PaymentMethod,
    PaymentProviderError,
    PaymentRequest,
    PaymentStatus,
    ProviderPayment,
    ProviderReversal,
    RefundRequest,
    ReversalStatus,
)
from immo_connect.i18n import N_, _
from immo_connect.plugins.payments._common import (
    OnlineLimitsConfig,
    euros,
    offered_option,
    unknown_payment,
    unreadable_answer,
)

log = logging.getLogger("immo_connect.plugins.mollie")

# Mollie's statuses mapped onto the platform's; "authorized" only occurs for methods that
# capture later, which the platform does not use: it is not money yet.
_STATUSES: dict[str, PaymentStatus] = {
    "open": "open", "pending": "pending", "authorized": "pending", "paid": "paid",
    "failed": "failed", "expired": "expired", "canceled": "canceled",
}
_PAYMENT_ID = re.compile(r"^tr_[A-Za-z0-9]{1,64}$")
_REVERSAL_ID = re.compile(r"^(re|chb)_[A-Za-z0-9]{1,64}$")
# Mollie's refund statuses: queued, pending and processing are on their way (the money is
# leaving); failed and canceled refunds return nothing.
_REFUND_STATUSES: dict[str, ReversalStatus] = {
    "queued": "pending", "pending": "pending", "processing": "pending", "refunded": "refunded",
    "failed": "failed", "canceled": "canceled",
}
_MAX_PAGES = 20


@dataclasses.dataclass(frozen=True)
class MollieConfig(OnlineLimitsConfig):
    api_key: Secret | None = None
    base_url: str = "https://api.mollie.com/v2"
    redirect_url: str = "https://www.immo-connect.be/wallet/topup/done"
    webhook_url: str = ""
    timeout_seconds: Annotated[float, Range(1, 300)] = 15.0

    table: ClassVar[str] = "plugins.mollie"


def _cents(amount: Any) -> tuple[int, str]:
    try:
        value = Decimal(str(amount["value"]))
        currency = str(amount["currency"])
    except (KeyError, TypeError, InvalidOperation):
        raise unreadable_answer() from None
    return int(value * 100), currency


class MolliePayments(PaymentMethod):
    """Mollie's hosted checkout: the payer opens the checkout link and pays there."""

    name = "mollie"
    title = N_("Online payment (Mollie)")
    kind = "online"

    def __init__(self, config: MollieConfig) -> None:
        self.config = config
        self.limits = config.limits
        self.options = config.payment_options
        self.test_mode = False
        self.can_refund = True
        self._base = config.base_url.rstrip("/")

    # -- HTTP ------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self._base}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.config.api_key}")
        request.add_header("Accept", "application/hal+json, application/json")
        request.add_header("User-Agent", f"ImmoConnect/{__version__}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_seconds) as response:
                document = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise self._refusal(error) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as error:
            log.warning("Mollie unreachable at %s: %s", self._base, getattr(error, "reason", error))
            raise PaymentProviderError(
                _("The payment provider cannot be reached right now."),
                hint=_("Nothing was charged. Try again in a few minutes."),
            ) from None
        except ValueError:
            raise unreadable_answer() from None
        if not isinstance(document, dict):
            raise unreadable_answer()
        return document

    def _refusal(self, error: urllib.error.HTTPError) -> PaymentProviderError:
        try:
            document = json.loads(error.read() or b"{}")
            detail = str(document.get("detail") or document.get("title") or "")
            field = document.get("field")
        except (ValueError, AttributeError):
            detail, field = "", None
        log.warning("Mollie refused a request: HTTP %s %s (field %s)", error.code, detail, field)
        if error.code == 401:
            return PaymentProviderError(
                _("The payment provider refused the platform's credentials."),
                hint=_("An operator must check the Mollie API key (plugins.toml [plugins.mollie] api_key)."),
            )
        if error.code == 404:
            return unknown_payment()
        if error.code == 422:
            return PaymentProviderError(
                _("The payment provider refused the payment: {detail}.").format(detail=detail or error.code),
                hint=_("Check the amount and the payment method, then try again."),
                field=str(field) if field else None,
            )
        return PaymentProviderError(
            _("The payment provider had a problem (HTTP {status}).").format(status=error.code),
            hint=_("Nothing was charged. Try again in a few minutes."),
        )

    def _payment(self, document: Mapping[str, Any]) -> ProviderPayment:
        payment_id = str(document.get("id", ""))
        if not _PAYMENT_ID.match(payment_id):
            raise unreadable_answer()
        status = _STATUSES.get(str(document.get("status")))
        if status is None:
            log.warning("Mollie payment %s has an unknown status %r", payment_id, document.get("status"))
            status = "pending"
        cents, currency = _cents(document.get("amount"))
        links = document.get("_links") or {}
        checkout = (links.get("checkout") or {}).get("href", "") if isinstance(links, dict) else ""
        return ProviderPayment(
            provider_payment_id=payment_id, status=status, amount_cents=cents, currency=currency,
            checkout_url=str(checkout or ""), method=str(document.get("method") or ""),
            failure_reason=str((document.get("details") or {}).get("failureReason", ""))
            if isinstance(document.get("details"), dict) else "",
            refunded_cents=_cents(document["amountRefunded"])[0] if document.get("amountRefunded") else 0,
            charged_back_cents=_cents(document["amountChargedBack"])[0] if document.get("amountChargedBack") else 0,
        )

    def _reversal(self, document: Any, kind: str) -> ProviderReversal:
        if not isinstance(document, dict):
            raise unreadable_answer()
        reversal_id = str(document.get("id", ""))
        if not _REVERSAL_ID.match(reversal_id):
            raise unreadable_answer()
        cents, currency = _cents(document.get("amount"))
        metadata = document.get("metadata")
        metadata = {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}
        if kind == "chargeback":
            reason = document.get("reason") if isinstance(document.get("reason"), dict) else {}
            words = " ".join(str(part) for part in (reason.get("code"), reason.get("description")) if part)
            return ProviderReversal(
                provider_reversal_id=reversal_id, kind="chargeback", amount_cents=cents, currency=currency,
                status="reversed" if document.get("reversedAt") else "charged_back", reason=words[:200],
                metadata=metadata,
            )
        status = _REFUND_STATUSES.get(str(document.get("status")))
        if status is None:
            log.warning("Mollie refund %s has an unknown status %r", reversal_id, document.get("status"))
            status = "pending"  # money that may be leaving: booked, and given back if it fails
        return ProviderReversal(provider_reversal_id=reversal_id, kind="refund", status=status,
                                amount_cents=cents, currency=currency, metadata=metadata)

    def _list(self, payment_id: str, what: str) -> list[ProviderReversal]:
        """Every item of a list endpoint, following its ``next`` links (on this API only)."""
        found: list[ProviderReversal] = []
        path: str | None = f"/payments/{urllib.parse.quote(payment_id)}/{what}"
        for _page in range(_MAX_PAGES):
            if path is None:
                break
            document = self._request("GET", path)
            items = (document.get("_embedded") or {}).get(what, [])
            if not isinstance(items, list):
                raise unreadable_answer()
            found += [self._reversal(item, what.rstrip("s")) for item in items]
            following = ((document.get("_links") or {}).get("next") or {}).get("href")
            path = following[len(self._base):] if isinstance(following, str) and following.startswith(
                self._base + "/") else None
        return found

    # -- contract --------------------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest) -> ProviderPayment:
        option = offered_option(self, request.option)
        body: dict[str, Any] = {
            "amount": {"currency": request.currency, "value": euros(request.amount_cents)},
            "description": request.description[:255],
            "redirectUrl": request.redirect_url or self.config.redirect_url,
            "method": option.provider_method,
            "metadata": dict(request.metadata),
        }
        webhook = request.webhook_url or self.config.webhook_url
        if webhook:
            body["webhookUrl"] = webhook
        document = self._request("POST", "/payments", body, {"Idempotency-Key": request.idempotency_key})
        return self._payment(document)

    def get_payment(self, provider_payment_id: str) -> ProviderPayment:
        if not _PAYMENT_ID.match(provider_payment_id or ""):
            raise unknown_payment()
        return self._payment(self._request("GET", f"/payments/{urllib.parse.quote(provider_payment_id)}"))

    def list_reversals(self, provider_payment_id: str) -> list[ProviderReversal]:
        if not _PAYMENT_ID.match(provider_payment_id or ""):
            raise unknown_payment()
        return self._list(provider_payment_id, "refunds") + self._list(provider_payment_id, "chargebacks")

    def create_refund(self, request: RefundRequest) -> ProviderReversal:
        if not _PAYMENT_ID.match(request.provider_payment_id or ""):
            raise unknown_payment()
        body: dict[str, Any] = {
            "amount": {"currency": request.currency, "value": euros(request.amount_cents)},
            "description": request.description[:140],  # Mollie's limit for a refund's description
            "metadata": dict(request.metadata),
        }
        document = self._request("POST", f"/payments/{urllib.parse.quote(request.provider_payment_id)}/refunds",
                                 body, {"Idempotency-Key": request.idempotency_key})
        return self._reversal(document, "refund")

    def payment_id_from_webhook(self, headers: Mapping[str, str], body: bytes) -> str | None:
        # Mollie's classic webhook carries only ``id=tr_…`` and no signature: the platform
        # re-fetches the payment, so a forged call can at most trigger a harmless lookup.
        try:
            values = urllib.parse.parse_qs(body.decode("ascii"), strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return None
        ids = values.get("id", [])
        if len(ids) == 1 and _PAYMENT_ID.match(ids[0]):
            return ids[0]
        return None


@hookimpl
def immo_connect_config_schema() -> type:
    return MollieConfig


@hookimpl
def immo_connect_register_payment_methods(register: Any, config: MollieConfig) -> None:
    if config.api_key:
        register(MolliePayments(config))
    else:
        log.info("Mollie is enabled but has no api_key: not offered")
