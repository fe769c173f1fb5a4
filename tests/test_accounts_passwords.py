"""Password policy, Argon2id hashing with stored parameters, and the legacy hash formats."""

from __future__ import annotations

import base64
import hashlib

import bcrypt
import pytest

from immo_connect.accounts import legacy_hashes
from immo_connect.accounts.passwords import (
    ASVS_MINIMUM,
    Argon2Parameters,
    PasswordHasher,
    check_password,
    common_passwords,
)
from immo_connect.errors import ValidationError


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("", "password_empty"),
        ("court12", "password_too_short"),
        ("x" * 129, "password_too_long"),
        ("password123", "password_common"),
        ("Sunshine", "password_common"),
        ("anne.peeters-2026", "password_personal"),
        ("mon peeters chéri", "password_personal"),
        ("immo-connect rocks", "password_personal"),
    ],
)
def test_policy_refuses_with_the_reason(password: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_password(password, context=("Anne", "Peeters", "anne.peeters", "anne@example.be"))
    assert caught.value.code == code
    assert caught.value.field == "password"
    assert caught.value.message and caught.value.hint


def test_policy_accepts_long_passphrases_without_composition_rules() -> None:
    check_password("tulipe verte sur la table", context=("Anne", "Peeters"))
    check_password("é" * 64)  # any Unicode, 64 characters allowed
    check_password("x" * 128 + "", context=())


def test_confirmation_must_match() -> None:
    with pytest.raises(ValidationError) as caught:
        check_password("tulipe verte 1987", "tulipe verte 1988")
    assert caught.value.code == "password_mismatch"
    assert caught.value.field == "password_confirmation"


def test_common_list_ships_at_least_the_top_3000() -> None:
    words = common_passwords()
    assert len(words) >= 3000
    assert {"123456", "password", "qwerty", "iloveyou"} <= words


def test_argon2id_hash_carries_its_parameters_and_verifies() -> None:
    hasher = PasswordHasher()
    stored = hasher.hash("tulipe verte 1987")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify(stored, "tulipe verte 1987").ok
    assert not hasher.verify(stored, "tulipe verte 1988").ok
    assert not hasher.verify("not a hash", "tulipe verte 1987").ok
    assert hasher.hash("tulipe verte 1987") != stored  # a fresh salt each time


def test_changed_parameters_ask_for_a_rehash() -> None:
    old = PasswordHasher(Argon2Parameters(iterations=3, memory_kib=12 * 1024))
    stored = old.hash("tulipe verte 1987")
    current = PasswordHasher(ASVS_MINIMUM)
    result = current.verify(stored, "tulipe verte 1987")
    assert result.ok and result.needs_rehash
    assert not current.verify(current.hash("tulipe verte 1987"), "tulipe verte 1987").needs_rehash


def test_unicode_passwords_are_normalised() -> None:
    hasher = PasswordHasher()
    composed = "café crème 2026"
    decomposed = "cafe\u0301 cre\u0300me 2026"
    assert hasher.verify(hasher.hash(composed), decomposed).ok


def test_parameters_below_a_sane_floor_are_refused() -> None:
    with pytest.raises(ValueError):
        Argon2Parameters(iterations=0)
    with pytest.raises(ValueError):
        Argon2Parameters(salt_bytes=8)


def test_legacy_bcrypt_pbkdf2_and_salted_sha256() -> None:
    password = "ancien mot 42"
    bcrypt_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), b"sel", 1000)
    pbkdf2_hash = f"pbkdf2_sha256$1000$sel${base64.b64encode(digest).decode()}"
    sha_hash = "sha256$grain$" + hashlib.sha256(b"grain" + password.encode()).hexdigest()
    for stored, kind in ((bcrypt_hash, "bcrypt"), (pbkdf2_hash, "pbkdf2_sha256"), (sha_hash, "salted_sha256")):
        assert legacy_hashes.identify(stored) == kind
        assert legacy_hashes.verify(stored, password)
        assert not legacy_hashes.verify(stored, password + "x")
    assert legacy_hashes.verify(bcrypt_hash.replace("$2b$", "$2y$", 1), password)


@pytest.mark.parametrize(
    "stored",
    ["", "md5$abc", "$2b$99$" + "a" * 53, "$2b$10$short", "pbkdf2_sha256$0$s$AAAA", "pbkdf2_sha256$10$s$***",
     "sha256$salt$xyz"],
)
def test_unknown_or_malformed_legacy_hashes_are_named(stored: str) -> None:
    with pytest.raises(legacy_hashes.UnknownHashFormat) as caught:
        legacy_hashes.identify(stored)
    assert str(caught.value)
    assert not legacy_hashes.verify(stored, "anything")
