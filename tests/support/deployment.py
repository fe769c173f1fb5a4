"""docs/deployment.md's machine set up in a folder: its files, wrappers and units, as written.

The document's places (``/etc/immo-connect``, ``/opt/immo-connect``, the data directory)
are replaced by folders under one base; everything else comes from the document.
"""

from __future__ import annotations

import getpass
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from immo_connect.platform import Platform
from tests.support.docs import block_with, code_blocks, read_environment_file, substitute

DOC = "deployment.md"
IMMO_CONNECT = str(Path(sys.executable).parent / "immo-connect")  # the installed command of this environment


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMMO_CONNECT_", "SSH_", "JOURNAL_"))}
    env.update(extra)
    return env


class Machine:
    """The document's folders under one base folder, and the replacements for its places."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.opt, self.etc, self.data = base / "opt/immo-connect", base / "etc/immo-connect", base / "var/lib/immo-connect"
        for folder in (self.opt / "bin", self.etc, self.data):
            folder.mkdir(parents=True, exist_ok=True)
        self.data.chmod(0o700)
        self.places = {
            "/opt/immo-connect/.venv/bin/immo-connect": IMMO_CONNECT,
            "/opt/immo-connect": str(self.opt), "/etc/immo-connect": str(self.etc), "/var/lib/immo-connect": str(self.data),
        }
        (self.etc / "plugins.toml").write_text('[mail]\ntransport = "maildir"\n')

    def write_secrets(self, database_url: str, group: int | None = None) -> Path:
        """secrets.env from the document's example line, with this test's database, mode as documented.

        ``group`` stands for the service user's group (default: the test's own group).
        """
        example = block_with(DOC, "IMMO_CONNECT_DATABASE_URL=")
        path = self.etc / "secrets.env"
        path.write_text(re.sub(r"'[^']*'", lambda _m: f"'{database_url}'", example))
        permissions = substitute(block_with(DOC, "chmod 0640"), self.places)
        owner = f"{getpass.getuser()}:{os.getgid() if group is None else group}"
        permissions = permissions.replace("root:immo", owner)  # no user "immo" here
        subprocess.run(["sh", "-ec", permissions], check=True)
        assert path.stat().st_mode & 0o777 == 0o640
        return path

    def write_wrappers(self) -> dict[str, Path]:
        scripts = {}
        blocks = [block for block in code_blocks(DOC) if block.startswith("#!/bin/sh")]
        for script in "".join(blocks).split("#!/bin/sh")[1:]:
            name = re.search(r"# /opt/immo-connect/bin/(\S+)", script).group(1)  # type: ignore[union-attr]
            path = self.opt / "bin" / name
            path.write_text("#!/bin/sh" + substitute(script, self.places).rstrip() + "\n")
            path.chmod(0o755)
            scripts[name] = path
        assert set(scripts) == {"immo-connect-keys", "immo-connect-session", "immo-connect-admin"}
        return scripts

    def share_key(self, platform: Platform) -> None:
        """The test's platform and this machine hold the same platform key (docs/scaling.md)."""
        target = self.data / "secret.key"
        shutil.copy(platform.settings.data_dir / "secret.key", target)
        target.chmod(0o600)

    def unit(self, exec_start: str | None = None) -> tuple[list[str], dict[str, str]]:
        """The command and environment systemd gives the documented unit (``ExecStart`` replaced if given)."""
        unit = substitute(block_with(DOC, "[Service]"), self.places)
        env = clean_env()
        for name, value in re.findall(r"^Environment=(\w+)=(.*)$", unit, flags=re.MULTILINE):
            env[name] = value
        for path in re.findall(r"^EnvironmentFile=(.*)$", unit, flags=re.MULTILINE):
            env.update(read_environment_file(Path(path)))
        (documented,) = re.findall(r"^ExecStart=(.*)$", unit, flags=re.MULTILINE)
        return (exec_start or documented).split(), env
