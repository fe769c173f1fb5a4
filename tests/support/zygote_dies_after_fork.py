"""A session entry whose zygote dies after each fork, before it can answer the server.

Imported by the zygote at its start (``--entry tests.support.zygote_dies_after_fork:main``),
it wraps the zygote's own fork so that the zygote kills itself once the session process
exists and the intermediate has reported it, as a crash at that moment would. The pids of
what it forked go to the file named by ``ZYGOTE_FORKED_RECORD`` (the test checks they are
gone). Sessions themselves are the probe's.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from immo_connect.ssh import zygote
from tests.support.zygote_probe import main

RECORD = os.environ.get("ZYGOTE_FORKED_RECORD", "")


def _dying(fork: Callable[..., int]) -> Callable[..., int]:
    def fork_then_die(*args: Any, **kwargs: Any) -> int:
        session = fork(*args, **kwargs)
        if RECORD:
            with open(RECORD, "a") as record:
                record.write(f"{session}\n")
        os.kill(os.getpid(), signal.SIGKILL)
        return session

    return fork_then_die


for _module in {sys.modules["__main__"], zygote}:  # the zygote runs as ``python -m``: __main__
    if hasattr(_module, "fork_session"):
        _module.fork_session = _dying(_module.fork_session)  # type: ignore[attr-defined]

__all__ = ["main"]
