"""Running the platform as another user (uid 65534), for the checks root would pass anyway."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@functools.cache
def nobody_can_run_the_platform(root: Path) -> bool:
    """True when root can act as uid 65534 and that user can import the checkout's platform
    (a checkout in a private folder, such as one made by ``mktemp -d``, cannot be read)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return False
    probe = subprocess.run([*AS_NOBODY, sys.executable, "-c", "import immo_connect"], capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(root)}, cwd="/", timeout=120, check=False)
    return probe.returncode == 0
