"""The challenge and the signed answer of a link from another computer: the signer's
implementation (:mod:`immo_connect_eid.answer`), which the platform verifies."""

from immo_connect_eid.answer import (
    BELGIAN_TIME,
    CHALLENGE_PREFIX,
    NONCE_BYTES,
    TOKEN_PREFIX,
    Challenge,
    Token,
    authentication_payload,
    local_time,
    sign_token,
)

__all__ = [
    "BELGIAN_TIME", "CHALLENGE_PREFIX", "NONCE_BYTES", "TOKEN_PREFIX", "Challenge", "Token",
    "authentication_payload", "local_time", "sign_token",
]
