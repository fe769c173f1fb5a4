"""The signer's way to the platform: the signer's implementation (:mod:`immo_connect_eid.platform`)."""

from immo_connect_eid.platform import TIMEOUT_SECONDS, fetch_challenge, platform_address, post_answer

__all__ = ["TIMEOUT_SECONDS", "fetch_challenge", "platform_address", "post_answer"]
