"""The card's Authentication key through the eID software: the signer's implementation
(:mod:`immo_connect_eid.pkcs11`)."""

from immo_connect_eid.pkcs11 import (
    DEFAULT_MODULE_PATHS,
    KEY_LABEL,
    TOKEN_LABEL,
    ChallengeSignature,
    check_module,
    default_module_path,
    module_path,
    reader_has_pinpad,
    sign_challenge,
)

__all__ = [
    "DEFAULT_MODULE_PATHS", "KEY_LABEL", "TOKEN_LABEL", "ChallengeSignature", "check_module",
    "default_module_path", "module_path", "reader_has_pinpad", "sign_challenge",
]
