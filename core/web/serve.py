"""Running the web application with uvicorn (plain HTTP: a TLS proxy goes in front)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn

    from immo_connect.platform import Platform


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it every answer written in two parts waits for the client's delayed ACK (about 40 ms).
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)
    return listener


def make_server(platform: Platform) -> uvicorn.Server:
    import uvicorn

    from immo_connect.web.app import create_app

    config = uvicorn.Config(create_app(platform), log_level="warning", access_log=False,
                            proxy_headers=True, server_header=False, lifespan="off")
    return uvicorn.Server(config)


def serve(platform: Platform, host: str, port: int, *, on_ready: Callable[[int], None] | None = None) -> int:
    """Serve until interrupted; ``on_ready`` gets the bound port (useful with port 0)."""
    listener = listen(host, port)
    server = make_server(platform)
    if on_ready is not None:
        on_ready(int(listener.getsockname()[1]))
    # The back-channel logout notices a tool could not receive yet are retried from here too.
    from immo_connect.oidc.logout import keep_delivering

    stop = threading.Event()
    retries = keep_delivering(platform, stop, platform.settings.web.logout_retry_poll_seconds)
    try:
        server.run(sockets=[listener])
    finally:
        stop.set()
        retries.join(platform.settings.web.logout_timeout_seconds * 2)
    return 0
