"""The card's APDUs and files: the signer's implementation (:mod:`immo_connect_eid.card`)."""

from immo_connect_eid.card import (
    BELPIC_AID,
    CHUNK,
    PATH_ADDRESS,
    PATH_ADDRESS_SIGNATURE,
    PATH_AUTH_CERT,
    PATH_BASIC_KEY,
    PATH_CA_CERT,
    PATH_ID,
    PATH_ID_SIGNATURE,
    PATH_PHOTO,
    PATH_ROOT_CERT,
    PATH_RRN_CERT,
    PATH_SIGN_CERT,
    CardFiles,
    CardReader,
    Transport,
    cut_der,
)

__all__ = [
    "BELPIC_AID", "CHUNK", "PATH_ADDRESS", "PATH_ADDRESS_SIGNATURE", "PATH_AUTH_CERT", "PATH_BASIC_KEY",
    "PATH_CA_CERT", "PATH_ID", "PATH_ID_SIGNATURE", "PATH_PHOTO", "PATH_ROOT_CERT", "PATH_RRN_CERT",
    "PATH_SIGN_CERT", "CardFiles", "CardReader", "Transport", "cut_der",
]
