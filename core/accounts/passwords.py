"""Password policy and password hashing.

Policy (OWASP ASVS 5.0 V6, NIST 800-63B): at least 8 characters, up to 128 accepted, no
composition rules, refused when on the common-password list or when it contains the
person's names, username or e-mail address; every refusal says why.

Hashing: Argon2id from ``cryptography`` stored as a PHC string, which carries the
parameters and salt, so a change of parameters is noticed at the next sign-in and the
hash is replaced (:meth:`PasswordHasher.verify` reports ``needs_rehash``). Hashes of the
earlier tools (bcrypt, PBKDF2-SHA256, salted SHA-256) are verified by
:mod:`immo_connect.accounts.legacy_hashes`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from immo_connect.errors import ValidationError
from immo_connect.i18n import _

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt"
# Words of the platform itself, refused like the person's own names.
PLATFORM_WORDS = ("immoconnect", "immo-connect", "immo connect")

_PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$")


@dataclasses.dataclass(frozen=True)
class Argon2Parameters:
    """Argon2id cost parameters; the defaults are the OWASP ASVS 5.0 minimum (t=2, 19 MiB, p=1)."""

    iterations: int = 2
    memory_kib: int = 19 * 1024
    lanes: int = 1
    salt_bytes: int = 16
    hash_bytes: int = 32

    def __post_init__(self) -> None:
        if self.iterations < 1 or self.lanes < 1 or self.memory_kib < 8 * self.lanes:
            raise ValueError(f"invalid Argon2id parameters: {self}")
        if self.salt_bytes < 16 or self.hash_bytes < 16:
            raise ValueError("Argon2id salt and hash need at least 16 bytes")


ASVS_MINIMUM = Argon2Parameters()


@dataclasses.dataclass(frozen=True)
class Verification:
    ok: bool
    needs_rehash: bool = False


def normalise(password: str) -> bytes:
    """The bytes that are hashed: NFKC-normalised UTF-8 (NIST 800-63B), never truncated."""
    return unicodedata.normalize("NFKC", password).encode("utf-8")


class PasswordHasher:
    """Hashes with one set of parameters and verifies hashes made with any."""

    def __init__(self, parameters: Argon2Parameters = ASVS_MINIMUM) -> None:
        self.parameters = parameters
        self._dummy: str | None = None

    def _kdf(self, salt: bytes) -> Argon2id:
        p = self.parameters
        return Argon2id(
            salt=salt, length=p.hash_bytes, iterations=p.iterations,
            lanes=p.lanes, memory_cost=p.memory_kib,
        )

    def hash(self, password: str) -> str:
        """A new PHC string for ``password`` with a fresh random salt."""
        return self._kdf(os.urandom(self.parameters.salt_bytes)).derive_phc_encoded(normalise(password))

    def verify(self, stored: str, password: str) -> Verification:
        """Check ``password`` against an Argon2id PHC string (constant-time comparison)."""
        match = _PHC.match(stored)
        if match is None:
            return Verification(False)
        try:
            Argon2id.verify_phc_encoded(normalise(password), stored)
        except InvalidKey:
            return Verification(False)
        memory, iterations, lanes = (int(match.group(i)) for i in (1, 2, 3))
        p = self.parameters
        current = (memory, iterations, lanes) == (p.memory_kib, p.iterations, p.lanes)
        return Verification(True, needs_rehash=not current)

    def burn(self, password: str) -> None:
        """Spend the time of one verification, so unknown or refused accounts answer as slowly."""
        if self._dummy is None:
            self._dummy = self.hash("immo-connect timing equaliser")
        self.verify(self._dummy, password)


# -- policy --------------------------------------------------------------------------------


@cache
def common_passwords() -> frozenset[str]:
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def _context_words(words: Iterable[str]) -> list[str]:
    """Names, username and e-mail parts worth refusing (3 characters or more)."""
    found: list[str] = []
    for raw in words:
        word = unicodedata.normalize("NFKC", raw or "").strip().lower()
        if not word:
            continue
        parts = {word}
        if "@" in word:
            local = word.split("@", 1)[0]
            parts.add(local)
            parts.update(re.split(r"[._+-]", local))
        parts.update(re.split(r"[\s'-]+", word))
        found.extend(p for p in parts if len(p) >= 3)
    return sorted(set(found), key=len, reverse=True)


def check_password(password: str, confirmation: str | None = None, *, context: Iterable[str] = ()) -> None:
    """Refuse a password that breaks the policy, with the reason; ``context`` = names, username, e-mail."""
    field = "password"
    if not password:
        raise ValidationError(
            _("Enter a password."), hint=_("Choose a password of at least 8 characters."),
            code="password_empty", field=field,
        )
    length = len(unicodedata.normalize("NFKC", password))
    if length < MIN_LENGTH:
        raise ValidationError(
            _("This password is too short ({length} characters).").format(length=length),
            hint=_("Use at least 8 characters; a few words in a row make a strong password."),
            code="password_too_short", field=field,
        )
    if length > MAX_LENGTH:
        raise ValidationError(
            _("This password is too long ({length} characters).").format(length=length),
            hint=_("Use at most 128 characters."), code="password_too_long", field=field,
        )
    lowered = unicodedata.normalize("NFKC", password).lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        raise ValidationError(
            _("This password is one of the most common passwords."),
            hint=_("Choose a password that others are unlikely to use, e.g. a few unrelated words."),
            code="password_common", field=field,
        )
    for word in [*_context_words(context), *PLATFORM_WORDS]:
        if word in lowered:
            raise ValidationError(
                _("This password contains your name, username, e-mail address or the platform's name."),
                hint=_("Choose a password without personal details that others could guess."),
                code="password_personal", field=field,
            )
    if confirmation is not None and confirmation != password:
        raise ValidationError(
            _("The two passwords are not the same."),
            hint=_("Type the same password in both fields."),
            code="password_mismatch", field="password_confirmation",
        )
