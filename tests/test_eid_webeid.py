"""Web eID, the third way: a page of ``immo-connect web`` has the browser extension sign the
challenge; the server validates the ``web-eid:1`` authentication token and links the card.

The extension cannot run here: the tokens are made as it makes them, by the emulated cards'
Authentication keys through PKCS#11 (SoftHSM2 holds them), over ``hash(origin) || hash(nonce)``.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from immo_connect.accounts.models import Account
from immo_connect.eid import pkcs11, webeid
from immo_connect.eid.emulator.pki import IssuedCard
from immo_connect.platform import Platform
from immo_connect.web.serve import listen
from tests.support.eid import PCSCD, EidStack, Pkis
from tests.support.factories import make_account
from tests.support.web import serving

pytestmark = PCSCD
APP_VERSION = "https://web-eid.eu/web-eid-app/releases/2.5.0+0"


def citizen_cas(pkis: Pkis, folder: Path) -> Path:
    path = folder / "citizen-cas.pem"
    path.write_bytes(pkis.ec.ca.public_bytes(Encoding.PEM) + pkis.rsa.ca.public_bytes(Encoding.PEM))
    return path


def serve(make_platform: Callable[..., Platform], config: str) -> Iterator[Platform]:
    listener = listen("127.0.0.1", 0)
    issuer = f"http://127.0.0.1:{listener.getsockname()[1]}"
    platform = make_platform(config_text=config + f'\n[web]\nissuer = "{issuer}"\n')
    with serving(platform, listener):
        yield platform


@pytest.fixture
def site(make_platform: Callable[..., Platform], pkis: Pkis, eid_reader: EidStack, tmp_path: Path) -> Iterator[Platform]:
    yield from serve(make_platform, pkis.config(extra=f'citizen_cas = ["{citizen_cas(pkis, tmp_path)}"]\n'))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def make_token(eid_reader: EidStack, card: IssuedCard, *, origin: str, nonce: str, kind: str,
               certificate: bytes | None = None, token_format: str = "web-eid:1.0") -> dict[str, str]:
    """What the Web eID extension returns: the card signs hash(origin) || hash(nonce)."""
    algorithm = "ES384" if kind == "ec" else "RS256"
    data, _hash = webeid.signed_data(algorithm, origin, nonce)
    auth_cert = card.card_files().auth_cert
    assert auth_cert is not None
    signed = pkcs11.sign_challenge(eid_reader.module, data, card.pin, expected_certificate=auth_cert)
    return {"unverifiedCertificate": b64(certificate or auth_cert), "algorithm": algorithm,
            "signature": b64(signed.signature), "format": token_format, "appVersion": APP_VERSION}


def post(site: Platform, code: str, token: dict[str, str] | str) -> httpx.Response:
    body = token if isinstance(token, str) else json.dumps(token)
    return httpx.post(f"{site.settings.issuer}/eid/web/{code}/token", content=body,
                      headers={"Content-Type": "application/json"}, timeout=30)


def linked(account: Account) -> bool:
    return Account.get_by_id(account.id).eid_linked_at is not None


@pytest.mark.parametrize("kind", ["ec", "rsa"])
def test_a_web_eid_token_of_the_card_links_and_the_waiting_screen_sees_it(
    site: Platform, eid_reader: EidStack, pkis: Pkis, kind: str,
) -> None:
    card = (pkis.ec if kind == "ec" else pkis.rsa).issue_card()
    eid_reader.insert(card)
    account = make_account()
    challenge = site.eid.issue_challenge(account)
    assert challenge.web_link == f"{site.settings.issuer}/eid/web/{challenge.shown_code}"
    nonce = site.eid.web_eid_nonce(challenge.shown_code)
    assert len(base64.b64decode(nonce)) == 32

    origin = webeid.origin_of(site.settings.issuer)
    answer = post(site, challenge.code, make_token(eid_reader, card, origin=origin, nonce=nonce, kind=kind))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": "linked"}
    outcome = site.eid.remote_outcome(account, challenge.id)
    assert outcome is not None and outcome.result is not None
    assert (outcome.result.method, outcome.result.surname) == ("webeid", card.holder.surname)
    assert site.eid.national_number(account) == card.holder.national_number
    assert Account.get_by_id(account.id).last_name == card.holder.surname


@pytest.mark.parametrize("tamper", ["signature", "origin", "nonce", "certificate", "format", "expired", "replay",
                                    "not_json"])
def test_a_tampered_or_stale_web_eid_token_is_refused(
    site: Platform, eid_reader: EidStack, pkis: Pkis, tamper: str,
) -> None:
    card = pkis.ec.issue_card()
    eid_reader.insert(card)
    account = make_account()
    challenge = site.eid.issue_challenge(account)
    nonce = site.eid.web_eid_nonce(challenge.code)
    origin = webeid.origin_of(site.settings.issuer)
    other = pkis.ec.issue_card().card_files().auth_cert
    token: dict[str, str] | str
    if tamper == "origin":  # a relay site asked the extension for its own origin
        token = make_token(eid_reader, card, origin="https://evil.example", nonce=nonce, kind="ec")
    elif tamper == "nonce":
        token = make_token(eid_reader, card, origin=origin, nonce=b64(bytes(32)), kind="ec")
    elif tamper == "certificate":  # someone else's valid certificate beside this card's signature
        token = make_token(eid_reader, card, origin=origin, nonce=nonce, kind="ec", certificate=other)
    elif tamper == "format":
        token = make_token(eid_reader, card, origin=origin, nonce=nonce, kind="ec", token_format="web-eid:2")
    elif tamper == "not_json":
        token = "web-eid:1 " + nonce
    else:
        token = make_token(eid_reader, card, origin=origin, nonce=nonce, kind="ec")
        if tamper == "signature":
            signature = bytearray(base64.b64decode(token["signature"]))
            signature[-1] ^= 1
            token["signature"] = b64(bytes(signature))
        elif tamper == "expired":
            site.clock.advance(minutes=site.settings.eid.challenge_minutes, seconds=1)  # type: ignore[attr-defined]
        elif tamper == "replay":
            assert post(site, challenge.code, token).status_code == 200
            Account.update(eid_linked_at=None).where(Account.id == account.id).execute()
    answer = post(site, challenge.code, token)
    expected = {"signature": "eid.signature", "origin": "eid.signature", "nonce": "eid.signature",
                "certificate": "eid.signature", "format": "eid.token_invalid", "not_json": "eid.token_invalid",
                "expired": "eid.token_expired", "replay": "eid.token_used"}[tamper]
    assert answer.status_code in (400, 409) and answer.json()["error"] == expected, answer.text
    assert not linked(account)
    outcome = site.eid.remote_outcome(account, challenge.id)
    if tamper != "replay":
        assert outcome is not None and outcome.refusal_code == expected  # the waiting screen shows why


def test_a_certificate_of_an_unknown_citizen_ca_is_refused(
    make_platform: Callable[..., Platform], eid_reader: EidStack, pkis: Pkis,
) -> None:
    for site in serve(make_platform, pkis.config()):  # no citizen_cas configured
        card = pkis.rsa.issue_card()
        eid_reader.insert(card)
        account = make_account()
        challenge = site.eid.issue_challenge(account)
        nonce = site.eid.web_eid_nonce(challenge.code)
        token = make_token(eid_reader, card, origin=webeid.origin_of(site.settings.issuer), nonce=nonce, kind="rsa")
        answer = post(site, challenge.code, token)
        assert answer.status_code == 400 and answer.json()["error"] == "eid.certificate"
        assert not linked(account)


def test_the_web_eid_page_shows_the_code_and_carries_the_nonce(site: Platform) -> None:
    account = make_account()
    challenge = site.eid.issue_challenge(account)
    page = httpx.get(challenge.web_link, timeout=30)
    assert page.status_code == 200 and "no-store" in page.headers["cache-control"]
    assert challenge.shown_code in page.text and "Signer avec ma carte eID" in page.text
    assert f'data-nonce="{site.eid.web_eid_nonce(challenge.code)}"' in page.text
    assert '<script src="/eid/web-eid.js"></script>' in page.text
    script = httpx.get(f"{site.settings.issuer}/eid/web-eid.js", timeout=30)
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "web-eid:authenticate" in script.text and "ERR_WEBEID_EXTENSION_UNAVAILABLE" in script.text
    site.eid.issue_challenge(account)  # « Nouveau défi »: the old page's challenge is cancelled
    assert httpx.get(challenge.web_link, timeout=30).status_code == 404


CHROMEDRIVER = shutil.which("chromedriver")


@pytest.mark.slow
@pytest.mark.skipif(CHROMEDRIVER is None, reason="chromium-driver is not installed (make system-packages)")
def test_chromium_shows_the_page_says_a_missing_extension_and_posts_the_extensions_token(
    site: Platform, eid_reader: EidStack, pkis: Pkis, tmp_path: Path,
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    card = pkis.rsa.issue_card()
    eid_reader.insert(card)
    account = make_account()
    challenge = site.eid.issue_challenge(account)
    nonce = site.eid.web_eid_nonce(challenge.code)
    token = make_token(eid_reader, card, origin=webeid.origin_of(site.settings.issuer), nonce=nonce, kind="rsa")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(challenge.web_link)
        assert challenge.shown_code in driver.find_element(By.CLASS_NAME, "code").text
        status = driver.find_element(By.ID, "webeid-status")
        driver.find_element(By.ID, "webeid-sign").click()  # no extension in this browser
        WebDriverWait(driver, 20).until(lambda _driver: "ne répond pas" in status.text)
        assert "https://web-eid.eu" in status.text and not linked(account)

        # What the extension does, through the same messages: acknowledge, then return the token.
        driver.execute_script("""
            const token = arguments[0];
            window.addEventListener("message", (event) => {
              if (event.data && event.data.action === "web-eid:authenticate") {
                window.postMessage({action: "web-eid:authenticate-ack"}, location.origin);
                window.postMessage({action: "web-eid:authenticate-success", ...token}, location.origin);
              }
            });""", token)
        driver.find_element(By.ID, "webeid-sign").click()
        WebDriverWait(driver, 20).until(expected_conditions.text_to_be_present_in_element((By.ID, "webeid-status"), "✓"))
        assert linked(account)
    finally:
        driver.quit()
