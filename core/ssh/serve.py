"""Running the SSH server in the foreground until SIGTERM or SIGINT (``immo-connect serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import TextIO

from immo_connect import audit, i18n
from immo_connect.errors import ConfigurationError
from immo_connect.i18n import N_, _
from immo_connect.platform import Platform
from immo_connect.ssh.hostkey import default_host_key_path, fingerprint, load_or_create_host_key
from immo_connect.ssh.server import SshServer
from immo_connect.storage import transaction


class Say:
    """The server's own lines for the operator, in the command's language; the people served
    over SSH keep the installation's language until they sign in, so it is never bound here."""

    def __init__(self, out: TextIO, language: str | None) -> None:
        self.out, self.language = out, language

    def __call__(self, message: str, **values: object) -> None:
        with i18n.using(self.language) if self.language else contextlib.nullcontext():
            print(_(message).format(**values), file=self.out, flush=True)


def serve(platform: Platform, host: str, port: int, *, out: TextIO = sys.stdout, language: str | None = None) -> int:
    """Serve until stopped; the first lines printed are the host key and the address."""
    say = Say(out, language)
    path = platform.settings.ssh.host_key or default_host_key_path(platform.settings.data_dir)
    key, created = load_or_create_host_key(path)
    say(N_("New host key {path}") if created else N_("Host key {path}"), path=path)
    say(N_("Host key fingerprint: {fingerprint} (ED25519)"), fingerprint=fingerprint(key))
    return asyncio.run(_serve(platform, key, host, port, say))


async def _serve(platform: Platform, key: object, host: str, port: int, say: Say) -> int:
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
    say(N_("Listening on {host}:{port}"), host=host, port=server.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # SIGHUP (systemctl reload): plugins or configuration changed; live sessions go on.
    loop.add_signal_handler(signal.SIGHUP, server.reload)
    await stop.wait()
    say(N_("Stopping: ending the open sessions"))
    await server.close()
    with transaction():
        audit.record("ssh.server.stop", actor="system", source=platform.source, at=platform.clock.now(),
                     detail={"server": server.name})
    return 0
