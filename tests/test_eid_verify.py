"""Verification of what a card holds: every alteration is refused with its own clear error."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from immo_connect.eid.card import CardFiles
from immo_connect.eid.emulator.pki import EC_ADDRESS_SIGNATURE_SIZE, Holder, IssuedCard, TestPki, _sign_data
from immo_connect.eid.errors import EidError
from immo_connect.eid.revocation import RevocationChecker
from immo_connect.eid.tlv import encode_tlv, parse_tlv
from immo_connect.eid.trust import BELGIAN_ROOT_PINS, Anchor, TrustStore, belgian_roots, spki_sha256
from immo_connect.eid.verify import Verifier, verify_challenge_signature
from tests.support.eid import OcspResponder, Pkis


def now() -> dt.datetime:
    """The real time at each call: OCSP answers and CRLs are dated by the real clock, and a
    slow run can take longer than the verifier's five minutes of clock skew."""
    return dt.datetime.now(dt.UTC)


def verifier_for(*test_pkis: TestPki, revocation: RevocationChecker | None = None) -> Verifier:
    store = TrustStore.load()
    store.anchors += [Anchor(p.root, spki_sha256(p.root), builtin=False) for p in test_pkis]
    return Verifier(store, "support@immo-connect.be", revocation or RevocationChecker())


def refused(verifier: Verifier, files: CardFiles) -> EidError:
    with pytest.raises(EidError) as caught:
        verifier.verify(files, now())
    return caught.value


@pytest.fixture(params=["ec", "rsa"])
def pki(request: pytest.FixtureRequest, pkis: Pkis) -> TestPki:
    return pkis.ec if request.param == "ec" else pkis.rsa


@pytest.fixture
def card(pki: TestPki) -> IssuedCard:
    return pki.issue_card()


def test_a_genuine_card_passes_every_check(pki: TestPki, card: IssuedCard) -> None:
    verified = verifier_for(pki).verify(card.card_files(), now())
    assert verified.identity.national_number == card.holder.national_number
    assert verified.applet == ("1.8" if pki.kind == "ec" else "1.7")
    assert verified.revocation == "not_checked"
    assert verified.anchor.certificate == pki.root
    assert verified.address.zip_code == card.holder.zip_code


def test_the_shipped_belgian_roots_are_pinned_by_key() -> None:
    roots = belgian_roots()
    assert {a.pin for a in roots} == BELGIAN_ROOT_PINS
    names = sorted(a.certificate.subject.rfc4514_string() for a in roots)
    assert len(roots) == 5 and sum("Root CA4" in n for n in names) == 2  # CA4: two certificates, one key
    ca6 = next(a for a in roots if "Root CA6" in a.name)
    assert isinstance(ca6.certificate.public_key(), ec.EllipticCurvePublicKey)


def test_a_test_card_is_refused_when_only_the_belgian_roots_are_trusted(card: IssuedCard) -> None:
    error = refused(Verifier(TrustStore.load(), "support@immo-connect.be"), card.card_files())
    assert error.code == "eid.certificate"
    assert "root authority" in error.message or "autorité racine" in error.message
    assert "support@immo-connect.be" in error.hint  # manual 3.4: the steps end with the contact


def test_a_card_from_an_unknown_root_is_refused(pki: TestPki, pkis: Pkis) -> None:
    stranger = TestPki(pki.kind, name="Unknown Root")
    assert refused(verifier_for(pkis.ec, pkis.rsa), stranger.issue_card().card_files()).code == "eid.certificate"


def _replace(card: IssuedCard, fid: str, content: bytes) -> CardFiles:
    return card.with_file(fid, content).card_files()


@pytest.mark.usefixtures("english")
def test_altered_identity_is_refused(pki: TestPki, card: IssuedCard) -> None:
    fields = parse_tlv(card.file("4031"))
    fields[0x07] = b"Janssens"  # another surname, same length class
    error = refused(verifier_for(pki), _replace(card, "4031", encode_tlv(sorted(fields.items()))))
    assert error.code == "eid.altered" and "identity data" in error.message


@pytest.mark.usefixtures("english")
def test_altered_address_is_refused(pki: TestPki, card: IssuedCard) -> None:
    address = encode_tlv([(1, b"Rue du Faux 1"), (2, b"1000"), (3, b"Bruxelles")]).ljust(117, b"\0")
    error = refused(verifier_for(pki), _replace(card, "4033", address))
    assert error.code == "eid.altered" and "address" in error.message


@pytest.mark.usefixtures("english")
def test_altered_photo_is_refused(pki: TestPki, card: IssuedCard) -> None:
    photo = bytearray(card.file("4035"))
    photo[200] ^= 0x01
    error = refused(verifier_for(pki), _replace(card, "4035", bytes(photo)))
    assert error.code == "eid.altered" and "photo" in error.message


def test_data_signed_by_another_key_is_refused(pki: TestPki) -> None:
    other = TestPki(pki.kind, name="Forger")
    forged = pki.issue_card(data_key=other.rrn_key)  # valid chain, data signed by a stranger
    assert refused(verifier_for(pki), forged.card_files()).code == "eid.altered"


def test_an_address_signature_over_another_identity_is_refused(pki: TestPki) -> None:
    first, second = pki.issue_card(), pki.issue_card(Holder(surname="Janssens"))
    files = second.with_file("4034", first.file("4034")).card_files()
    assert refused(verifier_for(pki), files).code == "eid.altered"


def test_an_expired_authentication_certificate_is_refused(pki: TestPki) -> None:
    expired = pki.issue_card(auth_not_after=now() - dt.timedelta(days=1))
    error = refused(verifier_for(pki), expired.card_files())
    assert error.code == "eid.certificate" and "outside its validity" in error.detail


def test_a_certificate_for_another_person_is_refused(pki: TestPki) -> None:
    other_number = "90010100125" if pki.kind == "ec" else "90010100224"
    mixed = pki.issue_card(auth_national_number=other_number)
    error = refused(verifier_for(pki), mixed.card_files())
    assert error.code == "eid.number_mismatch"
    assert mixed.holder.national_number not in error.message + error.hint + error.detail
    assert other_number not in error.message + error.hint + error.detail


@pytest.mark.parametrize("cut", [1, 10, 40])
def test_truncated_identity_is_refused(card: IssuedCard, pki: TestPki, cut: int) -> None:
    assert refused(verifier_for(pki), _replace(card, "4031", card.file("4031")[:-cut])).code in (
        "eid.malformed", "eid.altered",
    )


def test_malformed_identity_is_refused(card: IssuedCard, pki: TestPki) -> None:
    data = card.file("4031") + b"\x00\x00\x07"  # "padding" followed by data
    assert refused(verifier_for(pki), _replace(card, "4031", data)).code == "eid.malformed"


def test_a_certificate_file_that_is_not_der_is_refused(card: IssuedCard, pki: TestPki) -> None:
    files = card.card_files()
    broken = CardFiles(**{**files.__dict__, "rrn_cert": b"\x30\x03\x02\x01\x01"})
    assert refused(verifier_for(pki), broken).code == "eid.malformed"


def test_17_card_with_sha1_photo_hash_and_sha256_signatures_passes(pkis: Pkis) -> None:
    card = pkis.rsa.issue_card()
    assert len(parse_tlv(card.file("4031"))[0x11]) == 20  # SHA-1 photo hash ...
    verifier_for(pkis.rsa).verify(card.card_files(), now())  # ... yet signatures in SHA-256


def test_ec_signature_files_are_cut_at_their_der_length(pkis: Pkis) -> None:
    card = pkis.ec.issue_card()
    assert len(card.file("4034")) == EC_ADDRESS_SIGNATURE_SIZE and card.file("4034").endswith(b"\0")
    padded = card.with_file("4032", card.file("4032") + bytes(8))  # a padded identity signature
    # the address signature covers the identity signature exactly as read: re-sign it
    address = padded.file("4033").rstrip(b"\0") + padded.file("4032")
    resigned = padded.with_file("4034", _sign_data(pkis.ec.rrn_key, address).ljust(112, b"\0"))
    verifier_for(pkis.ec).verify(resigned.card_files(), now())


def test_altered_basic_key_is_refused(pkis: Pkis) -> None:
    card = pkis.ec.issue_card()
    other = pkis.ec.issue_card().file("4040")
    assert refused(verifier_for(pkis.ec), card.with_file("4040", other).card_files()).code == "eid.altered"


def test_challenge_signature_of_both_generations(pki: TestPki, card: IssuedCard) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, utils

    payload = b"payload"
    if pki.kind == "ec":
        r, s = utils.decode_dss_signature(card.auth_key.sign(hashlib.sha384(payload).digest(),
                                                             ec.ECDSA(utils.Prehashed(hashes.SHA384()))))
        signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    else:
        signature = card.auth_key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
    verify_challenge_signature(card.auth_cert, payload, signature)
    with pytest.raises(EidError) as caught:
        verify_challenge_signature(card.auth_cert, payload + b"!", signature)
    assert caught.value.code == "eid.signature"


# -- revocation ------------------------------------------------------------------------------


def test_crl_lists_the_certificate(pki: TestPki, tmp_path: Path) -> None:
    card = pki.issue_card()
    crl = tmp_path / "citizen.crl"
    crl.write_bytes(pki.crl([card.auth_cert]))
    error = refused(verifier_for(pki, revocation=RevocationChecker([crl])), card.card_files())
    assert error.code == "eid.certificate" and "revoked" in error.detail


def test_crl_without_the_certificate_says_good(pki: TestPki, tmp_path: Path) -> None:
    card = pki.issue_card()
    crl = tmp_path / "citizen.crl"
    crl.write_bytes(pki.crl([pki.issue_card().auth_cert]))
    assert verifier_for(pki, revocation=RevocationChecker([crl])).verify(card.card_files(), now()).revocation == "good"


def test_stale_crl_refuses_rather_than_guessing(pki: TestPki, tmp_path: Path) -> None:
    card = pki.issue_card()
    crl = tmp_path / "citizen.crl"
    crl.write_bytes(pki.crl([], next_update=now() - dt.timedelta(hours=2)))
    error = refused(verifier_for(pki, revocation=RevocationChecker([crl])), card.card_files())
    assert error.code == "eid.certificate" and "revocation" in error.detail


def test_crl_of_another_issuer_leaves_revocation_not_checked(pki: TestPki, pkis: Pkis, tmp_path: Path) -> None:
    card = pki.issue_card()
    crl = tmp_path / "other.crl"
    crl.write_bytes(TestPki(pki.kind, name="Elsewhere").crl([]))
    verified = verifier_for(pki, revocation=RevocationChecker([crl])).verify(card.card_files(), now())
    assert verified.revocation == "not_checked"


@pytest.fixture
def responder(pki: TestPki) -> Iterator[OcspResponder]:
    server = OcspResponder(pki)
    yield server
    server.close()


def test_ocsp_good(pki: TestPki, responder: OcspResponder) -> None:
    card = pki.issue_card()
    verified = verifier_for(pki, revocation=RevocationChecker(ocsp_url=responder.url)).verify(card.card_files(), now())
    assert verified.revocation == "good" and responder.requests == 1


def test_ocsp_revoked(pki: TestPki, responder: OcspResponder) -> None:
    card = pki.issue_card()
    responder.revoked.add(card.auth_cert.serial_number)
    error = refused(verifier_for(pki, revocation=RevocationChecker(ocsp_url=responder.url)), card.card_files())
    assert error.code == "eid.certificate" and "revoked" in error.detail


def test_ocsp_answer_signed_by_a_stranger_is_not_trusted(pki: TestPki, responder: OcspResponder) -> None:
    card = pki.issue_card()
    responder.signer = "stranger"
    error = refused(verifier_for(pki, revocation=RevocationChecker(ocsp_url=responder.url)), card.card_files())
    assert error.code == "eid.certificate" and "not signed" in error.detail


def test_unreachable_ocsp_responder_refuses(pki: TestPki, responder: OcspResponder) -> None:
    url = responder.url
    responder.close()
    error = refused(verifier_for(pki, revocation=RevocationChecker(ocsp_url=url, timeout=2)), pki.issue_card().card_files())
    assert error.code == "eid.certificate" and "unreachable" in error.detail
