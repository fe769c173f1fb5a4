"""Serving the terminal UI over SSH (``immo-connect serve``).

- :mod:`~immo_connect.ssh.models`: registered public keys and the register of live sessions.
- :mod:`~immo_connect.ssh.keys`: ``platform.ssh_keys`` ("Mes clés SSH").
- :mod:`~immo_connect.ssh.sessions`: ``platform.ssh_sessions`` (limits across servers).
- :mod:`~immo_connect.ssh.server`: the asyncssh server; :mod:`~immo_connect.ssh.connection`
  authenticates each connection; :mod:`~immo_connect.ssh.terminal` runs each session's
  process on its own pty; :mod:`~immo_connect.ssh.child` is that process, forked from the
  warm :mod:`~immo_connect.ssh.zygote` that :mod:`~immo_connect.ssh.prefork` keeps running.
- :mod:`~immo_connect.ssh.forced`: the stock-sshd set-up, where
  :mod:`~immo_connect.ssh.watch` closes blocked accounts' sessions from inside.

Only the server side imports asyncssh; the session process and the screens never do,
except to check a key being registered.
"""

from __future__ import annotations

SSH_SOURCE_PREFIX = "ssh:"  # platform sources of SSH sessions: "ssh:<client address>"
