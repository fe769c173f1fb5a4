"""The Belgian eID card: read it (PC/SC), verify it, authenticate its holder (PKCS#11), link it.

``platform.eid`` (:class:`immo_connect.eid.service.EidService`) is the entry point; the
modules below it are usable on their own: :mod:`~immo_connect.eid.tlv` (the card's TLV
files), :mod:`~immo_connect.eid.card` (APDUs), :mod:`~immo_connect.eid.pcsc` (pyscard),
:mod:`~immo_connect.eid.verify` (signatures and certificate chain),
:mod:`~immo_connect.eid.pkcs11` (challenge signature), :mod:`~immo_connect.eid.remote`
(the challenge and token of ``immo-connect eid sign``). :mod:`~immo_connect.eid.emulator`
holds a card emulator and a test PKI for development and tests.

The card side (APDUs, PC/SC, PKCS#11, codes, the answer) is the eID signer's package
``immo_connect_eid`` (folder ``signer/``), carried in this distribution: one implementation
for the laptop signer and the platform. Importing this package makes those modules raise
the platform's errors (:mod:`immo_connect.eid.errors` registers them).
"""

from immo_connect.eid import errors as errors
