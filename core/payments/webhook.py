"""The providers' webhook endpoint: ``POST /webhooks/payments/<method name>``.

A provider calls it when a payment's status changes (Mollie posts ``id=tr_…``). The body
is only used to learn *which* payment changed: the platform then fetches that payment from
the provider itself (:meth:`PaymentService.handle_webhook`), so a forged call can trigger at
most a harmless look-up. Answers: ``200`` when handled (also for payments this platform
does not know, so the provider stops retrying), ``400`` for a call that names no payment,
``404`` for an unknown method, ``502`` when the provider could not be asked (the provider
retries later). Plain HTTP on a local address: put a TLS-terminating proxy in front.
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from immo_connect.contracts.payments import PaymentProviderError
from immo_connect.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from immo_connect.platform import Platform

log = logging.getLogger("immo_connect.payments.webhook")

PREFIX = "/webhooks/payments/"
MAX_BODY = 64 * 1024


def answer(platform: Platform, method: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """Handle one provider call: the HTTP status and text to answer (shared by both servers)."""
    try:
        payment = platform.payments.handle_webhook(method, headers, body)
    except NotFoundError:
        return 404, "unknown payment method"
    except ValidationError:
        return 400, "no payment named"
    except PaymentProviderError as error:
        log.warning("webhook: provider look-up failed: %s", error.message)
        return 502, "provider unreachable, retry later"
    except Exception:
        log.exception("webhook handling failed")  # a bug: logged; the provider retries
        return 500, "error"
    return 200, "ok" if payment is not None else "ok (unknown payment)"


class WebhookServer(ThreadingHTTPServer):
    """The endpoint's HTTP server; ``platform`` is the platform whose payments it follows."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], platform: Platform) -> None:
        self.platform = platform
        super().__init__(address, _Handler)


def make_server(platform: Platform, host: str, port: int) -> WebhookServer:
    """A threaded HTTP server bound to ``host:port`` (port 0 picks a free one); not started."""
    return WebhookServer((host, port), platform)


class _Handler(BaseHTTPRequestHandler):
    server: WebhookServer
    server_version = "ImmoConnectWebhook/1"

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _answer(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if not path.startswith(PREFIX) or "/" in path[len(PREFIX):]:
            self._answer(404, "not found")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, "too large")
            return
        body = self.rfile.read(length) if length else b""
        platform = self.server.platform
        try:
            self._answer(*answer(platform, path[len(PREFIX):], {k: v for k, v in self.headers.items()}, body))
        finally:
            if not platform.database.is_closed():
                platform.database.close()  # this thread's connection

    def do_GET(self) -> None:
        self._answer(405, "use POST")
