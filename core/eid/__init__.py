"""The Belgian eID card: read it (PC/SC), verify it, authenticate its holder (PKCS#11), link it.

``platform.eid`` (:class:`immo_connect.eid.service.EidService`) is the entry point; the
modules below it are usable on their own: :mod:`~immo_connect.eid.tlv` (the card's TLV
files), :mod:`~immo_connect.eid.card` (APDUs), :mod:`~immo_connect.eid.pcsc` (pyscard),
:mod:`~immo_connect.eid.verify` (signatures and certificate chain),
:mod:`~immo_connect.eid.pkcs11` (challenge signature), :mod:`~immo_connect.eid.remote`
(the challenge and token of ``immo-connect eid sign``). :mod:`~immo_connect.eid.emulator`
holds a card emulator and a test PKI for development and tests.
"""
