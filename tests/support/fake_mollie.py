"""A local stand-in for Mollie's Payments API v2, over real HTTP on 127.0.0.1 (port 0).

It speaks the parts of the protocol the platform uses, as documented by Mollie
(docs.mollie.com/reference/v2/payments-api): ``POST /v2/payments`` and
``GET /v2/payments/{id}`` with ``Authorization: Bearer <key>``, JSON bodies in and
``application/hal+json`` out, amounts as ``{"currency": "EUR", "value": "50.00"}``, error
documents ``{"status", "title", "detail", "field", "_links"}``, the ``Idempotency-Key``
header (the same key replays the first response; the same key with another body is
refused with 422), a checkout page where the payer picks the outcome (like Mollie's
test-mode payment screen), and webhook calls ``id=tr_…`` (form-encoded) to ``webhookUrl``
when a status changes.

Refunds and chargebacks follow the Refunds API and Chargebacks API v2: ``POST
/v2/payments/{id}/refunds`` (amount, description, metadata; ``Idempotency-Key``; refused
with 422 beyond the amount remaining or on a payment that is not paid), ``GET
/v2/payments/{id}/refunds`` and ``GET /v2/payments/{id}/chargebacks`` (lists with ``count``,
``_embedded`` and ``_links``), refund statuses ``queued``/``pending``/``processing``/
``refunded``/``failed``/``canceled``, chargebacks with a ``reason`` and ``reversedAt``, and
on the payment ``amountRefunded``, ``amountRemaining``, ``amountChargedBack`` and the links
``refunds``/``chargebacks``. The webhook is called when a refund changes or a chargeback
arrives, as Mollie does.

Tests drive it with :meth:`FakeMollie.set_status` or by posting the checkout form,
:meth:`charge_back`, :meth:`refund_from_dashboard`, :meth:`set_refund_status` and
:meth:`reverse_chargeback`, and read :attr:`FakeMollie.requests` to check what the adapter sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import secrets
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

STATUSES = ("open", "pending", "authorized", "paid", "canceled", "expired", "failed")
REFUND_STATUSES = ("queued", "pending", "processing", "refunded", "failed", "canceled")
METHODS = ("bancontact", "creditcard", "ideal", "kbc", "belfius", "banktransfer", "paypal")
_AMOUNT = re.compile(r"^\d{1,10}\.\d{2}$")
_DOCS = "https://docs.mollie.com/overview/handling-errors"


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _cents(amount: dict[str, str]) -> int:
    whole, _sep, part = amount["value"].partition(".")
    return int(whole) * 100 + int(part or 0)


def _amount(cents: int) -> dict[str, str]:
    return {"currency": "EUR", "value": f"{cents // 100}.{cents % 100:02d}"}


def _link(href: str) -> dict[str, str]:
    return {"href": href, "type": "application/hal+json"}


class FakeMollie:
    """Start with ``FakeMollie().start()`` (or as a context manager); ``base_url`` ends in /v2."""

    def __init__(self, api_key: str = "test_fakemolliekey0000000000000000") -> None:
        self.api_key = api_key
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, list[dict[str, Any]]] = {}  # per payment id, oldest first
        self.chargebacks: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[RecordedRequest] = []
        self.webhook_calls: list[tuple[str, int | str]] = []
        self._idempotency: dict[str, tuple[str, int, bytes]] = {}
        self._fail_next: list[int] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> FakeMollie:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeMollie:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v2"

    # -- test controls --------------------------------------------------------------------------

    def fail_next(self, status: int) -> None:
        """Answer the next API request with this HTTP error status (e.g. 503)."""
        with self._lock:
            self._fail_next.append(status)

    def set_status(self, payment_id: str, status: str) -> None:
        """Move a payment to ``status`` as the payer or the bank would, and call the webhook."""
        if status not in STATUSES:
            raise ValueError(status)
        with self._lock:
            payment = self.payments[payment_id]
            payment["status"] = status
            stamp = {"paid": "paidAt", "canceled": "canceledAt", "expired": "expiredAt",
                     "failed": "failedAt", "authorized": "authorizedAt"}.get(status)
            if stamp:
                payment[stamp] = _now()
            if status == "paid":
                self._amounts(payment)
            if status != "open":
                payment["_links"].pop("checkout", None)
                payment["isCancelable"] = False
            webhook = payment.get("webhookUrl")
        if webhook:
            self._call_webhook(webhook, payment_id)

    def charge_back(self, payment_id: str, cents: int | None = None, *, code: str = "MS03",
                    description: str = "No reason specified") -> str:
        """The card holder's bank takes the money back; Mollie calls the webhook."""
        with self._lock:
            payment = self.payments[payment_id]
            cents = _cents(payment["amount"]) if cents is None else cents
            chargeback_id = "chb_" + secrets.token_hex(6)
            self.chargebacks.setdefault(payment_id, []).append({
                "resource": "chargeback", "id": chargeback_id, "amount": _amount(cents),
                "settlementAmount": {"currency": "EUR", "value": f"-{_amount(cents)['value']}"},
                "reason": {"code": code, "description": description}, "paymentId": payment_id,
                "createdAt": _now(), "reversedAt": None,
                "_links": {"self": _link(f"{self.base_url}/payments/{payment_id}/chargebacks/{chargeback_id}"),
                           "payment": _link(f"{self.base_url}/payments/{payment_id}")},
            })
            self._amounts(payment)
        self._notify(payment_id)
        return chargeback_id

    def reverse_chargeback(self, payment_id: str, chargeback_id: str) -> None:
        """The bank gives the money of a chargeback back (``reversedAt`` is set)."""
        with self._lock:
            chargeback = next(c for c in self.chargebacks[payment_id] if c["id"] == chargeback_id)
            chargeback["reversedAt"] = _now()
            self._amounts(self.payments[payment_id])
        self._notify(payment_id)

    def refund_from_dashboard(self, payment_id: str, cents: int, status: str = "pending") -> str:
        """A refund made outside the platform (Mollie's dashboard); Mollie calls the webhook."""
        with self._lock:
            refund = self._new_refund(payment_id, cents, "Refund from the dashboard", {})
            refund["status"] = status
            self._amounts(self.payments[payment_id])
        self._notify(payment_id)
        return str(refund["id"])

    def set_refund_status(self, payment_id: str, refund_id: str, status: str) -> None:
        """Move a refund on (``refunded``, ``failed``, ``canceled``…) and call the webhook."""
        if status not in REFUND_STATUSES:
            raise ValueError(status)
        with self._lock:
            refund = next(r for r in self.refunds[payment_id] if r["id"] == refund_id)
            refund["status"] = status
            self._amounts(self.payments[payment_id])
        self._notify(payment_id)

    def _new_refund(self, payment_id: str, cents: int, description: str, metadata: Any) -> dict[str, Any]:
        refund_id = "re_" + secrets.token_hex(6)
        refund: dict[str, Any] = {
            "resource": "refund", "id": refund_id, "amount": _amount(cents), "status": "pending",
            "createdAt": _now(), "description": description, "metadata": metadata, "paymentId": payment_id,
            "settlementAmount": {"currency": "EUR", "value": f"-{_amount(cents)['value']}"},
            "_links": {"self": _link(f"{self.base_url}/payments/{payment_id}/refunds/{refund_id}"),
                       "payment": _link(f"{self.base_url}/payments/{payment_id}")},
        }
        self.refunds.setdefault(payment_id, []).append(refund)
        return refund

    def _amounts(self, payment: dict[str, Any]) -> None:
        """The payment's refunded, remaining and charged-back amounts and links (under the lock)."""
        payment_id = payment["id"]
        refunded = sum(_cents(r["amount"]) for r in self.refunds.get(payment_id, [])
                       if r["status"] not in ("failed", "canceled"))
        charged = sum(_cents(c["amount"]) for c in self.chargebacks.get(payment_id, []) if not c["reversedAt"])
        payment["amountRefunded"] = _amount(refunded)
        payment["amountRemaining"] = _amount(max(0, _cents(payment["amount"]) - refunded - charged))
        if self.refunds.get(payment_id):
            payment["_links"]["refunds"] = _link(f"{self.base_url}/payments/{payment_id}/refunds")
        if self.chargebacks.get(payment_id):
            payment["amountChargedBack"] = _amount(charged)
            payment["_links"]["chargebacks"] = _link(f"{self.base_url}/payments/{payment_id}/chargebacks")

    def _notify(self, payment_id: str) -> None:
        webhook = self.payments[payment_id].get("webhookUrl")
        if webhook:
            self._call_webhook(webhook, payment_id)

    def refund(self, payment_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """``POST /v2/payments/{id}/refunds`` (under the lock)."""
        payment = self.payments.get(payment_id)
        if payment is None:
            return self.error(404, "Not Found", "No payment exists with token " + payment_id + ".")
        amount = body.get("amount")
        if not isinstance(amount, dict) or set(amount) != {"currency", "value"} or amount["currency"] != "EUR" \
                or not isinstance(amount["value"], str) or not _AMOUNT.match(amount["value"]):
            return self.error(422, "Unprocessable Entity", "The amount is invalid", "amount")
        if payment["status"] != "paid":
            return self.error(422, "Unprocessable Entity", "The payment cannot be refunded", "amount")
        self._amounts(payment)
        if _cents(amount) > _cents(payment["amountRemaining"]) or _cents(amount) < 1:
            return self.error(422, "Unprocessable Entity",
                              "The amount is higher than the amount remaining on the payment", "amount")
        refund = self._new_refund(payment_id, _cents(amount), str(body.get("description") or ""),
                                  body.get("metadata"))
        self._amounts(payment)
        return 201, refund

    def listing(self, payment_id: str, what: str) -> tuple[int, dict[str, Any]]:
        """``GET /v2/payments/{id}/refunds`` or ``…/chargebacks`` (under the lock)."""
        if payment_id not in self.payments:
            return self.error(404, "Not Found", "No payment exists with token " + payment_id + ".")
        items = (self.refunds if what == "refunds" else self.chargebacks).get(payment_id, [])
        return 200, {
            "count": len(items), "_embedded": {what: json.loads(json.dumps(items))},
            "_links": {"self": _link(f"{self.base_url}/payments/{payment_id}/{what}"), "previous": None,
                       "next": None, "documentation": {"href": "https://docs.mollie.com/reference/list-" + what,
                                                       "type": "text/html"}},
        }

    def api_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/v2/")]

    def _call_webhook(self, url: str, payment_id: str) -> None:
        data = urllib.parse.urlencode({"id": payment_id}).encode()
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Mollie/FakeWebhook"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                self.webhook_calls.append((payment_id, response.status))
        except Exception as error:  # noqa: BLE001 - Mollie retries later; tests read the outcome
            self.webhook_calls.append((payment_id, f"{type(error).__name__}: {error}"))

    # -- API ------------------------------------------------------------------------------------

    def error(self, status: int, title: str, detail: str, field: str | None = None) -> tuple[int, dict[str, Any]]:
        document: dict[str, Any] = {"status": status, "title": title, "detail": detail,
                                    "_links": {"documentation": {"href": _DOCS, "type": "text/html"}}}
        if field:
            document["field"] = field
        return status, document

    def create(self, body: dict[str, Any], mode: str) -> tuple[int, dict[str, Any]]:
        amount = body.get("amount")
        if not isinstance(amount, dict) or set(amount) != {"currency", "value"}:
            return self.error(422, "Unprocessable Entity", "The amount is required for payments", "amount")
        if amount["currency"] != "EUR":
            return self.error(422, "Unprocessable Entity", "The currency is not supported", "amount.currency")
        if not isinstance(amount["value"], str) or not _AMOUNT.match(amount["value"]):
            return self.error(422, "Unprocessable Entity", "The amount contains an invalid value", "amount.value")
        if float(amount["value"]) < 0.01:
            return self.error(422, "Unprocessable Entity", "The amount is lower than the minimum", "amount")
        description = body.get("description")
        if not isinstance(description, str) or not description.strip():
            return self.error(422, "Unprocessable Entity", "The description is invalid", "description")
        if not isinstance(body.get("redirectUrl"), str) or not body["redirectUrl"].startswith("http"):
            return self.error(422, "Unprocessable Entity", "The redirect URL is invalid", "redirectUrl")
        method = body.get("method")
        if method is not None and method not in METHODS:
            return self.error(422, "Unprocessable Entity", "The payment method is invalid", "method")
        payment_id = "tr_" + secrets.token_hex(5)
        payment: dict[str, Any] = {
            "resource": "payment", "id": payment_id, "mode": mode, "createdAt": _now(),
            "amount": dict(amount), "description": description[:255], "method": method,
            "metadata": body.get("metadata"), "status": "open", "isCancelable": True,
            "expiresAt": (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)).strftime(
                "%Y-%m-%dT%H:%M:%S+00:00"),
            "profileId": "pfl_fake00001", "sequenceType": "oneoff",
            "redirectUrl": body["redirectUrl"], "webhookUrl": body.get("webhookUrl") or None,
            "_links": {
                "self": {"href": f"{self.base_url}/payments/{payment_id}", "type": "application/hal+json"},
                "checkout": {"href": f"{self.root}/checkout/{payment_id}", "type": "text/html"},
                "documentation": {"href": "https://docs.mollie.com/reference/create-payment",
                                  "type": "text/html"},
            },
        }
        self.payments[payment_id] = payment
        return 201, payment


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeMollie
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, document: Any, content_type: str = "application/hal+json") -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self) -> RecordedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = RecordedRequest(self.command, self.path, {k: v for k, v in self.headers.items()}, body)
        self.server_fake.requests.append(recorded)
        return recorded

    def _authorised(self) -> str | None:
        """The mode of the API key, or None after answering 401."""
        fake = self.server_fake
        header = self.headers.get("Authorization", "")
        if header != f"Bearer {fake.api_key}":
            self._send(*fake.error(401, "Unauthorized Request",
                                   "Missing authentication, or failed to authenticate"))
            return None
        return "live" if fake.api_key.startswith("live_") else "test"

    def _injected_failure(self) -> bool:
        fake = self.server_fake
        with fake._lock:
            status = fake._fail_next.pop(0) if fake._fail_next else None
        if status is None:
            return False
        self._send(*fake.error(status, "Service Unavailable", "The service is temporarily unavailable"))
        return True

    def do_POST(self) -> None:
        fake = self.server_fake
        recorded = self._record()
        if self.path.startswith("/checkout/"):
            self._checkout_post(recorded)
            return
        refund_of = re.fullmatch(r"/v2/payments/([A-Za-z0-9_]+)/refunds", self.path.split("?")[0])
        if self.path.rstrip("/") != "/v2/payments" and refund_of is None:
            self._send(*fake.error(404, "Not Found", "The resource does not exist"))
            return
        mode = self._authorised()
        if mode is None or self._injected_failure():
            return
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            self._send(*fake.error(415, "Unsupported Media Type", "Send the body as JSON"))
            return
        try:
            body = json.loads(recorded.body or b"{}")
        except ValueError:
            self._send(*fake.error(400, "Bad Request", "The JSON body could not be parsed"))
            return
        key = self.headers.get("Idempotency-Key")
        digest = hashlib.sha256(recorded.body).hexdigest()
        with fake._lock:
            if key is not None and key in fake._idempotency:
                first_digest, status, response = fake._idempotency[key]
                if first_digest != digest:
                    status_doc = fake.error(
                        422, "Unprocessable Entity",
                        "The Idempotency-Key was already used for a request with another body",
                    )
                    replay: tuple[int, Any] = status_doc
                else:
                    replay = (status, response)
            else:
                if refund_of is not None:
                    status, document = fake.refund(refund_of.group(1), body)
                else:
                    status, document = fake.create(body, mode)
                if key is not None:
                    fake._idempotency[key] = (digest, status, json.dumps(document).encode())
                replay = (status, document)
        self._send(*replay)

    def do_GET(self) -> None:
        fake = self.server_fake
        self._record()
        if self.path.startswith("/checkout/"):
            payment = fake.payments.get(self.path.split("/")[2])
            page = (f"<html><body><h1>Test payment {payment['id']}</h1><form method=post>"
                    "<button name=status value=paid>Paid</button></form></body></html>"
                    if payment else "<html><body>Unknown payment</body></html>")
            self._send(200 if payment else 404, page.encode(), "text/html; charset=utf-8")
            return
        path = self.path.split("?")[0]
        match = re.fullmatch(r"/v2/payments/([A-Za-z0-9_]+)", path)
        listing = re.fullmatch(r"/v2/payments/([A-Za-z0-9_]+)/(refunds|chargebacks)", path)
        if match is None and listing is None:
            self._send(*fake.error(404, "Not Found", "The resource does not exist"))
            return
        if self._authorised() is None or self._injected_failure():
            return
        if listing is not None:
            with fake._lock:
                answer = fake.listing(listing.group(1), listing.group(2))
            self._send(*answer)
            return
        assert match is not None
        with fake._lock:
            payment = fake.payments.get(match.group(1))
            document = json.loads(json.dumps(payment)) if payment else None
        if document is None:
            self._send(*fake.error(404, "Not Found", "No payment exists with token " + match.group(1) + "."))
            return
        self._send(200, document)

    def _checkout_post(self, recorded: RecordedRequest) -> None:
        fake = self.server_fake
        payment_id = self.path.split("/")[2]
        status = urllib.parse.parse_qs(recorded.body.decode()).get("status", [""])[0]
        if payment_id not in fake.payments or status not in STATUSES:
            self._send(404, b"unknown payment or status", "text/plain")
            return
        if fake.payments[payment_id]["status"] != "open":
            self._send(409, b"payment is no longer open", "text/plain")
            return
        fake.set_status(payment_id, status)
        self._send(200, f"payment {payment_id} is {status}".encode(), "text/plain")
