"""The providers' webhook endpoint: ``POST /webhooks/payments/<method name>``.

A provider calls it when a payment's status changes (Mollie posts ``id=tr_…``). The body
is only used to learn *which* payment changed: the platform then fetches that payment from
the provider itself (:meth:`PaymentService.handle_webhook`), so a forged call can trigger at
most a harmless look-up. Answers: ``200`` when handled (also for payments this platform
does not know, so the provider stops retrying), ``400`` for a call that names no payment,
``404`` for an unknown method, ``502`` when the provider could not be asked (the provider
retries later). Plain HTTP on a local address: put a TLS-terminating proxy in front.
``immo-connect web`` serves this endpoint beside the tools' sign-in; ``immo-connect payments
webhook`` serves it alone.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

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


async def endpoint(request: Request, platform: Platform) -> Response:
    """The Starlette handler of ``POST /webhooks/payments/<method>`` (``immo-connect web`` serves it too)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)

    def work() -> tuple[int, str]:
        try:
            return answer(platform, request.path_params["method"], dict(request.headers), body)
        finally:
            if not platform.database.is_closed():
                platform.database.close()  # this worker thread's connection

    status, text = await run_in_threadpool(work)
    return PlainTextResponse(text, status_code=status)


class WebhookServer:
    """The endpoint alone (``immo-connect payments webhook``), on the web server's stack
    (Starlette served by uvicorn); ``platform`` is the platform whose payments it follows."""

    def __init__(self, address: tuple[str, int], platform: Platform) -> None:
        import uvicorn

        from immo_connect.web.serve import listen

        self.platform = platform
        self._listener = listen(*address)
        self.server_address: tuple[str, int] = self._listener.getsockname()[:2]

        async def webhook(request: Request) -> Response:
            return await endpoint(request, self.platform)

        app = Starlette(routes=[Route(PREFIX + "{method}", webhook, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                                     server_header=False))
        self._stopped = threading.Event()

    def serve_forever(self) -> None:
        try:
            self._server.run(sockets=[self._listener])
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serving and wait until :meth:`serve_forever` has returned."""
        self._server.should_exit = True
        self._stopped.wait(10)

    def server_close(self) -> None:
        self._listener.close()


def make_server(platform: Platform, host: str, port: int) -> WebhookServer:
    """The endpoint's server bound to ``host:port`` (port 0 picks a free one); not started."""
    return WebhookServer((host, port), platform)
