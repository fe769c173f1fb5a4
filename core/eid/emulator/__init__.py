"""A Belgian eID card emulator and the test stack around it, for development and tests.

* :mod:`.pki`: a test PKI shaped like the Belgian one, and the cards it issues (applet 1.7
  with RSA keys, applet 1.8 with EC P-384 keys);
* :mod:`.card`: the card itself, a pure ``execute(apdu) -> response`` class;
* :mod:`.vpcd`: puts a card into a virtual reader of pcscd (vsmartcard's vpcd driver);
* :mod:`.pcscd`: a private pcscd with that virtual reader;
* :mod:`.softhsm`: SoftHSM2 tokens holding a card's Authentication key (the PKCS#11 side).

Nothing here is used in production: cards of the test PKI are refused unless its root is
added to ``[eid] trust_anchors``. ``immo-connect eid emulate`` runs it for a developer.
"""
