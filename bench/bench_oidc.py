"""The web tools' sign-in and wallet API, each against a baseline measured in the same run.

``immo-connect web`` runs in a thread on a loopback port, on SQLite, with an agency whose
manager is signed in to MyRent Pro. Three lines:

* wallet API: ``POST /api/wallet/charges`` over HTTP (keep-alive) against the same charge
  made in-process with ``platform.tools.charge`` (what a tool inside the terminal UI does).
  Goal: at most 10x (HTTP, the token look-up and the rights checked again per request).
* token endpoint: exchanging an authorization code (PKCE, ID token signed) against the same
  in-process charge: an order of magnitude to size a server. Goal: at most 10x.
* ID-token verification by the example tool (its cached JWKS, issuer, audience, nonce)
  against plain joserfc verification with the key at hand. Goal: at most 2x.

Run with ``make bench`` (or ``.venv/bin/python bench/bench_oidc.py``).
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import interleave, report, timed
from joserfc import jwt
from joserfc.jwk import KeySet

from immo_connect.clock import Clock
from immo_connect.demo_tool.app import DemoTool, Settings
from immo_connect.web.serve import listen
from tests.support.tools import fund
from tests.support.web import Site, agency_with_myrentpro, build_platform, pkce, serving, web_config

ROUNDS = 60
REDIRECT = "http://127.0.0.1:8481/callback"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        listener = listen("127.0.0.1", 0)
        issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
        platform = build_platform(Path(folder), Clock(), None, web_config(issuer), {}, source="web")
        agency = agency_with_myrentpro(platform)
        fund(platform, agency.organisation, 10_000_000)
        keys = itertools.count()
        with serving(platform, listener):
            site = Site(platform, issuer)
            http = site.client()
            asked = http.post("/device_authorization", data={"client_id": "myrentpro", "scope": "openid wallet"}).json()
            platform.sso.approve(agency.manager, asked["user_code"], agency.organisation.id, "manager")
            access = http.post("/token", data={"grant_type": DEVICE, "device_code": asked["device_code"],
                                               "client_id": "myrentpro"}).json()["access_token"]
            context = platform.tools.start(agency.manager, "myrentpro", agency.organisation.id, "manager")

            def in_process() -> float:
                return timed(lambda: platform.tools.charge(
                    context, "rental_file", description="bench", idempotency_key=f"local-{next(keys)}"))

            def over_http() -> float:
                def run() -> None:
                    answer = http.post("/api/wallet/charges", headers={"Authorization": f"Bearer {access}"},
                                       json={"action": "rental_file", "description": "bench",
                                             "idempotency_key": f"api-{next(keys)}"})
                    assert answer.status_code == 201, answer.text
                return timed(run)

            def code_exchange() -> float:
                link = platform.sso.create_link(agency.manager, context)
                verifier, challenge = pkce()
                answer = http.get("/authorize", params={
                    "response_type": "code", "client_id": "myrentpro", "redirect_uri": REDIRECT,
                    "scope": "openid profile quality", "state": "s", "nonce": "n", "code_challenge": challenge,
                    "code_challenge_method": "S256", "login_hint": link.url.rsplit("/", 1)[1]})
                code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]

                def run() -> None:
                    token = http.post("/token", data={"grant_type": "authorization_code", "code": code,
                                                      "code_verifier": verifier, "redirect_uri": REDIRECT,
                                                      "client_id": "myrentpro"})
                    assert token.status_code == 200, token.text
                return timed(run)

            for _ in range(5):
                in_process(), over_http(), code_exchange()
            baseline, measured = interleave(in_process, over_http, ROUNDS)
            report("wallet API charge over HTTP vs in-process tool charge", baseline, measured, goal="<= 10x")
            baseline, measured = interleave(in_process, code_exchange, ROUNDS)
            report("token endpoint (code exchange) vs in-process tool charge", baseline, measured, goal="<= 10x")

            # ID tokens as a client verifies them.
            link = platform.sso.create_link(agency.manager, context)
            verifier, challenge = pkce()
            answer = http.get("/authorize", params={
                "response_type": "code", "client_id": "myrentpro", "redirect_uri": REDIRECT, "scope": "openid quality",
                "state": "s", "nonce": "n-1", "code_challenge": challenge, "code_challenge_method": "S256",
                "login_hint": link.url.rsplit("/", 1)[1]})
            code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
            id_token = http.post("/token", data={"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                                                 "redirect_uri": REDIRECT, "client_id": "myrentpro"}).json()["id_token"]
            tool = DemoTool(Settings(issuer=issuer, client_id="myrentpro", public_url="http://127.0.0.1:8481"))
            key_set = KeySet.import_key_set(http.get("/jwks").json())
            tool.verify(id_token, nonce="n-1")  # fetches metadata and keys once
            baseline, measured = interleave(
                lambda: timed(lambda: jwt.decode(id_token, key_set, algorithms=["RS256"])),
                lambda: timed(lambda: tool.verify(id_token, nonce="n-1")), ROUNDS * 5)
            report("ID-token verification by the example tool vs plain joserfc", baseline, measured, goal="<= 2x")
            http.close()
        platform.database.close()


if __name__ == "__main__":
    main()
