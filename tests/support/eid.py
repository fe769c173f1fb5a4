"""The eID test stack: test PKIs, a private pcscd with the vpcd reader, the card emulator
behind it and SoftHSM2 tokens holding the cards' Authentication keys.

The fixtures (``pkis``, ``eid_stack``, ``eid_reader``) are shared through tests/conftest.py.
Mark the tests that use pcscd with ``PCSCD`` so that xdist keeps them on one worker (one
daemon per run). Everything is stopped at the end of the session, even after failures.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from immo_connect.eid.emulator.card import BelpicCard
from immo_connect.eid.emulator.pcscd import PcscdUnavailable, PrivatePcscd
from immo_connect.eid.emulator.pki import IssuedCard, TestPki
from immo_connect.eid.emulator.softhsm import SoftHsm
from immo_connect.eid.emulator.vpcd import VpcdBridge, VpcdProcess

PCSCD = pytest.mark.xdist_group("eid-pcscd")
OPENSC_MODULES = (
    "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so",
    "/usr/lib/opensc-pkcs11.so",
    "/usr/lib64/opensc-pkcs11.so",
)
SECOND_READER = "Virtual PCD 00 01"


@dataclasses.dataclass
class Pkis:
    ec: TestPki
    rsa: TestPki
    anchors: Path  # PEM file with both test roots, for [eid] trust_anchors

    def config(self, module: str = "", extra: str = "") -> str:
        lines = ["[eid]", f'trust_anchors = ["{self.anchors}"]']
        if module:
            lines.append(f'pkcs11_module = "{module}"')
        return "\n".join(lines) + "\n" + extra


@pytest.fixture(scope="session")
def pkis(tmp_path_factory: pytest.TempPathFactory) -> Pkis:
    """One EC (applet 1.8) and one RSA (applet 1.7) test PKI per test process."""
    folder = tmp_path_factory.mktemp("eid-pki")
    ec, rsa = TestPki("ec"), TestPki("rsa")
    anchors = folder / "test-roots.pem"
    anchors.write_bytes(ec.root_pem + rsa.root_pem)
    return Pkis(ec, rsa, anchors)


class EidStack:
    """pcscd + vpcd + emulator + SoftHSM2; ``insert`` puts a card in the reader."""

    def __init__(self, pcscd: PrivatePcscd, hsm: SoftHsm) -> None:
        self.pcscd = pcscd
        self.hsm = hsm
        self.bridge = VpcdBridge(pcscd.port)
        self.card: BelpicCard | None = None
        self._process: VpcdProcess | None = None

    @property
    def module(self) -> str:
        return self.hsm.module

    def environ(self) -> dict[str, str]:
        return {**self.pcscd.environ(), **self.hsm.environ()}

    def insert(self, card: IssuedCard, *, token: bool = True, key: object | None = None, pin_tries: int = 3) -> BelpicCard:
        """Insert ``card`` and give it a PKCS#11 token (with ``key`` instead of its own, if given)."""
        if self.card is not None:  # pull the previous card out first, and let pcscd notice
            self.remove()
        if token:
            self.hsm.add_card(card.auth_cert, key if key is not None else card.auth_key, pin=card.pin)
        self.card = card.emulator(pin_tries=pin_tries)
        self.bridge.insert(self.card)
        self.wait_for_card(present=True)
        return self.card

    def remove(self) -> None:
        self.bridge.remove()
        self.card = None
        self.wait_for_card(present=False)

    @property
    def opensc(self) -> str:
        """OpenSC's PKCS#11 module: it drives the emulated card itself (real PIN counter)."""
        found = next((path for path in OPENSC_MODULES if Path(path).exists()), None)
        if found is None:
            pytest.fail("OpenSC is needed for the PIN tests (apt-get install opensc)")
        return found

    def insert_card_process(self, card: IssuedCard, *, pin_tries: int = 3) -> VpcdProcess:
        """Insert ``card`` in the second reader, served by a child process (see VpcdProcess).

        For OpenSC, which signs on the card itself with VERIFY PIN, MSE SET and PSO.
        """
        if self._process is None:
            self._process = VpcdProcess(self.pcscd.port + 1)
        self._process.remove()
        self.wait_for_card(present=False, reader=SECOND_READER)
        self._process.insert(card.emulator(pin_tries=pin_tries))
        self.wait_for_card(present=True, reader=SECOND_READER)
        return self._process

    def remove_card_process(self) -> None:
        if self._process is not None:
            self._process.remove()
            self.wait_for_card(present=False, reader=SECOND_READER)

    def wait_for_card(self, *, present: bool, timeout: float = 10.0, reader: str = "") -> None:
        """Wait until pcscd reports the card in (or out of) a virtual reader (the first by default)."""
        from smartcard import scard

        deadline = time.monotonic() + timeout
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hresult == 0, f"pcscd unreachable: {hresult & 0xFFFFFFFF:08X}"
        try:
            while time.monotonic() < deadline:
                hresult, states = scard.SCardGetStatusChange(
                    context, 100, [(reader or self.pcscd.reader_name, scard.SCARD_STATE_UNAWARE)]
                )
                if hresult == 0:
                    inserted = bool(states[0][1] & scard.SCARD_STATE_PRESENT)
                    if inserted == present:
                        return
                time.sleep(0.05)
        finally:
            scard.SCardReleaseContext(context)
        raise AssertionError(f"the emulated card did not become {'present' if present else 'absent'}")

    def close(self) -> None:
        self.bridge.close()
        if self._process is not None:
            self._process.close()


@pytest.fixture(scope="session")
def eid_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EidStack]:
    """A private pcscd for this test process; stopped at the end even after failures."""
    pcscd = PrivatePcscd()
    try:
        pcscd.start()
    except PcscdUnavailable as error:
        pytest.fail(f"pcscd could not start: {error}")
    hsm = SoftHsm(tmp_path_factory.mktemp("softhsm"))
    previous = {name: os.environ.get(name) for name in ("PCSCLITE_CSOCK_NAME", "SOFTHSM2_CONF")}
    os.environ.update(pcscd.environ())
    hsm.activate()
    stack = EidStack(pcscd, hsm)
    try:
        yield stack
    finally:
        stack.close()
        pcscd.stop()
        hsm.remove()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def eid_reader(eid_stack: EidStack) -> Iterator[EidStack]:
    """The stack with the reader emptied after the test."""
    yield eid_stack
    if eid_stack.card is not None:
        eid_stack.remove()


class OcspResponder:
    """A real OCSP responder over HTTP on loopback, answering for one test PKI's citizen CA."""

    def __init__(self, pki: TestPki) -> None:
        import http.server
        import threading

        self.pki = pki
        self.revoked: set[int] = set()
        self.signer: str = "ca"
        self.requests = 0
        responder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                responder.requests += 1
                answer = responder.pki.ocsp_response(body, revoked=responder.revoked, signer=responder.signer)  # type: ignore[arg-type]
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ocsp"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
