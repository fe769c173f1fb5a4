"""Running the SSH server in the foreground until SIGTERM or SIGINT (``immo-connect serve``)."""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import TextIO

from immo_connect import audit
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import _
from immo_connect.platform import Platform
from immo_connect.ssh.hostkey import default_host_key_path, fingerprint, load_or_create_host_key
from immo_connect.ssh.server import SshServer
from immo_connect.storage import transaction


def serve(platform: Platform, host: str, port: int, *, out: TextIO = sys.stdout) -> int:
    """Serve until stopped; the first lines printed are the host key and the address."""
    path = platform.settings.ssh.host_key or default_host_key_path(platform.settings.data_dir)
    key, created = load_or_create_host_key(path)
    print(("New host key" if created else "Host key") + f" {path}", file=out)
    print(f"Host key fingerprint: {fingerprint(key)} (ED25519)", file=out)
    return asyncio.run(_serve(platform, key, host, port, out))


async def _serve(platform: Platform, key: object, host: str, port: int, out: TextIO) -> int:
    server = SshServer(platform, key)  # type: ignore[arg-type]
    try:
        await server.start(host, port)
    except OSError as error:
        raise ConfigurationError(
            _("Cannot listen on {host}:{port}: {reason}.").format(host=host, port=port, reason=error.strerror or error),
            hint=_("Choose another address or port with --listen HOST:PORT, or stop the program using it."),
            code="ssh_listen",
        ) from None
    with transaction():
        audit.record("ssh.server.start", actor="system", source=platform.source, at=platform.clock.now(),
                     detail={"server": server.name, "address": f"{host}:{server.port}"})
    print(f"Listening on {host}:{server.port}", file=out, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # SIGHUP (systemctl reload): plugins or configuration changed; live sessions go on.
    loop.add_signal_handler(signal.SIGHUP, server.reload)
    await stop.wait()
    print("Stopping: ending the open sessions", file=out, flush=True)
    await server.close()
    with transaction():
        audit.record("ssh.server.stop", actor="system", source=platform.source, at=platform.clock.now(),
                     detail={"server": server.name})
    return 0
