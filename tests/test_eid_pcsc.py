"""Reading through the real PC/SC stack: pyscard -> a private pcscd -> vpcd -> the emulated card."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from immo_connect.eid import pcsc
from immo_connect.eid.emulator.card import BelpicCard
from immo_connect.eid.errors import EidError
from immo_connect.eid.trust import Anchor, TrustStore, spki_sha256
from immo_connect.eid.verify import Verifier
from tests.support.eid import PCSCD, EidStack, Pkis

pytestmark = PCSCD


def _verifier(pkis: Pkis) -> Verifier:
    store = TrustStore.load()
    store.anchors += [Anchor(p.root, spki_sha256(p.root), builtin=False) for p in (pkis.ec, pkis.rsa)]
    return Verifier(store, "support@immo-connect.be")


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_full_read_and_verification_through_pcscd(eid_reader: EidStack, pkis: Pkis, kind: str) -> None:
    issued = (pkis.ec if kind == "ec" else pkis.rsa).issue_card()
    eid_reader.insert(issued, token=False)
    files = pcsc.read_card()
    assert files == issued.card_files()
    verified = _verifier(pkis).verify(files, dt.datetime.now(dt.UTC))
    assert verified.applet == ("1.8" if kind == "ec" else "1.7")
    assert verified.identity.surname == issued.holder.surname
    assert verified.files.photo == issued.file("4035")
    # every certificate was cut at its DER length, not kept with the card's zero padding
    assert files.root_cert == issued.file("503B")[: len(files.root_cert)] and not files.root_cert.endswith(b"\0" * 8)


def test_the_same_card_read_twice_gives_the_same_files(eid_reader: EidStack, pkis: Pkis) -> None:
    issued = pkis.ec.issue_card()
    eid_reader.insert(issued, token=False)
    assert pcsc.read_card() == pcsc.read_card()


def test_no_card_in_the_reader(eid_reader: EidStack) -> None:
    assert eid_reader.card is None
    with pytest.raises(EidError) as caught:
        pcsc.read_card()
    assert caught.value.code == "eid.no_card"


@pytest.mark.parametrize("after", [3, 40])
def test_card_removed_during_the_read(eid_reader: EidStack, pkis: Pkis, after: int) -> None:
    eid_reader.insert(pkis.ec.issue_card(), token=False)
    eid_reader.bridge.remove_after(after)
    with pytest.raises(EidError) as caught:
        pcsc.read_card()
    assert caught.value.code == "eid.card_removed"
    assert "Nothing was changed" in caught.value.message or "Rien n'a été modifié" in caught.value.message


class NotBelpic(BelpicCard):
    """Some other smart card: it knows no BELPIC applet."""

    def execute(self, apdu: bytes) -> bytes:
        return b"\x6A\x82"


def test_a_card_that_is_not_an_eid(eid_reader: EidStack, pkis: Pkis) -> None:
    issued = pkis.ec.issue_card()
    card = NotBelpic(issued.files, applet=0x18, card_data=issued.card_data)
    eid_reader.card = card
    eid_reader.bridge.insert(card)
    eid_reader.wait_for_card(present=True)
    with pytest.raises(EidError) as caught:
        pcsc.read_card()
    assert caught.value.code == "eid.not_eid"


def _cli(args: list[str], environ: dict[str, str], config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **environ, "IMMO_CONNECT_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "immo_connect", *args], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def test_no_smart_card_service_gives_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text("[platform]\nlanguage = \"en\"\n")
    result = _cli(["eid", "read"], {"PCSCLITE_CSOCK_NAME": str(tmp_path / "nothing.comm"),
                                    "IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")}, config)
    assert result.returncode == 2
    assert "smart card service" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_read_verifies_the_inserted_card(eid_reader: EidStack, pkis: Pkis, tmp_path: Path) -> None:
    issued = pkis.rsa.issue_card()
    eid_reader.insert(issued, token=False)
    config = tmp_path / "plugins.toml"
    config.write_text("[platform]\nlanguage = \"en\"\n" + pkis.config())
    result = _cli(["eid", "read"], {**eid_reader.environ(), "IMMO_CONNECT_DATA_DIR": str(tmp_path / "data")}, config)
    assert result.returncode == 0, result.stderr
    assert f"{issued.holder.first_names} {issued.holder.surname}" in result.stdout
    assert "applet 1.7" in result.stdout and "not checked" in result.stdout
    assert issued.holder.national_number not in result.stdout
