"""A full eID card read and verification against the raw APDU exchange alone.

Both go through the real PC/SC stack (pyscard -> a private pcscd -> vpcd -> the emulated
card). The baseline replays exactly the APDUs a full read sends, with no parsing and no
checks; the measured run is ``pcsc.read_card()`` plus every verification (TLV, photo hash,
National Register signatures, certificate chain to the pinned root). The ratio is the cost
of the platform's own work on top of talking to the card. Goal: at most 1.5x.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import interleave, report, timed

from immo_connect.eid.emulator.pcscd import PrivatePcscd
from immo_connect.eid.emulator.pki import TestPki
from immo_connect.eid.emulator.vpcd import VpcdBridge

ROUNDS = 15


def main() -> int:
    with PrivatePcscd() as pcscd:
        os.environ.update(pcscd.environ())  # before the first PC/SC call of this process
        bridge = VpcdBridge(pcscd.port)
        try:
            for kind, applet in (("ec", "1.8"), ("rsa", "1.7")):
                measure(bridge, kind, applet)
        finally:
            bridge.close()
    return 0


def measure(bridge: VpcdBridge, kind: Literal["ec", "rsa"], applet: str) -> None:
    from immo_connect.eid import pcsc
    from immo_connect.eid.card import CardReader
    from immo_connect.eid.trust import Anchor, TrustStore, spki_sha256
    from immo_connect.eid.verify import Verifier

    pki = TestPki(kind)
    bridge.insert(pki.issue_card().emulator())
    store = TrustStore.load()
    store.anchors.append(Anchor(pki.root, spki_sha256(pki.root), builtin=False))
    verifier = Verifier(store, "support@immo-connect.be")
    _wait_for_card(pcsc)

    # Record the APDUs of one full read, to replay exactly them as the baseline.
    recorded: list[bytes] = []
    with pcsc.connect() as transport:
        original = transport.transmit

        def recording(apdu: bytes) -> tuple[bytes, int, int]:
            recorded.append(apdu)
            return original(apdu)

        transport.transmit = recording  # type: ignore[method-assign]
        CardReader(transport).read_all()

    def raw_exchange() -> float:
        with pcsc.connect() as transport:
            return timed(lambda: [transport.transmit(apdu) for apdu in recorded])

    def full_read_and_verify() -> float:
        with pcsc.connect() as transport:
            return timed(lambda: verifier.verify(CardReader(transport).read_all(), dt.datetime.now(dt.UTC)))

    full_read_and_verify()  # warm up: imports, first connection
    baseline, measured = interleave(raw_exchange, full_read_and_verify, ROUNDS)
    report(f"eID applet {applet} ({len(recorded)} APDUs): full read + verification vs raw APDU exchange",
           baseline, measured, goal="<= 1.5x")
    bridge.remove()


def _wait_for_card(pcsc: object, timeout: float = 10.0) -> None:
    from immo_connect.eid.errors import EidError

    deadline = time.monotonic() + timeout
    while True:
        try:
            with pcsc.connect():  # type: ignore[attr-defined]
                return
        except EidError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
