"""Short challenge codes: typed or read aloud, checked before anything else happens.

A code is nine random characters and one check character from an alphabet of 29 symbols
without look-alikes (no 0/O, 1/I/L, U/V), shown in two groups: ``K7M2P-XQ4R4``. The check
character is a position-weighted sum modulo 29, a prime: every single mistyped character
and every swap of two neighbours changes it, and a cut code has the wrong length. The code
only names a challenge kept by the platform; the signer fetches the challenge with it.
"""

from __future__ import annotations

import secrets

from immo_connect_eid.errors import problem

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
RANDOM_LENGTH = 9
LENGTH = RANDOM_LENGTH + 1


def _check(body: str) -> str:
    total = sum((position + 1) * ALPHABET.index(symbol) for position, symbol in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    """A fresh code, canonical form (no separator)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check(body)


def grouped(code: str) -> str:
    """``K7M2PXQ4R4`` → ``K7M2P-XQ4R4`` (how it is shown)."""
    return f"{code[:5]}-{code[5:]}"


def normalise(text: str) -> str:
    """The canonical code of what a user typed, or the ``eid.challenge_invalid`` problem (cut, mistyped)."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    if len(cleaned) != LENGTH:
        raise problem("eid.challenge_invalid", f"code of {len(cleaned)} characters instead of {LENGTH}")
    if any(ch not in ALPHABET for ch in cleaned):
        raise problem("eid.challenge_invalid", "code with a character outside its alphabet")
    if _check(cleaned[:-1]) != cleaned[-1]:
        raise problem("eid.challenge_invalid", "code check character wrong")
    return cleaned


def looks_like_code(text: str) -> bool:
    """Whether a command-line argument is meant as a short code (not a long ``IC1-`` challenge)."""
    return not text.strip().upper().startswith("IC1-")
