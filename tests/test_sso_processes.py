"""``immo-connect web`` and ``immo-connect demo-tool`` as real processes: docs/vendor-web-tool.md
followed as written, and two provider processes sharing codes and tokens on one PostgreSQL."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from immo_connect.accounts.models import Account
from immo_connect.clock import Clock
from immo_connect.organisations.models import Organisation
from immo_connect.tools.demo import PEETERS
from tests.support.docs import block_with, substitute
from tests.support.postgres import PostgresCluster
from tests.support.web import agency_with_myrentpro, build_platform, pkce, web_config

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def started(command: str, environ: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """A long-running command, once it printed its first line (it listens by then)."""
    process = subprocess.Popen(shlex.split(command), env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first, process.stderr.read() if process.stderr else ""
        yield process
    finally:
        process.terminate()
        process.wait(10)


def environment(tmp_path: Path, config_text: str, database_url: str | None = None) -> dict[str, str]:
    config = tmp_path / "plugins.toml"
    config.write_text(config_text)
    environ = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "IMMO_CONNECT_CONFIG": str(config),
               "IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")}
    if database_url:
        environ["IMMO_CONNECT_DATABASE_URL"] = database_url
    return environ


def test_the_vendor_guide_as_written_signs_anne_in_to_the_example_tool(tmp_path: Path) -> None:
    web_port, tool_port = free_port(), free_port()
    issuer, tool = f"http://127.0.0.1:{web_port}", f"http://127.0.0.1:{tool_port}"
    config_text = web_config(issuer, tool_url=tool) + "\n[plugins.sandbox]\nenabled = true\n"
    environ = environment(tmp_path, config_text)
    block = substitute(block_with("vendor-web-tool.md", "immo-connect demo-tool --listen"),
                       {"127.0.0.1:8470": f"127.0.0.1:{web_port}", "127.0.0.1:8481": f"127.0.0.1:{tool_port}"})
    demo, web, example = block.strip().splitlines()
    subprocess.run(shlex.split(demo), env=environ, check=True, capture_output=True, timeout=300)
    with started(web, environ), started(example, environ):
        database = f"sqlite:///{tmp_path / 'data' / 'immo-connect.sqlite3'}"  # the data directory's
        platform = build_platform(tmp_path, Clock(), database, config_text, {}, source="tui")
        anne = Account.get(Account.username == "anne.peeters")
        peeters = Organisation.get(Organisation.enterprise_number == PEETERS)
        context = platform.tools.start(anne, "myrentpro", peeters.id, "manager")
        link = platform.sso.create_link(anne, context)
        with httpx.Client(follow_redirects=True, timeout=20) as browser:
            page = browser.get(link.url)
        platform.database.close()
    shown = re.search(r"<p id='who'>([^<]*)</p>", page.text)
    assert shown is not None and shown.group(1).startswith("Connecté : Anne Peeters — Immo Peeters, ")
    assert str(page.url) == f"{tool}/"


@pytest.mark.postgres
def test_two_web_processes_share_codes_and_tokens_on_one_postgresql(tmp_path: Path, pg_cluster: PostgresCluster) -> None:
    database_url = pg_cluster.create_database("sso_cluster")
    ports = [free_port(), free_port()]
    issuer = f"http://127.0.0.1:{ports[0]}"  # one public address; both processes serve it
    environ = environment(tmp_path, web_config(issuer), database_url)
    platform = build_platform(tmp_path, Clock(), database_url, web_config(issuer), {}, source="tui")
    agency = agency_with_myrentpro(platform)
    with ExitStack() as stack:
        for port in ports:
            stack.enter_context(started(f"immo-connect web --listen 127.0.0.1:{port}", environ))
        first, second = (httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20) for port in ports)
        # A device code asked at one process is approved, then exchanged at the other.
        asked = first.post("/device_authorization", data={"client_id": "myrentpro", "scope": "openid quality offline_access"}).json()
        platform.sso.approve(agency.manager, asked["user_code"], agency.organisation.id, "manager")
        token = second.post("/token", data={"grant_type": DEVICE, "device_code": asked["device_code"],
                                            "client_id": "myrentpro"})
        assert token.status_code == 200, token.text
        assert first.get("/jwks").json() == second.get("/jwks").json()  # one key, in the database
        # A refresh at the first process; the old refresh token reused at the second is detected.
        refresh = token.json()["refresh_token"]
        renewed = first.post("/token", data={"grant_type": "refresh_token", "refresh_token": refresh,
                                              "client_id": "myrentpro"})
        assert renewed.status_code == 200, renewed.text
        reused = second.post("/token", data={"grant_type": "refresh_token", "refresh_token": refresh,
                                              "client_id": "myrentpro"})
        assert reused.json()["error"] == "invalid_grant"
        # An authorization code made at one process is single use across both.
        context = platform.tools.start(agency.manager, "myrentpro", agency.organisation.id, "manager")
        hint = platform.sso.create_link(agency.manager, context).url.rsplit("/", 1)[1]
        verifier, challenge = pkce()
        answer = second.get("/authorize", params={
            "response_type": "code", "client_id": "myrentpro", "redirect_uri": "http://127.0.0.1:8481/callback",
            "scope": "openid", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256",
            "login_hint": hint})
        code = httpx.URL(answer.headers["location"]).params["code"]
        exchange = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                    "redirect_uri": "http://127.0.0.1:8481/callback", "client_id": "myrentpro"}
        assert first.post("/token", data=exchange).status_code == 200
        assert second.post("/token", data=exchange).json()["error"] == "invalid_grant"
        first.close()
        second.close()
    platform.database.close()

