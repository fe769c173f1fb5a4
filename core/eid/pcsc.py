"""The card reader through PC/SC: the signer's implementation (:mod:`immo_connect_eid.pcsc`)."""

from immo_connect_eid.pcsc import PcscTransport, connect, read_card

__all__ = ["PcscTransport", "connect", "read_card"]
