"""Linking from another computer: ``immo-connect eid sign`` prints a token, the server verifies it."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from immo_connect import audit
from immo_connect.accounts.models import Account
from immo_connect.eid import pcsc, pkcs11
from immo_connect.eid.remote import Challenge, Token, authentication_payload, sign_token
from immo_connect.errors import ImmoConnectError
from immo_connect.platform import Platform
from tests.support.eid import PCSCD, EidStack, Pkis
from tests.support.factories import make_account

pytestmark = PCSCD


@pytest.fixture
def server(make_platform: Callable[..., Platform], pkis: Pkis, eid_reader: EidStack) -> Platform:
    # The server has no card eid_reader of its own: it only verifies what the token carries.
    return make_platform(config_text=pkis.config())


def run_sign(eid_reader: EidStack, pkis: Pkis, tmp_path: Path, challenge: str, pin: str) -> subprocess.CompletedProcess[str]:
    """``immo-connect eid sign`` as the user runs it on their own computer (its own config)."""
    config = tmp_path / "client.toml"
    config.write_text(f'[platform]\nlanguage = "en"\n[eid]\npkcs11_module = "{eid_reader.module}"\n')
    env = {**os.environ, **eid_reader.environ(), "IMMO_CONNECT_CONFIG": str(config),
           "IMMO_CONNECT_DATA_DIR": str(tmp_path / "client-data")}
    return subprocess.run([sys.executable, "-m", "immo_connect", "eid", "sign", "--pin-stdin", challenge],
                          input=pin + "\n", capture_output=True, text=True, env=env, timeout=60, check=False)


def sign_here(eid_reader: EidStack, challenge: str, pin: str = "1234") -> str:
    return sign_token(challenge, pin, module_path=eid_reader.module)


def unchanged(account: Account) -> bool:
    fresh = Account.get_by_id(account.id)
    return fresh.eid_linked_at is None and fresh.national_number_hash is None


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_sign_on_the_users_computer_and_link_on_the_server(
    server: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path, kind: str,
) -> None:
    issued = (pkis.ec if kind == "ec" else pkis.rsa).issue_card()
    eid_reader.insert(issued)
    account = make_account()
    challenge = server.eid.issue_challenge(account)
    assert challenge.command == f"immo-connect-eid sign --platform {server.settings.issuer} {challenge.shown_code}"

    result = run_sign(eid_reader, pkis, tmp_path, challenge.text, issued.pin)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("ICT1.") and "\n" not in token and len(token) < 16_000
    assert f"for the server {challenge.server_id}" in result.stderr
    assert issued.holder.national_number not in result.stderr

    linked = server.eid.link_token(account, token)
    assert (linked.method, linked.surname) == ("remote", issued.holder.surname)
    assert linked.applet == ("1.8" if kind == "ec" else "1.7")
    assert server.eid.national_number(account) == issued.holder.national_number


def test_the_cli_says_wrong_pin_in_one_line(server: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    challenge = server.eid.issue_challenge(make_account())
    result = run_sign(eid_reader, pkis, tmp_path, challenge.text, "0000")
    assert result.returncode == 2 and result.stdout == ""
    assert "PIN code is wrong" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def signed(server: Platform, eid_reader: EidStack, pkis: Pkis) -> tuple[Account, str]:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account()
    return account, sign_here(eid_reader, server.eid.issue_challenge(account).text)


def refused(server: Platform, account: Account, token: str) -> ImmoConnectError:
    with pytest.raises(ImmoConnectError) as caught:
        server.eid.link_token(account, token)
    last = audit.AuditEvent.select().where(audit.AuditEvent.action == "eid.link").order_by(audit.AuditEvent.id.desc()).get()
    assert last.outcome == "refused" and caught.value.code in last.detail
    return caught.value


def test_a_replayed_token_is_refused(server: Platform, signed: tuple[Account, str]) -> None:
    account, token = signed
    server.eid.link_token(account, token)
    before = Account.get_by_id(account.id).national_number_encrypted
    assert refused(server, account, token).code == "eid.token_used"
    assert Account.get_by_id(account.id).national_number_encrypted == before


def test_an_expired_challenge_is_refused(server: Platform, signed: tuple[Account, str]) -> None:
    account, token = signed
    server.clock.advance(minutes=server.settings.eid.challenge_minutes, seconds=1)  # type: ignore[attr-defined]
    assert refused(server, account, token).code == "eid.token_expired"
    assert unchanged(account)


def test_the_cli_refuses_an_expired_challenge_before_reading(server: Platform, eid_reader: EidStack) -> None:
    account = make_account()
    server.clock.advance(hours=-1)  # type: ignore[attr-defined] # issued an hour ago: long expired
    challenge = server.eid.issue_challenge(account)
    with pytest.raises(ImmoConnectError) as caught:
        sign_here(eid_reader, challenge.text)
    assert caught.value.code == "eid.token_expired"


@pytest.mark.parametrize("part", ["identity", "photo", "signature", "auth_cert"])
def test_an_altered_token_is_refused(server: Platform, signed: tuple[Account, str], pkis: Pkis, part: str) -> None:
    account, text = signed
    token = Token.decode(text)
    files = token.files
    if part == "identity":
        identity = bytearray(files.identity)
        identity[-3] ^= 0x01
        token = dataclasses.replace(token, files=dataclasses.replace(files, identity=bytes(identity)))
    elif part == "photo":
        token = dataclasses.replace(token, files=dataclasses.replace(files, photo=files.photo + b"\x00"))
    elif part == "signature":
        token = dataclasses.replace(token, signature=token.signature[:-1] + bytes([token.signature[-1] ^ 1]))
    else:  # someone else's valid certificate
        other = pkis.ec.issue_card()
        token = dataclasses.replace(token, files=dataclasses.replace(files, auth_cert=other.card_files().auth_cert))
    error = refused(server, account, token.encode())
    assert error.code in {"identity": ("eid.altered",), "photo": ("eid.altered",), "signature": ("eid.signature",),
                          "auth_cert": ("eid.number_mismatch", "eid.signature")}[part]
    assert unchanged(account)


@pytest.mark.parametrize("text", ["", "hello", "ICT1.", "ICT1.!!!!", "ICT1.eJwLycgsVgCiRIWS1OISAA"])
def test_garbage_is_refused_as_a_damaged_answer(server: Platform, text: str) -> None:
    account = make_account()
    assert refused(server, account, text).code == "eid.token_invalid"


def test_a_truncated_token_is_refused(server: Platform, signed: tuple[Account, str]) -> None:
    account, token = signed
    assert refused(server, account, token[: len(token) // 2]).code == "eid.token_invalid"
    assert unchanged(account)


@pytest.mark.parametrize("joined", ["twice", "suffix"])
def test_an_answer_pasted_twice_or_with_text_stuck_to_it_is_refused(
    server: Platform, signed: tuple[Account, str], joined: str,
) -> None:
    account, token = signed
    # The whole answer first: a lenient decoder would read it and ignore what follows.
    damaged = token + ("\n" + token if joined == "twice" else "AAAA")
    assert refused(server, account, damaged).code == "eid.token_invalid"
    assert unchanged(account)
    assert server.eid.link_token(account, token).method == "remote"


def test_a_token_is_bound_to_the_account_that_asked_for_the_challenge(server: Platform, signed: tuple[Account, str]) -> None:
    _owner, token = signed
    assert refused(server, make_account(), token).code == "eid.token_unknown"


def test_a_signature_made_for_another_server_is_refused(server: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account()
    issued = server.eid.issue_challenge(account)
    challenge = Challenge.decode(issued.text)
    files = pcsc.read_card()
    # The card signs the right challenge, but for another server's identity (a relay).
    forged = pkcs11.sign_challenge(eid_reader.module, authentication_payload("evil.example", challenge.nonce), "1234",
                                   expected_certificate=files.auth_cert)
    assert refused(server, account, Token(issued.text, files, forged.signature).encode()).code == "eid.signature"


def test_a_signature_over_another_challenge_is_refused(server: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account()
    first = server.eid.issue_challenge(account)
    token = Token.decode(sign_here(eid_reader, first.text))
    second = server.eid.issue_challenge(account)  # the one on the screen now
    swapped = dataclasses.replace(token, challenge=second.text)
    assert refused(server, account, swapped.encode()).code == "eid.signature"
    assert refused(server, account, token.encode()).code == "eid.challenge_replaced"  # « New challenge » cancelled it
    assert server.eid.link_token(account, sign_here(eid_reader, second.text)).method == "remote"


def test_challenges_of_a_reconfigured_server_are_refused(
    server: Platform, make_platform: Callable[..., Platform], signed: tuple[Account, str], pkis: Pkis,
) -> None:
    account, token = signed
    moved = make_platform(config_text=pkis.config() + 'server_id = "other.example"\n')
    assert moved.eid.server_id == "other.example"
    assert refused(moved, account, token).code == "eid.token_unknown"


def test_the_cli_says_a_damaged_challenge_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "client.toml"
    config.write_text('[platform]\nlanguage = "fr"\n')
    env = {**os.environ, "IMMO_CONNECT_CONFIG": str(config), "IMMO_CONNECT_DATA_DIR": str(tmp_path / "d")}
    result = subprocess.run([sys.executable, "-m", "immo_connect", "eid", "sign", "--pin-stdin", "IC1-abc"],
                            input="1234\n", capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("immo-connect: Le défi est incomplet ou endommagé. "
                                     "Copiez toute la commande affichée sur l'écran d'Immo-Connect et relancez-la.")
