"""The eID answer travels by itself: a short code out, the signer posts to ``immo-connect web``.

On the real stack: the signer (``immo-connect eid sign``, a child process) reads the emulated
card through the private pcscd, signs through SoftHSM2, fetches the challenge from the web
server on loopback by its short code and posts the answer there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from immo_connect.accounts.models import Account
from immo_connect.eid import shortcode
from immo_connect.eid.errors import ChallengeInvalid
from immo_connect.eid.remote import local_time, sign_token
from immo_connect.platform import Platform
from immo_connect.web.serve import listen
from tests.support.eid import PCSCD, EidStack, Pkis
from tests.support.factories import make_account
from tests.support.web import serving

pytestmark = PCSCD


# -- the code itself (no card needed) -----------------------------------------------------------------


def test_every_single_typo_and_swap_of_a_code_is_refused() -> None:
    code = shortcode.new_code()
    assert shortcode.normalise(shortcode.grouped(code).lower()) == code
    for position in range(len(code)):
        for symbol in shortcode.ALPHABET:
            if symbol != code[position]:
                typo = code[:position] + symbol + code[position + 1:]
                with pytest.raises(ChallengeInvalid):
                    shortcode.normalise(typo)
        if position + 1 < len(code) and code[position] != code[position + 1]:
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2:]
            with pytest.raises(ChallengeInvalid):
                shortcode.normalise(swapped)
    for cut in range(len(code)):
        with pytest.raises(ChallengeInvalid):
            shortcode.normalise(code[:cut])


def test_times_are_shown_in_belgian_time() -> None:
    import datetime as dt

    assert local_time(dt.datetime(2026, 12, 7, 11, 26)) == "12:26"  # winter: UTC+1
    assert local_time(dt.datetime(2026, 7, 7, 11, 26)) == "13:26"  # summer: UTC+2


# -- the whole way, with immo-connect web on loopback ----------------------------------------------------


@pytest.fixture
def site(make_platform: Callable[..., Platform], pkis: Pkis, eid_reader: EidStack) -> Iterator[Platform]:
    listener = listen("127.0.0.1", 0)
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
    platform = make_platform(config_text=pkis.config() + f'\n[web]\nissuer = "{issuer}"\n')
    with serving(platform, listener):
        yield platform


def run_command(eid_reader: EidStack, tmp_path: Path, command: str, pin: str = "1234",
                *, with_reader: bool = True) -> subprocess.CompletedProcess[str]:
    """The command shown on the screen, run as written on the user's own computer (its own config)."""
    words = command.split()
    assert words[:2] == ["immo-connect-eid", "sign"]
    # The laptop speaks English; its eID software is the test token's module (official one by default).
    env = {**os.environ, "LANGUAGE": "en", "IMMO_CONNECT_DATA_DIR": str(tmp_path / "laptop"),
           "HOME": str(tmp_path / "laptop-home")}
    if with_reader:
        env.update(eid_reader.environ())
    else:  # a reader that answers nothing: any use of it would fail with "no reader"
        env["PCSCLITE_CSOCK_NAME"] = str(tmp_path / "no-pcscd.comm")
    return subprocess.run([sys.executable, "-m", "immo_connect_eid", "sign", "--pin-stdin",
                           "--pkcs11-module", eid_reader.module, *words[2:]],
                          input=pin + "\n", capture_output=True, text=True, env=env, timeout=60, check=False)


def linked(account: Account) -> bool:
    return Account.get_by_id(account.id).eid_linked_at is not None


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_the_signer_posts_the_answer_and_the_challenge_knows_the_outcome(
    site: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path, kind: str,
) -> None:
    issued = (pkis.ec if kind == "ec" else pkis.rsa).issue_card()
    eid_reader.insert(issued)
    account = make_account()
    challenge = site.eid.issue_challenge(account)
    assert site.eid.remote_outcome(account, challenge.id) is None  # the screen keeps waiting

    done = run_command(eid_reader, tmp_path, challenge.command, issued.pin)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "linked" in done.stderr
    assert f"until {challenge.expires_local} (Belgian time)" in done.stderr
    assert issued.holder.national_number not in done.stderr
    assert not (tmp_path / "laptop").exists()  # nothing written on the user's computer (no secret.key)
    outcome = site.eid.remote_outcome(account, challenge.id)
    assert outcome is not None and outcome.result is not None
    assert (outcome.result.surname, outcome.result.method) == (issued.holder.surname, "remote")
    assert linked(account)


@pytest.mark.parametrize("damage", ["cut", "typo"])
def test_a_cut_or_mistyped_code_is_refused_before_the_pin(
    site: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path, damage: str,
) -> None:
    account = make_account()
    command = site.eid.issue_challenge(account).command
    code = command.split()[-1]
    bad = code[:-2] if damage == "cut" else code[:-1] + ("2" if code[-1] != "2" else "3")
    done = run_command(eid_reader, tmp_path, command.replace(code, bad), with_reader=False)
    assert done.returncode == 2 and "PIN" not in done.stderr and "Traceback" not in done.stderr
    assert "The challenge is incomplete or damaged" in done.stderr
    assert not linked(account)


def test_the_signer_checks_the_middleware_before_the_pin(site: Platform, eid_reader: EidStack, tmp_path: Path) -> None:
    command = site.eid.issue_challenge(make_account()).command
    done = run_command(eid_reader, tmp_path, command + " --pkcs11-module /nowhere/libbeidpkcs11.so")
    assert done.returncode == 2 and "PIN" not in done.stderr
    assert "eID software is not installed on this computer" in done.stderr and "plugins.toml" not in done.stderr


def test_the_signer_checks_the_card_before_the_pin(site: Platform, eid_reader: EidStack, tmp_path: Path) -> None:
    command = site.eid.issue_challenge(make_account()).command  # no card in the reader
    done = run_command(eid_reader, tmp_path, command)
    assert done.returncode == 2 and "PIN code" not in done.stderr and "card" in done.stderr.lower()


def test_a_new_challenge_cancels_the_old_one(site: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account()
    old = site.eid.issue_challenge(account)
    token = sign_token(old.text, "1234", module_path=eid_reader.module)
    new = site.eid.issue_challenge(account)
    with httpx.Client(base_url=site.settings.issuer, timeout=10) as http:
        fetched = http.get(f"/eid/{old.code}")
        assert fetched.status_code == 409 and fetched.json()["error"] == "eid.challenge_replaced"
        posted = http.post(f"/eid/{old.code}/answer", content=token)
        assert posted.status_code == 409 and posted.json()["error"] == "eid.challenge_replaced"
        assert http.get(f"/eid/{new.code}").json()["challenge"] == new.text
    assert not linked(account)
    with pytest.raises(Exception) as caught:
        site.eid.link_token(account, token)  # pasted: refused the same way
    assert getattr(caught.value, "code", "") == "eid.challenge_replaced"


def test_every_refusal_of_a_posted_answer_reaches_the_waiting_screen(
    site: Platform, eid_reader: EidStack, pkis: Pkis,
) -> None:
    card = pkis.ec.issue_card()
    eid_reader.insert(card)
    first, second = make_account(), make_account()
    with httpx.Client(base_url=site.settings.issuer, timeout=10) as http:
        # The answer to another challenge, posted to this one: refused, shown, nothing changed.
        mine = site.eid.issue_challenge(first)
        other = site.eid.issue_challenge(second)
        foreign = sign_token(other.text, "1234", module_path=eid_reader.module)
        refused = http.post(f"/eid/{mine.code}/answer", content=foreign)
        assert refused.status_code == 400 and refused.json()["error"] == "eid.token_unknown"
        outcome = site.eid.remote_outcome(first, mine.id)
        assert outcome is not None and outcome.result is None and outcome.refusal_code == "eid.token_unknown"
        assert not linked(first)

        # The genuine answer links; posted again, it is a replay.
        genuine = sign_token(mine.text, "1234", module_path=eid_reader.module)
        assert http.post(f"/eid/{mine.code}/answer", content=genuine).json() == {"status": "linked"}
        replay = http.post(f"/eid/{mine.code}/answer", content=genuine)
        assert replay.status_code == 409 and replay.json()["error"] == "eid.token_used"

        # The same card for another account: refused, and that account's screen says why.
        again = site.eid.issue_challenge(second)
        elsewhere = http.post(f"/eid/{again.code}/answer", content=sign_token(again.text, "1234", module_path=eid_reader.module))
        assert elsewhere.json()["error"] == "eid.linked_elsewhere"
        outcome = site.eid.remote_outcome(second, again.id)
        assert outcome is not None and outcome.refusal_code == "eid.linked_elsewhere" and outcome.refusal_message
        assert not linked(second)
        # One account never sees another's outcome.
        assert site.eid.remote_outcome(second, mine.id) is None

        unknown = http.get("/eid/" + shortcode.grouped(shortcode.new_code()))
        assert unknown.status_code == 404 and unknown.json()["error"] == "eid.code_unknown"


def test_an_expired_challenge_cannot_be_fetched_or_answered(site: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    eid_reader.insert(pkis.ec.issue_card())
    account = make_account()
    challenge = site.eid.issue_challenge(account)
    token = sign_token(challenge.text, "1234", module_path=eid_reader.module)
    site.clock.advance(minutes=site.settings.eid.challenge_minutes, seconds=1)  # type: ignore[attr-defined]
    with httpx.Client(base_url=site.settings.issuer, timeout=10) as http:
        assert http.get(f"/eid/{challenge.code}").json()["error"] == "eid.token_expired"
        assert http.post(f"/eid/{challenge.code}/answer", content=token).json()["error"] == "eid.token_expired"
    assert not linked(account)


def test_guessing_codes_is_stopped_per_address(site: Platform, eid_reader: EidStack, pkis: Pkis) -> None:
    """After ten unknown codes from one address, even a live code is refused there for ten
    minutes: nobody can guess their way to someone else's challenge."""
    from immo_connect.eid.shortcode import grouped, new_code
    from immo_connect.web.eid import UNKNOWN_CODES_PER_SOURCE

    challenge = site.eid.issue_challenge(make_account())
    with httpx.Client(base_url=site.settings.issuer, timeout=10) as http:
        assert http.get(f"/eid/{challenge.code}").status_code == 200  # a known code costs nothing
        for _attempt in range(UNKNOWN_CODES_PER_SOURCE):
            assert http.get(f"/eid/{grouped(new_code())}").json()["error"] == "eid.code_unknown"
        refused = http.get(f"/eid/{challenge.code}")
        assert refused.status_code == 429 and refused.json()["error"] == "eid.too_many_codes"
        assert http.post(f"/eid/{challenge.code}/answer", content="x").status_code == 429
        site.clock.advance(minutes=11)  # type: ignore[attr-defined]
        assert http.get(f"/eid/{challenge.code}").json()["error"] == "eid.token_expired"  # only its own life ends it


# -- docs/eid.md: the commands it tells a user to run, run as written ----------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "eid.md"
DOC_ADDRESS, DOC_CODE = "https://immo.example.be", "K7M2P-XQ4R4"


def documented_sign_commands() -> list[str]:
    import re

    section = DOCS.read_text(encoding="utf-8").split("### From another computer (SSH)")[1].split("## ")[0]
    return re.findall(r"^immo-connect-eid sign .*$", section, flags=re.MULTILINE)


def test_the_documented_example_code_is_a_valid_code() -> None:
    assert shortcode.normalise(DOC_CODE)
    assert len(documented_sign_commands()) == 2


def test_the_documented_commands_run_as_written(site: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path) -> None:
    issued = pkis.ec.issue_card()
    eid_reader.insert(issued)
    sent, printed = documented_sign_commands()
    assert "--print" not in sent and "--print" in printed

    first = make_account()
    challenge = site.eid.issue_challenge(first)
    # The screen shows the documented command, with this platform's address and this code.
    assert challenge.command == sent.replace(DOC_ADDRESS, site.settings.issuer).replace(DOC_CODE, challenge.shown_code)
    done = run_command(eid_reader, tmp_path, challenge.command, issued.pin)
    assert done.returncode == 0 and done.stdout == "" and linked(first)

    challenge = site.eid.issue_challenge(first)  # the same person signs again, printing the answer
    done = run_command(eid_reader, tmp_path, printed.replace(DOC_ADDRESS, site.settings.issuer)
                       .replace(DOC_CODE, challenge.shown_code))
    assert done.returncode == 0 and done.stdout.startswith("ICT1.")
    assert site.eid.remote_outcome(first, challenge.id) is None  # printed, not sent
    wrapped = "\n".join(done.stdout[i:i + 76] for i in range(0, len(done.stdout), 76))
    assert site.eid.link_token(first, wrapped).method == "remote"
