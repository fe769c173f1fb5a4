"""The Immo-Connect eID signer: sign the challenge of an Immo-Connect screen with a Belgian eID card.

A small distribution of its own (``immo-connect-eid``) for the computer where the card reader
is: pyscard for the reader, PyKCS11 for the official eID software's keys, nothing else.
The Immo-Connect platform carries the same modules for its own card reading.
"""

__version__ = "1.0.0"
