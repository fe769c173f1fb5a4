"""Short challenge codes: the signer's implementation (:mod:`immo_connect_eid.shortcode`)."""

from immo_connect_eid.shortcode import ALPHABET, LENGTH, RANDOM_LENGTH, grouped, looks_like_code, new_code, normalise

__all__ = ["ALPHABET", "LENGTH", "RANDOM_LENGTH", "grouped", "looks_like_code", "new_code", "normalise"]
