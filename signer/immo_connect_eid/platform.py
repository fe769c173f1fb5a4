"""The signer's way to the platform: fetch a challenge by its short code, post the answer.

Plain ``urllib`` (no extra package on the user's computer). HTTPS is required, except on
the loopback address (a platform tried on one's own machine).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from immo_connect_eid.errors import problem

TIMEOUT_SECONDS = 20.0
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def platform_address(address: str) -> str:
    """The platform's web address, checked: HTTPS (or plain HTTP on loopback), no trailing slash."""
    parts = urlsplit(address.strip())
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    if not parts.hostname or not secure:
        raise problem("eid.platform_address", address)
    return address.strip().rstrip("/")


def _call(url: str, address: str, body: bytes | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "text/plain; charset=utf-8", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer: dict[str, Any] = json.loads(response.read(256 * 1024))
            return answer
    except urllib.error.HTTPError as refused:
        try:
            payload: dict[str, Any] = json.loads(refused.read(64 * 1024))
        except ValueError:
            payload = {}
        if "message" in payload:
            raise problem("eid.refused", str(payload["message"]), str(payload.get("error", "eid"))) from None
        raise problem("eid.platform_unreachable", address, detail=f"HTTP {refused.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as failure:
        raise problem("eid.platform_unreachable", address, detail=type(failure).__name__) from None


def fetch_challenge(address: str, code: str) -> str:
    """The long challenge named by ``code`` (canonical), as the platform keeps it."""
    answer = _call(f"{address}/eid/{code}", address)
    return str(answer.get("challenge", ""))


def post_answer(address: str, code: str, token: str) -> None:
    """Deliver the signed answer to the challenge's one-time address; the platform's refusal is raised."""
    _call(f"{address}/eid/{code}/answer", address, token.encode("ascii"))
