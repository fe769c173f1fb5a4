"""Put an emulated card into a virtual reader of pcscd (the vsmartcard ``vpcd`` driver).

vpcd listens on a TCP port per reader; the card side ("vicc") connects to it. Every
message is a 2-byte big-endian length and a payload: one byte is a control message
(``00`` power off, ``01`` power on, ``02`` reset, ``04`` send the ATR), anything longer is a
command APDU answered with the response APDU. Connecting inserts the card; closing the
connection pulls it out, which is how the tests remove a card in the middle of a read.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import socket
import struct
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from cryptography.hazmat.primitives import serialization

from immo_connect.eid.emulator.card import BelpicCard

log = logging.getLogger("immo_connect.eid.emulator")

POWER_OFF, POWER_ON, RESET, GET_ATR = 0x00, 0x01, 0x02, 0x04
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class VpcdBridge:
    """Serves one card at a time to the vpcd reader listening on ``host:port``."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.card: BelpicCard | None = None
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._remove_after: int | None = None
        self.apdus = 0

    def insert(self, card: BelpicCard, *, timeout: float = 10.0) -> None:
        """Connect ``card`` to the reader (pulling out the previous one first)."""
        self.remove()
        deadline = time.monotonic() + timeout
        while True:
            try:
                connection = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        connection.settimeout(0.2)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.card, self._socket, self.apdus = card, connection, 0
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, args=(connection, card), name="vicc", daemon=True)
        self._thread.start()

    def remove_after(self, apdus: int | None) -> None:
        """Pull the card out after it answered ``apdus`` more command APDUs (``None``: never)."""
        self._remove_after = None if apdus is None else self.apdus + apdus

    def remove(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        self._socket, self.card, self._remove_after = None, None, None

    close = remove

    def _serve(self, connection: socket.socket, card: BelpicCard) -> None:
        try:
            while not self._stop.is_set():
                header = self._receive(connection, 2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                payload = self._receive(connection, length) if length else b""
                if payload is None:
                    return
                if length == 1:
                    command = payload[0]
                    if command in (POWER_ON, RESET):
                        card.reset()
                    elif command == GET_ATR:
                        connection.sendall(struct.pack(">H", len(card.atr)) + card.atr)
                    continue
                if self._remove_after is not None and self.apdus >= self._remove_after:
                    return  # the card is pulled out before it answers
                response = card.execute(payload)
                self.apdus += 1
                connection.sendall(struct.pack(">H", len(response)) + response)
        except OSError as error:
            log.debug("vicc connection ended: %s", error)
        finally:
            with contextlib.suppress(OSError):
                connection.close()

    def _receive(self, connection: socket.socket, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            if self._stop.is_set():
                return None
            try:
                chunk = connection.recv(size - len(data))
            except TimeoutError:
                continue
            if _QUICKACK is not None:
                # vpcd writes the length and the payload separately: acknowledging at once
                # keeps its Nagle algorithm from holding the payload back for 40 ms.
                connection.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            if not chunk:
                return None
            data += chunk
        return data


def card_spec(card: BelpicCard) -> dict[str, Any]:
    """Everything needed to rebuild ``card`` in another process (keys as PKCS#8 DER)."""
    keys = {
        reference: key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
        for reference, key in card.keys.items()
    }
    return {"files": card.files, "applet": card.applet, "card_data": card.card_data, "atr": card.atr,
            "pin": card.pin, "pin_tries": card.pin_tries_left, "max_tries": card.max_tries, "keys": keys}


def card_from_spec(spec: dict[str, Any]) -> BelpicCard:
    keys = {reference: serialization.load_der_private_key(der, None) for reference, der in spec["keys"].items()}
    card = BelpicCard(spec["files"], applet=spec["applet"], card_data=spec["card_data"], atr=spec["atr"],
                      pin=spec["pin"], pin_tries=spec["max_tries"], keys=keys)
    card.pin_tries_left = spec["pin_tries"]
    return card


def _child(connection: Connection, port: int) -> None:  # pragma: no cover - runs in the child process
    bridge = VpcdBridge(port)
    while True:
        try:
            command, argument = connection.recv()
        except EOFError:
            command, argument = "stop", None
        if command == "insert":
            bridge.insert(card_from_spec(argument))
        elif command == "remove":
            bridge.remove()
        elif command == "remove_after":
            bridge.remove_after(argument)
        elif command == "stop":
            bridge.close()
            connection.send(None)
            return
        card = bridge.card
        connection.send(None if card is None else {
            "pin_tries_left": card.pin_tries_left, "commands": card.commands, "apdus": bridge.apdus,
        })


class VpcdProcess:
    """A :class:`VpcdBridge` in a child process.

    Needed when the caller drives the card through a PKCS#11 module that talks to pcscd
    itself (OpenSC): PyKCS11 holds the interpreter lock during such calls, so a card
    answering from a thread of the same process would never get to run.
    """

    def __init__(self, port: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_child, args=(child, port), name="vicc", daemon=True)
        self._process.start()
        child.close()

    def _call(self, command: str, argument: Any = None) -> dict[str, int] | None:
        self._connection.send((command, argument))
        answer: dict[str, int] | None = self._connection.recv()
        return answer

    def insert(self, card: BelpicCard) -> None:
        self._call("insert", card_spec(card))

    def remove(self) -> None:
        self._call("remove")

    def remove_after(self, apdus: int | None) -> None:
        self._call("remove_after", apdus)

    def state(self) -> dict[str, int] | None:
        """The inserted card's PIN tries left and command count (``None`` without a card)."""
        return self._call("state")

    def close(self) -> None:
        if self._process.is_alive():
            with contextlib.suppress(OSError, EOFError, BrokenPipeError):
                self._call("stop")
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        self._connection.close()
