"""The card reader through PC/SC (pyscard), with each failure turned into a clear error.

pyscard's low-level ``scard`` module is used directly: one context, one connection, and
the PC/SC result codes tell apart "no reader", "no card" and "card removed".
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from immo_connect_eid.card import CardFiles, CardReader
from immo_connect_eid.errors import kind, problem

log = logging.getLogger("immo_connect_eid")

# PC/SC result codes (winscard.h), compared as unsigned 32-bit values.
_NO_SERVICE = {0x8010001D, 0x8010001E}  # SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED
_NO_READERS = 0x8010002E
_NO_CARD = {0x8010000C, 0x80100067, 0x80100066}  # no card, unpowered, unresponsive
_REMOVED = {
    0x80100069,  # SCARD_W_REMOVED_CARD
    0x80100068,  # SCARD_W_RESET_CARD
    0x80100016,  # SCARD_E_NOT_TRANSACTED (the card vanished mid-exchange)
    0x80100017,  # SCARD_E_READER_UNAVAILABLE
    0x8010002F,  # SCARD_E_COMM_DATA_LOST
    0x80100013,  # SCARD_F_COMM_ERROR
    0x80100003,  # SCARD_E_INVALID_HANDLE
    0x80100009,  # SCARD_E_UNKNOWN_READER (the reader was unplugged)
}


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


class PcscTransport:
    """One connected card; ``transmit`` raises :class:`CardRemoved` when the card goes away."""

    def __init__(self, scard: Any, card: int, protocol: int, reader: str) -> None:
        self._scard = scard
        self._card = card
        self._pci = scard.SCARD_PCI_T0 if protocol == scard.SCARD_PROTOCOL_T0 else scard.SCARD_PCI_T1
        self.reader = reader
        self.exchanges = 0

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        hresult, response = self._scard.SCardTransmit(self._card, self._pci, list(apdu))
        self.exchanges += 1
        code = _code(hresult)
        if code != 0:
            if code in _REMOVED or code in _NO_CARD:
                raise problem("eid.card_removed", f"transmit failed: {code:08X}")
            raise problem("eid.read_failed", f"transmit failed: {code:08X}")
        if len(response) < 2:  # the reader lost the card in the middle of the exchange
            raise problem("eid.card_removed", "the reader returned no status word")
        return bytes(response[:-2]), response[-2], response[-1]


def _import_scard() -> Any:
    try:
        from smartcard import scard
    except ImportError as error:  # one error naming what is missing, never a traceback
        raise problem("extra_missing", "eid", detail=str(error)) from None
    return scard


@contextmanager
def connect(reader_hint: str = "") -> Iterator[PcscTransport]:
    """Connect to the first reader holding a BELPIC card (readers matching ``reader_hint`` first).

    Raises :class:`NoReader`, :class:`NoCard` or :class:`NotAnEidCard`; the connection is
    always closed on the way out.
    """
    scard = _import_scard()
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if _code(hresult) != 0:
        raise problem("eid.no_reader", service_down=True, detail=f"establish context: {_code(hresult):08X}")
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        if _code(hresult) == _NO_READERS or (_code(hresult) == 0 and not readers):
            raise problem("eid.no_reader")
        if _code(hresult) != 0:
            raise problem("eid.no_reader", detail=f"list readers: {_code(hresult):08X}")
        ordered = sorted(readers, key=lambda name: not (reader_hint and reader_hint in name))
        not_eid: Exception | None = None
        for name in ordered:
            hresult, card, protocol = scard.SCardConnect(
                context, name, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
            )
            if _code(hresult) != 0:
                continue  # no card (or an unusable one) in this reader
            transport = PcscTransport(scard, card, protocol, name)
            try:
                try:
                    CardReader(transport).select_applet()
                except kind("eid.not_eid") as error:
                    not_eid = error
                    continue
                yield transport
                return
            finally:
                scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
        raise not_eid or problem("eid.no_card")
    finally:
        scard.SCardReleaseContext(context)


def read_card(reader_hint: str = "") -> CardFiles:
    """Read every file the platform needs from the inserted eID card."""
    with connect(reader_hint) as transport:
        files = CardReader(transport).read_all()
        log.info("eID card read in reader %s (%d exchanges)", transport.reader, transport.exchanges)
        return files
